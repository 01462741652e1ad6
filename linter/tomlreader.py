"""The TOML parser: the standard library's tomllib, or its backport tomli before Python 3.11.

Asked for where a TOML file is read (a config file, a pyproject.toml read as evidence), so a
run that reads none does not pay for its import (4 ms)."""

from __future__ import annotations

import sys
from types import ModuleType


def toml_parser() -> ModuleType:
    """The ``tomllib`` module (``load``, ``loads``, ``TOMLDecodeError``)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - exercised on 3.10 only

    return tomli  # pragma: no cover
