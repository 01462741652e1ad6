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

from collections.abc import Sequence

from linter.nginx.context import Stmt
from linter.nginx.targets import pass_host


def passes_upgrade(block: Stmt) -> bool:
    """The block itself passes the client's `Upgrade` header on (a WebSocket route)."""
    return any(
        bool(stmt.args) and stmt.args[0].lower() == "upgrade"
        for stmt in block.level_named("proxy_set_header")
    )


def socket_beside(block: Stmt, target: str, routes: Sequence[tuple[Stmt, str]]) -> bool:
    """Another location of ``block``'s server, to the same backend, passes the upgrades that
    ``block`` itself does not. ``routes``: (block, target) of every proxying block."""
    server = block.enclosing("server") if not block.is_root else None
    if server is None or passes_upgrade(block):
        return False
    backend = pass_host(target)
    return any(
        other is not block
        and not other.is_root
        and other.enclosing("server") is server
        and pass_host(other_target) == backend
        and passes_upgrade(other)
        for other, other_target in routes
    )
