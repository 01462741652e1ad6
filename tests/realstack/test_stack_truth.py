"""The stream path is true: a real client, a real nginx and a real uvicorn serving a stream
that goes silent for 2 s. The limits are chosen so that one layer cuts first; the audit's path
says which hop and after how long, the stream is cut there and then, and once the change the
XL001 finding (or the audit) asks for is applied, the same stream arrives whole.

Loopback only; timeouts of 1-3 s (the stream budget's max-silence is set to 3 s); every wait
is bounded.
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import in_ci, serving
from nginxrun import free_port, prepare, running

from linter.config import SettingsResolver
from linter.runner import RunOptions, RunResult, run

pytestmark = [pytest.mark.slow, pytest.mark.nginx]

SILENCE = 2.0  # seconds the app waits between its first and second event
BUDGET = {"max-silence": 3}

APP = textwrap.dedent(
    """\
    import asyncio


    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await send({"type": "http.response.body", "body": b"data: 0\\n\\n", "more_body": True})
        await asyncio.sleep(SILENCE)
        for number in range(1, 4):
            await send({"type": "http.response.body", "body": f"data: {number}\\n\\n".encode(),
                        "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\\n\\n"})
    """
).replace("SILENCE", repr(SILENCE))


def require(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Repo:
    root: Path
    nginx_port: int
    app_port: int

    def write(self, client_read: float, proxy_read: str) -> None:
        (self.root / "nginx").mkdir(parents=True, exist_ok=True)
        (self.root / "docker-compose.yml").write_text(
            "services:\n"
            "  web:\n"
            "    image: nginx:1.27\n"
            "    network_mode: host\n"
            "    volumes:\n"
            "      - ./nginx:/etc/nginx/conf.d:ro\n"
            "  app:\n"
            f"    command: uvicorn app:app --host 127.0.0.1 --port {self.app_port}\n"
            "    ports:\n"
            f'      - "{self.app_port}:{self.app_port}"\n'
        )
        (self.root / "nginx" / "chat.conf").write_text(
            "server {\n"
            f"    listen 127.0.0.1:{self.nginx_port};\n"
            "    location /v1/ {\n"
            f"        proxy_pass http://127.0.0.1:{self.app_port};\n"
            "        proxy_buffering off;\n"
            f"        proxy_read_timeout {proxy_read};\n"
            "    }\n"
            "}\n"
        )
        (self.root / "app.py").write_text(APP)
        (self.root / "client.py").write_text(
            "import httpx\n\n"
            "client = httpx.Client(\n"
            f'    base_url="http://127.0.0.1:{self.nginx_port}/v1",\n'
            f"    timeout=httpx.Timeout(5.0, read={client_read}),\n"
            ")\n"
        )

    def check(self) -> RunResult:
        resolver = SettingsResolver(overrides=dict(BUDGET), cwd=str(self.root))
        return run([str(self.root)], resolver, RunOptions(audit=True))


@contextmanager
def uvicorn(root: Path, port: int) -> Iterator[None]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with serving(command, root, port, "uvicorn"):
        yield


@dataclass
class Outcome:
    body: bytes
    error: str | None
    silence: float  # seconds from the first event to the end (whole or cut)


def stream(port: int, client_read: float) -> Outcome:
    """POST the route through nginx with httpx and the client's own timeouts."""
    import httpx

    body = b""
    first: float | None = None
    error = None
    timeout = httpx.Timeout(5.0, read=client_read)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}/v1", timeout=timeout) as client:
        try:
            with client.stream("POST", "/chat/completions", json={}) as response:
                for chunk in response.iter_raw():
                    body += chunk
                    if first is None:
                        first = time.monotonic()
        except httpx.HTTPError as exc:
            error = type(exc).__name__
    assert first is not None, (body, error)
    return Outcome(body, error, time.monotonic() - first)


def only_path(result: RunResult) -> dict[str, Any]:
    paths = [path for path in result.stack_paths if path["hops"]]
    assert len(paths) == 1, result.stack_paths
    return paths[0]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    require("uvicorn")
    require("httpx")
    return Repo(tmp_path / "repo", free_port(), free_port())


def _serve(repo: Repo, nginx: str, tmp_path: Path, client_read: float) -> Outcome:
    prepared = prepare(
        repo.root / "nginx" / "chat.conf", tmp_path / "prefix", conf_root=repo.root / "nginx"
    )
    with uvicorn(repo.root, repo.app_port), running(nginx, prepared, repo.nginx_port):
        return stream(repo.nginx_port, client_read)


def test_client_read_timeout_cuts_first_where_the_audit_says_and_xl001s_change_mends_it(
    repo: Repo, nginx: str, tmp_path: Path
) -> None:
    repo.write(client_read=1.0, proxy_read="3s")
    result = repo.check()
    path = only_path(result)
    assert [hop["layer"] for hop in path["hops"]] == ["client", "nginx", "app server"]
    assert path["cuts_first"] == 0
    assert path["hops"][0]["read"]["seconds"] == 1.0
    xl001 = [f for f in result.findings if f.code == "XL001"]
    assert [(os.path.basename(f.path), f.line) for f in xl001] == [("client.py", 5)]
    assert "Raise it to at least 3s" in xl001[0].message
    cut = _serve(repo, nginx, tmp_path, client_read=1.0)
    assert cut.error == "ReadTimeout", cut
    assert b"[DONE]" not in cut.body
    assert 0.8 <= cut.silence < SILENCE, cut  # cut by the client after its 1 s

    repo.write(client_read=3.0, proxy_read="3s")  # the change XL001 asks for
    assert not [f for f in repo.check().findings if f.code == "XL001"]
    whole = _serve(repo, nginx, tmp_path / "again", client_read=3.0)
    assert whole.error is None and whole.body.endswith(b"data: [DONE]\n\n"), whole


def test_nginx_cuts_first_where_the_audit_says_and_its_advice_mends_it(
    repo: Repo, nginx: str, tmp_path: Path
) -> None:
    repo.write(client_read=5.0, proxy_read="1s")
    path = only_path(repo.check())
    assert path["cuts_first"] == 1
    cutting = path["hops"][1]
    assert cutting["layer"] == "nginx"
    assert cutting["read"]["seconds"] == 1.0 and cutting["read"]["at"] == "nginx/chat.conf:6"
    assert "to at least 3s" in path["advice"]
    cut = _serve(repo, nginx, tmp_path, client_read=5.0)
    assert b"data: 0" in cut.body and b"[DONE]" not in cut.body, cut
    assert 0.8 <= cut.silence < SILENCE, cut  # nginx gave up after its 1 s

    repo.write(client_read=5.0, proxy_read="3s")  # the change the audit asks for
    assert "within the stream budget" in only_path(repo.check())["advice"]
    whole = _serve(repo, nginx, tmp_path / "again", client_read=5.0)
    assert whole.error is None and whole.body.endswith(b"data: [DONE]\n\n"), whole
