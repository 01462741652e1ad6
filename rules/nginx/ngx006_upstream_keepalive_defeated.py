"""NGX006 upstream-keepalive-defeated: keepalive in the upstream, but a location proxying to it
sends HTTP/1.0 or `Connection: close`."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Edit, Finding, Severity
from linter.nginx.assess import connection_problem
from linter.nginx.edits import insert_statements
from linter.nginx.effective import ArrayLookup, lookup, lookup_array
from linter.nginx.model import NginxDocument
from linter.nginx.routes import Route, all_routes
from linter.registry import Rule
from rules.nginx._common import (
    KEEPALIVE_DEFAULT_VERSION,
    keepalive_of,
    may_edit_block,
    place_of,
    route_place,
    set_in_block,
    statement_text,
    value_place,
    version_words,
)


def _connection_fix(document: NginxDocument, route: Route, headers: ArrayLookup) -> list[Edit]:
    """Add `proxy_set_header Connection "";` without dropping inherited headers: when the
    location inherits its proxy_set_header set, copy that set into it too."""
    if not may_edit_block(document, route) or not headers.known:
        return []
    line = 'proxy_set_header Connection "";'
    statements: list[str] = []
    if headers.inherited:
        for stmt in headers.stmts:
            text = statement_text(document, stmt)
            if text is None:
                return []
            statements.append(" ".join(text.split()) if "\n" in text else text)
    own = route.block.level_named("proxy_set_header")
    if own and any(s.via is not route.block.via for s in own):
        return []  # the location's headers come partly from an include: leave it to a person
    edit = insert_statements(document, route.block, [*statements, line], anchor=route.pass_stmt)
    return [edit] if edit is not None else []


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    modern = document.version_at_least(*KEEPALIVE_DEFAULT_VERSION)
    for route in all_routes(document, settings):
        if route.family != "proxy" or route.upstream is None or route.opted_out:
            continue
        mode, _ = keepalive_of(document, route.upstream)
        if mode not in ("explicit", "implicit"):
            continue
        upstream_text = f"upstream {route.upstream.args[0]} keeps connections alive"
        version = lookup(route.block, "proxy_http_version", "1.1" if modern else "1.0")
        if version.known and version.value == "1.0":
            place = value_place(document, route, version)
            edits = set_in_block(document, route, version, "proxy_http_version", "1.1")
            fix = (
                RULE.make_fix(edits, f"set proxy_http_version 1.1 for {route.label()}")
                if edits
                else None
            )
            yield RULE.report(
                place.source,
                place.start,
                place.end,
                f"{upstream_text}, but {route.label()} talks HTTP/1.0 to it "
                f"(proxy_http_version {version.describe(document.workspace_root)}): every request "
                f"closes its connection. Add `proxy_http_version 1.1;` "
                f"({version_words(document) if not modern else 'HTTP/1.0 is set explicitly'}).",
                fix=fix,
            )
        headers = lookup_array(route.block, "proxy_set_header")
        problem = connection_problem(document, headers)
        if problem is None:
            continue
        why, stmt = problem
        place = route_place(document, route)
        if stmt is not None and stmt.parent is route.block and stmt.via is route.block.via:
            place = place_of(document, stmt) or place
        connection_edits: list[Edit] = []
        if stmt is None:
            connection_edits = _connection_fix(document, route, headers)
        fix = (
            RULE.make_fix(
                connection_edits, f'add proxy_set_header Connection "" to {route.label()}'
            )
            if connection_edits
            else None
        )
        inherited_note = ""
        if stmt is None:
            # Only nginx before 1.29.7 sends `Connection: close` by default: say which applies.
            inherited_note = f' Add `proxy_set_header Connection "";` ({version_words(document)}).'
        if stmt is None and headers.inherited and headers.level is not None and headers.stmts:
            inherited_note += (
                f" This location inherits {len(headers.stmts)} proxy_set_header from "
                f"{document.where(headers.stmts[0])}; one added here drops them all, so the fix "
                f"copies them."
            )
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"{upstream_text}, but for {route.label()} {why}: the backend closes the connection "
            f"after every response.{inherited_note}",
            fix=fix,
        )


RULE = Rule(
    code="NGX006",
    name="upstream-keepalive-defeated",
    kind="nginx",
    summary="an upstream with keepalive proxied with HTTP/1.0 or a `Connection: close` header",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
For every location that proxies to an `upstream {}` with keepalive (on any route, streaming or
not), finds what defeats it: `proxy_http_version` 1.0 in effect (nginx's default before
1.29.7), or a `Connection` header other than empty: none set (nginx then sends
`Connection: close` before 1.29.7), `close` set explicitly, or the usual WebSocket map
`map $http_upgrade $connection_upgrade { default upgrade; '' close; }` that sends `close` on
every plain request. The array-inheritance trap is followed: one `proxy_set_header` in a
location drops every inherited one, including an inherited `Connection ""`.

## Why is this bad
Keep-alive to the upstream needs all three: `keepalive` in the upstream, HTTP/1.1, and an
empty `Connection` header. With any one missing, every request still opens and closes its own
connection, and the `keepalive` line only looks like it works.

## Fix safety
Safe: the fix adds `proxy_http_version 1.1;`, or `proxy_set_header Connection "";` to the
location. Where the location inherits its `proxy_set_header` set, the fix copies that set into
the location along with the new line, so no header is lost. No fix for the WebSocket map: the
message says to map `''` to `""` instead of `close`.

## References
- nginx: [keepalive](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive)
- nginx: [proxy_set_header](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header)
""",
)
