"""Whether a location can reach the paths where the app behind it streams (its handlers' route
paths, linter/server/routepaths.py): an app that streams at `/api/chat` makes its `/api/`
location a streaming route, not its `/parent/` one, and not its `/api/` one either when a
longer prefix location beside it (`/api/chat/`) takes every such request: nginx hands a
request to the longest prefix that matches it. Unknown is "yes": a regex location, a
`rewrite`, a variable in the path or target keep the route's signal.
"""

from __future__ import annotations

import re
import weakref

from linter.nginx.context import Stmt

# What a location's mapping of paths is, read once: (its modifier, its path, the URI of its
# `proxy_pass` or "", the longer prefix and exact locations that take requests from it).
Reach = tuple[str, str, str, tuple[tuple[str, str], ...]]
_SCHEME_AND_HOST = re.compile(r"^[a-z]+://[^/]*", re.IGNORECASE)


def reaches(block: Stmt, target: str, paths: tuple[str, ...]) -> bool:
    """A request through ``block`` (proxying to ``target``) may reach one of ``paths``."""
    reach = location_reach(block, target)
    return reach is None or reach_covers(reach, paths)


def location_reach(block: Stmt, target: str) -> Reach | None:
    """How ``block`` maps request paths onto ``target``, or None where that is not read (a
    regex or named location, a `rewrite`, a variable): it may then reach any path."""
    if block.is_root or block.name != "location" or not block.args:
        return None
    modifier = block.args[0] if len(block.args) == 2 else ""
    path = block.args[-1]
    if modifier not in ("", "^~", "=") or not path.startswith("/") or "$" in path:
        return None  # a regex or named location: what it matches is not read here
    if any(stmt.name == "rewrite" for stmt in block.walk()):
        return None
    uri = _SCHEME_AND_HOST.sub("", target)
    if "$" in uri:
        return None
    longer = () if modifier == "=" else tuple(longer_prefixes(block, path))
    return modifier, path, uri, longer


def reach_covers(reach: Reach, paths: tuple[str, ...]) -> bool:
    """A request through the location ``reach`` reads may reach one of the app's ``paths``."""
    modifier, path, uri, longer = reach
    # With a URI, nginx replaces the matched part of the path by it.
    upstream = uri or path
    reached = [route for route in paths if _reached(route, upstream, exact=modifier == "=")]
    if not reached or modifier == "=":
        return bool(reached)
    return any(
        not taken_by_longer(_client_path(route, path, uri), list(longer)) for route in reached
    )


def longer_prefixes(block: Stmt, path: str) -> list[tuple[str, str]]:
    """The locations that take a request from ``block``: the prefix and exact ones beside it
    and nested in it that match more of its path, and the regex ones (nginx tries them after
    the longest prefix, unless that prefix is `^~`), each as (modifier, path or pattern)."""
    container = block.parent
    while container is not None and container.name == "include":
        container = container.parent
    around = _locations(container) if container is not None else []
    own = block.args[0] if len(block.args) == 2 else ""
    found: list[tuple[str, str]] = []
    for other, modifier, other_path in [*around, *_locations(block)]:
        if other == id(block):
            continue
        if modifier in ("~", "~*") and own not in ("^~", "="):
            found.append((modifier, other_path))
            continue
        if modifier not in ("", "^~", "=") or "$" in other_path:
            continue
        if modifier == "=" or (len(other_path) > len(path) and other_path.startswith(path)):
            found.append((modifier, other_path))
    return found


# A block's locations, read once per block: every location of a server asks for those beside
# it (a server of a hundred locations read them ten thousand times). A location is kept by its
# id, never the statement itself: a statement in the value would hold its parent, the key,
# and no config's tree would ever be freed (35 MB over the benchmark's 200 configs).
_LOCATIONS: weakref.WeakKeyDictionary[Stmt, list[tuple[int, str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _locations(block: Stmt) -> list[tuple[int, str, str]]:
    """The locations at ``block``'s level whose arguments are known, as (the location's id,
    modifier, path or pattern); the ids are those of ``block``'s children, alive with it."""
    known = _LOCATIONS.get(block)
    if known is not None:
        return known
    found: list[tuple[int, str, str]] = []
    for other in block.level_named("location"):
        args = other.args
        if not args or other.unknown:
            continue
        found.append((id(other), args[0] if len(args) == 2 else "", args[-1]))
    _LOCATIONS[block] = found
    return found


def _client_path(route: str, path: str, uri: str) -> str | None:
    """The request path that reaches the app's ``route`` through a location at ``path``
    (with a URI in `proxy_pass`, nginx put it in place of ``path``), or None where the
    mapping is not a plain replacement."""
    if not uri:
        return route
    if route.startswith(uri):
        return path + route[len(uri) :]
    return None


def taken_by_longer(client: str | None, longer: list[tuple[str, str]]) -> bool:
    """Every request for ``client`` (a route path, `{name}` standing for any segment text)
    goes to one of the ``longer`` locations."""
    if client is None:
        return False
    literal = client.split("{", 1)[0]
    for modifier, other in longer:
        if modifier in ("~", "~*"):
            if _regex_takes(client, other, modifier == "~*"):
                return True
        elif modifier == "=":
            if "{" not in client and client == other:
                return True
        elif literal.startswith(other):
            return True
    return False


# What a route's path parameter stands for when a regex location is tried on it: a number
# and a word (an id pattern like `[0-9]+` or `\w+` matches one of them).
_PARAMETER = re.compile(r"\{[^}]*\}")
_SAMPLES = ("1", "a1")


def _regex_takes(client: str, pattern: str, caseless: bool) -> bool:
    """The regex location ``pattern`` matches the route's path (a path parameter tried as
    a number and as a word); a pattern Python's `re` does not read takes nothing."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE if caseless else 0)
    except re.error:
        return False
    return any(compiled.search(_PARAMETER.sub(sample, client)) is not None for sample in _SAMPLES)


def _reached(route: str, upstream: str, exact: bool) -> bool:
    literal = route.split("{", 1)[0]  # `/chat/{chat_id}`: any text after `/chat/`
    if exact:
        return upstream == route or ("{" in route and upstream.startswith(literal))
    return literal.startswith(upstream) or upstream.startswith(literal)
