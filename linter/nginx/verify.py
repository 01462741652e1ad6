"""Checking a fix before it is written: every statement the edits did not touch is still there,
unchanged and in the same block, and every new statement lies inside an edit."""

from __future__ import annotations

from collections.abc import Sequence

from linter.document import Document
from linter.model import Edit
from linter.nginx.model import NginxDocument
from linter.nginx.parser import parse_source
from linter.nginx.tree import Directive, ParsedFile

Header = tuple[int, int, tuple[str, ...], tuple[str, ...]]


def _headers(parsed: ParsedFile) -> list[Header]:
    """(start, end of the arguments, enclosing block path, name and arguments) of every
    statement of a file."""
    found: list[Header] = []

    def visit(directives: list[Directive], outer: tuple[str, ...]) -> None:
        for directive in directives:
            words = (directive.name.raw, *(arg.raw for arg in directive.args))
            found.append((directive.start, directive.header_end, outer, words))
            if directive.block is not None:
                visit(directive.block, (*outer, " ".join(words)))

    visit(parsed.directives, ())
    return found


def verify_fix(before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
    """None when every statement the edits did not touch is still there, unchanged and in the
    same block, and every new statement lies inside an edit; else why the fix is refused."""
    assert isinstance(before, NginxDocument) and isinstance(after, NginxDocument)
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    for path, path_edits in by_path.items():
        old = _file_of(before, path)
        new = _file_of(after, path)
        if old is None or new is None:
            return f"{path} is not part of the configuration after the fix"
        ordered = sorted(path_edits, key=lambda e: (e.start, e.end))
        new_headers = {offset: (outer, words) for offset, _end, outer, words in _headers(new)}
        matched: set[int] = set()
        for offset, end, outer, words in _headers(old):
            if any(_touches(edit, offset, end) for edit in ordered):
                continue  # a statement the fix rewrites
            shifted = offset + sum(
                len(e.content) - (e.end - e.start) for e in ordered if e.end <= offset
            )
            if new_headers.get(shifted) != (outer, words):
                return f"the fix would change `{' '.join(words)}` (or the block it is in)"
            matched.add(shifted)
        inserted = []
        position = 0
        for edit in ordered:
            start = edit.start + position
            inserted.append((start, start + len(edit.content)))
            position += len(edit.content) - (edit.end - edit.start)
        for offset, end, _outer, words in _headers(new):
            if offset in matched:
                continue
            if not any(start <= end and offset < stop for start, stop in inserted):
                return f"the fix would add `{' '.join(words)}` outside the edited text"
    return None


def _touches(edit: Edit, start: int, end: int) -> bool:
    """The edit changes text of the statement's name or arguments."""
    if edit.start == edit.end:
        return start < edit.start <= end
    return edit.start < end and start < edit.end


def _file_of(document: NginxDocument, path: str) -> ParsedFile | None:
    if document.is_dump:
        source = document.sources.get(path)
        return parse_source(source) if source is not None else None
    return document.files.get(path)
