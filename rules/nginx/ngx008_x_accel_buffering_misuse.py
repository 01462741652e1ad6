"""NGX008 x-accel-buffering-misuse: X-Accel-Buffering used where it does not do what it seems."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.nginx.effective import header_value, lookup, lookup_array
from linter.nginx.model import NginxDocument
from linter.nginx.routes import streaming_routes
from linter.registry import Rule
from rules.nginx._common import because, place_of, severity_with

HEADER = "x-accel-buffering"


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for stmt in document.statements():
        if stmt.name != "proxy_set_header" or not stmt.args or stmt.args[0].lower() != HEADER:
            continue
        place = place_of(document, stmt)
        if place is None:
            continue
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            "`proxy_set_header X-Accel-Buffering` sets a request header for the backend; it does "
            "not unbuffer this nginx, which reads X-Accel-Buffering from the backend's response. "
            "Use `proxy_buffering off;` in the location (or have the backend send the header).",
        )
    for route in streaming_routes(document, settings):
        ignored = lookup(route.block, f"{route.family}_ignore_headers")
        if (
            ignored.known
            and ignored.stmt is not None
            and any(a.lower() == HEADER for a in ignored.args)
        ):
            place = place_of(document, ignored.stmt)
            if place is not None:
                yield RULE.report(
                    place.source,
                    place.start,
                    place.end,
                    f"`{route.family}_ignore_headers X-Accel-Buffering` makes nginx ignore the "
                    f"backend's `X-Accel-Buffering: no`, so the backend can no longer turn "
                    f"buffering "
                    f"off for its streams. {because(route)}",
                )
        if route.family != "proxy":
            continue
        buffering = lookup(route.block, "proxy_buffering", "on")
        if not buffering.known or buffering.value != "on":
            continue
        added = header_value(lookup_array(route.block, "add_header"), "X-Accel-Buffering")
        if added is None or len(added.args) < 2 or added.args[1].lower() != "no":
            continue
        place = place_of(document, added)
        if place is None:
            continue
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            "`add_header X-Accel-Buffering no` only tells a proxy further out; this nginx still "
            f"buffers the response (proxy_buffering "
            f"{buffering.describe(document.workspace_root)}). "
            f"Add `proxy_buffering off;` to the location. {because(route)}",
            severity=severity_with(buffering.caveat),
        )


RULE = Rule(
    code="NGX008",
    name="x-accel-buffering-misuse",
    kind="nginx",
    summary="X-Accel-Buffering used where it does not unbuffer this nginx",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds three uses of `X-Accel-Buffering` that do not do what they seem to:
`proxy_set_header X-Accel-Buffering ...` anywhere; `proxy_ignore_headers X-Accel-Buffering` in
effect on a streaming route; `add_header X-Accel-Buffering no` on a streaming route where this
nginx still buffers (`proxy_buffering` on).

## Why is this bad
nginx reads `X-Accel-Buffering` from the upstream's *response* headers. Sent as a request header
(`proxy_set_header`) it is only a header the application receives. Added to the response
(`add_header`) it tells a proxy further out, not this nginx. Ignoring it (`proxy_ignore_headers`)
takes away the backend's way to switch buffering off for its streams.

## Fix safety
No fix: which of the meanings was intended is not certain. The message says what to write:
`proxy_buffering off;` in the location.

## References
- nginx: [X-Accel-Buffering](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering)
- nginx: [proxy_ignore_headers](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_ignore_headers)
""",
)
