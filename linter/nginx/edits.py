"""Byte-exact edits on NGINX files: put a directive into a block with its neighbours' layout,
or replace one argument. Nothing is re-serialised.

A new directive goes right after the block's `*_pass` (or its last statement), on a line of its
own with that statement's indentation, or on the same line when the block is written on one
line. The file's newline style is kept. A block reached through an include is edited in the
included file only when that file is included from one place, or when every place that
includes it is a streaming route.
"""

from __future__ import annotations

from collections.abc import Sequence

from linter.model import Edit
from linter.nginx.context import Stmt
from linter.nginx.model import NginxDocument
from linter.source import SourceText


def replace_word(document: NginxDocument, stmt: Stmt, index: int, content: str) -> Edit | None:
    directive = stmt.directive
    if directive is None or index >= len(directive.args) or directive.path not in document.sources:
        return None
    word = directive.args[index]
    return Edit(directive.path, word.start, word.end, content)


def _own_statements(block: Stmt, path: str) -> list[Stmt]:
    """Statements written directly in the block, in the block's own file."""
    return [
        child
        for child in block.children or ()
        if child.directive is not None and child.directive.path == path and child.via is block.via
    ]


def edit_target_path(document: NginxDocument, block: Stmt) -> str | None:
    if block.is_root:
        return document.source.path
    directive = block.directive
    if directive is None or directive.path not in document.sources:
        return None
    return directive.path


def shared_file(document: NginxDocument, block: Stmt) -> bool:
    """The block sits in a file included from more than one place."""
    if block.is_root or block.via is None:
        return False
    path = block.path
    return (
        sum(
            len(stmts)
            for key, stmts in document.includers.items()
            if document.files[key].path == path
        )
        > 1
    )


def insert_statements(
    document: NginxDocument, block: Stmt, statements: Sequence[str], anchor: Stmt | None = None
) -> Edit | None:
    """An edit that adds ``statements`` (each a full `name args;`) to ``block``; None when the
    block cannot be edited (a stock file, unknown place)."""
    path = edit_target_path(document, block)
    if path is None or not statements:
        return None
    source = document.sources[path]
    text = source.text
    own = _own_statements(block, path)
    if anchor is None or anchor not in own:
        anchor = _last_simple(own) or (own[-1] if own else None)
    if anchor is not None and anchor.directive is not None:
        end = anchor.directive.end
        line_end = _line_end(text, end)
        rest = text[end:line_end]
        if rest.strip() and not rest.strip().startswith("#"):
            # One-line block (`location / { proxy_pass http://a; }`): stay on the line.
            return Edit(path, end, end, "".join(" " + s for s in statements))
        indent = source.indentation_at(anchor.directive.start)
        if not _starts_line(text, anchor.directive.start):
            indent = _inner_indent(source, block)
        return Edit(
            path, line_end, line_end, "".join(source.newline + indent + s for s in statements)
        )
    # An empty block (or only nested blocks written elsewhere): right after its `{`.
    if block.is_root:
        addition = "".join(s + source.newline for s in statements)
        if text and not text.endswith(("\n", "\r")):
            addition = source.newline + addition
        return Edit(path, len(text), len(text), addition)
    directive = block.directive
    assert directive is not None
    if directive.terminator is None:
        return None
    opening = directive.terminator[1]
    line_end = _line_end(text, opening)
    if directive.close is not None and directive.close[0] < line_end:
        return Edit(path, opening, opening, "".join(" " + s for s in statements))
    indent = _inner_indent(source, block)
    return Edit(path, line_end, line_end, "".join(source.newline + indent + s for s in statements))


def _last_simple(statements: list[Stmt]) -> Stmt | None:
    passes = [s for s in statements if s.name.endswith("_pass")]
    if passes:
        return passes[-1]
    simple = [s for s in statements if not s.is_block]
    return simple[-1] if simple else None


def _line_end(text: str, offset: int) -> int:
    index = offset
    while index < len(text) and text[index] not in "\r\n":
        index += 1
    return index


def _starts_line(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return not text[line_start:offset].strip()


def _inner_indent(source: SourceText, block: Stmt) -> str:
    """Indentation for a statement inside ``block``: one level deeper than the block."""
    directive = block.directive
    outer = source.indentation_at(directive.start) if directive is not None else ""
    unit = "\t" if "\t" in outer or _file_uses_tabs(source.text) else "    "
    return outer + unit


def _file_uses_tabs(text: str) -> bool:
    tabs = text.count("\n\t")
    spaces = text.count("\n  ")
    return tabs > spaces
