"""A launch setting read through a settings object: `uvicorn.run(app, port=settings.PORT)`
where `settings = Settings()` is bound once at module level, in the launching file or in a
module it imports it from (`from config import settings`), and the class sets the attribute
in its body (`PORT: int = int(os.getenv("PORT") or "8000")`).

Two kinds of class are read: a plain class (no base; a dataclass too) whose attribute is what
its body says, and a pydantic `BaseSettings` subclass without an env prefix, whose field the
environment variable of the same name (any case) overrides. Anything else (another base, an `__init__`
that sets the attribute, a name bound twice) is unknown: the value is evidence only, never a
guess.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import NamedTuple

from linter.server.pyread import constant, parse
from linter.source import SourceText

# module name (`config`, `app.core.settings`) -> its source, or None when not in the tree.
ModuleReader = Callable[[str], "SourceText | None"]


class Found(NamedTuple):
    value: str
    said: str  # "`system_config.API_PORT` is `_SystemConfig.API_PORT` at config.py:160"


def attribute_value(
    node: ast.AST,
    tree: ast.Module,
    env: Mapping[str, str],
    read_module: ModuleReader | None,
    display: Callable[[str], str],
) -> Found | None:
    """The value of ``obj.ATTR`` (``node``) in the file whose module is ``tree``, when ``obj``
    is a settings object whose class gives ATTR a constant value; else None."""
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return None
    name, attr = node.value.id, node.attr
    module, path = tree, ""
    binding = _binding(module, name)
    if isinstance(binding, ast.ImportFrom):
        if read_module is None or binding.level or not binding.module:
            return None
        alias = next(a for a in binding.names if (a.asname or a.name) == name)
        source = read_module(binding.module)
        parsed = parse(source) if source is not None else None
        if source is None or parsed is None:
            return None
        module, path, name = parsed, source.path, alias.name
        binding = _binding(module, name)
    if not (
        isinstance(binding, ast.Assign)
        and isinstance(binding.value, ast.Call)
        and isinstance(binding.value.func, ast.Name)
        and not binding.value.args
        and not binding.value.keywords
    ):
        return None
    cls = _class(module, binding.value.func.id)
    if cls is None:
        return None
    found = _class_value(cls, attr, env, display(path) if path else "")
    if found is None:
        return None
    return found._replace(said=f"`{ast.unparse(node)}` is {found.said}")


def _binding(tree: ast.Module, name: str) -> ast.stmt | None:
    """The one module-level statement that binds ``name`` (an assignment, a `from` import, a
    function or class); None when there is none, or more than one."""
    found = [statement for statement in tree.body if name in _bound(statement)]
    return found[0] if len(found) == 1 else None


def _bound(statement: ast.stmt) -> list[str]:
    """The plain names a module-level statement binds."""
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    if isinstance(statement, ast.ImportFrom):
        return [a.asname or a.name for a in statement.names]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    return []


def _class(tree: ast.Module, name: str) -> ast.ClassDef | None:
    binding = _binding(tree, name)
    return binding if isinstance(binding, ast.ClassDef) else None


def _base_names(cls: ast.ClassDef) -> list[str]:
    names = []
    for base in cls.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
        else:
            names.append("?")
    return names


def _class_value(cls: ast.ClassDef, attr: str, env: Mapping[str, str], shown: str) -> Found | None:
    bases = [b for b in _base_names(cls) if b != "object"]
    pydantic = bases == ["BaseSettings"]
    if bases and not pydantic:
        return None  # another base may set or compute it
    if cls.keywords or not all(_is_dataclass(d) for d in cls.decorator_list):
        return None  # a metaclass or a decorator may change what an instance holds
    value: ast.expr | None = None
    line = 0
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _sets_self(
            statement, attr
        ):
            return None  # an instance sets its own value
        if attr in _bound(statement):
            value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
            line = statement.lineno
    if value is None:
        return None
    where = (
        f"`{cls.name}.{attr}` at {shown}:{line}" if shown else f"`{cls.name}.{attr}` (line {line})"
    )
    if pydantic:
        if _has_env_prefix(cls):
            return None
        lowered = attr.lower()
        named = [key for key in env if key.lower() == lowered]
        if len(named) == 1:
            return Found(
                env[named[0]], f"{where}, a settings field the environment's {named[0]} sets"
            )
        if named:
            return None
    known = constant(value, env)
    return Found(known, where) if known is not None else None


def _is_dataclass(decorator: ast.expr) -> bool:
    """`@dataclass` (or `@dataclasses.dataclass`, with arguments or not): a field's default is
    what an instance made without arguments holds."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    return (isinstance(decorator, ast.Name) and decorator.id == "dataclass") or (
        isinstance(decorator, ast.Attribute) and decorator.attr == "dataclass"
    )


def _sets_self(function: ast.FunctionDef | ast.AsyncFunctionDef, attr: str) -> bool:
    for node in ast.walk(function):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == attr
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                return True
    return False


def _has_env_prefix(cls: ast.ClassDef) -> bool:
    """The settings class names an env prefix (`model_config = SettingsConfigDict(env_prefix=
    "APP_")`, or an inner `class Config: env_prefix = ...`): its fields read other names."""
    return any(
        (isinstance(node, ast.keyword) and node.arg == "env_prefix")
        or (isinstance(node, ast.Name) and node.id == "env_prefix")
        or (isinstance(node, ast.Constant) and node.value == "env_prefix")
        for node in ast.walk(cls)
    )
