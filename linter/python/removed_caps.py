"""A cap visibly absent from an opaque ``**d``: the dict comes from somewhere the file cannot
read (a request body, a parameter), but on every path to the call the function itself takes
the cap out (``d.pop("max_tokens")``, ``del d["max_tokens"]``) or sets the keyword that holds
it to a dict literal without it (``d["options"] = {"temperature": t}``), and nothing between
that statement and the call can put a cap back. Anything less stays unknown."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis


def removed_cap(
    analysis: Analysis, call: ast.Call, star: ast.expr, names: tuple[str, ...]
) -> tuple[str, int] | None:
    """(how, line) when ``**star`` of ``call`` provably lacks every key of ``names``: a
    cap key taken out by a statement every path to the call runs, and no later change."""
    if not isinstance(star, ast.Name):
        return None
    for statement in reversed(_before(analysis, call)):
        key = _removed_key(statement, star.id)
        if key is None or key not in names:
            continue
        if _changed_between(analysis, star.id, statement, call, names):
            return None
        text = " ".join(analysis.document.text_of(statement).split())
        return f"`{text}` takes the cap out of `{star.id}`", statement.lineno
    return None


def literal_holder(
    analysis: Analysis, call: ast.Call, star: ast.expr, holder: str
) -> tuple[ast.Dict, ast.stmt] | None:
    """The dict literal ``**star`` holds for the keyword ``holder`` (``options``), set by a
    statement every path to the call runs (``d["options"] = {...}``), with no later change."""
    if not isinstance(star, ast.Name):
        return None
    for statement in reversed(_before(analysis, call)):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target = statement.targets[0]
        if not (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == star.id
            and isinstance(target.slice, ast.Constant)
            and target.slice.value == holder
        ):
            continue
        if not isinstance(statement.value, ast.Dict) or None in statement.value.keys:
            return None
        if _changed_between(analysis, star.id, statement, call, (holder,)):
            return None
        return statement.value, statement
    return None


def _before(analysis: Analysis, call: ast.Call) -> list[ast.stmt]:
    """The statements every path to ``call`` runs before it, in the function (those before
    its statement in each enclosing block, up to the function's body), in source order."""
    found: list[list[ast.stmt]] = []
    node: ast.AST | None = call
    while node is not None and not isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module, ast.Lambda, ast.ClassDef)
    ):
        parent = analysis.parent(node)
        if isinstance(node, ast.stmt) and parent is not None:
            for field in ("body", "orelse", "finalbody"):
                block = getattr(parent, field, None)
                if isinstance(block, list) and node in block:
                    found.append(block[: block.index(node)])
                    break
        node = parent
    return [statement for block in reversed(found) for statement in block]


def _removed_key(statement: ast.stmt, name: str) -> str | None:
    """The key ``d.pop("k")`` (a statement, or assigned) or ``del d["k"]`` takes out."""
    if isinstance(statement, ast.Delete) and len(statement.targets) == 1:
        target = statement.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == name
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
        ):
            return target.slice.value
        return None
    value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "pop"
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == name
        and value.args
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
    ):
        return value.args[0].value
    return None


_CHANGES = frozenset({"update", "setdefault", "__setitem__", "__ior__", "clear"})


def _changed_between(
    analysis: Analysis, name: str, statement: ast.stmt, call: ast.Call, keys: tuple[str, ...]
) -> bool:
    """Whether anything in the function between ``statement`` and ``call`` may (re)store one
    of ``keys`` into the dict ``name`` or rebind the name."""
    scope = analysis.scope(call)
    begin = analysis.document.end(statement)
    end = analysis.document.start(call)
    for node in ast.walk(scope.node):
        position = getattr(node, "lineno", None)
        if position is None:
            continue
        at = analysis.document.start(node)
        if not begin <= at < end:
            continue
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True  # rebound, deleted or ``d |= other``
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            if _root(node.value) != name:
                continue
            index = node.slice
            if not isinstance(node.value, ast.Name):
                return True  # ``d["options"]["num_predict"] = n``
            if not (isinstance(index, ast.Constant) and isinstance(index.value, str)):
                return True
            if index.value in keys and isinstance(node.ctx, ast.Store):
                return True
        if isinstance(node, ast.Attribute) and node.attr in _CHANGES and _root(node) == name:
            return True
    return False


def _root(node: ast.expr) -> str | None:
    """The name at the root of ``d["a"].b[c]``."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
