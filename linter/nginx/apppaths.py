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
    if not uri and modifier != "=":
        # The path goes on unchanged: a route a longer prefix (or an exact location) of the
        # same server matches is that location's (`/api/events` beside `/api/`).
        taken = _sibling_paths(block, path)
        paths = tuple(route for route in paths if not _taken(route, taken))
    return any(_reached(route, upstream, exact=modifier == "=") for route in paths)


def _sibling_paths(block: Stmt, path: str) -> list[tuple[str, bool]]:
    """The literal paths of the other prefix and exact locations beside ``block`` that are
    longer than its own prefix and start with it, each with whether it is exact."""
    parent = block.parent
    if parent is None:
        return []
    found = []
    for other in parent.level_named("location"):
        if other is block or not other.args:
            continue
        modifier = other.args[0] if len(other.args) == 2 else ""
        literal = other.args[-1]
        if modifier not in ("", "^~", "=") or "$" in literal:
            continue
        if len(literal) > len(path) and literal.startswith(path):
            found.append((literal, modifier == "="))
    return found


def _taken(route: str, taken: list[tuple[str, bool]]) -> bool:
    """Every request for ``route`` (`/api/events`, `/chat/{id}`) matches one of the longer
    locations: a prefix its literal part starts with, or an exact path equal to it."""
    literal = route.split("{", 1)[0]
    for other, exact in taken:
        if exact:
            if "{" not in route and route == other:
                return True
        elif literal.startswith(other):
            return True
    return False


def _reached(route: str, upstream: str, exact: bool) -> bool:
    literal = route.split("{", 1)[0]  # `/chat/{chat_id}`: any text after `/chat/`
    if exact:
        return upstream == route or ("{" in route and upstream.startswith(literal))
    return literal.startswith(upstream) or upstream.startswith(literal)
