"""Run one streaming response through the starlette found on ``sys.path`` with its
``GZipMiddleware``, by calling the ASGI app in-process, and print what a client saw as JSON.

Usage: ``python gzip_driver.py MEDIA_TYPE``. Imports only starlette (and anyio, its
dependency), so ``PYTHONPATH`` can put any starlette release first (tests/python/
test_gzip_truth.py). The generator yields its first chunk, then waits (at most 2 s) until
the client has decoded that chunk, then yields a second: a middleware that holds the stream
makes the wait run out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import zlib

import starlette
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import StreamingResponse
from starlette.routing import Route

MEDIA_TYPE = sys.argv[1]
SSE = MEDIA_TYPE == "text/event-stream"
FIRST = b"data: first\n\n" if SSE else b'{"token": "first"}\n'
SECOND = b"data: second\n\n" if SSE else b'{"token": "second"}\n'


async def main() -> dict[str, object]:
    delivered = asyncio.Event()
    finished = False
    seen: dict[str, object] = {"first_before_end": False, "encoding": None, "body": b""}
    decoder: list[zlib._Decompress] = []  # set once the headers say gzip

    async def chunks():
        yield FIRST
        with contextlib.suppress(asyncio.TimeoutError):  # held: the wait runs out
            await asyncio.wait_for(delivered.wait(), 2.0)
        yield SECOND

    async def endpoint(request):
        return StreamingResponse(chunks(), media_type=MEDIA_TYPE)

    app = Starlette(
        routes=[Route("/stream", endpoint)],
        middleware=[Middleware(GZipMiddleware, minimum_size=1000)],
    )
    requested = False
    never = asyncio.Event()

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal finished
        if message["type"] == "http.response.start":
            headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
            seen["encoding"] = headers.get("content-encoding")
            if seen["encoding"] == "gzip":
                decoder.append(zlib.decompressobj(16 + zlib.MAX_WBITS))
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            text = decoder[0].decompress(body) if decoder else body
            seen["body"] = seen["body"] + text  # type: ignore[operator]
            if FIRST in seen["body"] and not finished:  # type: ignore[operator]
                if not delivered.is_set():
                    seen["first_before_end"] = not finished and message.get("more_body", False)
                delivered.set()
            if not message.get("more_body", False):
                finished = True

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/stream",
        "raw_path": b"/stream",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), 20)
    return {
        "version": starlette.__version__,
        "encoding": seen["encoding"],
        "first_before_end": seen["first_before_end"],
        "complete": seen["body"] == FIRST + SECOND,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
