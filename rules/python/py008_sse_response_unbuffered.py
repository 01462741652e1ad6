"""PY008 sse-response-unbuffered: a server-sent-events response that does not tell a proxy in
front not to buffer or cache it (``X-Accel-Buffering: no``, ``Cache-Control: no-cache``)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.python.document import PythonDocument
from linter.python.edits import add_entries, add_keyword
from linter.python.endpoints import NEEDED_HEADERS, SseResponse, has_heartbeat, sse_responses
from linter.python.serverfacts import UnbufferedLocation, covers_route
from linter.registry import Rule

_VALUES = {written: value for _, written, value in NEEDED_HEADERS}


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    if document.tree is None or "event-stream" not in document.source.text:
        return
    facts = document.endpoint_facts
    unbuffered = facts.unbuffered if facts is not None else ()
    heartbeat: bool | None = None
    for response in sse_responses(document):
        if _covered(unbuffered, response):
            continue  # NGINX in the repository already streams this route unbuffered
        if heartbeat is None:
            heartbeat = has_heartbeat(document)
        yield _finding(document, response, heartbeat)


def _covered(unbuffered: tuple[UnbufferedLocation, ...], response: SseResponse) -> bool:
    """An NGINX config of the repository turns buffering off for every route of the
    response (an unknown route: for some route)."""
    if not unbuffered:
        return False
    routes: tuple[str | None, ...] = response.routes if response.routes else (None,)
    return all(any(covers_route(place, route) for place in unbuffered) for route in routes)


def _finding(document: PythonDocument, response: SseResponse, heartbeat: bool) -> Finding:
    call = response.call
    begin, end = document.span(call.func)
    name = document.text_of(call.func)
    missing = response.missing
    entries = ", ".join(f'"{h}": "{_VALUES[h]}"' for h in missing)
    if response.headers is not None:
        edits = add_entries(document, response.headers, [(h, f'"{_VALUES[h]}"') for h in missing])
        description = f"add {entries} to `headers`"
    else:
        edits = add_keyword(document, call, "headers", "{" + entries + "}")
        description = f"add `headers={{{entries}}}`"
    sent = " and ".join(f"`{h}: {_VALUES[h]}`" for h in missing)
    why = []
    if "X-Accel-Buffering" in missing:
        why.append("an nginx in front buffers the events and delivers them in bursts or at the end")
    if "Cache-Control" in missing:
        why.append("a proxy or CDN may cache or transform the stream")
    message = f"`{name}(..., text/event-stream)` sends no {sent}: {'; '.join(why)}; " + (
        "add the headers"
        if heartbeat
        else "add the headers, and send a heartbeat (a `: ping` comment every 15 s from the "
        "generator, or `sse_starlette.EventSourceResponse(ping=15)`, or FastAPI's "
        "`EventSourceResponse` as `response_class`, 0.135+) so idle timers on the path "
        "survive a slow first token"
    )
    return RULE.report(document.source, begin, end, message, fix=RULE.make_fix(edits, description))


RULE = Rule(
    code="PY008",
    name="sse-response-unbuffered",
    kind="python",
    summary="a server-sent-events response without `X-Accel-Buffering: no` and `Cache-Control: no-cache`",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
Finds server-sent-events responses made with a class that sends the body as it is given and
nothing else: Starlette/FastAPI `StreamingResponse(..., media_type="text/event-stream")`,
Flask/Quart/Werkzeug `Response(..., mimetype=/content_type="text/event-stream")` and Django
`StreamingHttpResponse(..., content_type="text/event-stream")`, whose headers (a literal
`headers=` dict, and `response.headers[...] = ...` / `response[...] = ...` on the variable it is
assigned to) lack `X-Accel-Buffering` or `Cache-Control`, and no other code of the file names
the missing header (an `after_request` hook or a middleware that may add it; another
route's handler names it for its own response only, and does not count). The message also asks for a heartbeat
when the file writes no SSE comment line (`": ping\\n\\n"`).

`sse_starlette.EventSourceResponse` and FastAPI's own `EventSourceResponse` (0.135 and later,
used as `response_class`) send both headers and a ping every 15 s: they are not flagged.
Headers built elsewhere (`headers=some_dict`, `**kwargs`, `response.headers.update(...)`) are
not read, and such a response is left alone.

Where an NGINX config in the repository turns `proxy_buffering off` for the route (a
`location` that matches the endpoint's path, or the whole `server`), the response is not
reported. Only the config files' own statements are read
(includes are not followed); a route whose full path is not known here (a router or blueprint
included elsewhere) counts as covered by any such location.

## Why is this bad
nginx buffers proxied responses by default: without `X-Accel-Buffering: no` the events reach
the reader in bursts or all at the end. `Cache-Control: no-cache` keeps caches and CDNs from
storing or transforming the stream. With no heartbeat, every idle timer on the path (nginx
`proxy_read_timeout` 60 s, load balancers' idle timeouts) runs during a slow first token.

## Fix safety
Safe: the fix adds `headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}`, or the
missing entries to a literal `headers` dict. Neither header changes what the events say, and
an event stream must not be cached (Django takes `headers=` from 3.2 on). The heartbeat is not
added: where to send it is the generator's design.

## References
- nginx: `proxy_buffering` and the `X-Accel-Buffering` response header
- sse-starlette: `EventSourceResponse` (`ping`, default 15 s); FastAPI: Server-Sent Events
""",
)
