"""Truth test for PY009: starlette's real GZipMiddleware, run in-process by an ASGI call in a
subprocess whose ``sys.path`` holds one starlette release. The boundaries the rule uses are
what the releases do: events are held before 0.46, other streamed bodies before 1.5.

The newest release is the test extra's pin (installed in the environment); the older ones are
installed by .ci/run with ``pip install --no-deps --target .ci/starlette/<version>`` (run the
same line locally). Under CI a missing release fails the test instead of skipping it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import in_ci

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "gzip_driver.py"
PINNED = "1.5.0"  # the test extra's starlette
OLDER = ("0.45.3", "0.46.0", "1.4.1")  # .ci/run installs each into .ci/starlette/<version>
SSE = "text/event-stream"
NDJSON = "application/x-ndjson"

# (release, media type, is the first chunk delivered while the stream is still open?)
CASES = [
    ("0.45.3", SSE, False),  # compressed and held: below the 0.46 boundary
    ("0.46.0", SSE, True),  # text/event-stream excluded from compression
    ("0.46.0", NDJSON, False),  # other streams still held
    ("1.4.1", NDJSON, False),  # held: below the 1.5 boundary
    (PINNED, NDJSON, True),  # compressed, each chunk flushed
    (PINNED, SSE, True),
]


def _release_path(version: str) -> str | None:
    """The folder to put first on PYTHONPATH for ``version`` ("" for the environment's own)."""
    if version == PINNED:
        try:
            import starlette
        except ImportError:
            return None
        return "" if starlette.__version__ == PINNED else None
    folder = REPO / ".ci" / "starlette" / version
    return str(folder) if (folder / "starlette").is_dir() else None


def _drive(version: str, media_type: str) -> dict[str, object]:
    path = _release_path(version)
    if path is None:
        message = (
            f"starlette {version} is not installed: `pip install --no-deps --target "
            f".ci/starlette/{version} starlette=={version}` (or the test extra for {PINNED})"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    env = dict(os.environ)
    env["PYTHONPATH"] = path
    proc = subprocess.run(
        [sys.executable, str(DRIVER), media_type],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(("version", "media_type", "delivered"), CASES)
def test_gzip_middleware_holds_or_passes_the_stream(
    version: str, media_type: str, delivered: bool
) -> None:
    seen = _drive(version, media_type)
    assert seen["version"] == version  # the release meant, not another on the path
    assert seen["complete"] is True  # every chunk arrives in the end either way
    assert seen["first_before_end"] is delivered, seen
    if media_type == SSE and version != "0.45.3":
        assert seen["encoding"] is None  # not compressed at all
    else:
        assert seen["encoding"] == "gzip"


def test_ci_installs_the_releases_the_truth_test_uses() -> None:
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    loop = re.search(r"for release in ([^;]+); do\n(.*)\ndone", run)
    assert loop, "CI lost the loop that installs the older starlette releases"
    assert tuple(loop.group(1).split()) == OLDER
    assert '--target ".ci/starlette/$release" "starlette==$release"' in loop.group(2)
    extra = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"starlette=={PINNED}"' in extra


def test_rule_boundaries_are_the_tested_ones() -> None:
    from rules.python.py009_gzip_holds_stream import SSE_FIXED, STREAM_FIXED

    assert SSE_FIXED == (0, 46)
    assert STREAM_FIXED == (1, 5)
