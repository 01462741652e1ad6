"""Truth tests of the stream path: the real nginx (helpers of tests/realnginx) in front of a
real uvicorn."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "realnginx"))

import pytest
from nginxrun import require_nginx


@pytest.fixture(scope="session")
def nginx() -> str:
    """Path of the nginx binary (fails under CI when missing, skips elsewhere)."""
    return require_nginx()
