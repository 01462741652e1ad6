"""NGX004 stream-gzip: gzip that applies to text/event-stream on a streaming route."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.nginx.assess import gzip as gzip_state
from linter.nginx.model import NginxDocument
from linter.nginx.routes import streaming_routes
from linter.registry import Rule
from rules.nginx._common import because, caveat_of, set_in_block, severity_with, value_place


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for route in streaming_routes(document, settings):
        state = gzip_state(route)
        if state.risk is not True or state.covering is None:
            continue
        gzip, types, covering = state.gzip, state.types, [state.covering]
        place = value_place(document, route, gzip)
        edits = set_in_block(document, route, gzip, "gzip", "off")
        fix = RULE.make_fix(edits, f"set gzip off for {route.label()}") if edits else None
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"gzip is on here ({gzip.describe(document.workspace_root)}) and gzip_types includes "
            f"{covering[0]} ({types.describe(document.workspace_root)}): the event stream is "
            f"compressed, and a compressor or a proxy further out may hold events back until a "
            f"block fills. {because(route)}",
            fix=fix,
            severity=severity_with(caveat_of(gzip, types)),
        )


RULE = Rule(
    code="NGX004",
    name="stream-gzip",
    kind="nginx",
    summary="gzip on a streaming route with gzip_types covering text/event-stream",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
On a streaming route, finds `gzip on` in effect together with a `gzip_types` that lists
`text/event-stream` or `*`. gzip only applies to the listed types (`text/html` by default), so
`gzip on` alone is not reported.

## Why is this bad
With buffering off nginx flushes the compressor per chunk, so events still go out, but every
event pays a compression flush, and clients, CDNs and proxies further out that decompress or
recompress may hold events back until a block fills. Event streams gain little from
compression. It is a risk rather than a certain break, hence a warning.

## Fix safety
Safe: the fix adds `gzip off;` to the location that proxies; other routes keep their
compression.

## References
- nginx: [gzip_types](https://nginx.org/en/docs/http/ngx_http_gzip_module.html#gzip_types)
""",
)
