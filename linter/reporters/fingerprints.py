"""Stable identities for findings, shared by the SARIF and GitLab reporters.

A finding's identity must survive edits elsewhere in the file (so CI does not close one alert
and open another when a line is added above it). As GitHub's upload action does, it rests on
the content of the finding's line with all whitespace removed, plus how many times that same
content occurred in the file up to that line, never on the line number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from linter.model import Finding
from linter.reporters import ReportContext


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class LineHashes:
    """``primaryLocationLineHash`` values: ``<16 hex digits>:<occurrence>``, computed once per
    file."""

    def __init__(self, context: ReportContext) -> None:
        self._context = context
        self._by_path: dict[str, list[str]] = {}

    def _hashes(self, path: str) -> list[str]:
        cached = self._by_path.get(path)
        if cached is None:
            cached = []
            source = self._context.source_for(path)
            if source is not None:
                seen: dict[str, int] = {}
                for number in range(1, source.line_count + 1):
                    digest = _digest("".join(source.line_text(number).split()))
                    seen[digest] = seen.get(digest, 0) + 1
                    cached.append(f"{digest}:{seen[digest]}")
            self._by_path[path] = cached
        return cached

    def line_hash(self, path: str, line: int) -> str:
        hashes = self._hashes(path)
        if 1 <= line <= len(hashes):
            return hashes[line - 1]
        # The file cannot be read again (or the line is past its end): the line number is the
        # best identity left.
        return f"{_digest('')}:{max(line, 1)}"

    def start_column(self, path: str, line: int, column: int) -> int:
        """The finding's column counted from the first non-blank character of its line, so
        that re-indenting the line keeps the identity."""
        source = self._context.source_for(path)
        if source is None:
            return column
        text = source.line_text(line)
        indent = len(text) - len(text.lstrip())
        return max(column - indent, 1)


def finding_ids(
    findings: Sequence[Finding], context: ReportContext, hashes: LineHashes
) -> list[str]:
    """One identity per finding, unique within the run and stable across unrelated edits:
    path, code, line hash, column from the indentation, and a counter for exact twins."""
    ids = []
    seen: dict[str, int] = {}
    for finding in findings:
        key = "\0".join(
            (
                context.root_relative(finding.path),
                finding.code,
                hashes.line_hash(finding.path, finding.line),
                str(hashes.start_column(finding.path, finding.line, finding.column)),
            )
        )
        seen[key] = seen.get(key, 0) + 1
        ids.append(
            hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass")).hexdigest()
        )
    return ids
