"""What a method looks like in the tree, read from its nodes alone: a class's written bases,
a method that only declares its name, a call on the calling class itself, a call whose result
is iterated. (The project-wide search for a method's callers is linter/python/analysis/
methods.py.)"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.python.analysis.values import Values

# Bases that say nothing of the method's interface (every class has them).
NOT_INTERFACES = frozenset({"object", "ABC", "Protocol", "Generic", "BaseModel", "Enum"})


def base_names(node: ast.ClassDef) -> tuple[str, ...]:
    """The names of a class's written bases (``Base``, ``pkg.Base`` -> ``Base``)."""
    names = []
    for base in node.bases:
        if isinstance(base, ast.Subscript):  # ``Base[T]``
            base = base.value
        if isinstance(base, ast.Attribute):
            names.append(base.attr)
        elif isinstance(base, ast.Name):
            names.append(base.id)
    return tuple(n for n in names if n not in NOT_INTERFACES)


def declaration(node: ast.AST) -> bool:
    """A method that only declares its name: ``@abstractmethod``, or a stub body."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if getattr(target, "attr", getattr(target, "id", "")) == "abstractmethod":
            return True
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring (or ``...``)
    if not body:
        return True
    if len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass):
        return True
    if isinstance(only, ast.Raise) and only.exc is not None:
        raised = only.exc.func if isinstance(only.exc, ast.Call) else only.exc
        return getattr(raised, "id", "") == "NotImplementedError"
    return False


def is_self(node: ast.expr) -> bool:
    """``self``, ``cls`` or ``super()``: the calling class's own method."""
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def iterated(analysis: Values, call: ast.Call) -> bool:
    node: ast.AST = call
    parent = analysis.parent(node)
    while isinstance(parent, ast.Await):
        node, parent = parent, analysis.parent(parent)
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return node is parent.iter
    if isinstance(parent, ast.keyword):
        # ``relay(source=provider.stream(...))``: read where that parameter is.
        return isinstance(analysis.parent(parent), ast.Call)
    return isinstance(parent, (ast.YieldFrom, ast.Assign)) or (
        isinstance(parent, ast.Call) and node in parent.args
    )
