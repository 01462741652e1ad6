"""The inner nginx of a two-tier chain, seen from the outer config: a compose service of the
project runs nginx with a config of the tree (linter/server/nginxfronts.py), and that config's
streaming locations are what the outer routes to the service carry. The inner config is
loaded as a document of its own (without looking one more tier in) and its streaming routes
are read by the same signals as any config's."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from linter.nginx.model import InnerRoute
from linter.nginx.targets import listen_ports

if TYPE_CHECKING:
    from collections.abc import Callable

    from linter.config import Settings
    from linter.nginx.model import NginxDocument
    from linter.source import SourceText
    from linter.workspace import Workspace

    # load.load_document, handed in by it (this module runs inside it: no import back)
    Loader = Callable[[SourceText, Workspace, Settings, str | None], NginxDocument]

# Set while an inner config is loaded: its own inner services are not looked at.
_LOADING = ("nginx", "inner-front-loading")


def inner_fronts(
    workspace: Workspace, settings: Settings, nginx_file: str, load: Loader
) -> dict[tuple[str, str], tuple[InnerRoute, ...]]:
    """(host, port) of each compose service of the project running nginx with another config
    of the tree -> the streaming locations of that config (port "" when its `listen` is not a
    plain number). Evidence only: anything unreadable gives nothing."""
    if workspace.memo.get(_LOADING):
        return {}
    from linter.server.nginxfronts import inner_nginx_services

    try:
        services = inner_nginx_services(workspace, nginx_file)
    except Exception:  # evidence only
        return {}
    found: dict[tuple[str, str], list[InnerRoute]] = {}
    for service in services:
        for config in service.configs:
            for port, route in _streaming_locations(
                workspace, settings, config, service.said, load
            ):
                for host in service.hosts:
                    found.setdefault((host, port), []).append(route)
    return {address: tuple(routes) for address, routes in found.items()}


def _streaming_locations(
    workspace: Workspace, settings: Settings, config: str, service: str, load: Loader
) -> list[tuple[str, InnerRoute]]:
    key = ("nginx", "inner-front-routes", config, service)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    from linter.nginx.routes import streaming_routes
    from linter.server.nearcompose import read_evidence

    result: list[tuple[str, InnerRoute]] = []
    source = read_evidence(workspace, config)
    workspace.memo[_LOADING] = True
    try:
        if source is not None:
            document = load(source, workspace, settings, None)
            for route in streaming_routes(document, settings):
                block = route.block
                if block.is_root or block.name != "location" or not block.args:
                    continue
                if route.signal is None or route.signal.kind == "weak":
                    continue
                server = block.enclosing("server")
                modifier = block.args[0] if len(block.args) == 2 else ""
                entered_by, prefixes = (
                    _fallbacks_into(server, block.args[-1], modifier == "~*")
                    if modifier in ("~", "~*")
                    else ((), ())
                )
                inner = InnerRoute(
                    modifier,
                    block.args[-1],
                    route.label(),
                    document.where(block),
                    route.signal.text,
                    service,
                    _passes_opt_out(block),
                    entered_by,
                    prefixes,
                    _pass_at(route.pass_stmt),
                )
                for port in _ports(server):
                    result.append((port, inner))
    except Exception:  # evidence only
        result = []
    finally:
        workspace.memo.pop(_LOADING, None)
    workspace.memo[key] = result
    return result


def _pass_at(stmt: object) -> tuple[str, int] | None:
    directive = getattr(stmt, "directive", None)
    if directive is None:
        return None
    return directive.path, directive.start


def _fallbacks_into(
    server: object, expression: str, caseless: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The prefix locations of ``server`` whose `try_files` falls back to a URI the regex
    location ``expression`` matches (nginx redirects the request there internally), and all
    its prefix locations."""
    from linter.nginx.context import Stmt

    if not isinstance(server, Stmt):
        return (), ()
    try:
        pattern = re.compile(expression, re.IGNORECASE if caseless else 0)
    except (re.error, OverflowError, RecursionError):
        return (), ()
    entered: list[str] = []
    prefixes: list[str] = []
    for location in server.level_named("location"):
        if location.directive is None or not location.args or len(location.args) > 2:
            continue
        if len(location.args) == 2 and location.args[0] not in ("^~", "="):
            continue  # a regex or named location
        path = location.args[-1]
        prefixes.append(path)
        tries = [s for s in location.level_named("try_files") if s.args]
        if not tries:
            continue
        last = tries[-1].args[-1].split("?", 1)[0]
        if last.startswith("/") and "$" not in last and pattern.search(last):
            entered.append(path)
    return tuple(entered), tuple(prefixes)


def _ports(server: object) -> list[str]:
    """The ports a server of the inner config answers on: its plain `listen` ports, 80 when it
    has no `listen`, any ("") when one is not a plain number (`listen ${PORT};`)."""
    from linter.nginx.context import Stmt

    if not isinstance(server, Stmt):
        return ["80"]
    listens = [s for s in server.level_named("listen") if s.args]
    if not listens:
        return ["80"]
    ports = [port for port, _ in listen_ports(server)]
    return ports if len(ports) == len(listens) else [""]


def _passes_opt_out(block: object) -> bool:
    """The location's answers carry an `X-Accel-Buffering` header for the outer nginx: one it
    adds (`add_header X-Accel-Buffering no`) or the backend's, passed on
    (`proxy_pass_header X-Accel-Buffering`). Array directives: the innermost level that has
    any of them decides."""
    from linter.nginx.context import Stmt

    if not isinstance(block, Stmt):
        return False
    for name in ("add_header", "proxy_pass_header"):
        for level in block.chain():
            stmts = [s for s in level.level_named(name) if s.directive is not None]
            if not stmts:
                continue
            if any(s.args and s.args[0].lower() == "x-accel-buffering" for s in stmts):
                return True
            break
    return False
