"""Imports an app makes only in one mode: a factory that picks its app by a setting of the
environment (`if cfg.deployment_mode == "enterprise": from .app import ...` else the personal
app), read against the environment the launch starts with (compose's ``environment:``, a
Dockerfile's ENV). An import on a branch that environment does not take is not followed: the
other mode's streaming endpoints are not this server's. A branch the environment does not
decide (the variable is not set where the tree shows it, the test is not a plain comparison)
is followed, as before.

A condition is read from a comparison of one side with a string literal (``==``, ``!=``):
the other side is `os.getenv("NAME")`, `os.environ.get("NAME")`, `os.environ["NAME"]` (the
variable itself), or an attribute of a settings object (`cfg.deployment_mode`,
`settings.APP_MODE`), which stands for the one variable of the environment named so, or so
after a prefix (`SHIGUANG_DEPLOYMENT_MODE`: pydantic-settings' `env_prefix`, and the
hand-written `Config.load()` that mirrors it). `.lower()`, `.upper()` and `.strip()` on that
side are applied to the value.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import NamedTuple


class Condition(NamedTuple):
    """An import is made when the variable ``key`` (``kind`` "env": its exact name; "attr":
    a settings attribute, matched by name) compared with ``literal`` is ``holds``: equal for
    an `==` test's body, unequal for its `else` (and the reverse for `!=`)."""

    kind: str
    key: str
    literal: str
    holds: bool
    transforms: tuple[str, ...] = ()


_TRANSFORMS = frozenset({"lower", "upper", "strip", "casefold"})


def conditional_imports(tree: ast.Module) -> dict[int, Condition]:
    """id(import statement) -> the condition it is made under, for the imports inside one
    branch of an `if` whose test is such a comparison (the innermost one decides), including
    the statements after an `if` whose body always returns or raises (its implicit `else`)."""
    found: dict[int, Condition] = {}
    _walk_body(tree.body, None, found)
    return found


def _walk_body(body: list[ast.stmt], outer: Condition | None, found: dict[int, Condition]) -> None:
    current = outer
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if current is not None:
                found[id(stmt)] = current
            continue
        if isinstance(stmt, ast.If):
            test = _condition(stmt.test)
            if test is None:
                _walk_body(stmt.body, current, found)
                _walk_body(stmt.orelse, current, found)
                continue
            taken, other = test, test._replace(holds=not test.holds)
            _walk_body(stmt.body, taken, found)
            _walk_body(stmt.orelse, other, found)
            if not stmt.orelse and stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise)):
                current = other  # the rest of this block runs only when the test failed
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner:
                if field == "handlers":
                    for handler in inner:
                        _walk_body(handler.body, current, found)
                else:
                    _walk_body(inner, current, found)


def _condition(test: ast.expr) -> Condition | None:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or len(test.comparators) != 1:
        return None
    op = test.ops[0]
    if not isinstance(op, (ast.Eq, ast.NotEq)):
        return None
    left, right = test.left, test.comparators[0]
    if isinstance(left, ast.Constant) and isinstance(left.value, str):
        left, right = right, left
    if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
        return None
    transforms: list[str] = []
    while (
        isinstance(left, ast.Call)
        and isinstance(left.func, ast.Attribute)
        and left.func.attr in _TRANSFORMS
        and not left.args
        and not left.keywords
    ):
        transforms.insert(0, left.func.attr)
        left = left.func.value
    read = _variable(left)
    if read is None:
        return None
    kind, key = read
    return Condition(kind, key, right.value, isinstance(op, ast.Eq), tuple(transforms))


def _variable(node: ast.expr) -> tuple[str, str] | None:
    """("env", NAME) for a read of the environment, ("attr", name) for a settings attribute."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if name in ("getenv", "get") and isinstance(first, ast.Constant):
            if name == "get" and not _is_environ(getattr(func, "value", None)):
                return None
            return ("env", first.value) if isinstance(first.value, str) else None
        return None
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return "env", key.value
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute)):
        return "attr", node.attr
    return None


def _is_environ(node: ast.expr | None) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def decided(condition: Condition, environment: Mapping[str, str]) -> bool | None:
    """Whether the import is made with ``environment``: True or False where the environment
    gives the variable one value, None where it does not say."""
    if condition.kind == "env":
        value = environment.get(condition.key)
    else:
        wanted = condition.key.upper()
        names = [
            name
            for name in environment
            if name.upper() == wanted or name.upper().endswith("_" + wanted)
        ]
        value = environment[names[0]] if len(names) == 1 else None
    if value is None or "$" in value:
        return None
    for transform in condition.transforms:
        value = getattr(value, transform)()
    return (value == condition.literal) == condition.holds
