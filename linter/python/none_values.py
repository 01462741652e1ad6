"""Values that are None on every path the file shows: ``kwargs.get("timeout", self.timeout)``
where no call of the file passes ``timeout=`` and ``self.timeout`` is only ever set from a
parameter whose default is None that no call passes. PY006 reads a stream's ``timeout=`` so.

Precision first: one binding the file cannot read (``setattr``, ``self.__dict__``,
an assignment to the attribute on another object, a default that is not None) and the value
is not known."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, FunctionInfo
from linter.python.analysis.flow import call_arguments
from linter.python.analysis.nodes import parameter_default
from linter.python.analysis.remote_args import remote_arguments

_DEPTH = 4


def always_none(analysis: Analysis, node: ast.AST, depth: int = 0) -> str | None:
    """Why ``node`` is None whatever runs (words for a message), or None when it may not be."""
    if depth > _DEPTH:
        return None
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if isinstance(node, ast.Call):
        return _kwargs_get(analysis, node, depth)
    if isinstance(node, ast.Attribute):
        return _self_attribute(analysis, node, depth)
    return None


def _kwargs_get(analysis: Analysis, call: ast.Call, depth: int) -> str | None:
    """``kwargs.get("key", default)`` (or ``.pop``) on the function's own ``**kwargs``: the
    default, when no call of the file passes ``key=``."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr in ("get", "pop")
        and isinstance(func.value, ast.Name)
        and len(call.args) == 2
        and not call.keywords
    ):
        return None
    key, default = call.args
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return None
    function = analysis.enclosing_function(call)
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    kwarg = node.args.kwarg
    name = func.value.id
    if kwarg is None or kwarg.arg != name or len(function.bindings.get(name, ())) > 1:
        return None
    if _passed_anywhere(analysis, key.value, _forwarders(analysis, function.name)):
        return None
    why = always_none(analysis, default, depth + 1)
    if why is None:
        return None
    shown = " ".join(analysis.document.text_of(default).split())
    inner = (
        ""
        if why == "None"
        else (f", and {why}" if why.startswith("`") else f", and `{shown}` is {why}")
    )
    return f"no call in this file passes `{key.value}=` to {function.name}(){inner}"


def _forwarders(analysis: Analysis, name: str) -> set[str]:
    """The function's name and those of the file's functions that take ``**kwargs`` (they may
    hand theirs on to it): calls of these are the ones that could pass the key."""
    names = {name}
    for info in analysis.functions:
        node = info.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg:
            names.add(node.name)
    return names


def _passed_anywhere(analysis: Analysis, key: str, callees: set[str]) -> bool:
    """A call of the file to one of ``callees`` passes ``key=``, or a ``**`` mapping the file
    cannot read."""
    for call in analysis.calls:
        if _called_name(call) not in callees:
            continue
        for keyword in call.keywords:
            if keyword.arg == key:
                return True
            if keyword.arg is None and not (
                isinstance(keyword.value, ast.Name)
                or (
                    isinstance(keyword.value, ast.Dict)
                    and all(
                        isinstance(k, ast.Constant) and k.value != key for k in keyword.value.keys
                    )
                )
            ):
                return True  # ``**something(...)``: it may hold the key
    return False


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _opaque_attributes(analysis: Analysis) -> bool:
    """The file sets attributes in ways it cannot follow (``setattr``, ``self.__dict__``)."""
    cached = getattr(analysis, "_opaque_attributes", None)
    if cached is not None:
        return bool(cached)
    opaque = False
    for node in _walk(analysis):
        if (isinstance(node, ast.Attribute) and node.attr == "__dict__") or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
        ):
            opaque = True
            break
    analysis._opaque_attributes = opaque  # type: ignore[attr-defined]
    return opaque


def _self_attribute(analysis: Analysis, node: ast.Attribute, depth: int) -> str | None:
    """``self.attr`` whose every assignment in the file is ``self.attr = <None>`` in a method
    (a parameter defaulting to None that no call passes counts as None)."""
    function = analysis.enclosing_function(node)
    method = function.method
    if (
        method is None
        or method.cls is None
        or not isinstance(node.value, ast.Name)
        or node.value.id != method.self_name
        or _opaque_attributes(analysis)
    ):
        return None
    attr = node.attr
    sets: list[tuple[FunctionInfo, ast.expr]] = []
    for statement in _walk(analysis):
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            for part in ast.walk(target):
                if not (isinstance(part, ast.Attribute) and part.attr == attr):
                    continue
                if not isinstance(target, ast.Attribute) or isinstance(statement, ast.AugAssign):
                    return None  # unpacked into, or changed in place: not followed
                owner = analysis.enclosing_function(statement).method
                if (
                    owner is None
                    or not isinstance(part.value, ast.Name)
                    or part.value.id != owner.self_name
                ):
                    return None  # set on another object (``bot.timeout = 30``)
                sets.append((owner, value))
    if not sets:
        return None
    reasons: list[str] = []
    for owner, value in sets:
        why = _none_parameter(analysis, owner, value) or always_none(analysis, value, depth + 1)
        if why is None:
            return None
        reasons.append(why)
    return f"`self.{attr}` is only ever set to " + "; ".join(dict.fromkeys(reasons))


def _none_parameter(analysis: Analysis, method: FunctionInfo, value: ast.expr) -> str | None:
    """``value`` is a parameter of ``method`` that defaults to None, is not rebound in it,
    and that no call of the file passes (by name, or by position far enough)."""
    node = method.node
    if not isinstance(value, ast.Name) or not isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef)
    ):
        return None
    name = value.id
    if len(method.bindings.get(name, ())) > 1:
        return None
    positional = [*node.args.posonlyargs, *node.args.args]
    defaults = dict(
        zip(
            [a.arg for a in positional[len(positional) - len(node.args.defaults) :]],
            node.args.defaults,
            strict=True,
        )
    )
    defaults.update(
        (a.arg, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if d
    )
    default = defaults.get(name)
    if not (isinstance(default, ast.Constant) and default.value is None):
        return None
    index = next((i for i, a in enumerate(positional) if a.arg == name), None)
    callee = {node.name}
    if node.name == "__init__" and method.cls is not None:
        callee = _class_names(analysis, method.cls.name)
    for call in analysis.calls:
        if _called_name(call) not in callee:
            continue
        if any(k.arg == name or k.arg is None for k in call.keywords):
            return None
        bound = 1 if positional and positional[0].arg in ("self", "cls") else 0
        if index is not None and (
            any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) + bound > index
        ):
            return None
    return (
        f"the `{name}=None` default of {method.name}() (line {node.lineno}), which no call in "
        f"this file passes"
    )


def _class_names(analysis: Analysis, name: str) -> set[str]:
    """The class and the classes of the file that derive from it (their calls construct it)."""
    names = {name}
    changed = True
    classes = [n for n in _walk(analysis) if isinstance(n, ast.ClassDef)]
    while changed:
        changed = False
        for cls in classes:
            if cls.name in names:
                continue
            for base in cls.bases:
                base_name = (
                    base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                )
                if base_name in names:
                    names.add(cls.name)
                    changed = True
    return names


def _walk(analysis: Analysis) -> list[ast.AST]:
    tree = analysis.document.tree
    return list(ast.walk(tree)) if tree is not None else []


def unset_option(analysis: Analysis, value: ast.expr) -> str | None:
    """``options.get("max_tokens")`` (or with a None default) on a parameter ``options`` that
    the function only ever reads with ``.get``, where every call of the function, in this
    file and in the tree's other modules, passes a dict literal without that key (or leaves
    the parameter to a default that has none): the value is None on every call. Words naming
    the calls, or None when one of them may hold the key or no call is known."""
    if not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get"
        and isinstance(value.func.value, ast.Name)
        and 1 <= len(value.args) <= 2
        and not value.keywords
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
        and (len(value.args) == 1 or _is_none(value.args[1]))
    ):
        return None
    name, key = value.func.value.id, value.args[0].value
    found = analysis.lookup(name, analysis.scope(value), analysis.document.start(value))
    if found is None or found[0] != "param":
        return None
    function = found[2]
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if len(function.bindings.get(name, ())) != 1 or not _read_by_get_only(analysis, node, name):
        return None
    default = parameter_default(node, name)
    if default is not None and not _is_none(default) and not _dict_without(default, key):
        return None
    local = call_arguments(analysis, function, name)
    if local is None:
        return None
    where: list[str] = []
    for call, arg in local:
        if arg is not None and not _dict_without(analysis.literal_dict(arg), key):
            return None
        where.append(f"line {call.lineno} of this file")
    remote = remote_arguments(analysis, function, name)
    if remote is None and analysis.document.project is not None:
        return None  # a method, or callers that cannot be read: others may pass the key
    for passed in remote or []:
        if passed.keys is None or passed.none or key in passed.keys:
            return None
        where.append(f"{passed.module}, line {passed.line}")
    if not where:
        return None  # no call known: a library's parameter, filled by callers not seen
    more = ", ..." if len(where) > 3 else ""
    return f"no call of {function.name}() puts `{key}` in `{name}` (its calls: {'; '.join(where[:3])}{more})"


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _dict_without(node: ast.AST | None, key: str) -> bool:
    """A dict literal whose every key is a literal string other than ``key``."""
    return isinstance(node, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value != key
        for k in node.keys
    )


def _read_by_get_only(
    analysis: Analysis, node: ast.FunctionDef | ast.AsyncFunctionDef, name: str
) -> bool:
    """Every use of ``name`` in the function is ``name.get(...)``: nothing stores a key into
    it, hands it on or rebinds it (a nested function's use counts too)."""
    for statement in node.body:
        for part in ast.walk(statement):
            if isinstance(part, ast.Name) and part.id == name:
                parent = analysis.parent(part)
                call = analysis.parent(parent) if parent is not None else None
                if not (
                    isinstance(parent, ast.Attribute)
                    and parent.attr == "get"
                    and isinstance(call, ast.Call)
                    and call.func is parent
                ):
                    return False
    return True
