"""NGX006 upstream-keepalive-defeated: keepalive in the upstream, but a location proxying to it
sends HTTP/1.0 or a Connection header that is not cleared (`close`, a fixed `upgrade`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Edit, Finding, Fix, Severity
from linter.nginx.assess import (
    connection_problem,
    fixed_connection,
    map_value_for_plain_requests,
)
from linter.nginx.context import Stmt
from linter.nginx.edits import insert_statements, replace_word
from linter.nginx.effective import ArrayLookup, Lookup, lookup, lookup_array
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route
from linter.nginx.routes import all_routes, map_values, pass_host, upstreams
from linter.registry import Rule
from rules.nginx._common import (
    KEEPALIVE_DEFAULT_VERSION,
    caveat_of,
    keepalive_of,
    may_edit_block,
    own_level,
    place_of,
    route_place,
    set_in_block,
    severity_with,
    statement_text,
    value_place,
    version_words,
)


def _copied_headers(
    document: NginxDocument, route: Route, headers: ArrayLookup
) -> list[str] | None:
    """The inherited `proxy_set_header` lines to copy along with a new one (one added to the
    location drops every inherited one); None when they cannot be copied safely."""
    if not may_edit_block(document, route) or not headers.known:
        return None
    statements: list[str] = []
    if headers.inherited:
        for stmt in headers.stmts:
            text = statement_text(document, stmt)
            if text is None:
                return None
            statements.append(" ".join(text.split()) if "\n" in text else text)
    own = route.block.level_named("proxy_set_header")
    if own and any(s.via is not route.block.via for s in own):
        return None  # the location's headers come partly from an include: leave it to a person
    return statements


CONNECTION_LINE = 'proxy_set_header Connection "";'


def _both_fix(
    document: NginxDocument, route: Route, version: Lookup, headers: ArrayLookup
) -> list[Edit]:
    """HTTP/1.1 and an empty Connection header together, as one fix: apart, neither makes the
    finding go away, and two insertions at one place would collide."""
    copied = _copied_headers(document, route, headers)
    if copied is None or (version.caveat is not None and version.caveat.parent is route.block):
        return []
    connection = [*copied, CONNECTION_LINE]
    if own_level(route, version):
        version_edits = set_in_block(document, route, version, "proxy_http_version", "1.1")
        insert = insert_statements(document, route.block, connection, anchor=route.pass_stmt)
        return [*version_edits, insert] if version_edits and insert is not None else []
    if version.level is route.block or not may_edit_block(document, route):
        return []  # set at this level by an included file
    insert = insert_statements(
        document,
        route.block,
        ["proxy_http_version 1.1;", *connection],
        anchor=route.pass_stmt,
    )
    return [insert] if insert is not None else []


def _map_fix(document: NginxDocument, connection: Stmt | None) -> Fix | None:
    """For `Connection $connection_upgrade` from the WebSocket map whose `''` entry (or default)
    gives `close`: write `""` there. Unsafe: the map serves every route that uses it, though
    what changes for them is only that a plain request no longer asks the backend to close
    (nginx still closes a connection it does not cache; upgrades still get `upgrade`)."""
    if connection is None or len(connection.args) < 2 or not connection.args[1].startswith("$"):
        return None
    mapped, entry = map_value_for_plain_requests(document, connection.args[1])
    if mapped is None or mapped.lower() != "close" or entry is None:
        return None
    directive = entry.directive
    # Only the `''` entry: a `default close` also answers values other than an upgrade.
    if directive is None or directive.name.value != "" or not directive.name.quote:
        return None
    edit = replace_word(document, entry, 0, '""')
    if edit is None:
        return None
    return RULE.make_fix(
        [edit],
        f'map {directive.name.raw} to "" instead of close at {document.where(entry)}',
        unsafe=True,
    )


def _inherited_note(document: NginxDocument, headers: ArrayLookup) -> str:
    if headers.inherited and headers.level is not None and headers.stmts:
        return (
            f" This location inherits {len(headers.stmts)} proxy_set_header from "
            f"{document.where(headers.stmts[0])}; one added here drops them all, so the fix "
            f"copies them."
        )
    return ""


def _kept_alive(document: NginxDocument, route: Route) -> str | None:
    """What says the route proxies to an upstream with keepalive, or None: the upstream its
    target names, else the ones a `map` gives the variable that is the whole host
    (`proxy_pass http://$pool;`: nginx looks a variable's value up among the `upstream {}`
    blocks before it asks a resolver, so the upstream's connection cache applies)."""
    if route.upstream is not None:
        mode, _ = keepalive_of(document, route.upstream)
        if mode in ("explicit", "implicit"):
            return f"upstream {route.upstream.args[0]} keeps connections alive"
        return None
    host, port = pass_host(route.target)
    if port or re.fullmatch(r"\$(\w+|\{\w+\})", host) is None:
        return None
    known = upstreams(document)
    for stmt, variable, value in map_values(document, route.target):
        upstream = known.get(value)
        if upstream is None:
            continue
        mode, _ = keepalive_of(document, upstream)
        if mode in ("explicit", "implicit"):
            return (
                f"upstream {value} keeps connections alive (the map at {document.where(stmt)} "
                f"gives {variable} that upstream's name, and proxy_pass {route.target} then "
                f"uses it)"
            )
    return None


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    modern = document.version_at_least(*KEEPALIVE_DEFAULT_VERSION)
    for route in all_routes(document, settings):
        if route.family != "proxy" or route.opted_out:
            continue
        kept_alive = _kept_alive(document, route)
        if kept_alive is None:
            continue
        upstream_text = kept_alive
        version = lookup(route.block, "proxy_http_version", "1.1" if modern else "1.0")
        http10 = version.known and version.value == "1.0"
        headers = lookup_array(route.block, "proxy_set_header")
        problem = connection_problem(document, headers)
        caveat = caveat_of(version, headers)
        why, stmt = problem if problem is not None else ("", None)
        version_text = (
            f"talks HTTP/1.0 to it (proxy_http_version {version.describe(document.workspace_root)})"
        )
        if http10 and problem is not None and stmt is None:
            # Both missing (the usual case before 1.29.7): one finding, one fix for both.
            place = value_place(document, route, version)
            edits = _both_fix(document, route, version, headers)
            fix = (
                RULE.make_fix(
                    edits,
                    f'set proxy_http_version 1.1 and add proxy_set_header Connection "" to '
                    f"{route.label()}",
                )
                if edits
                else None
            )
            yield RULE.report(
                place.source,
                place.start,
                place.end,
                f"{upstream_text}, but {route.label()} {version_text}, and {why}: every request "
                f"closes its connection. Add `proxy_http_version 1.1;` and `{CONNECTION_LINE}` "
                f"({version_words(document)}).{_inherited_note(document, headers)}",
                fix=fix,
                severity=severity_with(caveat),
            )
            continue
        if http10:
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
                f"{upstream_text}, but {route.label()} {version_text}: every request "
                f"closes its connection. Add `proxy_http_version 1.1;` "
                f"({version_words(document) if not modern else 'HTTP/1.0 is set explicitly'}).",
                fix=fix,
                severity=severity_with(caveat),
            )
        if problem is None:
            continue
        place = route_place(document, route)
        fixed = fixed_connection(stmt) if stmt is not None else None
        if stmt is not None and fixed is None:
            # At the Connection line itself, even when inherited: that line is what to change
            # (and a finding about HTTP/1.0 may already point at the location).
            place = place_of(document, stmt) or place
        connection_edits: list[Edit] = []
        note = ""
        if stmt is None:
            copied = _copied_headers(document, route, headers)
            insert = (
                insert_statements(
                    document, route.block, [*copied, CONNECTION_LINE], anchor=route.pass_stmt
                )
                if copied is not None
                else None
            )
            connection_edits = [insert] if insert is not None else []
            # Only nginx before 1.29.7 sends `Connection: close` by default: say which applies.
            note = f" Add `{CONNECTION_LINE}` ({version_words(document)})."
            note += _inherited_note(document, headers)
        if fixed is not None:
            # At the location (the message names the Connection line): a server-level line
            # is inherited by many. No fix: `""` there would end WebSocket upgrades on the
            # route; the map keeps both.
            yield RULE.report(
                place.source,
                place.start,
                place.end,
                f"{upstream_text}, but for {route.label()} {why}. nginx's documentation of "
                f"`keepalive` asks, for HTTP, that `proxy_http_version` be 1.1 and the "
                f"`Connection` header be cleared (`{CONNECTION_LINE}`); with `{fixed}` on a "
                f"plain request, whether the connection is kept is up to the backend. To keep "
                f"WebSocket upgrades here and keep-alive both, send "
                f"`proxy_set_header Connection $connection_upgrade;` with "
                f"`map $http_upgrade $connection_upgrade {{ default upgrade; '' \"\"; }}` "
                f"(http level): a plain request then gets an empty Connection header.",
                severity=severity_with(caveat),
            )
            continue
        fix = (
            RULE.make_fix(
                connection_edits, f'add proxy_set_header Connection "" to {route.label()}'
            )
            if connection_edits
            else _map_fix(document, stmt)
        )
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"{upstream_text}, but for {route.label()} {why}: the backend closes the connection "
            f"after every response.{note}",
            fix=fix,
            severity=severity_with(caveat),
        )


RULE = Rule(
    code="NGX006",
    name="upstream-keepalive-defeated",
    kind="nginx",
    summary="an upstream with keepalive proxied with HTTP/1.0 or a `Connection` header not cleared (`close`, a fixed `upgrade`)",
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
location drops every inherited one, including an inherited `Connection ""`. A target whose
whole host is a variable that a `map` sets to upstream names (`proxy_pass http://$pool;`)
counts too: nginx looks the value up among the `upstream {}` blocks before any resolver, so
their connection cache applies. A fixed value other than empty or `keep-alive` (`Connection
"upgrade"`, sent so that WebSockets work) is reported too: nginx's documentation of
`keepalive` asks for the header to be cleared, and with `upgrade` on every plain request
whether the connection is kept is left to the backend (most keep it: measured with a
keep-alive backend, tests/realnginx). The finding says what is sent and where, and the
keep-alive-friendly way to keep WebSockets: `map $http_upgrade $connection_upgrade { default
upgrade; '' ""; }` with `proxy_set_header Connection $connection_upgrade;`.

## Why is this bad
Keep-alive to the upstream needs all three: `keepalive` in the upstream, HTTP/1.1, and an
empty `Connection` header. With any one missing, every request still opens and closes its own
connection, and the `keepalive` line only looks like it works.

## Fix safety
Safe: the fix adds `proxy_http_version 1.1;`, or `proxy_set_header Connection "";` to the
location, or both in one fix when both are missing (nginx's defaults before 1.29.7: one
finding, since neither alone makes keep-alive work). Where the location inherits its `proxy_set_header` set, the fix copies that set into
the location along with the new line, so no header is lost. For the WebSocket map the fix is
unsafe (applied with `--unsafe-fixes`): it writes `""` instead of `close` for `''` in the map,
which every route using the map shares; for them only the `Connection: close` a plain request
sent is gone (nginx still closes what it does not cache, and upgrades still get `upgrade`).
A fixed `Connection "upgrade"` gets no fix: `""` in its place would end WebSocket upgrades on
that route, and the map that keeps both is for a person to add at http level.

## References
- nginx: [keepalive](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive)
- nginx: [proxy_set_header](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header)
""",
)
