"""Checking a fixed Python file: its tree must equal the original's, except that a call or a
dict literal holding an edit may have gained keywords or entries at its end."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from linter.model import Edit
from linter.python.document import PythonDocument


def changed_only_at(
    before: PythonDocument, after: PythonDocument, edits: Sequence[Edit]
) -> str | None:
    assert before.tree is not None and after.tree is not None
    points = sorted({edit.start for edit in edits if edit.path == before.path})
    # Both trees side by side, iteratively: a deep tree must not overflow the stack.
    stack: list[tuple[object, object]] = [(before.tree, after.tree)]
    while stack:
        old, new = stack.pop()
        if isinstance(old, list) and isinstance(new, list):
            if len(old) != len(new):
                return "the fix changed the file's structure outside the edited call"
            stack.extend(zip(old, new, strict=False))
            continue
        if not isinstance(old, ast.AST) or not isinstance(new, ast.AST):
            if old != new:
                return "the fix changed a value outside the edited call"
            continue
        if type(old) is not type(new):
            return f"the fix changed a {type(old).__name__} into a {type(new).__name__}"
        if isinstance(old, ast.Call) and isinstance(new, ast.Call) and _edited(before, old, points):
            if len(new.keywords) < len(old.keywords):
                return "the fix removed a keyword argument"
            stack.extend([(old.func, new.func), (old.args, new.args)])
            for old_keyword, new_keyword in zip(old.keywords, new.keywords, strict=False):
                if (
                    old_keyword.arg == new_keyword.arg
                    and isinstance(old_keyword.value, ast.Constant)
                    and isinstance(new_keyword.value, ast.Constant)
                    and _edited(before, old_keyword.value, points)
                ):
                    continue  # a constant replaced on purpose (``max_tokens=None`` -> a number)
                stack.append((old_keyword, new_keyword))
            continue
        if isinstance(old, ast.Dict) and isinstance(new, ast.Dict) and _edited(before, old, points):
            if len(new.keys) < len(old.keys):
                return "the fix removed a dict entry"
            count = len(old.keys)
            stack.extend([(old.keys, new.keys[:count]), (old.values, new.values[:count])])
            continue
        for name in old._fields:
            stack.append((getattr(old, name, None), getattr(new, name, None)))
    return None


def _edited(document: PythonDocument, node: ast.AST, points: Sequence[int]) -> bool:
    start, end = document.span(node)
    return any(start <= point <= end for point in points)
