"""Where ``--add-ignore`` may put a ``# streamproof: ignore[...]`` comment in Python source.

The generic placement (a trailing comment, else a comment line above) breaks Python in three
ways, which this module avoids:

- a line whose end is inside a string (a triple-quoted string or an f-string that spans
  lines) would get the "comment" inside the string, changing its value; a line whose start is
  inside one cannot have a comment line above it;
- a line ending in a backslash continuation cannot take a trailing comment, and a comment line
  cannot follow one (it would end the logical line in the middle);
- a comment line inserted above the first lines must not push a PEP 263 coding cookie past
  line 2 (the file would then be decoded differently) or a shebang off line 1.

Where the line already ends in a comment, the directive is appended to it (a directive may
follow other text in a comment) when a comment line above is not possible.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from linter.model import Edit
from linter.python.document import PythonDocument
from linter.source import SourceText

# PEP 263, on a decoded line.
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
_BLANK_OR_COMMENT = re.compile(r"^[ \t\f]*(?:#.*)?$")
_STRING_STARTS = frozenset(
    getattr(tokenize, name)
    for name in ("FSTRING_START", "TSTRING_START")
    if hasattr(tokenize, name)
)
_STRING_ENDS = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)
)


@dataclass(frozen=True)
class Layout:
    """Per line of the file (1-based, in SourceText's numbering): where strings and comments
    are. ``ok`` is False when the file could not be tokenized (then nothing is known)."""

    ok: bool
    end_in_string: frozenset[int] = frozenset()  # the line break is inside a string
    start_in_string: frozenset[int] = frozenset()  # the line starts inside a string
    trailing_comment: dict[int, tuple[int, int]] | None = None  # line -> comment (start, end)
    code_lines: frozenset[int] = frozenset()  # lines holding a token other than a comment


def _layout(document: PythonDocument, source: SourceText) -> Layout:
    starts = document.line_starts()  # the tokenizer's lines (universal newlines)

    def line_of(row: int, column: int) -> int:
        index = max(0, min(row - 1, len(starts) - 1))
        return source.position(starts[index] + column)[0]

    end_in: set[int] = set()
    start_in: set[int] = set()
    comments: dict[int, tuple[int, int]] = {}
    code: set[int] = set()

    def span(first: tuple[int, int], last: tuple[int, int]) -> None:
        begin, finish = line_of(*first), line_of(*last)
        end_in.update(range(begin, finish))
        start_in.update(range(begin + 1, finish + 1))

    opened: list[tuple[int, int]] = []  # f-string starts not yet closed
    try:
        for token in tokenize.generate_tokens(io.StringIO(source.text).readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                line = line_of(*token.start)
                offset = starts[token.start[0] - 1] + token.start[1]
                comments[line] = (offset, offset + len(token.string))
                continue
            if kind in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            if kind == tokenize.ENDMARKER:
                break
            code.add(line_of(*token.start))
            if kind in _STRING_STARTS:
                opened.append(token.start)
            elif kind in _STRING_ENDS and opened:
                first = opened.pop()
                if not opened:
                    span(first, token.end)
            elif kind == tokenize.STRING and not opened and token.start[0] != token.end[0]:
                span(token.start, token.end)
    except (tokenize.TokenError, SyntaxError, RecursionError):
        return Layout(False)
    return Layout(True, frozenset(end_in), frozenset(start_in), comments, frozenset(code))


def layout_of(document: PythonDocument, path: str) -> Layout:
    source = document.sources[path]
    if path != document.path:
        return Layout(False)
    cached = document._layout
    if not isinstance(cached, Layout):
        cached = _layout(document, source)
        document._layout = cached
    return cached


def _continues(source: SourceText, line: int, layout: Layout) -> bool:
    """The line ends in a backslash that joins it to the next (not one inside a string)."""
    return source.line_text(line).endswith("\\") and line not in layout.end_in_string


def _pushes_header(source: SourceText, line: int) -> bool:
    """A comment line inserted above ``line`` would move a coding cookie past line 2 or a
    shebang off line 1."""
    if line > 2:
        return False
    first, second = source.line_text(1), source.line_text(2)
    if line == 1 and first.startswith("#!"):
        return True
    cookie_on_second = bool(_COOKIE.match(second)) and bool(_BLANK_OR_COMMENT.match(first))
    return cookie_on_second  # line 1 or 2: the cookie on line 2 would move to line 3


def suppression_edits(document: PythonDocument, path: str, line: int, comment: str) -> list[Edit]:
    source = document.sources[path]
    layout = layout_of(document, path)
    text = source.line_text(line)
    line_start = source.offset(line, 1)
    line_end = line_start + len(text)
    if not layout.ok:  # not tokenizable: the generic placements, verified by a re-parse
        candidates = []
        if text.strip() and "#" not in text and not text.endswith("\\"):
            candidates.append(_trailing(source, line_end, text, comment))
        if not _pushes_header(source, line):
            candidates.append(_above(source, line_start, comment))
        return candidates

    assert layout.trailing_comment is not None
    existing = layout.trailing_comment.get(line)
    candidates = []
    trailing_ok = (
        line in layout.code_lines
        and line not in layout.end_in_string
        and not _continues(source, line, layout)
    )
    if trailing_ok and existing is None:
        candidates.append(_trailing(source, line_end, text, comment))
    above_ok = (
        line not in layout.start_in_string
        and not (line > 1 and _continues(source, line - 1, layout))
        and not _pushes_header(source, line)
    )
    if above_ok:
        candidates.append(_above(source, line_start, comment))
    if existing is not None and line in layout.code_lines and line not in layout.end_in_string:
        # Appended to the comment already there: ``x = 1  # note  # streamproof: ...``.
        _, end = existing
        candidates.append(Edit(path, end, end, "  " + comment))
    return candidates


def _trailing(source: SourceText, line_end: int, text: str, comment: str) -> Edit:
    separator = "" if text[-1:] in (" ", "\t") else "  "
    return Edit(source.path, line_end, line_end, separator + comment)


def _above(source: SourceText, line_start: int, comment: str) -> Edit:
    return Edit(
        source.path,
        line_start,
        line_start,
        source.indentation_at(line_start) + comment + source.newline,
    )
