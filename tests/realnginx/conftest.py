"""Tests against the real nginx binary: its helpers live beside them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest
from nginxrun import require_nginx


@pytest.fixture(scope="session")
def nginx() -> str:
    """Path of the nginx binary (fails under CI when missing, skips elsewhere)."""
    return require_nginx()
