"""Checking a fixed Python file: its tree must equal the original's except inside the calls,
dicts and keyword lists the edits touched (where a fix adds a keyword or a key)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from linter.model import Edit
from linter.python.document import PythonDocument

# Node types whose children a fix may extend (a keyword added to a call, a key to a dict).
_EXTENDABLE = (ast.Call, ast.Dict)


def _fields(node: ast.AST) -> list[tuple[str, object]]:
    return [(name, getattr(node, name, None)) for name in node._fields]


def changed_only_at(before: PythonDocument, after: PythonDocument, edits: Sequence[Edit]) -> str | None:
    assert before.tree is not None and after.tree is not None
    points = sorted({edit.start for edit in edits if edit.path == before.path})
    # Walk both trees side by side (iteratively: deep trees must not overflow the stack).
    stack: list[tuple[object, object]] = [(before.tree, after.tree)]
    while stack:
        old, new = stack.pop()
        if isinstance(old, list) and isinstance(new, list):
            if len(old) != len(new):
                return "the fix changed the file's structure outside the edited call"
            stack.extend(zip(old, new))
            continue
        if not isinstance(old, ast.AST) or not isinstance(new, ast.AST):
            if old != new:
                return "the fix changed a value outside the edited call"
            continue
        if type(old) is not type(new):
            return f"the fix changed a {type(old).__name__} into a {type(new).__name__}"
        if isinstance(old, _EXTENDABLE) and _edited(before, old, points):
            reason = _extension_only(old, new)
            if reason:
                return reason
            continue
        for (_, old_value), (_, new_value) in zip(_fields(old), _fields(new)):
            stack.append((old_value, new_value))
    return None


def _edited(document: PythonDocument, node: ast.AST, points: Sequence[int]) -> bool:
    start, end = document.span(node)
    return any(start <= point <= end for point in points)


def _extension_only(old: ast.AST, new: ast.AST) -> str | None:
    """``new`` is ``old`` with keywords (call) or entries (dict) added, nothing else changed."""
    if isinstance(old, ast.Call) and isinstance(new, ast.Call):
        if ast.dump(old.func) != ast.dump(new.func) or [ast.dump(a) for a in old.args] != [ast.dump(a) for a in new.args]:
            return "the fix changed the call's function or positional arguments"
        old_keywords = [ast.dump(k) for k in old.keywords]
        new_keywords = [ast.dump(k) for k in new.keywords]
        if new_keywords[: len(old_keywords)] != old_keywords and not _changed_inside(old.keywords, new.keywords):
            return "the fix changed the call's existing keywords"
        return None
    if isinstance(old, ast.Dict) and isinstance(new, ast.Dict):
        old_pairs = [(ast.dump(k) if k else None, ast.dump(v)) for k, v in zip(old.keys, old.values)]
        new_pairs = [(ast.dump(k) if k else None, ast.dump(v)) for k, v in zip(new.keys, new.values)]
        if new_pairs[: len(old_pairs)] != old_pairs:
            return "the fix changed the dict's existing entries"
        return None
    return "unexpected change"


def _changed_inside(old: list[ast.keyword], new: list[ast.keyword]) -> bool:
    """Same keywords in the same order, where one keyword's value (a dict or call) grew."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new):
        if a.arg != b.arg:
            return False
        if ast.dump(a.value) != ast.dump(b.value) and _extension_only(a.value, b.value) is not None:
            return False
    return True
