"""Where a value a Python client is built with comes from, within its module: a literal, a
module constant, a local variable, ``self.x`` set in the class, a field of a settings object
of a class of the module (a dataclass default, or what its constructor call or classmethod
passes), an environment variable read anywhere inside a helper call
(``openai_base(os.environ.get("LITELLM_BASE_URL"))``). A name imported from another module
of the tree (``from .config import COMPLETIONS_URL``, ``from .config import settings`` then
``settings.base_url``) is followed into that module when the run's modules are given. A
field of a pydantic ``BaseSettings`` class is also the environment variable of its name (with
the class's ``env_prefix``). Bounded: what cannot be followed is unknown and said so, never
guessed.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.stack.ancestry import Ancestry

if TYPE_CHECKING:
    from linter.python.analysis.modules import TreeModules

_DEPTH = 8
# How many other modules one file's values may be followed into.
_MAX_MODULES = 8
# String methods that keep the host and port of a URL: the value is read through them.
_STRING_METHODS = frozenset({"strip", "rstrip", "lstrip", "removesuffix", "removeprefix"})


@dataclass(frozen=True)
class Origin:
    """A resolved value (None: unknown), how it is said, and the environment variable that
    may hold it instead (its value in the repository wins over ``value``)."""

    value: str | float | None
    said: str
    env: str | None = None
    node: ast.expr | None = None  # the literal, when the value is one written in the module


def environment_getter(func: ast.expr) -> bool:
    """``os.environ.get``, ``environ.get``, ``os.getenv`` or ``getenv``: nothing else is read
    as an environment variable (``config.get("url", ...)`` is not one)."""
    if isinstance(func, ast.Name):
        return func.id == "getenv"
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if func.attr == "getenv":
        return isinstance(owner, ast.Name) and owner.id == "os"
    if func.attr != "get":
        return False
    if isinstance(owner, ast.Name):
        return owner.id == "environ"
    return (
        isinstance(owner, ast.Attribute)
        and owner.attr == "environ"
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "os"
    )


def _environ_subscript(node: ast.expr) -> str | None:
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and isinstance(node.value, (ast.Name, ast.Attribute))
        and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr) == "environ"
    ):
        return node.slice.value
    return None


class Module:
    """One module's definitions, for following values (made once per file)."""

    def __init__(
        self,
        tree: ast.Module,
        shown: str,
        path: str | None = None,
        modules: TreeModules | None = None,
        loaded: dict[str, Module | None] | None = None,
    ) -> None:
        self.tree = tree
        self.shown = shown
        self.path = path
        self.modules = modules
        # Other modules read for this one's values (shared along the chain of imports).
        self.loaded: dict[str, Module | None] = {} if loaded is None else loaded
        self.constants: dict[str, ast.expr] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        # Local name -> the dotted path its module-level import binds (``.config.URL``).
        self.imports: dict[str, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name):
                    self.constants[target.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    self.constants[stmt.target.id] = stmt.value
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
            elif isinstance(stmt, ast.ImportFrom):
                base = "." * stmt.level + (stmt.module or "")
                for alias in stmt.names:
                    if alias.name != "*":
                        joined = f"{base}.{alias.name}" if base.strip(".") else base + alias.name
                        self.imports[alias.asname or alias.name] = joined
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname is not None:
                        self.imports[alias.asname] = alias.name
        self._ancestry = Ancestry(self.tree)

    def enclosing(self, node: ast.AST) -> tuple[ast.AST | None, ast.ClassDef | None]:
        """The function a node is in (None: module level) and that function's class: the
        nearest function, and the nearest class above it (a class met first: no function)."""
        function: ast.AST | None = None
        for current in reversed(self._ancestry.of(node)):
            if function is None and isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = current
            elif isinstance(current, ast.ClassDef):
                return function, current
        return function, None

    def _scopes(self, node: ast.AST) -> list[ast.AST]:
        """The functions a node is in, the nearest first, up to the first class."""
        found: list[ast.AST] = []
        for current in reversed(self._ancestry.of(node)):
            if isinstance(current, ast.ClassDef):
                break
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                found.append(current)
        return found

    def at(self, node: ast.AST) -> str:
        return f"{self.shown}:{getattr(node, 'lineno', '?')}"

    # -- other modules -----------------------------------------------------------------------
    def _imported(self, name: str) -> tuple[Module, str | None] | None:
        """The module of the tree an imported name comes from, and the name in it (None: the
        name is that module itself); None when it is not a module of the tree."""
        dotted = self.imports.get(name)
        if dotted is None or self.modules is None or self.path is None:
            return None
        try:
            found = self.modules.resolve(self.path, dotted)
        except Exception:  # evidence only: an odd import is not followed
            return None
        if found is None or len(found[1]) > 1:
            return None
        file, rest = found
        other = self._load(file)
        if other is None:
            return None
        return other, (rest[0] if rest else None)

    def _load(self, file: str) -> Module | None:
        if file in self.loaded:
            return self.loaded[file]
        if len(self.loaded) >= _MAX_MODULES:
            return None
        self.loaded[file] = None  # a cycle of imports stops here
        assert self.modules is not None
        try:
            text = self.modules.workspace.read_source(file).text
            tree = ast.parse(text)
        except Exception:  # unreadable or not Python: its values stay unknown
            return None
        shown = os.path.basename(file)
        if os.path.basename(file) == "__init__.py":
            shown = os.path.join(os.path.basename(os.path.dirname(file)), shown)
        other = Module(tree, shown, file, self.modules, self.loaded)
        self.loaded[file] = other
        return other

    def global_value(self, name: str, depth: int) -> Origin:
        """A module-level name of this module (a constant, or one it imports in turn)."""
        if name in self.constants:
            found = self.resolve(self.constants[name], depth + 1)
            said = f"`{name}` of {self.at(self.constants[name])}: {found.said}"
            return Origin(found.value, said, found.env, found.node)
        imported = self._imported(name)
        if imported is not None and imported[1] is not None:
            return imported[0].global_value(imported[1], depth + 1)
        return Origin(None, f"`{name}` is not a literal of {self.shown}")

    def global_attribute(self, name: str, attr: str, depth: int) -> Origin:
        """``name.attr`` for a module-level ``name`` of this module: a field of the object
        it is built as (``settings = Settings()``), or a name of a module it imports."""
        if name in self.constants:
            built = self._instance_of(self.constants[name], depth + 1)
            if built is not None:
                return self._field(built[0], built[1], attr, depth)
        imported = self._imported(name)
        if imported is not None:
            other, inner = imported
            if inner is None:
                return other.global_value(attr, depth + 1)
            return other.global_attribute(inner, attr, depth + 1)
        return Origin(None, f"`{name}.{attr}` is not a literal of {self.shown}")

    # -- resolving ---------------------------------------------------------------------------
    def resolve(self, node: ast.expr, depth: int = 0) -> Origin:
        if depth > _DEPTH:
            return Origin(None, f"not followed further at {self.at(node)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Origin(node.value, f"written at {self.at(node)}", node=node)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            return Origin(float(node.value), f"set at {self.at(node)}", node=node)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        name = _environ_subscript(node)
        if name is not None:
            return Origin(None, f"${name} at {self.at(node)}", name)
        if isinstance(node, ast.Name):
            return self._name(node, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
            first, second = (self.resolve(v, depth + 1) for v in node.values)
            if first.env is not None and first.value is None and isinstance(second.value, str):
                return Origin(second.value, f"the fallback of {first.said}", first.env)
        if isinstance(node, (ast.JoinedStr, ast.BinOp)):
            return self._joined(node, depth)
        return Origin(None, f"not a literal at {self.at(node)}")

    def _call(self, node: ast.Call, depth: int) -> Origin:
        func = node.func
        if environment_getter(func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                default = node.args[1] if len(node.args) > 1 else None
                if default is not None:
                    fallback = self.resolve(default, depth + 1)
                    if isinstance(fallback.value, str):
                        return Origin(
                            fallback.value,
                            f"the default of ${first.value} at {self.at(node)}",
                            first.value,
                        )
                return Origin(None, f"${first.value} (no default at {self.at(node)})", first.value)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _STRING_METHODS
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
        ):
            inner = self.resolve(func.value, depth + 1)
            if isinstance(inner.value, str):
                arguments = [a.value for a in node.args if isinstance(a, ast.Constant)]
                value = getattr(inner.value, func.attr)(*arguments)
                return Origin(value, inner.said, inner.env, inner.node)
            return inner
        # A helper given an environment variable (`openai_base(os.environ.get("X"))`): the
        # value is that variable's, as the helper shapes it; only one variable is followed.
        names = {
            found.env
            for arg in [*node.args, *(k.value for k in node.keywords)]
            if (found := self.resolve(arg, depth + 1)).env is not None
        }
        if len(names) == 1:
            name = names.pop()
            helper = ast.unparse(func)
            return Origin(None, f"${name} through {helper}() at {self.at(node)}", name)
        return Origin(None, f"not a literal at {self.at(node)}")

    def _joined(self, node: ast.expr, depth: int) -> Origin:
        """An f-string or a ``+`` of strings: its value when every part is known."""
        parts: list[ast.expr] = []
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = [node.left, node.right]
        else:
            return Origin(None, f"not a literal at {self.at(node)}")
        text = ""
        said: list[str] = []
        env: str | None = None
        for index, part in enumerate(parts):
            found = self.resolve(part, depth + 1)
            if index == 0 and found.env is not None:
                env = found.env
            if not isinstance(found.value, str):
                return Origin(None, found.said, env if index == 0 else None)
            text += found.value
            if not (isinstance(part, ast.Constant)):
                said.append(found.said)
        return Origin(text, "; ".join(said) or f"written at {self.at(node)}", env)

    def _name(self, node: ast.Name, depth: int) -> Origin:
        # The nearest function, then the functions around it (a closure reads their names),
        # up to a class or the module.
        for function in self._scopes(node):
            assigned = _assignments(function, node.id)
            if len(assigned) == 1:
                return self.resolve(assigned[0], depth + 1)
            if assigned:
                return Origin(None, f"`{node.id}` is assigned {len(assigned)} times")
            if _is_parameter(function, node.id):
                return Origin(None, f"`{node.id}` is given by the caller ({self.at(node)})")
        if node.id in self.constants:
            return self.resolve(self.constants[node.id], depth + 1)
        imported = self._imported(node.id)
        if imported is not None and imported[1] is not None:
            return imported[0].global_value(imported[1], depth + 1)
        return Origin(None, f"`{node.id}` is not a literal ({self.at(node)})")

    def _attribute(self, node: ast.Attribute, depth: int) -> Origin:
        owner = node.value
        _, cls = self.enclosing(node)
        if isinstance(owner, ast.Name) and owner.id == "self" and cls is not None:
            assigned = _self_assignments(cls, node.attr)
            if len(assigned) == 1:
                return self.resolve(assigned[0], depth + 1)
            if not assigned:
                return self._field(cls, None, node.attr, depth)
            return Origin(None, f"`self.{node.attr}` is assigned {len(assigned)} times")
        built = self._instance_of(owner, depth + 1)
        if built is not None:
            return self._field(built[0], built[1], node.attr, depth)
        if isinstance(owner, ast.Name) and owner.id in self.imports:
            function, _ = self.enclosing(node)
            local = function is not None and bool(_assignments(function, owner.id))
            if not local and self._imported(owner.id) is not None:
                return self.global_attribute(owner.id, node.attr, depth + 1)
        return Origin(None, f"`{ast.unparse(node)}` is not a literal ({self.at(node)})")

    def _instance_of(
        self, node: ast.expr, depth: int
    ) -> tuple[ast.ClassDef, list[ast.Call]] | None:
        """The class of the module an object is an instance of, when the code says so
        (``Cls(...)``, ``Cls.from_env()``, ``given or Cls()``, through names and ``self``), with
        the calls that build it: that ``Cls(...)``, or the ``cls(...)`` of the classmethod."""
        if depth > _DEPTH:
            return None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.classes:
                return self.classes[func.id], [node]
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in self.classes
            ):
                cls = self.classes[func.value.id]
                method = _method(cls, func.attr)
                if method is not None and _is_classmethod(method):
                    calls = [
                        call
                        for call in ast.walk(method)
                        if isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id in ("cls", cls.name)
                    ]
                    return cls, calls
            return None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            built = [b for v in node.values if (b := self._instance_of(v, depth + 1)) is not None]
            return built[0] if len(built) == 1 else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            _, owner = self.enclosing(node)
            if node.value.id == "self" and owner is not None:
                assigned = _self_assignments(owner, node.attr)
                if len(assigned) == 1:
                    return self._instance_of(assigned[0], depth + 1)
        if isinstance(node, ast.Name):
            function, _ = self.enclosing(node)
            scope = function if function is not None else None
            assigned = _assignments(scope, node.id) if scope is not None else []
            if not assigned and node.id in self.constants:
                assigned = [self.constants[node.id]]
            if len(assigned) == 1:
                return self._instance_of(assigned[0], depth + 1)
        return None

    def _field(
        self, cls: ast.ClassDef, calls: list[ast.Call] | None, name: str, depth: int
    ) -> Origin:
        """A field of a class of the module: what the calls that build the object pass
        (``cls(name=...)`` in a classmethod, ``Cls(name=...)``; ``None``: every construction
        in the module), else its declared default. A keyword ``x if given is None else given``
        counts as its known branch (the caller's value is not guessed)."""
        default: ast.expr | None = None
        for stmt in cls.body:
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and stmt.target.id == name
                and stmt.value is not None
            ):
                default = stmt.value
        declared = self.resolve(default, depth + 1) if default is not None else None
        variable = _settings_variable(cls, name)
        if declared is not None and variable is not None and declared.env is None:
            # pydantic-settings reads the field from the environment variable of its name.
            declared = Origin(declared.value, declared.said, variable, declared.node)
        passed: list[Origin] = []
        for call in self._constructions(cls) if calls is None else calls:
            keyword = next((k.value for k in call.keywords if k.arg == name), None)
            if keyword is None:
                if call.args or any(k.arg is None for k in call.keywords):
                    passed.append(Origin(None, f"{cls.name}(...) at {self.at(call)}"))
                elif declared is not None:
                    passed.append(declared)
                continue
            if isinstance(keyword, ast.IfExp):
                branches = [self.resolve(b, depth + 1) for b in (keyword.body, keyword.orelse)]
                known = [b for b in branches if b.value is not None or b.env is not None]
                if len(known) == 1:
                    passed.append(known[0])
                    continue
            passed.append(self.resolve(keyword, depth + 1))
        if declared is not None and all(
            p.value == declared.value and p.env == declared.env for p in passed
        ):
            return Origin(
                declared.value,
                f"the default of {cls.name}.{name} ({declared.said})",
                declared.env,
                declared.node,
            )
        distinct = {(p.value, p.env) for p in passed}
        if len(distinct) == 1 and passed and (passed[0].value is not None or passed[0].env):
            return passed[0]
        if not passed and declared is None:
            return Origin(None, f"{cls.name}.{name} has no value in {self.shown}")
        return Origin(None, f"{cls.name}.{name} is given different values in {self.shown}")

    def _constructions(self, cls: ast.ClassDef) -> list[ast.Call]:
        found: list[ast.Call] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == cls.name:
                found.append(node)
            elif isinstance(func, ast.Name) and func.id == "cls":
                _, owner = self.enclosing(node)
                if owner is cls:
                    found.append(node)
        return found


def _assignments(scope: ast.AST, name: str) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                found.append(node.value)
        elif (
            isinstance(node, (ast.AnnAssign, ast.AugAssign))
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            if isinstance(node, ast.AugAssign) or node.value is None:
                return [node.target, node.target]  # changed in place: not followed
            found.append(node.value)
    return found


def _self_assignments(cls: ast.ClassDef, attr: str) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(cls):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == attr
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    found.append(node.value)
    return found


def _is_parameter(function: ast.AST, name: str) -> bool:
    arguments = getattr(function, "args", None)
    if not isinstance(arguments, ast.arguments):
        return False
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return any(a.arg == name for a in every)


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt
    return None


def _is_classmethod(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "classmethod" for d in method.decorator_list)


def _base_names(cls: ast.ClassDef) -> list[str]:
    return [
        base.id if isinstance(base, ast.Name) else base.attr
        for base in cls.bases
        if isinstance(base, (ast.Name, ast.Attribute))
    ]


def _settings_variable(cls: ast.ClassDef, name: str) -> str | None:
    """The environment variable a pydantic ``BaseSettings`` field is read from: its name
    (matched without case by default; written in capitals here) after the class's
    ``env_prefix`` (``model_config = SettingsConfigDict(env_prefix=...)`` or an inner
    ``class Config``). None for another class, or a prefix that is not a literal."""
    if "BaseSettings" not in _base_names(cls):
        return None
    prefix = ""
    for stmt in cls.body:
        value: ast.expr | None = None
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets)
        ) or (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "model_config"
        ):
            value = stmt.value
        if isinstance(value, ast.Call):
            given = next((k.value for k in value.keywords if k.arg == "env_prefix"), None)
            if given is not None:
                if not (isinstance(given, ast.Constant) and isinstance(given.value, str)):
                    return None
                prefix = given.value
        elif isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=False):
                if isinstance(key, ast.Constant) and key.value == "env_prefix":
                    if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                        return None
                    prefix = item.value
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets
                ):
                    if not (
                        isinstance(inner.value, ast.Constant) and isinstance(inner.value.value, str)
                    ):
                        return None
                    prefix = inner.value.value
    return (prefix + name).upper()
