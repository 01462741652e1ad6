"""Edits that add an argument to a call or an entry to a dict literal, in the style of the
code around them: one argument per line stays one per line (with the neighbours'
indentation), a trailing comma stays, comments stay where they are."""

from __future__ import annotations

import ast

from linter.model import Edit
from linter.python.document import PythonDocument


def _gap_comma(text: str, start: int, end: int) -> int:
    """Offset of the comma between an element's end and the closing bracket, or -1. The gap
    holds only blanks, comments, a comma and the ``)`` of a parenthesised last element."""
    index = start
    while index < end:
        char = text[index]
        if char == "#":
            newline = text.find("\n", index, end)
            index = end if newline < 0 else newline
            continue
        if char == ",":
            return index
        index += 1
    return -1


def _append(
    document: PythonDocument,
    last_end: int | None,
    last_start: int | None,
    close: int,
    item: str | list[str],
) -> list[Edit]:
    """Edits that append ``item`` (or several items, one per line where the elements are)
    before the closing bracket at ``close``."""
    source = document.source
    text = source.text
    path = document.path
    newline = source.newline
    items = [item] if isinstance(item, str) else item
    if last_end is None or last_start is None:
        return [Edit(path, close, close, ", ".join(items))]
    close_line = source.line_start(close)
    own_line = not text[close_line:close].strip() and source.line_start(last_end) != close_line
    indent = source.indentation_at(last_start)
    item = f",{newline}{indent}".join(items) if own_line else ", ".join(items)
    comma = _gap_comma(text, last_end, close)
    if comma >= 0:
        if own_line:
            return [Edit(path, close_line, close_line, f"{indent}{item},{newline}")]
        return [Edit(path, comma + 1, comma + 1, f" {item},")]
    if own_line:
        return [
            Edit(path, last_end, last_end, ","),
            Edit(path, close_line, close_line, f"{indent}{item}{newline}"),
        ]
    return [Edit(path, last_end, last_end, f", {item}")]


def add_keyword(document: PythonDocument, call: ast.Call, name: str, value: str) -> list[Edit]:
    elements: list[ast.AST] = [*call.args, *call.keywords]
    close = document.end(call) - 1
    if not elements:
        return _append(document, None, None, close, f"{name}={value}")
    # Keywords and ``**kw`` carry their own positions (3.9+), from the name or the stars.
    last = max(elements, key=document.end)
    return _append(document, document.end(last), document.start(last), close, f"{name}={value}")


def add_entry(document: PythonDocument, mapping: ast.Dict, key: str, value: str) -> list[Edit]:
    return add_entries(document, mapping, [(key, value)])


def add_entries(
    document: PythonDocument, mapping: ast.Dict, entries: list[tuple[str, str]]
) -> list[Edit]:
    """Edits that add ``key: value`` entries (values written as given) to a dict literal,
    quoting the keys as its first string key is quoted."""
    close = document.end(mapping) - 1
    quote = '"'
    for existing in mapping.keys:
        if isinstance(existing, ast.Constant) and isinstance(existing.value, str):
            quote = (
                document.text_of(existing)[:1] if document.text_of(existing)[:1] in "'\"" else quote
            )
            break
    item = [f"{quote}{key}{quote}: {value}" for key, value in entries]
    if not mapping.values:
        return _append(document, None, None, close, item)
    last_value = max(mapping.values, key=document.end)
    index = mapping.values.index(last_value)
    key_node = mapping.keys[index]
    start_node = key_node if key_node is not None else last_value
    start = document.start(start_node)
    if key_node is None:  # ``**other``: the entry starts at the two stars
        start = document.source.text.rfind("**", 0, start)
    return _append(document, document.end(last_value), start, close, item)
