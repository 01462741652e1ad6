"""What the other modules of the tree pass for a parameter of a module-level function: the
keys of the dict each call passes (or the keywords ``**kwargs`` gathers), and whether it
passes ``None``. A helper of ``llm.py`` that forwards its ``**kwargs`` (or its ``payload``) to
a generation call is filled in the modules that call it; what they pass decides whether the
generation has a cap. Only names and lines are kept (never another file's tree), found through
the project's importers as the stream consumers are (``project``).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python.analysis.model import FunctionInfo
from linter.python.analysis.stream_functions import exported
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis.values import Values


@record
class PassedArgument:
    """One call in another module: where, the keys of the dict it passes (None: opaque), and
    whether it passes ``None`` itself."""

    module: str
    line: int
    keys: frozenset[str] | None
    none: bool = False
    # The keys whose value is a literal constant there (``"stream": False``), with it.
    constants: tuple[tuple[str, object], ...] = ()


def remote_arguments(
    analysis: Values, function: FunctionInfo, name: str
) -> list[PassedArgument] | None:
    """The calls of module-level ``function`` in the other modules of the tree, and what each
    passes for its parameter ``name`` (its ``**name``: the keywords beyond the named ones).
    None when nothing can be known (no project, not module-level, a call that cannot be
    read for it); an empty list when no other module calls it."""
    project = analysis.document.project
    node = function.node
    if project is None or not exported(function):
        return None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    path = analysis.document.path
    memo = project.remote_arguments
    key = (path, function.name, name)
    if key in memo:
        return memo[key]
    memo[key] = None  # (a cycle gives nothing)
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    named = {*positional, *(a.arg for a in args.kwonlyargs)}
    gathered = args.kwarg is not None and args.kwarg.arg == name
    if not gathered and name not in named:
        return None
    found: list[PassedArgument] = []
    wanted = (path, function.name)
    for importer in project.importers(path):
        if wanted not in project._callees(importer):
            continue
        with project._analysis(importer) as other:
            if other is None:
                return None
            module = project.module_name(importer)
            for call in other.calls:
                if other.remote_callee(call) != wanted or other.scope(call).is_test:
                    continue
                if gathered:
                    keys = _gathered_keys(other, call, named)
                    found.append(PassedArgument(module, call.lineno, keys))
                    continue
                arg = _argument(call, name, positional)
                if arg is _UNREADABLE:
                    return None
                if arg is None:
                    continue  # left to its default
                assert isinstance(arg, ast.expr)
                none = isinstance(arg, ast.Constant) and arg.value is None
                keys, constants = _dict_keys(other, arg)
                found.append(PassedArgument(module, call.lineno, keys, none, constants))
    memo[key] = found
    return found


_UNREADABLE = object()


def _argument(call: ast.Call, name: str, positional: list[str]) -> object:
    """The expression ``call`` passes for ``name`` (None: none, ``_UNREADABLE``: a ``*args``
    or ``**kwargs`` of the call may hold it)."""
    for item in call.keywords:
        if item.arg == name:
            return item.value
    if name in positional:
        index = positional.index(name)
        if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return _UNREADABLE
        if index < len(call.args):
            return call.args[index]
    if any(item.arg is None for item in call.keywords):
        return _UNREADABLE
    return None


def _dict_keys(
    analysis: Values, arg: ast.expr
) -> tuple[frozenset[str] | None, tuple[tuple[str, object], ...]]:
    """The keys of the dict ``arg`` is (None: not readable), and its constant values."""
    from linter.python.analysis.flags import kwargs_entries

    mapping = analysis.literal_dict(arg, removals=True)
    if mapping is not None:
        keys = set()
        constants = []
        for key, value in zip(mapping.keys, mapping.values, strict=False):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None, ()
            keys.add(key.value)
            if isinstance(value, ast.Constant):
                constants.append((key.value, value.value))
        return frozenset(keys), tuple(constants)
    entries = kwargs_entries(analysis, arg)
    return (None if entries is None else frozenset(entries)), ()


def _gathered_keys(analysis: Values, call: ast.Call, named: set[str]) -> frozenset[str] | None:
    from linter.python.analysis.flags import kwargs_entries

    keys: set[str] = set()
    for item in call.keywords:
        if item.arg is None:
            entries = kwargs_entries(analysis, item.value)
            if entries is None:
                return None
            keys.update(k for k in entries if k not in named)
        elif item.arg not in named:
            keys.add(item.arg)
    return frozenset(keys)
