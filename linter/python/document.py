"""A parsed Python file: the standard library's ``ast`` tree and the offsets of its nodes in
the decoded text.

``ast`` positions count UTF-8 bytes within a line; findings and edits count characters of
``SourceText.text``. ``span()`` converts, so a fix never splits a character.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from linter.document import Document
from linter.source import SourceText

if TYPE_CHECKING:
    from linter.python.pins import Pin

# Python's tokenizer ends a line at \r\n, \r or \n (universal newlines).
_NEWLINE = re.compile(r"\r\n|\r|\n")


class PythonDocument(Document):
    """Not a dataclass of its own: creating one costs a millisecond or two at import, on every
    pre-commit call (issue 6)."""

    def __init__(self, kind: str, source: SourceText) -> None:
        super().__init__(kind=kind, source=source)
        self.tree: ast.Module | None = None
        # Versions of version-dependent packages (openai, ...) and where they were read.
        self.pins: dict[str, Pin] = {}
        # What the endpoint rules (PY008, PY009) know from other files of the repository
        # (linter.python.serverfacts.EndpointFacts), or None.
        self.endpoint_facts: Any = None
        self._line_starts: list[int] = []
        self._wide_lines: dict[int, bytes] = {}
        self._ascii = False  # the whole text is ASCII (set with the line starts)
        # The analysis every rule shares, computed once on first use (linter.python.analysis).
        self._analysis: Any = None
        # The run's project (linter.python.analysis.project), when the file is read in a run:
        # other modules of the tree are looked at through it. None: this file alone.
        self.project: Any = None
        # Where strings and comments are, for --add-ignore (linter.python.placement).
        self._layout: Any = None

    def line_starts(self) -> list[int]:
        if not self._line_starts:
            text = self.source.text
            if "\r" in text:
                starts = [0]
                starts.extend(match.end() for match in _NEWLINE.finditer(text))
            else:  # \n only: the lines the source itself counts
                starts = self.source.line_starts
            self._line_starts.extend(starts)
            self._ascii = text.isascii()
        return self._line_starts

    def offset(self, lineno: int, col_offset: int) -> int:
        """Character offset of an ``ast`` position (1-based line, UTF-8 byte column)."""
        starts = self._line_starts or self.line_starts()
        last = len(starts) - 1
        index = lineno - 1
        if index > last:
            index = last
        elif index < 0:
            index = 0
        start = starts[index]
        end = starts[index + 1] if index < last else len(self.source.text)
        if self._ascii:  # bytes are characters
            return start + (col_offset if col_offset < end - start else end - start)
        line = self.source.text[start:end]
        if line.isascii():
            return start + min(col_offset, len(line))
        encoded = self._wide_lines.get(index)
        if encoded is None:
            encoded = line.encode("utf-8", "surrogatepass")
            self._wide_lines[index] = encoded
        return start + len(encoded[:col_offset].decode("utf-8", "replace"))

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = node.col_offset  # type: ignore[attr-defined]
        return self.offset(end_line, end_col)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.start(node), self.end(node)

    def text_of(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source.text[start:end]
