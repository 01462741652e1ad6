"""Reporters: one module per output format, all fed the same findings.

A reporter is a function ``render(findings, context) -> str``; ``FORMATS`` maps the
``--output-format`` names to their modules (imported on use).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from linter.model import Finding
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
    """A path relative to the current folder when it lies below it, else as it is."""
    if not os.path.isabs(path):
        return path
    rel = os.path.relpath(path, cwd)
    return path if rel.startswith("..") else rel


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
