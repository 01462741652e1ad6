"""Where an ignore comment may go in an NGINX file (for ``--add-ignore``; see
``PlacesSuppressions`` in linter/document.py), and the comments of a file.

A trailing comment on the line where the line has none, else a comment on its own line above
with the line's indentation; but never inside a quoted string that runs over several lines,
nor inside a Lua block, where a `#` is text, not a comment. The kind places its own comments
(as the Python kind does), so it needs nothing from the command that asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from linter.document import Comment, Document
from linter.model import Edit
from linter.nginx.lexer import TokenKind, tokenize
from linter.nginx.model import NginxDocument
from linter.source import SourceText


def comments(document: Document, path: str) -> Iterable[Comment]:
    source = document.sources[path]
    text = source.text
    parsed = (
        document.files.get(path)
        if isinstance(document, NginxDocument) and not document.is_dump
        else None
    )
    if parsed is not None and parsed.source.text == text:
        spans = [(c.start, c.end) for c in parsed.comments]  # the parse kept them
    else:
        tokens, _ = tokenize(text)
        spans = [(t.start, t.end) for t in tokens if t.kind is TokenKind.COMMENT]
    for start, end in spans:
        line_start = text.rfind("\n", 0, start) + 1
        own_line = not text[line_start:start].strip()
        yield Comment(path, start, text[start:end], own_line)


def _placements(source: SourceText, line: int, comment: str, on_line: bool) -> list[Edit]:
    """A trailing comment (when the line has text and no comment), then one above."""
    text = source.line_text(line)
    start = source.offset(line, 1)
    candidates = []
    if text.strip() and not on_line and not text.rstrip().endswith("\\"):
        end = start + len(text)
        separator = "" if text[-1:] in (" ", "\t") else "  "
        candidates.append(Edit(source.path, end, end, separator + comment))
    indent = source.indentation_at(start)
    candidates.append(Edit(source.path, start, start, indent + comment + source.newline))
    return candidates


def suppression_edits(document: Document, path: str, line: int, comment: str) -> Sequence[Edit]:
    source = document.sources[path]
    tokens, _ = tokenize(source.text)

    def inside_token(offset: int) -> bool:
        for token in tokens:
            if token.kind is TokenKind.COMMENT:
                continue
            # A Lua body starts right after its `{`: an insertion there is Lua.
            first = token.start if token.kind is TokenKind.RAW else token.start + 1
            if first <= offset < token.end:
                return True
        return False

    start = source.offset(line, 1)
    end = start + len(source.line_text(line))
    on_line = any(source.position(c.offset)[0] == line for c in comments(document, path))
    edits = _placements(source, line, comment, on_line)
    return [edit for edit in edits if not inside_token(end if edit.start >= end else start)]
