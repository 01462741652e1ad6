"""After every proxied location has its own signal: which of them serve an app's pages rather
than its streams (a chat app's or an app's catch-all beside the `/api` location that carries
its calls, a server_name catch-all beside a socket route), and the weak signal a catch-all
takes from a location of its server that proxies an LLM API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from linter.llmservers import (
    CHAT_APP_PORTS,
    CHAT_APPS,
    llm_api_path,
    not_streaming_path,
    streaming_path,
)
from linter.nginx.backends import Signal, backend_signal, map_values
from linter.nginx.route import exact_match, location_path
from linter.nginx.targets import pass_host
from linter.nginx.websocket import socket_beside

if TYPE_CHECKING:
    from linter.nginx.context import Stmt
    from linter.nginx.model import NginxDocument
    from linter.nginx.route import Route


# Signals that say a location proxies an LLM API: its path or its upstream (buffering turned
# off, or a comment, says it streams, not that it is an LLM's API: an app's own API next to
# its web front is not evidence about the front).
_LLM_API_SIGNALS = frozenset({"path", "upstream"})


def proxies_llm_api(document: NginxDocument, route: Route) -> bool:
    """The route's own path or upstream is an LLM API's (not only "it streams")."""
    if route.signal is not None and route.signal.kind in _LLM_API_SIGNALS:
        return True
    path = location_path(route.block)
    if path and not not_streaming_path(path) and streaming_path(path, exact_match(route.block)):
        return True
    return (
        backend_signal(document, route.block, route.family, route.target, route.upstream)
        is not None
    )


def weak_catch_all(document: NginxDocument, found: list[Route], pages: set[int]) -> list[Route]:
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
        and location_path(route.block) == "/"
        and (server := server_of(route)) is not None
    }
    if not candidates:
        return found
    own_api = _api_backends(found, document)
    candidates = {
        index: server
        for index, server in candidates.items()
        if (id(server), _backend(found[index], document)) not in own_api
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
        and _APP_API.match(location_path(route.block))
        and proxies_llm_api(document, route)
    }
    result = list(found)
    for index, server in candidates.items():
        api = api_by_server.get(id(server))
        if api is None or id(server) in routed_api:
            continue
        if _same_backend(api, found[index], document) and not llm_api_path(
            location_path(api.block)
        ):
            # The streaming location routes an app's own stream endpoint apart from the
            # catch-all's backend (`/agent/query/stream` beside `/`): the admin knew where that
            # app streams, and the catch-all carries the rest of it, not a separate chat UI.
            # (An LLM server's API path there says the backend is one, whose UI may stream.)
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


def _backend(route: Route, document: NginxDocument | None = None) -> tuple[str, str] | None:
    """Host and port a route proxies to; a variable that the route's own chain sets once is
    read there (the Docker resolver idiom, repeated in every location), else, with
    ``document``, from a `map` that gives it one value only (`map $host $app { default
    "app:8000"; }`, the resolver idiom written with a map). None when unknown."""
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
    if document is None:
        return None
    values = {value for _, _, value in map_values(document, route.target)}
    if len(values) != 1:
        return None
    value = values.pop()
    return pass_host(value) if "$" not in value and value else None


def _same_backend(first: Route, second: Route, document: NginxDocument | None = None) -> bool:
    """Both routes proxy to one known backend (the same host and port, or the same upstream)."""
    if first.upstream is not None or second.upstream is not None:
        return first.upstream is second.upstream
    backend = _backend(first, document)
    return backend is not None and backend == _backend(second, document)


def _api_backends(
    found: list[Route], document: NginxDocument | None = None
) -> set[tuple[int, tuple[str, str] | None]]:
    """(server, backend) of each location under `/api` (the API of the app behind it)."""
    result: set[tuple[int, tuple[str, str] | None]] = set()
    for route in found:
        server = route.block.enclosing("server") if not route.block.is_root else None
        if server is not None and _API_PREFIX.match(location_path(route.block)):
            backend = _backend(route, document)
            if backend is not None:
                result.add((id(server), backend))
    return result


def server_name_beside_websocket(found: list[Route]) -> list[Route]:
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


def chat_app_pages(found: list[Route]) -> set[int]:
    """The catch-all `location /` of a chat app whose `/api/` another location of the same
    server proxies (LibreChat's UI at `/`, its API at `/api/`): its streams go through that
    location, and the catch-all serves pages. The indices of those catch-alls."""
    apis: set[tuple[int, tuple[str, str]]] = set()
    for route in found:
        server = route.block.enclosing("server") if not route.block.is_root else None
        if server is not None and _API_PREFIX.match(location_path(route.block)):
            apis.add((id(server), pass_host(route.target)))
    if not apis:
        return set()
    pages = set()
    for index, route in enumerate(found):
        server = route.block.enclosing("server") if not route.block.is_root else None
        if (
            server is not None
            and location_path(route.block) == "/"
            and (id(server), pass_host(route.target)) in apis
            and _chat_app(route.target)
        ):
            pages.add(index)
    return pages


# Signals that say what app runs behind a route, not that the route itself streams: the app
# of the repository, a comment on the upstream naming the app.
_BACKEND_SIGNALS = frozenset({"app", "backend-comment"})


def app_pages(found: list[Route]) -> set[int]:
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
    path = location_path(block)
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
