"""WebSocket routes as evidence about the routes beside them.

A server named for an LLM app says the server is one, not which of its routes streams. When a
more specific location to the same backend carries the WebSocket upgrades its catch-all does
not (a Gradio app's `/queue`), the app streams over that socket, and the catch-all serves its
pages and plain HTTP: the name lends the catch-all nothing (the weak catch-all signal, decided
after this, may still apply). The socket route itself gets no signal from the name: an
upgraded connection is not buffered, and most socket servers ping (uvicorn every 20s, Socket.IO
every 25s), so nginx's idle limit is not reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.nginx.context import Stmt
from linter.nginx.targets import pass_host

if TYPE_CHECKING:
    from linter.nginx.routes import Route


def passes_upgrade(block: Stmt) -> bool:
    """The block itself passes the client's `Upgrade` header on (a WebSocket route)."""
    return any(
        bool(stmt.args) and stmt.args[0].lower() == "upgrade"
        for stmt in block.level_named("proxy_set_header")
    )


def server_name_beside_websocket(found: list[Route]) -> list[Route]:
    """The routes, with the server_name signal taken off each catch-all whose server has a
    more specific location to the same backend that passes the upgrades it does not."""
    named = [
        i for i, r in enumerate(found) if r.signal is not None and r.signal.kind == "server_name"
    ]
    if not named:
        return found
    result = list(found)
    for index in named:
        route = found[index]
        server = route.block.enclosing("server")
        if server is None or passes_upgrade(route.block):
            continue
        backend = pass_host(route.target)
        for other in found:
            if (
                other is not route
                and not other.block.is_root
                and other.block.enclosing("server") is server
                and pass_host(other.target) == backend
                and passes_upgrade(other.block)
            ):
                result[index] = route._replace(signal=None)
                break
    return result
