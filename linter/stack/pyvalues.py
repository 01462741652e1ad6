"""Where a value a Python client is built with comes from, within its module: a literal, a
module constant, a local variable, ``self.x`` set in the class, a field of a settings object
of a class of the module (a dataclass default, or what its constructor call or classmethod
passes), an environment variable read anywhere inside a helper call
(``openai_base(os.environ.get("LITELLM_BASE_URL"))``). Bounded: what cannot be followed is
unknown and said so, never guessed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_DEPTH = 8
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

    def __init__(self, tree: ast.Module, shown: str) -> None:
        self.tree = tree
        self.shown = shown
        self.constants: dict[str, ast.expr] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                if isinstance(target, ast.Name):
                    self.constants[target.id] = stmt.value
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
        self._parents: dict[ast.AST, ast.AST] | None = None

    @property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Each node's parent, mapped on first use: most modules resolve only constants and
        never ask (the walk was nearly all the time ``clients`` took on the benchmark)."""
        if self._parents is None:
            self._parents = {}
            for node in ast.walk(self.tree):
                for child in ast.iter_child_nodes(node):
                    self._parents[child] = node
        return self._parents

    def enclosing(self, node: ast.AST) -> tuple[ast.AST | None, ast.ClassDef | None]:
        """The function a node is in (None: module level) and that function's class."""
        function: ast.AST | None = None
        current = self.parents.get(node)
        while current is not None:
            if function is None and isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = current
            elif isinstance(current, ast.ClassDef):
                return function, current
            current = self.parents.get(current)
        return function, None

    def at(self, node: ast.AST) -> str:
        return f"{self.shown}:{getattr(node, 'lineno', '?')}"

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
        function, _ = self.enclosing(node)
        if function is not None:
            assigned = _assignments(function, node.id)
            if len(assigned) == 1:
                return self.resolve(assigned[0], depth + 1)
            if assigned:
                return Origin(None, f"`{node.id}` is assigned {len(assigned)} times")
            if _is_parameter(function, node.id):
                return Origin(None, f"`{node.id}` is given by the caller ({self.at(node)})")
        if node.id in self.constants:
            return self.resolve(self.constants[node.id], depth + 1)
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
