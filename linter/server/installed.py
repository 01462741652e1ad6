"""Packages an image installs from its build context under a folder of their own: a
`RUN pip install .` (`-e .`, `.[extras]`, `uv sync`, `poetry install`) of a project whose
pyproject.toml maps a package to a subfolder (hatch's wheel `packages = ["web/webapp"]`,
setuptools' `package-dir`, poetry's `packages = [{include, from}]`). The launch's
`webapp.main:app` is then `web/webapp/main.py`, which the search folders alone do not find."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from linter.tomlreader import toml_parser

# A RUN that installs the project of the folder it runs in.
_INSTALLS_PROJECT = re.compile(
    r"\b(?:pip3?|uv\s+pip)\s+install\b[^&|;\n]*?\s(?:-e\s+|--editable\s+)?[\"']?\.(?:\[[^\]\s]*\])?[\"']?(?=\s|$|;|&)"
    r"|\buv\s+sync\b|\bpoetry\s+install\b"
)
# How many packages one pyproject.toml may name (a monorepo's few; never a long list).
_MAX_PACKAGES = 20


def installs_project(run_text: str) -> bool:
    return _INSTALLS_PROJECT.search(run_text) is not None


def declared_packages(
    project: str, inside: Callable[[str], bool], display: Callable[[str], str], how: str
) -> list[tuple[str, str, str]]:
    """(package name, its local folder, what says so) for each package the pyproject.toml
    of ``project`` maps to a folder other than ``project/<name>`` (found there anyway)."""
    path = os.path.join(project, "pyproject.toml")
    if not inside(path) or not os.path.isfile(path):
        return []
    tomllib = toml_parser()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, ValueError, RecursionError):
        return []
    tool = _table(data, "tool")
    pairs: list[tuple[str, str]] = []
    for item in _list(
        _table(_table(_table(_table(tool, "hatch"), "build"), "targets"), "wheel").get("packages")
    ):
        if isinstance(item, str):
            pairs.append((os.path.basename(item.rstrip("/")), item))
    for name, folder in _table(_table(tool, "setuptools"), "package-dir").items():
        if name and isinstance(folder, str):
            pairs.append((name, folder))
    for item in _list(_table(tool, "poetry").get("packages")):
        if isinstance(item, dict) and isinstance(item.get("include"), str):
            base = item.get("from")
            base = base if isinstance(base, str) else ""
            pairs.append((item["include"], os.path.join(base, item["include"])))
    found = []
    for name, folder in pairs[:_MAX_PACKAGES]:
        local = os.path.normpath(os.path.join(project, folder))
        if not name.isidentifier() or local == os.path.join(project, name):
            continue
        if os.path.isdir(local) and inside(local):
            said = (
                f"{display(path)} puts package `{name}` in {display(local)}/ and {how} "
                f"installs the project"
            )
            found.append((name, local, said))
    return found


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
