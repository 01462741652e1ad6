"""Which proxied locations carry LLM or SSE traffic, and why we think so.

Signals, strongest first: a ``# streamproof: stream`` comment (or ``no-stream`` to say no) or
the ``stream-routes`` setting; SSE already acknowledged in the block (``proxy_buffering off``,
``text/event-stream``, ``X-Accel-Buffering``, a comment saying it streams; the comments are read in
linter/nginx/route_comments.py); the location path (``/v1/chat/completions``,
``/api/generate``, ``/stream``, ...); the upstream (names and ports of LLM servers and hosted
LLM APIs, or a template variable named for one, linter/nginx/backends.py); the app of the
same repository behind the target (a compose service or launch line whose app streams, or an
LLM server's image, linter/server/proxied.py); for a catch-all ``location /``, a server_name
naming an LLM app; a LiteLLM config in the same repository with an OpenAI-style path. A route
with no signal is left alone. Template variables the repository gives a value (the compose
service that renders the file) are filled in before the target is judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import NamedTuple

from linter.config import Settings
from linter.llmservers import (
    CHAT_APP_PORTS,
    CHAT_APPS,
    GRADIO_PORT,
    LLM_LISTEN_PORTS,
    VLLM_PORT,
    llm_name,
    llm_server_in_path,
    not_streaming_path,
    server_name_product,
    streaming_path,
)
from linter.nginx.apppaths import reaches
from linter.nginx.appquiet import streamlit_backend
from linter.nginx.backends import (
    Signal,
    backend_signal,
    map_signal,
    map_values,
    target_origin,
    upstream_evidence,
    upstream_signal,
    upstreams,
)
from linter.nginx.context import Stmt
from linter.nginx.directives import FAMILIES
from linter.nginx.front_signal import inner_front_signal
from linter.nginx.model import NginxDocument
from linter.nginx.route_comments import (
    comment_signal,
    naming_comment_signal,
    stream_comment_signal,
    upstream_comment_signal,
)
from linter.nginx.targets import (
    LOOPBACK,
    Resolved,
    listen_ports,
    pass_host,
    path_matched_host,
    resolve_target,
)
from linter.nginx.tree import may_hold_placeholder
from linter.nginx.websocket import socket_beside

# Re-exported: rules and other layers ask this module for a route's backend facts.
__all__ = [
    "Route",
    "Signal",
    "all_routes",
    "map_values",
    "mapped_upstreams",
    "not_streaming_path",
    "pass_host",
    "route_block",
    "routes",
    "streaming_routes",
    "upstream_evidence",
    "upstreams",
]


class Route(NamedTuple):
    block: Stmt  # the location (or the snippet's root) that holds the *_pass
    pass_stmt: Stmt
    family: str  # proxy, fastcgi, uwsgi, scgi, grpc
    upstream: Stmt | None  # the upstream {} the pass names, when there is one
    signal: Signal | None
    opted_out: bool = False
    target: str = ""  # the pass's target, variables set in the server resolved

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


def _location_path(block: Stmt) -> str:
    if block.is_root or block.name != "location":
        return ""
    return block.args[-1] if block.args else ""


def _exact_match(block: Stmt) -> bool:
    """The block is an exact-match location (`location = /api/chat`): one endpoint."""
    if block.is_root or block.name != "location" or not block.args:
        return False
    first = block.args[0]  # `= /p`, or `=/p` written without the space
    return first == "=" or (len(block.args) == 1 and first.startswith("="))


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
    path = _location_path(block)
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
    if habit:
        signal = None
    if signal and signal.kind == "sse-explicit":
        return signal, False
    if path and not_streaming_path(path):
        return None, False
    if path and streaming_path(path, exact=_exact_match(block)):
        return Signal("path", f"its path {path} is a streaming endpoint"), False
    if signal:
        return signal, False
    if habit and streamlit_backend(resolved, upstream):
        return None, False
    gradio = document.gradio_pin if _gradio_backend(resolved, upstream) else None
    if gradio is not None and gradio[0]:
        # Gradio before 4 answers over its queue's WebSocket, not SSE: its name or port says
        # nothing about a stream through this route (the app signals below still may).
        signal = _app_signal(document, block, resolved, upstream) or _path_app_signal(
            document, block, resolved, upstream
        )
    else:
        signal = (
            upstream_signal(document, block, family, resolved, upstream)
            or map_signal(document, resolved)
            or _app_signal(document, block, resolved, upstream)
            or _path_app_signal(document, block, resolved, upstream)
            or inner_front_signal(document, block, resolved, upstream)
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
        signal = _server_name_signal(document, server)
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
    """The route's backend is a Streamlit app, or the project's code (in the tree) neither
    serves nor reads a stream."""
    return document.quiet_project is not None or streamlit_backend(resolved, upstream) is not None


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


def _app_signal(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    """The route's backend is an app of the same repository that streams (a compose service
    or launch line whose app has streaming endpoints, or whose image is an LLM server or chat
    app; linter/server/proxied.py finds them), at a path the location can reach when the
    app's streaming paths are known (linter/nginx/apppaths.py)."""
    backends = document.streaming_backends
    if not backends:
        return None
    if upstream is not None:
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
        via = f" (a server of upstream `{upstream.args[0]}`)" if upstream.args else ""
    else:
        addresses = [pass_host(resolved.target)]
        via = ""
    for host, port in addresses:
        if "$" in host or may_hold_placeholder(host):
            continue
        host, port = host.lower(), port or "80"
        said = backends.get((host, port)) or backends.get((host, ""))
        paths = document.streaming_paths.get((host, port))
        if said and (paths is None or reaches(block, resolved.target, paths)):
            return Signal(
                "app",
                f"it proxies to {host}:{port}{via}, where {said}{target_origin(document, resolved)}",
            )
    return None


def _path_matches(
    document: NginxDocument, block: Stmt, target: str, upstream: Stmt | None
) -> list[tuple[str, str, bool]]:
    """The project's JS/TS streaming handlers (``document.path_streams``) a prefix location
    other than `/` reaches, when it proxies to a loopback port no launch or compose service
    of the repository names (an app started by hand or by pm2): the path is then the only
    link, and it is said so. nginx maps `location P` with `proxy_pass http://h:p/U` to `U`
    plus the rest of the request's path; without a URI the path goes on unchanged."""
    if not document.path_streams or upstream is not None or block.is_root:
        return []
    path = _location_path(block)
    modifier = block.args[0] if len(block.args) == 2 else ""
    if modifier not in ("", "^~") or not path.startswith("/") or path == "/":
        return []
    host, port = pass_host(target)
    host = host.lower()
    if host in LOOPBACK:
        if not port or (host, port) in document.named_loopback:
            return []
    elif (
        not document.bare_hosts_by_path
        or not path_matched_host(host)
        or (host, "") in document.named_loopback
    ):
        return []
    uri = re.sub(r"^[a-z]+://[^/]*", "", target, flags=re.IGNORECASE)
    if "$" in uri:
        return []
    upstream_prefix = uri or path
    return [stream for stream in document.path_streams if _under(stream[0], upstream_prefix)]


def _under(route: str, prefix: str) -> bool:
    """The route's path is reached through ``prefix`` (`/api/` reaches `/api/chat`; `/api`
    reaches `/api/chat` and `/api`, not `/apiary`)."""
    if prefix.endswith("/"):
        return route.startswith(prefix) or route == prefix.rstrip("/")
    return route == prefix or route.startswith(prefix + "/")


def _path_app_signal(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    matches = _path_matches(document, block, resolved.target, upstream)
    if not matches:
        return None
    route, said, _ = matches[0]
    host, port = pass_host(resolved.target)
    more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
    where = f"{host}:{port}" if port else host
    nobody = (
        "an address no launch file of the repository names"
        if host.lower() in LOOPBACK
        else "a host no compose service or launch file of the repository names"
    )
    return Signal(
        "app",
        f"it proxies {_location_path(block)} to {where}, {nobody}, and the repository's app "
        f"serves {route} under that path and streams there ({said}{more}; matched by path)",
    )


def app_unbuffers(document: NginxDocument, route: Route) -> str | None:
    """The app every server of the route's backend reaches sends `X-Accel-Buffering: no`
    with each streamed answer: what to say, or None."""
    matches = _path_matches(document, route.block, route.target, route.upstream)
    if matches and all(unbuffered for _, _, unbuffered in matches):
        return f"the app serving {matches[0][0]} sends `X-Accel-Buffering: no` itself"
    unbuffered = document.unbuffered_backends
    if not unbuffered:
        return None
    if route.upstream is not None:
        addresses = [pass_host(s.args[0]) for s in route.upstream.level_named("server") if s.args]
    else:
        addresses = [pass_host(route.target or (route.pass_stmt.args or [""])[0])]
    keys = [(host.lower(), port or "80") for host, port in addresses]
    # (Port "": any port of a compose service whose app is known, as the app signal reads it.)
    if keys and all(key in unbuffered or (key[0], "") in unbuffered for key in keys):
        host, port = keys[0]
        return f"the app at {host}:{port} sends `X-Accel-Buffering: no` with its streamed answers"
    return None


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


def _server_name_signal(document: NginxDocument, server: Stmt) -> Signal | None:
    """The catch-all of a server whose name names an LLM app. Keyed on the server, not the
    name: a name another proxying server shares (an LLM front on 443, a dashboard on 9443)
    says nothing about which of them is the LLM app, so it lends no evidence."""
    for name_stmt in server.level_named("server_name"):
        for name in name_stmt.args:
            product = server_name_product(name)
            if product and not _shared_by_a_proxying_server(document, server, name):
                return Signal(
                    "server_name",
                    f"it is the catch-all of server {name}, an LLM app ({product})",
                )
    return None


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


# Signals that say a location proxies an LLM API: its path or its upstream (buffering turned
# off, or a comment, says it streams, not that it is an LLM's API: an app's own API next to
# its web front is not evidence about the front).
_LLM_API_SIGNALS = frozenset({"path", "upstream"})


def proxies_llm_api(document: NginxDocument, route: Route) -> bool:
    """The route's own path or upstream is an LLM API's (not only "it streams")."""
    if route.signal is not None and route.signal.kind in _LLM_API_SIGNALS:
        return True
    path = _location_path(route.block)
    if path and not not_streaming_path(path) and streaming_path(path, _exact_match(route.block)):
        return True
    return (
        backend_signal(document, route.block, route.family, route.target, route.upstream)
        is not None
    )


def _weak_catch_all(document: NginxDocument, found: list[Route], pages: set[int]) -> list[Route]:
    """A proxied catch-all `location /` (a chat UI) in a server whose other location proxies
    an LLM API: a weak signal, said as such. Keyed on the server block itself. ``pages``:
    indices of the catch-alls known to serve a chat app's pages (never a stream route)."""

    def server_of(route: Route) -> Stmt | None:
        return route.block.enclosing("server") if not route.block.is_root else None

    # The catch-alls nothing else made streaming routes (few: most servers have none), but not
    # an app's whose API another location of the server routes (`/api/` to the same backend):
    # that location carries its calls, and the catch-all serves its pages.
    candidates = {
        index: server
        for index, route in enumerate(found)
        if route.signal is None
        and not route.opted_out
        and index not in pages
        and route.family == "proxy"
        and _location_path(route.block) == "/"
        and (server := server_of(route)) is not None
    }
    if not candidates:
        return found
    own_api = _api_backends(found)
    candidates = {
        index: server
        for index, server in candidates.items()
        if (id(server), _backend(found[index])) not in own_api
    }
    wanted = {id(server) for server in candidates.values()}
    api_by_server: dict[int, Route] = {}
    for route in found:
        if not route.streaming:
            continue
        server = server_of(route)
        key = id(server) if server is not None else None
        if key in wanted and key not in api_by_server and proxies_llm_api(document, route):
            api_by_server[key] = route
    # A server that routes the app's own API (`/api`, `/console/api`) to the LLM backend
    # apart: the browser's streams go there, and the catch-all serves the UI's pages (a
    # separate web front, as Dify's `dify-web` beside `dify-api`).
    routed_api = {
        id(server)
        for route in found
        if route.streaming
        and (server := server_of(route)) is not None
        and id(server) in wanted
        and _APP_API.match(_location_path(route.block))
        and proxies_llm_api(document, route)
    }
    result = list(found)
    for index, server in candidates.items():
        api = api_by_server.get(id(server))
        if api is None or id(server) in routed_api:
            continue
        signal = Signal(
            "weak",
            f"it is the proxied catch-all of a server whose {api.label()} "
            f"({document.where(api.block) if not api.block.is_root else 'above'}) proxies an "
            f"LLM API, so it likely serves the chat UI's streams too (a weak signal: mark it "
            f"`# streamproof: no-stream` if it does not)",
        )
        result[index] = found[index]._replace(signal=signal)
    return result


def _backend(route: Route) -> tuple[str, str] | None:
    """Host and port a route proxies to; a variable that the route's own chain sets once is
    read there (the Docker resolver idiom, repeated in every location). None when unknown."""
    host, port = pass_host(route.target)
    if "$" not in host:
        return host, port
    match = re.match(r"^\$\{?(\w+)\}?", host)
    if match is None:
        return None
    variable = "$" + match.group(1)
    for level in route.block.chain():
        sets = [s for s in level.level_named("set") if len(s.args) == 2 and s.args[0] == variable]
        if sets:
            value = sets[0].args[1]
            return pass_host(value) if len(sets) == 1 and "$" not in value else None
    return None


def _api_backends(found: list[Route]) -> set[tuple[int, tuple[str, str] | None]]:
    """(server, backend) of each location under `/api` (the API of the app behind it)."""
    result: set[tuple[int, tuple[str, str] | None]] = set()
    for route in found:
        server = route.block.enclosing("server") if not route.block.is_root else None
        if server is not None and _API_PREFIX.match(_location_path(route.block)):
            backend = _backend(route)
            if backend is not None:
                result.add((id(server), backend))
    return result


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
    found = _server_name_beside_websocket(found)
    pages = _chat_app_pages(found) | _app_pages(found)
    for index in pages:
        found[index] = found[index]._replace(signal=None)
    yield from _weak_catch_all(document, found, pages)


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


def _server_name_beside_websocket(found: list[Route]) -> list[Route]:
    """The server_name signal comes off a catch-all whose app streams on a socket route beside
    it (linter/nginx/websocket.py says why)."""
    if not any(r.signal is not None and r.signal.kind == "server_name" for r in found):
        return found
    blocks = [(r.block, r.target) for r in found]
    return [
        r._replace(signal=None)
        if r.signal is not None
        and r.signal.kind == "server_name"
        and socket_beside(r.block, r.target, blocks)
        else r
        for r in found
    ]


_API_PREFIX = re.compile(r"^[=^~*\s]*/api(?:/|$)", re.IGNORECASE)
# An app's API prefix, at the root or one segment down (`/api/`, `/console/api`).
_APP_API = re.compile(r"^[=^~*\s]*(?:/[\w.-]+)?/api(?:/|$)", re.IGNORECASE)


def _chat_app(target: str) -> str | None:
    host, port = pass_host(target)
    lowered = host.lower()
    return next((n for n in CHAT_APPS if n in lowered), None) or CHAT_APP_PORTS.get(port)


def _chat_app_pages(found: list[Route]) -> set[int]:
    """The catch-all `location /` of a chat app whose `/api/` another location of the same
    server proxies (LibreChat's UI at `/`, its API at `/api/`): its streams go through that
    location, and the catch-all serves pages. The indices of those catch-alls."""
    apis: set[tuple[int, tuple[str, str]]] = set()
    for route in found:
        server = route.block.enclosing("server") if not route.block.is_root else None
        if server is not None and _API_PREFIX.match(_location_path(route.block)):
            apis.add((id(server), pass_host(route.target)))
    if not apis:
        return set()
    pages = set()
    for index, route in enumerate(found):
        server = route.block.enclosing("server") if not route.block.is_root else None
        if (
            server is not None
            and _location_path(route.block) == "/"
            and (id(server), pass_host(route.target)) in apis
            and _chat_app(route.target)
        ):
            pages.add(index)
    return pages


# Signals that say what app runs behind a route, not that the route itself streams: the app
# of the repository, a comment on the upstream naming the app.
_BACKEND_SIGNALS = frozenset({"app", "backend-comment"})


def _app_pages(found: list[Route]) -> set[int]:
    """The locations outside the app's API that the app signal made streaming routes (the
    catch-all `location /`, a prefix like `/feedback-images/` or `/data/`), where another
    location of the same server routes `/api` to the same backend: that location carries the
    app's calls (its streams), these its pages and files. The indices of those locations."""
    candidates = [
        index
        for index, route in enumerate(found)
        if route.signal is not None
        and route.signal.kind in _BACKEND_SIGNALS
        and _beside_the_api(route.block)
    ]
    if not candidates:
        return set()
    # Only an `/api` location that is itself a streaming route carries the app's streams: one
    # for a few plain endpoints (`/api/v1/posts/search`) leaves the stream to the catch-all.
    own_api = _api_backends([route for route in found if route.streaming])
    return {
        index
        for index in candidates
        if (server := found[index].block.enclosing("server")) is not None
        and (id(server), _backend(found[index])) in own_api
    }


def _beside_the_api(block: Stmt) -> bool:
    """The catch-all, or a prefix location whose path is not an app's API (`/api`,
    `/console/api`): one an `/api` location of the same server leaves the pages and files to."""
    path = _location_path(block)
    if path == "/":
        return True
    modifier = block.args[0] if len(block.args) == 2 else ""
    if modifier not in ("", "^~") or not path.startswith("/") or _APP_API.match(path):
        return False
    # A location that sends its requests elsewhere in the app (`rewrite`, or a proxy_pass
    # URI such as `/v1/` -> `http://api:8000/api/`) may reach the API: its own path says nothing.
    if block.level_named("rewrite"):
        return False
    for stmt in block.level_named("proxy_pass"):
        target = stmt.args[0] if stmt.args else ""
        rest = target.split("://", 1)[-1]
        uri = rest[rest.find("/") :] if "/" in rest else ""
        if uri not in ("", "/"):
            return _APP_API.match(uri) is None
    return True


def all_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    """The routes of a document, computed once per document (every rule asks)."""
    cached = document.cache.get("routes")
    if cached is None:
        cached = list(routes(document, settings))
        document.cache["routes"] = cached
    return cached  # type: ignore[return-value]


def streaming_routes(document: NginxDocument, settings: Settings) -> list[Route]:
    return [route for route in all_routes(document, settings) if route.streaming]
