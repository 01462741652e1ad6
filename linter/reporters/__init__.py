"""Reporters: one module per output format, all fed the same findings.

A reporter is a function ``render(findings, context) -> str``; ``FORMATS`` maps the
``--output-format`` names to their modules (imported on use).
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from linter.model import Finding, escape_controls
from linter.source import SourceText

FORMATS = {
    "full": "linter.reporters.full",
    "concise": "linter.reporters.concise",
    "json": "linter.reporters.json_array",
    "json-lines": "linter.reporters.json_lines",
    "sarif": "linter.reporters.sarif",
    "github": "linter.reporters.github",
    "gitlab": "linter.reporters.gitlab",
    "junit": "linter.reporters.junit",
}


@dataclass
class ReportContext:
    """What a reporter needs besides the findings: where the run was, and how to show it."""

    cwd: str
    root: str
    # Reads a file's text for excerpts and edit positions (None when it cannot be read).
    source_for: Callable[[str], SourceText | None]
    color: bool = False
    show_fixes: bool = True
    unsafe_fixes: bool = False
    tool_version: str = ""
    # Codes of every rule that ran (RunResult.rules_run), found something or not.
    rules_run: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def display_path(self, path: str) -> str:
        return display_path(path, self.cwd)

    def root_relative(self, path: str) -> str:
        rel = os.path.relpath(path, self.root)
        return path if rel.startswith("..") else rel.replace(os.sep, "/")


def display_path(path: str, cwd: str) -> str:
    """A path relative to the current folder when it lies below it, else as it is; control
    characters in a file's name are written ``\\xNN``, as in messages (see linter.model)."""
    if os.path.isabs(path) and os.path.isabs(cwd):
        return _display_absolute(path, cwd)
    if os.path.isabs(path):
        rel = os.path.relpath(path, cwd)
        path = path if rel.startswith("..") else rel
    return escape_controls(path)


@functools.lru_cache(maxsize=4096)
def _display_absolute(path: str, cwd: str) -> str:
    # A report names the same few files thousands of times (relpath is slow).
    rel = os.path.relpath(path, cwd)
    return escape_controls(path if rel.startswith("..") else rel)


# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# Python holds the bytes of a file name that are not UTF-8 as lone surrogates (U+DC80..U+DCFF,
# "surrogateescape"); no output can carry them: a strict stdout raises, any other writes bytes
# that are not UTF-8 (and so no longer JSON or XML).
_LONE_SURROGATE = functools.cache(lambda: re.compile(r"[\ud800-\udfff]"))


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with each byte a file name could not decode written ``\\xNN`` (as Python's
    ``backslashreplace`` writes it), so that every output can print it."""
    if text.isascii():
        return text  # (no such character: a report of 6,000 findings skips an 8 ms search)
    return _LONE_SURROGATE().sub(lambda m: _escaped(m.group()), text)


def printable_json(text: str) -> str:
    """The same for JSON text from ``json.dumps(..., ensure_ascii=False)``: such characters can
    only be inside its strings, where the backslash itself must be escaped."""
    if text.isascii():
        return text
    return _LONE_SURROGATE().sub(lambda m: "\\" + _escaped(m.group()), text)


def renderer(name: str) -> Callable[[Sequence[Finding], ReportContext], str]:
    module = importlib.import_module(FORMATS[name])
    render: Callable[[Sequence[Finding], ReportContext], str] = module.render
    return render


def edit_positions(source: SourceText | None, start: int, end: int) -> dict[str, object]:
    """Line/column (1-based, end exclusive) and byte offsets of an edit."""
    if source is None:
        return {"start": {"offset": start}, "end": {"offset": end}}
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    return {
        "start": {"line": line, "column": column, "byte": source.byte_offset(start)},
        "end": {"line": end_line, "column": end_column, "byte": source.byte_offset(end)},
    }
