"""What the NGINX rules share: where a finding about a route points, how a value is described,
and whether a block may be edited."""

from __future__ import annotations

from typing import NamedTuple

from linter.model import Edit, Severity
from linter.nginx.assess import KEEPALIVE_DEFAULT_VERSION, keepalive_of
from linter.nginx.context import Stmt
from linter.nginx.edits import insert_statements, replace_word, shared_file
from linter.nginx.effective import ArrayLookup, Lookup
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route
from linter.nginx.timevalue import format_seconds, parse_time
from linter.source import SourceText


class Place(NamedTuple):
    source: SourceText
    start: int
    end: int


def place_of(document: NginxDocument, stmt: Stmt, *, whole: bool = False) -> Place | None:
    """The statement's name and arguments, when it is in a file of the tree."""
    directive = stmt.directive
    if directive is None or directive.path not in document.sources:
        return None
    end = directive.header_end if not whole else directive.end
    return Place(document.sources[directive.path], directive.start, end)


def route_place(document: NginxDocument, route: Route) -> Place:
    """Where a finding about a route points: its `location ...` header, else the `*_pass`."""
    for stmt in (route.block, route.pass_stmt):
        if not stmt.is_root:
            place = place_of(document, stmt)
            if place is not None:
                return place
    for parent in route.pass_stmt.include_chain():
        place = place_of(document, parent)
        if place is not None:
            return place
    return Place(document.source, 0, 0)


def value_place(document: NginxDocument, route: Route, found: Lookup) -> Place:
    """Where a finding about a value points: the directive itself when it is set at the
    route's own level (written in the block, or in a snippet the block includes: the token to
    change is there), else the route (the value is inherited or nginx's default)."""
    if found.stmt is not None and found.level is route.block:
        place = place_of(document, found.stmt)
        if place is not None:
            return place
    return route_place(document, route)


def may_edit_block(document: NginxDocument, route: Route) -> bool:
    """A fix may go into the route's block: it is in a file of the tree and, if that file is
    included from several places, every place is a streaming route."""
    block = route.block
    if not block.is_root and (
        block.directive is None or block.directive.path not in document.sources
    ):
        return False
    if shared_file(document, block):
        # Routes were computed (and cached) by the rule before it asks.
        known: list[Route] = document.cache.get("routes", [])  # type: ignore[assignment]
        same = [r for r in known if r.block.directive is block.directive]
        return bool(same) and all(r.streaming for r in same)
    return True


def own_level(route: Route, found: Lookup) -> bool:
    """The value is written directly in the route's block (not inherited, not via include)."""
    return (
        found.stmt is not None and found.level is route.block and found.stmt.via is route.block.via
    )


def caveat_of(*found: Lookup | ArrayLookup | None) -> Stmt | None:
    """The first unread include, among the lookups a finding stands on, that could set the
    value (see linter/nginx/unread.py): the finding is then reported as `info`, with the
    caveat in its message."""
    return next((f.caveat for f in found if f is not None and f.caveat is not None), None)


def severity_with(caveat: Stmt | None) -> Severity | None:
    """`info` for a finding an unread include could make wrong; else the rule's own."""
    return Severity.INFO if caveat is not None else None


def caveat_words(caveat: Stmt | None, name: str) -> str:
    if caveat is None or caveat.reach is None:
        return ""
    return f" (reported as info: {caveat.reach.caveat(name)})"


def set_in_block(
    document: NginxDocument, route: Route, found: Lookup, name: str, value: str
) -> list[Edit]:
    """Edits that make ``name`` be ``value`` for the route: rewrite the block's own directive,
    or add one to the block. Empty when neither is possible without side effects (also when
    an unread include in the block itself could set it: a second one would be a duplicate)."""
    if found.caveat is not None and found.caveat.parent is route.block:
        return []
    if own_level(route, found):
        if not may_edit_block(document, route) or found.stmt is None:
            return []
        edit = replace_word(document, found.stmt, 0, value)
        return [edit] if edit is not None else []
    if found.level is route.block:
        # Set at this level by an included file: a second one here would be a duplicate.
        return []
    if not may_edit_block(document, route):
        return []
    edit = insert_statements(document, route.block, [f"{name} {value};"], anchor=route.pass_stmt)
    return [edit] if edit is not None else []


def because(route: Route) -> str:
    assert route.signal is not None
    return f"{route.label()} is a streaming route because {route.signal.text}"


def time_option(raw: object) -> str:
    text = str(raw).strip()
    if parse_time(text) is None:
        raise ValueError(f"{raw!r} is not an nginx time value (e.g. 300s, 5m, 1h)")
    return text


def milliseconds(text: str) -> int:
    value = parse_time(text)
    assert value is not None
    return value.milliseconds


def describe_ms(ms: int) -> str:
    return format_seconds(ms)


def version_words(document: NginxDocument) -> str:
    if document.nginx_version is None:
        return "needed before nginx 1.29.7 (set `nginx-version` if you run 1.29.7 or later)"
    return f"nginx {'.'.join(map(str, document.nginx_version))} is older than 1.29.7"


def statement_text(document: NginxDocument, stmt: Stmt) -> str | None:
    """A statement exactly as written (quoting kept), from its file or a stock file."""
    directive = stmt.directive
    if directive is None or directive.terminator is None:
        return None
    source = document.sources.get(directive.path)
    if source is None:
        for parsed in document.files.values():
            if parsed.path == directive.path:
                source = parsed.source
                break
    if source is None:
        return None
    return source.text[directive.start : directive.end]


__all__ = ["KEEPALIVE_DEFAULT_VERSION", "keepalive_of"]
