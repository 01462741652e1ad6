"""Config files: where the nearest one above a folder is, and the streamproof table read from
it (``[tool.streamproof]`` in pyproject.toml, or a standalone file), with the error a bad one
gives and where in the file a key sits (``config`` turns the table into Settings)."""

from __future__ import annotations

import os
import re
from typing import Any

from linter.tomlreader import toml_parser

CONFIG_FILES = (".streamproof.toml", "streamproof.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem, reported with file, line and column where known."""

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        where = path + (f":{line}:{column}" if line else "")
        super().__init__(f"{where}: {message}")


def _key_position(text: str, key: str) -> tuple[int, int]:
    """Best-effort line/column of a key in a TOML file (tomllib keeps no positions)."""
    pattern = re.compile(r'^[ \t]*(?:"?' + re.escape(key) + r'"?)[ \t]*=', re.MULTILINE)
    match = pattern.search(text)
    if not match:
        pattern = re.compile(r"[\[.\" ]" + re.escape(key) + r"[\]\". =]")
        match = pattern.search(text)
        if not match:
            return 0, 0
        start = match.start() + 1
    else:
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


def _target_key_position(text: str, package: str) -> tuple[int, int]:
    """Line/column of a package's key in the ``python-target`` table (inline or not)."""
    table = re.search(r"(?m)^[ \t]*(?:python-target[ \t]*=|\[[^\]]*python-target\])", text)
    if table is None:
        return _key_position(text, "python-target")
    key = re.compile(r"[{,\s]\"?" + re.escape(package) + r"\"?[ \t]*=")
    match = key.search(text, table.start())
    if match is None:
        return _key_position(text, "python-target")
    start = match.start() + 1
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def read_config_file(path: str) -> dict[str, Any] | None:
    """The streamproof table of a config file, or None when a pyproject.toml has none."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    # Imported here, where a config file exists: a run with none (a corpus, pre-commit in a
    # folder without a pyproject.toml) does not pay for the TOML reader's import (4 ms).
    tomllib = toml_parser()
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(path, "not valid UTF-8") from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ConfigError(path, "invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not match and "end of document" in message:
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise ConfigError(path, f"invalid TOML: {message}", line, column) from None
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("streamproof") if isinstance(tool, dict) else None
        if table is None:
            return None
    else:
        # A standalone file may hold the keys at top level or under [tool.streamproof].
        tool = data.get("tool")
        table = tool.get("streamproof", data) if isinstance(tool, dict) else data
    if not isinstance(table, dict):
        raise ConfigError(path, "[tool.streamproof] must be a table")
    table = dict(table)
    table["__text__"] = text
    return table


def find_config_file(directory: str, known: dict[str, str | None] | None = None) -> str | None:
    """The nearest config file at or above ``directory`` that holds streamproof settings.
    ``known`` (folder -> its answer) is read and filled on the way up: folders of one tree
    share their parents, each looked at once."""
    current = os.path.abspath(directory)
    visited: list[str] = []
    found = _UNKNOWN_CONFIG
    while found is _UNKNOWN_CONFIG:
        if known is not None and current in known:
            found = known[current]
            break
        visited.append(current)
        found = _config_in(current)
        if found is _UNKNOWN_CONFIG:
            parent = os.path.dirname(current)
            if parent == current:
                found = None
            current = parent
    if known is not None:
        for folder in visited:
            known[folder] = found  # type: ignore[assignment]
    return found  # type: ignore[return-value]


_UNKNOWN_CONFIG = object()  # this folder has none: ask its parent


def _config_in(folder: str) -> str | object:
    """The config file in ``folder`` itself, or _UNKNOWN_CONFIG."""
    for name in CONFIG_FILES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            if name != "pyproject.toml":
                return candidate
            try:
                with open(candidate, "rb") as handle:
                    if b"tool.streamproof" in handle.read():
                        return candidate
            except OSError:
                pass
    return _UNKNOWN_CONFIG
