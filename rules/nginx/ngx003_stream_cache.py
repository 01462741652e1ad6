"""NGX003 stream-cache: a cache in effect on a streaming route."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.nginx.directives import BUFFERED_FAMILIES
from linter.nginx.effective import lookup
from linter.nginx.model import NginxDocument
from linter.nginx.routes import streaming_routes
from linter.registry import Rule
from rules.nginx._common import because, set_in_block, value_place


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for route in streaming_routes(document, settings):
        if route.family not in BUFFERED_FAMILIES:
            continue
        name = f"{route.family}_cache"
        found = lookup(route.block, name, "off")
        if not found.known or found.stmt is None or found.value is None or found.value == "off":
            continue
        if found.stmt.directive is not None and found.stmt.directive.args[0].has_placeholder:
            continue
        place = value_place(document, route, found)
        edits = set_in_block(document, route, found, name, "off")
        fix = RULE.make_fix(edits, f"set {name} off for {route.label()}") if edits else None
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"{name} is in effect here: {found.describe(document.workspace_root)}. A cached "
            f"response is collected whole before it is stored, so the stream is held back (and a "
            f"replayed answer comes from the cache); add `{name} off;` to this location. "
            f"{because(route)}",
            fix=fix,
        )


RULE = Rule(
    code="NGX003",
    name="stream-cache",
    kind="nginx",
    summary="a streaming route where a proxy cache is in effect",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
On a streaming route, finds `proxy_cache` (or `fastcgi_cache`, `uwsgi_cache`, `scgi_cache`) in
effect with a zone, set in the location, inherited from the server or http level, or brought
in by an include.

## Why is this bad
Caching only happens on nginx's buffered path: the response is collected before it is stored,
so a streamed answer is held back until it ends, and a later identical request may be answered
from the cache with a replay of an old answer. `proxy_cache off` cancels a cache inherited
from an outer level.

## Fix safety
Safe: the fix adds `proxy_cache off;` to the location that proxies (or rewrites the location's
own `proxy_cache` zone to `off`). No fix when the cache comes from an include shared by other
locations: the message says what to write.

## References
- nginx: [proxy_cache](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache)
""",
)
