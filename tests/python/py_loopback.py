"""A loopback HTTP server (standard library only, 127.0.0.1) that starts a streamed answer and
then drops the connection, as a proxy with a 60 s read timeout or a restarted backend does.

Each POST gets ``200`` with a chunked body holding the first events of a stream in the format
the path asks for (OpenAI chat, OpenAI completions, Anthropic messages, Ollama NDJSON or plain
lines), then the socket is closed without the terminating chunk: the client sees a cut stream.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _openai_chat_events() -> list[bytes]:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-test",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": "Hello"}, "finish_reason": None}
        ],
    }
    second = dict(
        chunk, choices=[{"index": 0, "delta": {"content": " wor"}, "finish_reason": None}]
    )
    return [f"data: {json.dumps(c)}\n\n".encode() for c in (chunk, second)]


def _anthropic_events() -> list[bytes]:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-test",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 5, "output_tokens": 1},
        },
    }
    block = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    delta = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "Hello"},
    }
    return [
        f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
        for event in (start, block, delta)
    ]


def _lines() -> list[bytes]:
    return [b'{"response": "Hello", "done": false}\n', b'{"response": " wor", "done": false}\n']


def events_for(path: str) -> tuple[str, list[bytes]]:
    if path.endswith("/messages"):
        return "text/event-stream", _anthropic_events()
    if path.endswith(("/chat/completions", "/completions")):
        return "text/event-stream", _openai_chat_events()
    return "application/x-ndjson", _lines()


class _CutStreamHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        content_type, events = events_for(self.path.split("?", 1)[0])
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.flush()
        # Drop the connection mid-body: no terminating zero-length chunk.
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    do_POST = _answer
    do_GET = _answer


@contextmanager
def cut_stream_server() -> Iterator[str]:
    """Serve on 127.0.0.1 on a free port; yields the base URL (``http://127.0.0.1:PORT``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CutStreamHandler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


if __name__ == "__main__":  # manual use: python py_loopback.py
    with cut_stream_server() as url:
        print(url, flush=True)
        threading.Event().wait()
