"""Whether a call streams, in three values, and the keys of a ``**kwargs`` dict read exactly.

``stream=True`` streams ("yes"); ``stream=False``, ``None`` or no flag at all does not ("no");
a flag the file does not settle (``stream=stream`` where it is a parameter, ``stream=
self.streaming``, ``**{"stream": s}``) may ("maybe"). Every PY rule reads the same answer
through ``StreamStart.streaming`` (true for "yes" and "maybe") and ``StreamStart.maybe``, so
PY001, PY002, PY004 and PY006 always agree about one call.

A ``**kwargs`` dict is read exactly when every binding of its name in the function is a dict
literal (or ``dict(k=v)``) with literal keys and every later store into it has a literal
key (``kwargs["stream"] = s``, ``kwargs.update(stream=s)``, ``kwargs.setdefault("k", v)``):
then a key it lacks is provably absent. Anything else about it makes it opaque.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from linter.python.analysis.flow import argument_exprs, function_calls
from linter.python.analysis.model import FuncRef, FunctionInfo
from linter.python.analysis.nodes import _walk_function, parameter_default

if TYPE_CHECKING:
    from linter.python.analysis.values import Values

Entries = dict[str, list[ast.expr]]
# How many names, parameters and attributes a dict is followed through.
_MAX_HOPS = 6


def flag_of(analysis: Values, call: ast.Call, name: str = "stream") -> tuple[str, str]:
    """("yes" | "no" | "maybe", the flag as the message shows it, e.g. ``stream=stream``)."""
    for item in call.keywords:
        if item.arg == name:
            verdict = _truth(analysis, item.value)
            return verdict, f"{name}={_text(analysis, item.value)}"
    for item in call.keywords:
        if item.arg is None:
            entries = kwargs_entries(analysis, item.value)
            partial = entries is None
            if partial:
                # A dict with literal keys that an opaque store changes too (``kwargs.
                # update(extra)``): the flag it sets may be overridden, so at most "maybe".
                entries = kwargs_entries(analysis, item.value, partial=True)
            if entries is None:
                continue  # opaque: nothing known (as before: not counted as streaming)
            values = entries.get(name)
            if not values:
                continue
            verdicts = {_truth(analysis, value) for value in values}
            verdict = "yes" if verdicts == {"yes"} else "no" if verdicts == {"no"} else "maybe"
            if partial:
                verdict = "no" if verdict == "no" else "maybe"
            return verdict, f"**{_text(analysis, item.value)} with {name!r}"
    if name == "stream":
        opaque = next((k.value for k in call.keywords if k.arg is None), None)
        tested = _tested_as_stream(analysis, call) if opaque is not None else ""
        if tested and opaque is not None:
            return "maybe", f"**{_text(analysis, opaque)}, tested with `isinstance(..., {tested})`"
    return "no", ""


def _tested_as_stream(analysis: Values, call: ast.Call) -> str:
    """``result = client.chat.completions.create(**config)`` whose flag is in an opaque
    ``**`` dict, then ``isinstance(result, openai.Stream)`` in the same function: the code
    itself says the call may stream. The stream class as shown ("" when not so tested)."""
    from linter.python.analysis.typed import stream_class

    statement = analysis.parent(call)
    if isinstance(statement, ast.Await):
        statement = analysis.parent(statement)
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return ""
    name = statement.targets[0].id
    scope = analysis.scope(call)
    for node in _walk_function(scope.node):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == name
        ):
            classes = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            for cls in classes:
                shown = stream_class(analysis, cls)
                if shown:
                    return shown
    return ""


def _truth(analysis: Values, expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant):
        return "yes" if expr.value else "no"
    if isinstance(expr, ast.Name) and not hasattr(expr, "lineno"):
        return "maybe"  # another module's value (``_remote_entries``' placeholder)
    if isinstance(expr, ast.Name):
        found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
        if found is not None and found[0] == "expr" and isinstance(found[1], ast.Constant):
            scope = found[2]
            if len(scope.bindings.get(expr.id, ())) == 1:
                return "yes" if found[1].value else "no"
    return "maybe"


def _text(analysis: Values, expr: ast.expr) -> str:
    text = " ".join(analysis.document.text_of(expr).split())
    return text if len(text) <= 40 else text[:37] + "..."


def kwargs_entries(
    analysis: Values, expr: ast.expr, seen: frozenset[str] = frozenset(), partial: bool = False
) -> Entries | None:
    """Key -> values of a ``**`` dict read exactly (see the module's note); None: opaque.
    ``partial``: what its literal bindings and stores put in it, past stores that cannot be
    read (a lower bound of its keys, never a proof that one is absent)."""
    if isinstance(expr, ast.Dict):
        return _literal_entries(expr)
    if len(seen) > _MAX_HOPS:
        return None
    if isinstance(expr, ast.Attribute):
        return self_entries(analysis, expr, seen)
    if isinstance(expr, ast.Call):
        return _bound_entries(analysis, expr, seen)  # ``**self._request_args()``
    if not isinstance(expr, ast.Name):
        return None
    found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
    if found is None:
        return None
    scope = found[2]
    key = f"{id(scope)}:{expr.id}"
    if key in seen:
        return {}  # handed back to itself (a retry passing its own ``args`` on): nothing new
    seen = seen | {key}
    entries: Entries = {}
    for _offset, kind, payload in scope.bindings.get(expr.id, ()):
        if kind == "param" or (kind == "unknown" and _gathers(scope, expr.id)):
            made = parameter_entries(analysis, scope, expr.id, seen)
        elif kind != "expr" or not isinstance(payload, ast.expr):
            return None
        else:
            made = _bound_entries(analysis, payload, seen)
        if made is None:
            return None
        for name, values in made.items():
            entries.setdefault(name, []).extend(values)
    nodes = ast.walk(analysis.tree) if scope.is_module else _walk_function(scope.node)
    if not _stores(
        analysis, nodes, lambda n: isinstance(n, ast.Name) and n.id == expr.id, entries, partial
    ):
        return None
    return entries


def _bound_entries(analysis: Values, payload: ast.expr, seen: frozenset[str]) -> Entries | None:
    """The entries of what an assignment binds: a dict literal, ``None`` (no dict: ``**``
    of it never runs), a copy of a dict read exactly (``self.args.copy()``, ``dict(d)``), or
    the one dict literal a function of the file returns."""
    if isinstance(payload, ast.Constant) and payload.value is None:
        return {}
    made = _made_entries(payload)
    if made is not None:
        return made
    if isinstance(payload, ast.Attribute):
        return kwargs_entries(analysis, payload, seen)
    if not isinstance(payload, ast.Call):
        return None
    func = payload.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "copy"
        and not payload.args
        and not payload.keywords
    ):
        return kwargs_entries(analysis, func.value, seen)
    if (
        isinstance(func, ast.Name)
        and func.id == "dict"
        and len(payload.args) == 1
        and not payload.keywords
        and isinstance(payload.args[0], (ast.Name, ast.Attribute))
    ):
        return kwargs_entries(analysis, payload.args[0], seen)
    # ``data = self._payload(query)``: the one dict literal a function of the file returns
    # (and nothing there changes it).
    returned = analysis.literal_dict(payload)
    if returned is None:
        return _returned_literals(analysis, payload)
    return _literal_entries(returned)


def _returned_literals(analysis: Values, call: ast.Call) -> Entries | None:
    """What a function of the file returns when every ``return`` of it hands out a dict
    literal of string keys (``if local: return {"api_base": host}`` / ``return {}``): each
    key with each value it may get. None for anything else."""
    found = analysis.value(call.func)
    if not isinstance(found, FuncRef):
        return None
    function = found.fn
    if not function.returns or function.is_generator:
        return None
    entries: Entries = {}
    for returned in function.returns:
        if not isinstance(returned, ast.Dict):
            return None
        made = _literal_entries(returned)
        if made is None:
            return None
        for name, values in made.items():
            entries.setdefault(name, []).extend(values)
    return entries


def parameter_entries(
    analysis: Values, function: FunctionInfo, name: str, seen: frozenset[str]
) -> Entries | None:
    """A parameter's dict, read exactly from every call of the function in this file (and
    its default): None when no call is found, or one passes something opaque."""
    remote = _remote_entries(analysis, function, name)
    if _gathers(function, name):
        local = _gathered_entries(analysis, function, seen)
        return _joined(local, remote)
    passed = argument_exprs(analysis, function, name)
    if passed is None:
        return None
    if not passed:
        return _joined(None, remote)
    entries: Entries = {}
    for arg in [*passed, *_default(function, name)]:
        made = _bound_entries(analysis, arg, seen) if not isinstance(arg, ast.Name) else None
        if isinstance(arg, ast.Name):
            made = kwargs_entries(analysis, arg, seen)
        if made is None:
            return None
        for key, values in made.items():
            entries.setdefault(key, []).extend(values)
    return _joined(entries, remote)


def _remote_entries(
    analysis: Values, function: FunctionInfo, name: str
) -> tuple[Entries, int] | None:
    """The keys other modules pass for the parameter (their values are theirs: a placeholder
    stands for each), and how many calls pass them; None when one passes something opaque."""
    from linter.python.analysis.remote_args import remote_arguments

    passed = remote_arguments(analysis, function, name)
    if passed is None:
        return {}, 0  # not asked of the tree (a method, a nested function): local calls decide
    entries: Entries = {}
    for argument in passed:
        if argument.keys is None:
            return None
        for key in argument.keys:
            entries.setdefault(key, []).append(ast.Name(id=f"<{argument.module}>"))
    return entries, len(passed)


def _joined(local: Entries | None, remote: tuple[Entries, int] | None) -> Entries | None:
    """Local and remote entries together: None when either is opaque, or when nothing calls
    the function at all (``local`` None and no remote call)."""
    if remote is None:
        return None
    entries, count = remote
    if local is None:
        return entries if count else None
    for key, values in entries.items():
        local.setdefault(key, []).extend(values)
    return local


def _gathers(function: FunctionInfo, name: str) -> bool:
    """``name`` is the function's ``**name``."""
    kwarg = getattr(getattr(function.node, "args", None), "kwarg", None)
    return kwarg is not None and kwarg.arg == name


def _gathered_entries(
    analysis: Values, function: FunctionInfo, seen: frozenset[str]
) -> Entries | None:
    """What ``**kwargs`` gathers: the keywords every call of the function in this file passes
    beyond its named parameters (a call's own ``**d`` is read as ``d`` is)."""
    calls = function_calls(analysis, function)
    if not calls:
        return None  # (other modules' calls may still fill it: ``_remote_entries``)
    args = function.node.args  # type: ignore[attr-defined]
    named = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    entries: Entries = {}
    for call in calls:
        for item in call.keywords:
            if item.arg is None:
                inner = kwargs_entries(analysis, item.value, seen)
                if inner is None:
                    return None
                for key, values in inner.items():
                    if key not in named:
                        entries.setdefault(key, []).extend(values)
            elif item.arg not in named:
                entries.setdefault(item.arg, []).append(item.value)
    return entries


def self_entries(
    analysis: Values, expr: ast.Attribute, seen: frozenset[str] = frozenset()
) -> Entries | None:
    """``self.args``: read exactly when every ``self.args = ...`` of the class binds a dict
    read exactly, and every store into it in the class has a literal key."""
    holder = expr.value
    scope = analysis.scope(expr)
    method = scope.method
    cls = method.cls if method is not None else None
    if not (isinstance(holder, ast.Name) and cls is not None and holder.id == method.self_name):  # type: ignore[union-attr]
        return None
    assigned = cls.self_attrs.get(expr.attr)
    key = f"{id(cls)}.{expr.attr}"
    if not assigned:
        return None
    if key in seen:
        return {}
    seen = seen | {key}
    entries: Entries = {}
    for value, _where in assigned:
        made = _bound_entries(analysis, value, seen)
        if made is None:
            return None
        for name, values in made.items():
            entries.setdefault(name, []).extend(values)

    def is_attr(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == expr.attr
            and isinstance(node.value, ast.Name)
            and node.value.id in _self_names(cls)
        )

    nodes = ast.walk(cls.node)
    if not _stores(analysis, nodes, is_attr, entries):
        return None
    return entries


def _self_names(cls: object) -> set[str]:
    methods = getattr(cls, "methods", {})
    return {m.self_name for m in methods.values() if m.self_name}


def _default(function: FunctionInfo, name: str) -> list[ast.expr]:
    """The default value of a parameter, if it has one."""
    found = parameter_default(function.node, name)
    return [found] if found is not None else []


def _stores(
    analysis: Values,
    nodes: Iterator[ast.AST],
    is_dict: Callable[[ast.AST], bool],
    entries: Entries,
    partial: bool = False,
) -> bool:
    """Add to ``entries`` what is stored into the dict (``d[k] = v``, ``d.update(...)``):
    False when a store is not readable (a computed key, ``d.clear()``), unless ``partial``
    (then it is passed over)."""
    for node in nodes:
        if not (isinstance(node, (ast.Subscript, ast.Attribute)) and is_dict(node.value)):
            continue
        if isinstance(node, ast.Subscript):
            if isinstance(node.ctx, ast.Load):
                continue
            index = node.slice
            if not (isinstance(index, ast.Constant) and isinstance(index.value, str)):
                if partial:
                    continue
                return False
            if isinstance(node.ctx, ast.Del):
                continue  # a key taken out: what it held no longer counts, nor does it add
            holder = analysis.parent(node)
            value = getattr(holder, "value", None)
            if not isinstance(value, ast.expr):
                if partial:
                    continue
                return False
            entries.setdefault(index.value, []).append(value)
            continue
        stored = _method_store(analysis, node)
        if stored is None:
            if partial:
                continue
            return False
        for key, values in stored.items():
            entries.setdefault(key, []).extend(values)
    return True


_READS = frozenset({"get", "items", "keys", "values", "copy"})


def _method_store(analysis: Values, node: ast.Attribute) -> Entries | None:
    """What ``d.update(...)``/``d.setdefault(k, v)`` stores (literal keys only); reads store
    nothing, nor does ``pop`` of a literal key; any other method (``clear``, an ``update`` of
    another dict) is opaque."""
    if node.attr in _READS:
        return {}
    call = analysis.parent(node)
    if not isinstance(call, ast.Call) or call.func is not node:
        return None
    if node.attr == "update":
        entries: Entries = {}
        for arg in call.args:
            made = _made_entries(arg)
            if made is None:
                return None
            entries.update(made)
        for item in call.keywords:
            if item.arg is None:
                return None
            entries.setdefault(item.arg, []).append(item.value)
        return entries
    if (
        node.attr == "pop"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    ):
        return {}  # a key taken out (as ``del d[k]``): it adds nothing
    if node.attr == "setdefault" and len(call.args) == 2:
        key = call.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return {key.value: [call.args[1]]}
    return None


def _made_entries(expr: ast.expr) -> Entries | None:
    if isinstance(expr, ast.Dict):
        return _literal_entries(expr)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "dict"
        and not expr.args
        and all(item.arg is not None for item in expr.keywords)
    ):
        return {item.arg: [item.value] for item in expr.keywords if item.arg is not None}
    return None


def _literal_entries(mapping: ast.Dict) -> Entries | None:
    entries: Entries = {}
    for key, value in zip(mapping.keys, mapping.values, strict=False):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None  # ``**other`` inside, or a computed key
        entries.setdefault(key.value, []).append(value)
    return entries
