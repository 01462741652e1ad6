"""Which proxied locations carry LLM or SSE traffic, and why we think so.

Signals, strongest first: a ``# streamproof: stream`` comment (or ``no-stream`` to say no) or
the ``stream-routes`` setting; SSE already acknowledged in the block (``proxy_buffering off``,
``text/event-stream``, ``X-Accel-Buffering``, a comment saying it streams; the comments are read in
linter/nginx/route_comments.py); the location path (``/v1/chat/completions``,
``/api/generate``, ``/stream``, ...); the upstream (names and ports of LLM servers and hosted
LLM APIs, or a template variable named for one, linter/nginx/backends.py); the app of the
same repository behind the target (a compose service or launch line whose app streams, or an
LLM server's image, linter/server/proxied.py; Python, JS/TS and Spring apps alike; read in
linter/nginx/app_signal.py); a path the project's browser app opens as an event stream on
its own origin (linter/server/clientreaders.py); for a catch-all ``location /``, a
server_name naming an LLM app; a LiteLLM config in the same
repository with an OpenAI-style path. A route with no signal is left alone. Template variables
the repository gives a value (the compose service that renders the file) are filled in before
the target is judged. Locations that serve an app's pages beside its API then lose their
signal, and a catch-all beside an LLM API takes a weak one (linter/nginx/route_pages.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase

from linter.config import Settings
from linter.llmservers import (
    GRADIO_PORT,
    LLM_LISTEN_PORTS,
    VLLM_PORT,
    llm_name,
    llm_server_in_path,
    llm_server_port,
    llm_word_only,
    not_streaming_path,
    server_name_product,
    streaming_path,
)
from linter.nginx.app_signal import app_signal, client_signal, path_app_signal
from linter.nginx.appquiet import object_store_backend, quiet_app, streamlit_backend
from linter.nginx.backends import (
    Signal,
    map_signal,
    map_values,
    read_timeout_sign,
    upstream_evidence,
    upstream_signal,
    upstreams,
)
from linter.nginx.context import Stmt
from linter.nginx.directives import FAMILIES
from linter.nginx.front_signal import inner_front_signal
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route, exact_match, location_path, route_block
from linter.nginx.route_comments import (
    comment_signal,
    naming_comment_signal,
    stream_comment_signal,
    upstream_comment_signal,
)
from linter.nginx.route_pages import (
    app_pages,
    chat_app_pages,
    server_name_beside_websocket,
    weak_catch_all,
)
from linter.nginx.targets import (
    Resolved,
    listen_ports,
    pass_host,
    resolve_target,
)

# Re-exported: rules and other layers ask this module for a route's backend facts.
__all__ = [
    "Signal",
    "all_routes",
    "map_values",
    "mapped_upstreams",
    "not_streaming_path",
    "pass_host",
    "routes",
    "streaming_routes",
    "upstream_evidence",
    "upstreams",
]


def _own_statements(block: Stmt) -> list[Stmt]:
    """The statements of a route's block, through its `if` and `limit_except` blocks but not
    into a location nested in it (that location is a route of its own, with its settings)."""
    found: list[Stmt] = []
    for stmt in block.level():
        found.append(stmt)
        if stmt.children is not None and stmt.name != "location":
            found.extend(_own_statements(stmt))
    return found


def _sse_signal(block: Stmt, family: str) -> Signal | None:
    """SSE acknowledged in the block: an explicit mention of event streams (strong), or
    buffering turned off (weaker: it is also copied into every location of a server)."""
    buffering_off = None
    buffering = f"{family}_buffering"  # (once, not once per statement of the block)
    for stmt in _own_statements(block):
        if stmt.directive is None or stmt.unknown:
            continue
        if stmt.name == buffering and stmt.args[:1] == ["off"] and buffering_off is None:
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
    resolved: Resolved,
    upstream: Stmt | None,
) -> tuple[Signal | None, bool]:
    signal, opted_out = comment_signal(document, block)
    if signal or opted_out:
        return signal, opted_out
    path = location_path(block)
    for pattern in settings.stream_routes:
        if path and (path == pattern or fnmatchcase(path, pattern)):
            return Signal("setting", f"the `stream-routes` setting lists {pattern!r}"), False
    signal = _sse_signal(block, family)
    # Buffering turned off (and a comment beside it saying why) yields to a backend whose own
    # code says it never streams (linter/nginx/appquiet.py): only other evidence counts then.
    habit = (
        signal is not None and signal.kind == "sse" and _quiet_backend(document, resolved, upstream)
    )
    if signal and signal.kind == "sse":
        signal = stream_comment_signal(document, block) or signal
    # Buffering off in every location of the server (a comment saying this one streams still
    # counts): the server's setting, no more a signal than the same line at server level.
    if signal and signal.kind == "sse" and _buffering_off_everywhere(document, block, family):
        habit = True
    if habit:
        signal = None
    if signal and signal.kind == "sse-explicit":
        return signal, False
    if quiet_app(document, resolved, upstream):
        # The app behind it is the repository's own and nothing of it streams: a path that
        # looks like chat, an LLM server's port or name, buffering turned off, are guesses
        # its code answers (linter/nginx/appquiet.py).
        return None, False
    if path and not_streaming_path(path):
        return None, False
    if path and streaming_path(path, exact=exact_match(block)):
        return Signal("path", f"its path {path} is a streaming endpoint"), False
    if signal:
        return signal, False
    if habit and (
        streamlit_backend(resolved, upstream) or object_store_backend(document, resolved, upstream)
    ):
        return None, False
    gradio = document.gradio_pin if _gradio_backend(resolved, upstream) else None
    if gradio is not None and gradio[0]:
        # Gradio before 4 answers over its queue's WebSocket, not SSE: its name or port says
        # nothing about a stream through this route (the app signals below still may).
        signal = app_signal(document, block, resolved, upstream) or path_app_signal(
            document, block, resolved, upstream
        )
    else:
        signal = (
            upstream_signal(document, block, family, resolved, upstream)
            or map_signal(document, resolved)
            or app_signal(document, block, resolved, upstream)
            or path_app_signal(document, block, resolved, upstream)
            or inner_front_signal(document, block, resolved, upstream)
            or client_signal(document, block)
        )
        if signal and gradio is not None:
            signal = signal._replace(text=f"{signal.text} ({gradio[1]}: Gradio 4+ queues over SSE)")
    if signal:
        return signal, False
    server = block.enclosing("server") if not block.is_root else None
    if server is not None:
        signal = _listen_signal(document, server, resolved)
        if signal:
            return signal, False
    signal = _path_names_server_signal(path, resolved.target)
    if signal:
        return signal, False
    if server is not None and path == "/":
        signal = _server_name_signal(document, server, block, family, resolved)
        if signal and _buffered_elsewhere(document, block, family, resolved.target):
            signal = None
        if signal:
            return signal, False
    signal = naming_comment_signal(document, block)
    if signal:
        return signal, False
    if upstream is not None:
        signal = upstream_comment_signal(document, upstream)
        if signal:
            return signal, False
    if document.litellm_configs and path and re.match(r"^[=^~*\s]*/(v1|openai|llm)\b", path):
        config = document.display(document.litellm_configs[0])
        return Signal(
            "litellm",
            f"the repository has a LiteLLM config ({config}) and {path} is an OpenAI-style path",
        ), False
    return None, False


def _quiet_backend(document: NginxDocument, resolved: Resolved, upstream: Stmt | None) -> bool:
    """The route's backend is a Streamlit app or an object store, or the project's code (in
    the tree) neither serves nor reads a stream."""
    return (
        document.quiet_project is not None
        or streamlit_backend(resolved, upstream) is not None
        or object_store_backend(document, resolved, upstream) is not None
    )


# Buffering turned off in at least this many proxying locations of one server, all of them:
# few locations can all stream (an API's chat route and its twin); many cannot.
_BLANKET_LOCATIONS = 3
# ... among them this many whose path never streams (`/health`, `/docs`, `/uploads`): one
# (an LLM server's own `/ui/` beside its API) may be a copy of the block above it.
_BLANKET_QUIET_PATHS = 2


def _buffering_off_everywhere(document: NginxDocument, block: Stmt, family: str) -> bool:
    """Every location of the block's server that proxies (with the same family, three at
    least) turns buffering off in its own block, two health checks, docs or uploads too: the
    admin's setting for the whole server (for temp-file permissions, say), written into each
    location instead of once at server level, where it would say nothing about any one route.
    Once per server and family."""
    server = block.enclosing("server") if not block.is_root else None
    if server is None:
        return False
    key = f"buffering-off-everywhere:{id(server)}:{family}"
    cached = document.cache.get(key)
    if cached is None:
        cached = _all_locations_unbuffered(server, family)
        document.cache[key] = cached
    return bool(cached)


def _all_locations_unbuffered(server: Stmt, family: str) -> bool:
    buffering, passing = f"{family}_buffering", f"{family}_pass"
    blocks: dict[int, Stmt] = {}
    for stmt in server.walk():
        if stmt.name == passing and stmt.directive is not None and stmt.parent is not None:
            route = route_block(stmt)
            if route.name == "location":
                blocks[id(route)] = route
    if len(blocks) < _BLANKET_LOCATIONS:
        return False
    quiet_paths = 0
    for route in blocks.values():
        if not any(
            s.name == buffering and s.args[:1] == ["off"] and not s.unknown
            for s in _own_statements(route)
        ):
            return False
        path = location_path(route)
        quiet_paths += bool(path) and not_streaming_path(path)
    return quiet_paths >= _BLANKET_QUIET_PATHS


def _gradio_backend(resolved: Resolved, upstream: Stmt | None) -> bool:
    """The route's backend is known as a Gradio app by its name or Gradio's port 7860 (the
    target's host, or the upstream's name or a server of it)."""
    if upstream is not None:
        names = [upstream.args[0]] if upstream.args else []
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    else:
        names = []
        addresses = [pass_host(resolved.target)]
    names += [host for host, _ in addresses]
    return any(port == GRADIO_PORT for _, port in addresses) or any(
        llm_name(name) == "gradio" for name in names if "$" not in name
    )


def mapped_upstreams(document: NginxDocument, route: Route) -> list[Stmt]:
    """The `upstream {}` blocks a route whose target host is a `map`'s variable can reach."""
    if route.upstream is not None:
        return [route.upstream]
    known = upstreams(document)
    found = {
        value: known[value] for _, _, value in map_values(document, route.target) if value in known
    }
    return list(found.values())


def _listen_signal(document: NginxDocument, server: Stmt, resolved: Resolved) -> Signal | None:
    """The server listens on an LLM server's port: it is a drop-in proxy for it."""
    for port, stmt in listen_ports(server):
        if port in LLM_LISTEN_PORTS:
            return Signal(
                "listen",
                f"its server listens on {LLM_LISTEN_PORTS[port]} ({document.where(stmt)}), "
                f"a drop-in proxy for that LLM server",
            )
        if port == VLLM_PORT:
            named = _llm_upstream_name(document, resolved)
            if named:
                return Signal(
                    "listen",
                    f"its server listens on port 8000 ({document.where(stmt)}), vLLM's and "
                    f"TGI's port, in front of {named}",
                )
    return None


def _llm_upstream_name(document: NginxDocument, resolved: Resolved) -> str | None:
    """An LLM server's name among the config's upstreams or the route's target host."""
    host, _ = pass_host(resolved.target)
    for name in (host, *upstreams(document)):
        if "$" not in name and llm_name(name):
            return name
    return None


def _server_name_signal(
    document: NginxDocument, server: Stmt, block: Stmt, family: str, resolved: Resolved
) -> Signal | None:
    """The catch-all of a server whose name names an LLM app. Keyed on the server, not the
    name: a name another proxying server shares (an LLM front on 443, a dashboard on 9443)
    says nothing about which of them is the LLM app, so it lends no evidence. A name that is
    only the word `llm` (`llm.`, `llmbook.`) names the site's topic as often as its server (a
    notebook, an app's web front), so it counts only beside a second sign, as a backend's does."""
    for name_stmt in server.level_named("server_name"):
        for name in name_stmt.args:
            product = server_name_product(name)
            if not product or _shared_by_a_proxying_server(document, server, name):
                continue
            text = f"it is the catch-all of server {name}, an LLM app ({product})"
            if llm_word_only(product):
                sign = _backend_port_sign(document, resolved) or read_timeout_sign(
                    document, block, family
                )
                if sign is None:
                    continue
                text = f"{text} and {sign}"
            return Signal("server_name", text)
    return None


def _backend_port_sign(document: NginxDocument, resolved: Resolved) -> str | None:
    """The route's target, or a server of its upstream, is on an LLM server's port."""
    host, port = pass_host(resolved.target)
    upstream = upstreams(document).get(host) if "$" not in host else None
    addresses = [s.args[0] for s in upstream.level_named("server") if s.args] if upstream else []
    for address in addresses or [resolved.target]:
        there, port = pass_host(address)
        text = llm_server_port(port)
        if text:
            return f"{there}:{port} is on {text}"
    return None


def _buffered_elsewhere(document: NginxDocument, block: Stmt, family: str, target: str) -> bool:
    """Another location proxying to the same backend (the same upstream or host and port)
    turns buffering on in its own block: the admin's word that this backend answers in one
    piece, which a name (`api.interview-gpt.example`) only guesses at."""
    host, port = pass_host(target)
    if not host or "$" in host:
        return False
    wanted = (host.lower(), port)
    buffering = f"{family}_buffering"
    for stmt in document.statements():
        if stmt.name != buffering or stmt.args[:1] != ["on"] or stmt.unknown:
            continue
        other = stmt.parent
        if other is None or other is block or other.name != "location":
            continue
        for passing in other.level_named(f"{family}_pass"):
            there = pass_host(passing.args[0]) if passing.args else ("", "")
            if (there[0].lower(), there[1]) == wanted:
                return True
    return False


def _shared_by_a_proxying_server(document: NginxDocument, server: Stmt, name: str) -> bool:
    for other in document.statements():
        if other is server or other.name != "server" or not other.is_block:
            continue
        if not any(name in s.args for s in other.level_named("server_name")):
            continue
        # A server that only redirects (port 80 to 443) does not compete for the name.
        if any(stmt.name in FAMILIES for stmt in other.walk()):
            return True
    return False


def routes(document: NginxDocument, settings: Settings) -> Iterator[Route]:
    """Every block that proxies, once, with what makes it a streaming route (if anything)."""
    known = upstreams(document)
    seen: set[int] = set()
    found: list[Route] = []
    for stmt in document.statements():
        family = FAMILIES.get(stmt.name)
        if family is None or stmt.directive is None or not stmt.args or stmt.parent is None:
            continue
        block = route_block(stmt)
        if id(block) in seen:
            continue
        seen.add(id(block))
        resolved = resolve_target(block, stmt.args[0], document.template_env)
        host, _ = pass_host(resolved.target)
        upstream = known.get(host) if "$" not in host else None
        signal, opted_out = _signal(document, settings, block, family, resolved, upstream)
        found.append(Route(block, stmt, family, upstream, signal, opted_out, resolved.target))
    found = server_name_beside_websocket(found)
    pages = chat_app_pages(found) | app_pages(found)
    for index in pages:
        found[index] = found[index]._replace(signal=None)
    yield from weak_catch_all(document, found, pages)


def _path_names_server_signal(path: str, target: str) -> Signal | None:
    """The location's own path names an LLM server (`location /vllm/` to 127.0.0.1:8000): an
    admin mounts a server under its name, so the path says where the route goes as an
    upstream's name would. Not when the URI the route passes on names it again
    (`/x/api/v1/ollama/chat` to `http://app:5050/api/v1/ollama/chat`): that is the backend's
    own route, an app's endpoint named for the server it wraps (the servers' own APIs have no
    segment with their name), which may answer in one piece."""
    product = llm_server_in_path(path) if path else None
    if product is None:
        return None
    uri = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", target, flags=re.IGNORECASE)
    if uri and "$" not in uri and llm_server_in_path(uri) == product:
        return None
    return Signal("path", f"its path {path} names an LLM server ({product})")


def all_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    """The routes of a document, computed once per document (every rule asks)."""
    cached = document.cache.get("routes")
    if cached is None:
        cached = list(routes(document, settings))
        document.cache["routes"] = cached
    return cached  # type: ignore[return-value]


def streaming_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    return [route for route in all_routes(document, settings) if route.streaming]
