"""Whether a location can reach the paths where the app behind it streams (its handlers' route
paths, linter/server/routepaths.py): an app that streams at `/api/chat` makes its `/api/`
location a streaming route, not its `/parent/` one. Unknown is "yes": a regex location, a
`rewrite`, a variable in the path or target keep the route's signal.
"""

from __future__ import annotations

import re

from linter.nginx.context import Stmt


def reaches(block: Stmt, target: str, paths: tuple[str, ...]) -> bool:
    """A request through ``block`` (proxying to ``target``) may reach one of ``paths``."""
    if block.is_root or block.name != "location" or not block.args:
        return True
    modifier = block.args[0] if len(block.args) == 2 else ""
    path = block.args[-1]
    if modifier not in ("", "^~", "=") or not path.startswith("/") or "$" in path:
        return True  # a regex or named location: what it matches is not read here
    if any(stmt.name == "rewrite" for stmt in block.walk()):
        return True
    uri = re.sub(r"^[a-z]+://[^/]*", "", target, flags=re.IGNORECASE)
    if "$" in uri:
        return True
    # With a URI, nginx replaces the matched part of the path by it.
    upstream = uri or path
    return any(_reached(route, upstream, exact=modifier == "=") for route in paths)


def _reached(route: str, upstream: str, exact: bool) -> bool:
    literal = route.split("{", 1)[0]  # `/chat/{chat_id}`: any text after `/chat/`
    if exact:
        return upstream == route or ("{" in route and upstream.startswith(literal))
    return literal.startswith(upstream) or upstream.startswith(literal)
