"""Truth tests: the pinned gunicorn and uvicorn on loopback, against what SRV001 and SRV003
say (KNOWLEDGE.md section 4).

- gunicorn's sync worker is killed at its ``timeout`` while it writes a slow stream; the same
  app and the same launch line with ``--threads 2`` (gthread, which SRV001 accepts) streams to
  the end. The launch lines are the ones a Procfile gives streamproof, and its verdicts are
  checked on the same files.
- uvicorn closes an idle keep-alive connection after ``--timeout-keep-alive``; hypercorn after
  its ``keep_alive_timeout`` (5 s by default, as SRV003 assumes); granian after its HTTP/1
  header read timeout (granian 2.x: the timer also runs while a kept-alive connection waits).

Small timeouts (2 s, 1 s) keep each test to seconds; every wait is bounded.
"""

from __future__ import annotations

import importlib
import shlex
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import in_ci, lint, serving

pytestmark = pytest.mark.slow

SLOW_APP = textwrap.dedent(
    """\
    import time

    from flask import Flask, Response

    app = Flask(__name__)


    def tokens():
        for number in range(10):
            yield f"data: {number}\\n\\n"
            time.sleep(0.5)
        yield "data: [DONE]\\n\\n"


    @app.get("/stream")
    def stream():
        return Response(tokens(), mimetype="text/event-stream")
    """
)
# The same app with no Flask (the installed test extra may lack it): a plain WSGI generator.
# streamproof's evidence is the Flask file above; the server runs this one.
PLAIN_WSGI = textwrap.dedent(
    """\
    import time


    def tokens():
        for number in range(10):
            yield f"data: {number}\\n\\n".encode()
            time.sleep(0.5)
        yield b"data: [DONE]\\n\\n"


    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        return tokens()
    """
)
IDLE_ASGI = textwrap.dedent(
    """\
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
    """
)


def require(module: str) -> None:
    """The real server; missing, it fails under CI and skips elsewhere."""
    try:
        importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(command: list[str], cwd: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    with serving(command, cwd, port, command[2]) as process:
        yield process


def read_stream(port: int, limit: float = 12.0) -> tuple[bytes, float]:
    """GET /stream over HTTP/1.0 and read until the server closes: (body read, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as connection:
        connection.sendall(b"GET /stream HTTP/1.0\r\nHost: localhost\r\n\r\n")
        received = b""
        while time.monotonic() - started < limit:
            try:
                chunk = connection.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
    return received, time.monotonic() - started


def write_tree(tmp_path: Path, procfile_line: str) -> Path:
    (tmp_path / "Procfile").write_text(f"web: {procfile_line}\n")
    (tmp_path / "app.py").write_text(SLOW_APP)
    (tmp_path / "serve.py").write_text(PLAIN_WSGI)
    return tmp_path


def gunicorn_command(procfile_line: str, port: int) -> list[str]:
    """The Procfile's gunicorn line, run by this Python, serving the plain WSGI twin."""
    words = shlex.split(procfile_line)
    assert words[0] == "gunicorn" and words[-1] == "app:app"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        *words[1:-1],
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "serve:app",
    ]


def test_sync_worker_is_killed_at_timeout_mid_stream_and_srv001_says_so(tmp_path: Path) -> None:
    require("gunicorn")
    line = "gunicorn --timeout 2 --graceful-timeout 1 app:app"
    tree = write_tree(tmp_path, line)
    findings = lint([tree], cwd=tree, select=["SRV001"]).findings
    assert [(f.code, f.path.endswith("Procfile"), f.line) for f in findings] == [
        ("SRV001", True, 1)
    ]
    assert "`timeout` 2s" in findings[0].message
    port = free_port()
    with running(gunicorn_command(line, port), tree, port):
        body, seconds = read_stream(port)
    assert b"data: 0" in body, body  # the stream had started
    assert b"[DONE]" not in body, body  # and was cut before its end
    # The arbiter kills the worker once `timeout` has passed without a heartbeat: about 2 s
    # in, well before the 5 s the whole stream takes.
    assert 1.5 <= seconds < 4.8, seconds


def test_gthread_worker_streams_to_the_end_and_srv001_accepts_it(tmp_path: Path) -> None:
    require("gunicorn")
    line = "gunicorn --timeout 2 --graceful-timeout 1 --threads 2 app:app"
    tree = write_tree(tmp_path, line)
    assert lint([tree], cwd=tree, select=["SRV001"]).findings == []
    port = free_port()
    with running(gunicorn_command(line, port), tree, port):
        body, seconds = read_stream(port)
    assert b"[DONE]" in body, body
    assert seconds >= 4.5, seconds  # the whole stream, past the 2 s timeout


def test_uvicorn_closes_an_idle_keepalive_connection_after_timeout_keep_alive(
    tmp_path: Path,
) -> None:
    require("uvicorn")
    (tmp_path / "idle.py").write_text(IDLE_ASGI)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "idle:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--timeout-keep-alive",
        "1",
        "--log-level",
        "warning",
    ]
    idle = idle_close(command, tmp_path, port)
    assert 0.8 <= idle < 3.0, idle


def idle_close(command: list[str], cwd: Path, port: int) -> float:
    """Seconds a kept-alive connection stays open, idle, after one request was answered."""
    with (
        running(command, cwd, port),
        socket.create_connection(("127.0.0.1", port), timeout=15) as connection,
    ):
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = b""
        while not response.endswith(b"ok"):
            chunk = connection.recv(4096)
            assert chunk, response
            response += chunk
        assert response.startswith(b"HTTP/1.1 200"), response
        idle_from = time.monotonic()
        closed = connection.recv(4096)  # blocks until the server closes the idle connection
        idle = time.monotonic() - idle_from
    assert closed == b""
    return idle


def nginx_in_front(port: int) -> str:
    """An nginx upstream with keep-alive (nginx's default 60 s idle) to the loopback port."""
    return (
        "events {}\nhttp {\n"
        f"  upstream app {{ server 127.0.0.1:{port}; keepalive 4; }}\n"
        "  server { listen 80; location / { proxy_pass http://app;"
        ' proxy_http_version 1.1; proxy_set_header Connection ""; } }\n}\n'
    )


def srv003_behind_nginx(tmp_path: Path, line: str, port: int) -> str:
    """The one SRV003 message for a Procfile running ``line`` behind an nginx upstream that
    keeps connections to ``port`` for 60 s."""
    (tmp_path / "Procfile").write_text(f"web: {line}\n")
    (tmp_path / "nginx.conf").write_text(nginx_in_front(port))
    findings = lint([tmp_path], cwd=tmp_path, select=["SRV003"]).findings
    assert len(findings) == 1, findings
    return findings[0].message


def test_hypercorn_closes_an_idle_connection_after_its_default_keep_alive_timeout(
    tmp_path: Path,
) -> None:
    require("hypercorn")
    (tmp_path / "idle.py").write_text(IDLE_ASGI)
    port = free_port()
    line = f"hypercorn idle:app --bind 127.0.0.1:{port}"
    # What streamproof reads from this launch line, behind an nginx upstream that keeps
    # connections for 60 s: hypercorn's default keep-alive, 5 s.
    assert "keep_alive_timeout 5s (hypercorn's default)" in srv003_behind_nginx(
        tmp_path, line, port
    )
    command = [sys.executable, "-m", *shlex.split(line)]
    idle = idle_close(command, tmp_path, port)
    assert 4.5 <= idle < 7.0, idle


def test_hypercorn_keep_alive_option_sets_the_idle_close(tmp_path: Path) -> None:
    require("hypercorn")
    (tmp_path / "idle.py").write_text(IDLE_ASGI)
    port = free_port()
    command = [sys.executable, "-m", "hypercorn", "idle:app", "--bind", f"127.0.0.1:{port}"]
    idle = idle_close([*command, "--keep-alive", "1"], tmp_path, port)
    assert 0.8 <= idle < 3.0, idle


def test_granian_closes_an_idle_connection_after_its_header_read_timeout(tmp_path: Path) -> None:
    require("granian")
    (tmp_path / "idle.py").write_text(IDLE_ASGI)
    port = free_port()
    line = f"granian --interface asgi --port {port} --http1-header-read-timeout 1500 idle:app"
    assert "granian http1 header read timeout 1.5s" in srv003_behind_nginx(tmp_path, line, port)
    command = [sys.executable, "-m", *shlex.split(line), "--host", "127.0.0.1", "--no-log"]
    idle = idle_close(command, tmp_path, port)
    assert 1.2 <= idle < 3.5, idle
