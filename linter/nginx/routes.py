"""Which proxied locations carry LLM or SSE traffic, and why we think so.

Signals, strongest first: a ``# streamproof: stream`` comment (or ``no-stream`` to say no) or
the ``stream-routes`` setting; SSE already acknowledged in the block (``proxy_buffering off``,
``text/event-stream``, ``X-Accel-Buffering``); the location path (``/v1/chat/completions``,
``/api/generate``, ``/stream``, ...); the upstream (names and ports of LLM servers and hosted
LLM APIs); for a catch-all ``location /``, a server_name naming an LLM app; a LiteLLM config in
the same repository with an OpenAI-style path. A route with no signal is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import NamedTuple

from linter.config import Settings
from linter.nginx.context import Stmt
from linter.nginx.directives import FAMILIES
from linter.nginx.model import NginxDocument
from linter.nginx.tree import FileComment

_STREAM_COMMENT = re.compile(r"#\s*streamproof\s*:\s*(no-stream|stream)\b")

# Path fragments of streaming endpoints (matched on the location's path or regex).
_PATH_PATTERNS = re.compile(
    r"chat[\\/]+completions|(?:^|[\\/^(|])v1[\\/]+(?:completions|responses|messages)"
    r"|api[\\/]+(?:chat|generate)\b|generate_stream|stream-chat|chat-stream|event-stream"
    r"|(?:^|[\\/^(|])(?:stream|streaming|sse|events|eventsource|mcp)(?:$|[\\/$)|?(])",
    re.IGNORECASE,
)

# Paths that are not streams even on an LLM server (health checks, metrics, UIs, auth): the
# weaker signals (upstream, server_name, a LiteLLM config, `proxy_buffering off` copied into
# every location) do not make these streaming routes.
_NOT_STREAMING_SEGMENTS = frozenset(
    [
        "health",
        "healthz",
        "healthcheck",
        "health_check",
        "liveliness",
        "liveness",
        "livez",
        "readiness",
        "readyz",
        "ready",
        "live",
        "metrics",
        "status",
        "ping",
        "favicon.ico",
        "robots.txt",
        "static",
        "assets",
        "ui",
        "login",
        "logout",
        "auth",
        "oauth",
        "oauth2",
        "callback",
        "sso",
        "saml",
        "docs",
        "redoc",
        "openapi.json",
        "swagger",
        "swagger-ui",
        ".well-known",
        "_next",
        "image",
        "images",
        "img",
        "css",
        "js",
        "fonts",
        "uploads",
        "files",
    ]
)


def not_streaming_path(path: str) -> bool:
    """A segment of the path (every alternative of it, for a regex) names something that is
    not a stream: `/health`, `= /metrics`, `^/auth/saml`, `/ui/`, `/mcp/oauth/callback`."""
    text = re.sub(r"^[=~*^\s]+", "", path).lstrip("^/\\")
    for segment in re.split(r"[/\\]+", text):
        segment = segment.strip("()$?^")
        if not segment or "(" in segment or ")" in segment:
            continue
        alternatives = [a.strip("()$?").replace("\\.", ".") for a in segment.split("|")]
        if all(a.lower() in _NOT_STREAMING_SEGMENTS for a in alternatives if a) and any(
            alternatives
        ):
            return True
    return False


# Names of LLM servers and hosted LLM APIs, as they appear in host names and upstream names.
_LLM_NAMES = (
    "litellm",
    "ollama",
    "vllm",
    "openwebui",
    "open-webui",
    "librechat",
    "anythingllm",
    "localai",
    "lmstudio",
    "lm-studio",
    "sglang",
    "llamacpp",
    "llama-cpp",
    "llama_cpp",
    "llama-server",
    "llamafile",
    "koboldcpp",
    "oobabooga",
    "text-generation",
    "tabbyapi",
    "openllm",
    "xinference",
    "lmdeploy",
    "fastchat",
    "api.openai.com",
    "openai.azure.com",
    "api.anthropic.com",
    "openrouter.ai",
    "generativelanguage.googleapis.com",
    "api.mistral.ai",
    "api.groq.com",
    "api.deepseek.com",
    "api.together.xyz",
    "api.cohere.ai",
    "api.cohere.com",
    "api.ai21.com",
    "api-inference.huggingface.co",
    "api.fireworks.ai",
    "api.perplexity.ai",
)
# Short names that only count as a whole part of a host name (`tgi`, `llm-gateway`).
_LLM_NAME_PARTS = frozenset({"tgi", "llm", "llms", "llama", "vllm", "ollama", "litellm", "openai"})
# Ports LLM servers listen on by default, distinctive enough to count on their own.
_LLM_PORTS = {
    "4000": "LiteLLM's port 4000",
    "11434": "Ollama's port 11434",
    "3080": "LibreChat's port 3080",
    "1234": "LM Studio's port 1234",
}


class Signal(NamedTuple):
    kind: str  # comment, setting, sse, path, upstream, server_name, litellm
    text: str  # for messages: "... is a streaming route because <text>"


class Route(NamedTuple):
    block: Stmt  # the location (or the snippet's root) that holds the *_pass
    pass_stmt: Stmt
    family: str  # proxy, fastcgi, uwsgi, scgi, grpc
    upstream: Stmt | None  # the upstream {} the pass names, when there is one
    signal: Signal | None
    opted_out: bool = False

    @property
    def streaming(self) -> bool:
        return self.signal is not None and not self.opted_out

    def label(self) -> str:
        block = self.block
        if block.is_root:
            return "this snippet's route"
        args = " ".join(arg.raw for arg in block.directive.args) if block.directive else ""
        return f"location {args}".strip()


def route_block(stmt: Stmt) -> Stmt:
    """The block that governs a `*_pass`: its location (through `if`/`limit_except`)."""
    block = stmt.parent
    assert block is not None
    while block.name in ("if", "limit_except") and not block.is_root and block.parent is not None:
        block = block.parent
    return block


def upstreams(document: NginxDocument) -> dict[str, Stmt]:
    """The upstream blocks by name (the first of each name), found once per document."""
    cached = document.cache.get("upstreams")
    if isinstance(cached, dict):
        return dict(cached)
    found: dict[str, Stmt] = {}
    for stmt in document.statements():
        if stmt.name == "upstream" and stmt.is_block and stmt.args:
            found.setdefault(stmt.args[0], stmt)
    document.cache["upstreams"] = found
    return dict(found)


def pass_host(target: str) -> tuple[str, str]:
    """(host, port) of a `proxy_pass` target (``http://host:port/path``); port may be ''."""
    rest = re.sub(r"^[a-z]+://", "", target, flags=re.IGNORECASE)
    rest = re.split(r"[/?]", rest, maxsplit=1)[0]
    if rest.startswith("unix:"):
        return rest, ""
    if rest.startswith("["):
        host, _, tail = rest.partition("]")
        return host + "]", tail.lstrip(":")
    host, _, port = rest.partition(":")
    return host, port


def llm_name(text: str) -> str | None:
    lowered = text.lower()
    for name in _LLM_NAMES:
        if name in lowered:
            return name
    for part in re.split(r"[^a-z0-9]+", lowered):
        if part in _LLM_NAME_PARTS:
            return part
    return None


def llm_port(port: str) -> str | None:
    """What a port number says about the server behind it ("LiteLLM's port 4000"), if much."""
    return _LLM_PORTS.get(port.strip())


def streaming_path(path: str) -> bool:
    """A path (or a location's regex) that names a streaming endpoint."""
    return _PATH_PATTERNS.search(path) is not None


def _upstream_signal(route_target: str, upstream: Stmt | None) -> Signal | None:
    host, port = pass_host(route_target)
    if upstream is not None:
        name = llm_name(upstream.args[0])
        if name:
            return Signal(
                "upstream",
                f"its upstream `{upstream.args[0]}` is named like an LLM server ({name})",
            )
        for server in upstream.level_named("server"):
            if not server.args:
                continue
            server_host, server_port = pass_host(server.args[0])
            name = llm_name(server_host)
            if name:
                return Signal(
                    "upstream", f"its upstream server {server.args[0]} is an LLM server ({name})"
                )
            if server_port in _LLM_PORTS:
                return Signal(
                    "upstream",
                    f"its upstream server {server.args[0]} listens on {_LLM_PORTS[server_port]}",
                )
        return None
    name = llm_name(host)
    if name:
        return Signal("upstream", f"it proxies to {host}, an LLM server or API ({name})")
    if port in _LLM_PORTS:
        return Signal("upstream", f"it proxies to {host}:{port}, {_LLM_PORTS[port]}")
    return None


def _location_path(block: Stmt) -> str:
    if block.is_root or block.name != "location":
        return ""
    return block.args[-1] if block.args else ""


def _comment_signal(document: NginxDocument, block: Stmt) -> tuple[Signal | None, bool]:
    """A `# streamproof: stream` (or `no-stream`) comment in the block or on the line before."""
    if block.is_root:
        path = document.source.path
        comments = document.comments_of(path)
        start, end = 0, len(document.source.text)
        before_line = -1
    else:
        directive = block.directive
        assert directive is not None
        path = directive.path
        comments = document.comments_of(path)
        start, end = directive.start, directive.end
        before_line = directive.line - 1
    source = document.sources.get(path)
    for comment, match in _stream_comments(document, path, comments):
        inside = start <= comment.start < end
        line_before = source is not None and source.position(comment.start)[0] == before_line
        if inside or line_before:
            if match.group(1) == "no-stream":
                return None, True
            line = source.position(comment.start)[0] if source else 0
            return Signal(
                "comment",
                f"of the `# streamproof: stream` comment at {document.display(path)}:{line}",
            ), False
    return None, False


def _stream_comments(
    document: NginxDocument, path: str, comments: list[FileComment]
) -> list[tuple[FileComment, re.Match[str]]]:
    """The `# streamproof: stream` comments of a file, found once per document and file (every
    route of the file asks; most files have none)."""
    key = f"stream-comments:{path}"
    cached = document.cache.get(key)
    if cached is None:
        cached = [
            (comment, match)
            for comment in comments
            if (match := _STREAM_COMMENT.search(comment.text)) is not None
        ]
        document.cache[key] = cached
    return cached  # type: ignore[return-value]


def _sse_signal(block: Stmt, family: str) -> Signal | None:
    """SSE acknowledged in the block: an explicit mention of event streams (strong), or
    buffering turned off (weaker: it is also copied into every location of a server)."""
    buffering_off = None
    for stmt in block.walk():
        if stmt.directive is None or stmt.unknown:
            continue
        if (
            stmt.name == f"{family}_buffering"
            and stmt.args[:1] == ["off"]
            and buffering_off is None
        ):
            buffering_off = Signal(
                "sse", f"`{family}_buffering off` is already set for it (SSE acknowledged)"
            )
        for arg in stmt.args:
            lowered = arg.lower()
            if "text/event-stream" in lowered:
                return Signal(
                    "sse-explicit", "its block mentions `text/event-stream` (SSE acknowledged)"
                )
            if "x-accel-buffering" in lowered:
                return Signal(
                    "sse-explicit", "its block mentions `X-Accel-Buffering` (SSE acknowledged)"
                )
    return buffering_off


def _signal(
    document: NginxDocument,
    settings: Settings,
    block: Stmt,
    family: str,
    target: str,
    upstream: Stmt | None,
) -> tuple[Signal | None, bool]:
    signal, opted_out = _comment_signal(document, block)
    if signal or opted_out:
        return signal, opted_out
    path = _location_path(block)
    for pattern in settings.stream_routes:
        if path and (path == pattern or fnmatchcase(path, pattern)):
            return Signal("setting", f"the `stream-routes` setting lists {pattern!r}"), False
    signal = _sse_signal(block, family)
    if signal and signal.kind == "sse-explicit":
        return Signal("sse", signal.text), False
    if path and not_streaming_path(path):
        return None, False
    if path and _PATH_PATTERNS.search(path):
        return Signal("path", f"its path {path} is a streaming endpoint"), False
    if signal:
        return signal, False
    signal = _upstream_signal(target, upstream)
    if signal:
        return signal, False
    server = block.enclosing("server") if not block.is_root else None
    if server is not None and path == "/":
        for name_stmt in server.level_named("server_name"):
            for name in name_stmt.args:
                product = llm_name(name)
                if product:
                    return Signal(
                        "server_name",
                        f"it is the catch-all of server {name}, an LLM app ({product})",
                    ), False
    if document.litellm_configs and path and re.match(r"^[=^~*\s]*/(v1|openai|llm)\b", path):
        config = document.display(document.litellm_configs[0])
        return Signal(
            "litellm",
            f"the repository has a LiteLLM config ({config}) and {path} is an OpenAI-style path",
        ), False
    return None, False


def routes(document: NginxDocument, settings: Settings) -> Iterator[Route]:
    """Every block that proxies, once, with what makes it a streaming route (if anything)."""
    known = upstreams(document)
    seen: set[int] = set()
    for stmt in document.statements():
        family = FAMILIES.get(stmt.name)
        if family is None or stmt.directive is None or not stmt.args or stmt.parent is None:
            continue
        block = route_block(stmt)
        if id(block) in seen:
            continue
        seen.add(id(block))
        target = stmt.args[0]
        host, _ = pass_host(target)
        upstream = known.get(host) if "$" not in host else None
        signal, opted_out = _signal(document, settings, block, family, target, upstream)
        yield Route(block, stmt, family, upstream, signal, opted_out)


def all_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    """The routes of a document, computed once per document (every rule asks)."""
    cached = document.cache.get("routes")
    if cached is None:
        cached = list(routes(document, settings))
        document.cache["routes"] = cached
    return cached  # type: ignore[return-value]


def streaming_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    return [route for route in all_routes(document, settings) if route.streaming]
