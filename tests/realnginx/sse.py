"""A slow SSE upstream (standard library only) and a client that timestamps every event.

The server and the client run in the test's own process, so their `time.monotonic()`
readings share one clock: a test can compare when the server wrote an event with when the
client, behind nginx, received it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Step:
    """Wait `delay` seconds, then send one event."""

    delay: float
    data: str


def schedule(*delays: float, done: bool = True) -> tuple[Step, ...]:
    """Events `token 0`, `token 1`, ... each after its delay, then `[DONE]` (as OpenAI sends)."""
    steps = [
        Step(delay, json.dumps({"index": i, "content": f"token {i}"}))
        for i, delay in enumerate(delays)
    ]
    if done:
        steps.append(Step(0.0, "[DONE]"))
    return tuple(steps)


@dataclass
class Served:
    """What the upstream did for one request (filled in by the handler thread)."""

    path: str
    started: float
    connection: int  # which upstream connection carried it (1, 2, ...)
    headers: dict[str, str] = field(default_factory=dict)  # the request headers nginx sent
    sent: list[float] = field(default_factory=list)  # when each event was written
    finished: float | None = None  # after the last event, just before the connection closes
    aborted: str | None = None  # the write error when the peer (nginx) went away


class SlowSSEServer:
    """An HTTP/1.0 SSE endpoint that answers every POST/GET with the same slow schedule.

    HTTP/1.0 without a length: the body ends when the server closes the connection, which is
    exactly when nginx learns that the upstream response is complete.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        header_delay: float = 0.0,
        headers: Mapping[str, str] | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.steps = tuple(steps)
        self.header_delay = header_delay  # a slow first token on a server that answers late
        self.headers = dict(headers or {})  # extra response headers (X-Accel-Buffering, ...)
        # keep_alive: answer HTTP/1.1 with a Content-Length (events sent at once, no delays) so
        # nginx may reuse the connection; counts connections for the keep-alive facts.
        self.keep_alive = keep_alive
        self.connections = 0
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    def start(self) -> int:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if owner.keep_alive else "HTTP/1.0"
            connection = 0

            def setup(self) -> None:
                super().setup()
                with owner._lock:
                    owner.connections += 1
                    self.connection = owner.connections

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                owner._stream(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                owner._stream(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _stream(self, handler: BaseHTTPRequestHandler) -> None:
        record = Served(
            handler.path,
            time.monotonic(),
            getattr(handler, "connection", 0),
            {k.lower(): v for k, v in handler.headers.items()},
        )
        with self._lock:
            self.served.append(record)
        if self.keep_alive:
            self._whole(handler, record)
            return
        try:
            if self.header_delay:
                time.sleep(self.header_delay)
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Cache-Control", "no-cache")
            for name, value in self.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.flush()
            for step in self.steps:
                if step.delay:
                    time.sleep(step.delay)
                handler.wfile.write(f"data: {step.data}\n\n".encode())
                handler.wfile.flush()
                record.sent.append(time.monotonic())
            record.finished = time.monotonic()
        except OSError as exc:  # nginx closed the upstream connection (read timeout, client gone)
            record.aborted = f"{type(exc).__name__}: {exc}"

    def _whole(self, handler: BaseHTTPRequestHandler, record: Served) -> None:
        body = b"".join(f"data: {step.data}\n\n".encode() for step in self.steps)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Content-Length", str(len(body)))
        if handler.close_connection:
            # Say so, as HTTP/1.1 servers do: nginx would otherwise keep the connection in
            # its cache and send the next request into a closed socket (a 502).
            handler.send_header("Connection", "close")
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        record.sent.append(time.monotonic())
        record.finished = time.monotonic()


@contextlib.contextmanager
def sse_server(
    steps: Sequence[Step],
    *,
    header_delay: float = 0.0,
    headers: Mapping[str, str] | None = None,
    keep_alive: bool = False,
) -> Iterator[SlowSSEServer]:
    server = SlowSSEServer(steps, header_delay=header_delay, headers=headers, keep_alive=keep_alive)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- the client ---------------------------------------------------------------------------


@dataclass
class Received:
    """One streamed response as the client saw it."""

    requested: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    headers_at: float | None = None
    events: list[tuple[float, str]] = field(default_factory=list)  # (arrival time, data)
    complete: bool = False  # the body ended properly (last chunk, or the full length)
    closed_early: bool = False  # the connection closed before the body ended
    ended: float | None = None
    error: str | None = None

    @property
    def data(self) -> list[str]:
        return [data for _, data in self.events]

    def first_arrival(self) -> float:
        assert self.events, f"no event arrived: {self!r}"
        return self.events[0][0]


class _Chunked:
    """Incremental decoder of a chunked body: size line, data, CRLF, ..., a zero-size chunk."""

    def __init__(self) -> None:
        self.buffer = b""
        self.state = "size"
        self.remaining = 0
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        out = b""
        while not self.done:
            if self.state == "size":
                line_end = self.buffer.find(b"\r\n")
                if line_end < 0:
                    break
                self.remaining = int(self.buffer[:line_end].split(b";")[0].strip(), 16)
                self.buffer = self.buffer[line_end + 2 :]
                if self.remaining == 0:
                    self.done = True  # trailers, if any, are of no interest
                    break
                self.state = "data"
            elif self.state == "data":
                if not self.buffer:
                    break
                take = self.buffer[: self.remaining]
                out += take
                self.buffer = self.buffer[len(take) :]
                self.remaining -= len(take)
                if self.remaining == 0:
                    self.state = "crlf"
            else:
                if len(self.buffer) < 2:
                    break
                self.buffer = self.buffer[2:]
                self.state = "size"
        return out


def stream(
    port: int,
    path: str = "/v1/chat/completions",
    *,
    timeout: float = 15.0,
    gzip: bool = False,
    method: str = "POST",
    question: str = "hi",
) -> Received:
    """POST a chat request (or GET, as EventSource does) over HTTP/1.1 and read the SSE
    answer, timestamping each event. With `gzip`, ask for a compressed answer and inflate it
    as it arrives. `question` is the user message of the chat request."""
    body = (
        b""
        if method == "GET"
        else json.dumps(
            {
                "model": "test",
                "stream": True,
                "messages": [{"role": "user", "content": question}],
            }
        ).encode()
    )
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        + ("Accept-Encoding: gzip\r\n" if gzip else "")
        + "Connection: close\r\n\r\n"
    ).encode() + body
    result = Received(requested=time.monotonic())
    deadline = result.requested + timeout
    raw = b""
    text = ""
    decoder: _Chunked | None = None
    length: int | None = None
    seen = 0
    inflate: Any = None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.error = f"client gave up after {timeout}s"
                break
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                result.error = f"client gave up after {timeout}s"
                break
            except OSError as exc:
                result.error = f"{type(exc).__name__}: {exc}"
                result.closed_early = True
                break
            now = time.monotonic()
            if not data:
                if not result.complete:
                    result.closed_early = True
                break
            if result.status is None:
                raw += data
                head_end = raw.find(b"\r\n\r\n")
                if head_end < 0:
                    continue
                head, data = raw[:head_end].decode("latin-1"), raw[head_end + 4 :]
                status_line, *header_lines = head.split("\r\n")
                result.status = int(status_line.split()[1])
                result.headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (h.partition(":") for h in header_lines)
                }
                result.headers_at = now
                if "chunked" in result.headers.get("transfer-encoding", "").lower():
                    decoder = _Chunked()
                elif "content-length" in result.headers:
                    length = int(result.headers["content-length"])
                if result.headers.get("content-encoding", "").lower() == "gzip":
                    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            if decoder is not None:
                payload = decoder.feed(data)
                result.complete = decoder.done
            else:
                payload = data
                if length is not None:
                    seen += len(payload)
                    result.complete = seen >= length
            if inflate is not None:
                payload = inflate.decompress(payload)
            text += payload.decode("utf-8", errors="replace").replace("\r\n", "\n")
            while "\n\n" in text:
                event, text = text.split("\n\n", 1)
                lines = [
                    line[5:].lstrip() for line in event.split("\n") if line.startswith("data:")
                ]
                if lines:
                    result.events.append((now, "\n".join(lines)))
            if result.complete:
                break
    result.ended = time.monotonic()
    return result
