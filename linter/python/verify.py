"""Checking a fixed Python file: its tree must equal the original's, except that a call or a
dict literal holding an edit may have gained keywords or entries at its end, the module may
have gained ``import`` statements, an ``except`` clause holding an edit may catch more
classes (its type made or grown into a tuple), and a ``try`` holding an edit may have gained
one ``except`` clause."""

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
        if isinstance(old, ast.Module) and isinstance(new, ast.Module):
            body = _without_added_imports(old.body, new.body)
            if body is None:
                return "the fix changed the file's structure outside the edited call"
            stack.append((old.body, body))
            stack.append((old.type_ignores, new.type_ignores))
            continue
        if (
            isinstance(old, ast.ExceptHandler)
            and isinstance(new, ast.ExceptHandler)
            and old.type is not None
            and isinstance(new.type, ast.Tuple)
            and not isinstance(old.type, ast.Tuple)
            and _edited(before, old.type, points)
        ):
            stack.append((old.type, new.type.elts[0]))
            stack.extend([(old.name, new.name), (old.body, new.body)])
            continue
        if (
            isinstance(old, ast.Tuple)
            and isinstance(new, ast.Tuple)
            and len(new.elts) > len(old.elts)
            and _edited(before, old, points)
        ):
            stack.append((old.elts, new.elts[: len(old.elts)]))
            continue
        if (
            isinstance(old, ast.Try)
            and isinstance(new, ast.Try)
            and len(new.handlers) == len(old.handlers) + 1
            and _edited(before, old, points, to_line_end=True)
        ):
            stack.append((old.handlers, _without_added_handler(old.handlers, new.handlers)))
            stack.extend([(old.body, new.body), (old.orelse, new.orelse)])
            stack.append((old.finalbody, new.finalbody))
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


def _edited(
    document: PythonDocument, node: ast.AST, points: Sequence[int], to_line_end: bool = False
) -> bool:
    start, end = document.span(node)
    if to_line_end:  # a clause added after a statement that ends in a comment
        text = document.source.text
        breaks = [i for i in (text.find("\n", end), text.find("\r", end)) if i >= 0]
        end = min(breaks) if breaks else len(text)
    return any(start <= point <= end for point in points)


def _without_added_imports(old: list[ast.stmt], new: list[ast.stmt]) -> list[ast.stmt] | None:
    """``new`` without the ``import`` statements a fix added (None: more than imports came)."""
    extra = len(new) - len(old)
    if extra == 0:
        return new
    if extra < 0:
        return None
    kept: list[ast.stmt] = []
    index = 0
    for statement in new:
        if (
            extra
            and isinstance(statement, (ast.Import, ast.ImportFrom))
            and (index >= len(old) or ast.dump(statement) != ast.dump(old[index]))
        ):
            extra -= 1
            continue
        kept.append(statement)
        index += 1
    return kept if not extra else None


def _without_added_handler(
    old: list[ast.ExceptHandler], new: list[ast.ExceptHandler]
) -> list[ast.ExceptHandler]:
    """``new`` without the one ``except`` clause a fix added (the first whose type differs
    from the old clause at its place, else the last)."""
    for index, handler in enumerate(old):
        if _type_text(handler) != _type_text(new[index]):
            return new[:index] + new[index + 1 :]
    return new[:-1]


def _type_text(handler: ast.ExceptHandler) -> str:
    return ast.dump(handler.type) if handler.type is not None else ""
