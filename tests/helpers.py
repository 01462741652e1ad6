"""Running streamproof in tests: in-process (fast) and as a real command (end to end)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from linter.config import SettingsResolver
from linter.model import Finding
from linter.runner import RunOptions, RunResult, run

REPO = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def lint(
    paths: Sequence[str | Path],
    *,
    cwd: str | Path | None = None,
    fix: bool = False,
    unsafe: bool | None = None,
    config: str | Path | None = None,
    **overrides: Any,
) -> RunResult:
    """Run the engine in this process. Overrides use config key names with '_' for '-'."""
    cwd = str(cwd or (Path(paths[0]).parent if paths else os.getcwd()))
    resolver = SettingsResolver(
        overrides={k.replace("_", "-"): v for k, v in overrides.items()},
        explicit_config=str(config) if config else None,
        cwd=os.path.abspath(cwd),
    )
    return run([str(p) for p in paths], resolver, RunOptions(fix=fix, unsafe_fixes=unsafe))


def codes_and_lines(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    return sorted((f.code, f.line) for f in findings)


def streamproof(
    *args: str,
    cwd: str | Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line (`python -m linter`) in a subprocess."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    full_env["NO_COLOR"] = "1"
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "linter", *args],
        cwd=str(cwd) if cwd else None,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def json_findings(*args: str, cwd: str | Path | None = None) -> list[dict[str, Any]]:
    proc = streamproof("check", "--output-format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@contextmanager
def serving(
    command: list[str], cwd: Path, port: int, name: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A real server started from ``cwd`` (on PYTHONPATH), once it accepts connections on the
    loopback ``port``; stopped at the end. A server that does not start fails the test with
    its stderr."""
    import pytest

    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"{name} did not start: {error[-2000:]}")
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def nginx_routes(tmp_path: Path, http: str) -> dict[str, Any]:
    """The routes of an nginx.conf whose `http {}` block holds ``http``, by "<listen> <location
    args>" (the NGINX route tests look up routes by their server's port and path)."""
    from linter.config import default_settings
    from linter.document import Unit
    from linter.nginx.handler import HANDLER
    from linter.nginx.model import NginxDocument
    from linter.nginx.routes import all_routes
    from linter.workspace import Workspace

    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{http}\n}}\n")
    document = HANDLER.load(
        Unit("nginx", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    assert isinstance(document, NginxDocument)
    found = {}
    for route in all_routes(document, default_settings()):
        server = route.block.enclosing("server")
        port = server.level_named("listen")[0].args[0] if server is not None else ""
        found[f"{port} {' '.join(route.block.args)}"] = route
    return found
