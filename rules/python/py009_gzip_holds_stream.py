"""PY009 gzip-holds-stream: Starlette's (and FastAPI's) ``GZipMiddleware`` on an app that
streams, with a starlette release whose middleware holds the stream back."""

from __future__ import annotations

import os
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.document import PythonDocument
from linter.python.endpoints import (
    COMPRESSION_NAMES,
    Middleware,
    compression_middlewares,
    streaming_responses,
)
from linter.python.serverfacts import EndpointFacts, StarletteRange
from linter.registry import Rule

Version = tuple[int, ...]
SSE_FIXED = (0, 46)  # text/event-stream is no longer compressed
STREAM_FIXED = (1, 5)  # every compressed chunk is flushed
HEADERS_FIXED = (1, 8)  # an excluded type's headers are sent before its first chunk


def _text(version: Version) -> str:
    return ".".join(map(str, version))


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    text = document.source.text
    if document.tree is None or not any(name in text for name in COMPRESSION_NAMES):
        return
    facts: EndpointFacts | None = document.endpoint_facts
    middlewares = list(compression_middlewares(document))
    if not middlewares or facts is None:
        return
    streams = _evidence(document, facts)
    if not streams:
        return  # nothing shows that the app streams
    for middleware in middlewares:
        finding = _finding(document, middleware, facts.starlette, streams)
        if finding is not None:
            yield finding


def _evidence(document: PythonDocument, facts: EndpointFacts) -> dict[bool | None, str]:
    """Where the app streams events (True), another media type (False), one not known here
    (None): this file's own responses first, then other files of its folder."""
    found: dict[bool | None, str] = {}
    for response in streaming_responses(document):
        found.setdefault(response.sse, f"line {response.node.lineno}")  # type: ignore[attr-defined]
    own = os.path.abspath(document.path)
    for stream in facts.streams:
        if stream.file != own:  # this file was read precisely above
            found.setdefault(stream.sse, f"{stream.path}:{stream.line}")
    return found


def _finding(
    document: PythonDocument,
    middleware: Middleware,
    starlette: StarletteRange | None,
    streams: dict[bool | None, str],
) -> Finding | None:
    begin, end = document.span(middleware.node)
    name = document.text_of(middleware.node)
    sse, other, unknown = streams.get(True, ""), streams.get(False, ""), streams.get(None, "")
    what = " and ".join(
        part
        for part in (
            f"server-sent events (at {sse})" if sse else "",
            f"a non-event body (at {other})" if other else "",
            f"a body of a media type not known here (at {unknown})" if unknown else "",
        )
        if part
    )
    subject = f"`{name}` on an app that streams {what}"
    if middleware.gzip_fallback:
        subject += (
            " (its `gzip_fallback`, on by default, serves clients that do not accept `br`, "
            "such as httpx without the brotli package, with starlette's GZipMiddleware code)"
        )
    if starlette is None:
        return RULE.report(
            document.source,
            begin,
            end,
            f"{subject}, and no starlette or FastAPI version is pinned: GZipMiddleware holds "
            f"server-sent events until the stream ends before starlette 0.46 and other streams "
            f"before 1.5; pin starlette>=1.5 (FastAPI>=0.164 requires 1.6), or keep the "
            f"middleware off streaming routes",
            severity=Severity.INFO,
        )
    evidence = f"starlette {_range(starlette)} ({starlette.evidence})"
    held = []
    maybe = []
    needed: Version = (0,)
    wanted: Version = (0,)
    sse_text = "compresses `text/event-stream` and holds every event until the stream ends"
    other_text = "compresses without flushing and holds every chunk back"
    # (where, below which release it is held for sure, below which it may be, what happens
    # then, what may happen): a body of unknown type is held for sure only before 0.46.
    cases = (
        (sse, SSE_FIXED, SSE_FIXED, sse_text, sse_text),
        (other, STREAM_FIXED, STREAM_FIXED, other_text, other_text),
        (
            unknown,
            SSE_FIXED,
            STREAM_FIXED,
            other_text,
            other_text + " unless it is an event stream",
        ),
    )
    for present, certain, possible, happens, may_happen in cases:
        if not present:
            continue
        if starlette.below is not None and starlette.below <= certain:
            held.append(f"before {_text(certain)} GZipMiddleware {happens}")
            needed = max(needed, possible)
        elif starlette.lowest < possible:
            maybe.append(f"before {_text(possible)} GZipMiddleware {may_happen}")
            wanted = max(wanted, possible)
    if held:
        fastapi = "0.134" if needed == SSE_FIXED else "0.164"
        return RULE.report(
            document.source,
            begin,
            end,
            f"{subject}, with {evidence}: {'; '.join(held + maybe)}; upgrade to starlette "
            f"{_text(needed)} or later (FastAPI {fastapi}+ requires it), or keep the middleware "
            f"off streaming routes",
        )
    if maybe:
        return RULE.report(
            document.source,
            begin,
            end,
            f"{subject}, with {evidence}, where it may hold the stream ({'; '.join(maybe)}); "
            f"require starlette {_text(wanted)} or later",
            severity=Severity.INFO,
        )
    if sse and starlette.lowest < HEADERS_FIXED:
        return RULE.report(
            document.source,
            begin,
            end,
            f"{subject}, with {evidence}: before 1.8 GZipMiddleware holds the response headers "
            f"of an event stream until its first event, so a slow first token looks like a "
            f"server that does not answer; send a heartbeat or upgrade starlette to 1.8",
            severity=Severity.INFO,
        )
    return None


def _range(starlette: StarletteRange) -> str:
    """``0.45.3`` for one release, else the range (``<0.46``, ``>=0.40,<1.0``, ``>=0.46``)."""
    low, below = starlette.lowest, starlette.below
    if below is not None and below <= (*low, 0, 0, 1):
        return _text(low)
    lower = f">={_text(low)}" if any(low) else ""
    upper = f"<{_text(below)}" if below is not None else ""
    return ",".join(part for part in (lower, upper) if part) or "(any release)"


RULE = Rule(
    code="PY009",
    name="gzip-holds-stream",
    kind="python",
    summary="Starlette/FastAPI `GZipMiddleware` on a streaming app, with a starlette that holds the stream",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds `GZipMiddleware` (Starlette's, or FastAPI's re-export) put on an app
(`app.add_middleware(GZipMiddleware, ...)`, `Middleware(GZipMiddleware, ...)`,
`GZipMiddleware(app)`), or brotli-asgi's `BrotliMiddleware` with its default
`gzip_fallback=True` (clients that do not accept `br`, such as httpx without the brotli
package, get starlette's gzip code; its own brotli stream is flushed per chunk), when the app
streams: the same file, or a Python file at or below its
folder (tests excluded), makes a `StreamingResponse`, an `EventSourceResponse` or a Django
`StreamingHttpResponse`. It then reads which starlette releases the repository runs: the
nearest `uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `requirements*.txt` or
`pyproject.toml` that pins starlette, or else FastAPI, whose pin implies a starlette range
(from FastAPI's own package metadata, release by release).

- warning: every allowed release holds the stream (events before starlette 0.46, other
  streaming bodies before 1.5);
- info: the pin allows releases on both sides, or nothing pins starlette or FastAPI;
- info: an event stream on starlette 0.46 to 1.7, whose middleware still holds the headers
  until the first event.

## Why is this bad
Before starlette 0.46, `GZipMiddleware` compresses `text/event-stream` into a gzip stream it
does not flush: the reader gets nothing until the compressor's buffer fills or the stream
ends. Before 1.5 the same happens to every other streamed body (NDJSON, plain text chunks);
1.5 flushes each chunk. Before 1.8, even an excluded event stream's headers wait for its first
chunk.

## Fix safety
No fix: upgrading a dependency or moving the middleware is a project's decision.

## References
- starlette `middleware/gzip.py`: 0.46.0 (`DEFAULT_EXCLUDED_CONTENT_TYPES`), 1.5.0
  (`Z_SYNC_FLUSH`), 1.8.0 (headers sent at `http.response.start` for excluded types)
""",
)
