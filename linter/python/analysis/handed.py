"""A function handed uncalled to another function of the project (``wrap(update, _execute)``,
``self._smooth(make_stream)``): judged where that function calls its parameter, under its
guards and its callers'; a closure a factory returns has callers not known."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.consumers import _items
from linter.python.analysis.model import FuncRef, FunctionInfo, Verdict
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.guards import Guards


def handed_verdicts(
    analysis: Guards,
    function: FunctionInfo,
    client: K.Client,
    raised: tuple[Raised, ...],
    depth: int,
    seen: frozenset[int],
) -> list[tuple[str, Verdict]] | None:
    """``function`` handed uncalled to a function of the project, which calls its
    parameter: (where, the verdict at each such call). None when the function it is
    handed to cannot be followed (its callers are then not known). Empty when it goes
    to a library too (a thread, a framework: the last consumer, judged where it is)."""
    if function.cls is not None:
        return []
    found: list[tuple[str, Verdict]] = []
    inner = seen | {id(function.node)}
    for load in analysis.name_loads.get(function.name, ()):
        parent = analysis.parent(load)
        keyword = parent if isinstance(parent, ast.keyword) else None
        if keyword is not None:
            parent = analysis.parent(keyword)
        if not isinstance(parent, ast.Call) or parent.func is load:
            continue
        if not analysis._refers_to(load, function):
            continue
        callee = analysis.value(parent.func)
        if isinstance(callee, FuncRef):
            calls = parameter_calls(analysis, callee.fn, parent, load, keyword)
            if not calls:
                return None
            for call in calls:
                where = f"{callee.fn.name}() (line {call.lineno})"
                found.append((where, analysis.guard_of(call, client, raised, depth + 1, inner)))
            continue
        remote = analysis.remote_callee(parent)
        project = analysis.document.project
        if remote is None or project is None:
            if _on_self(parent.func):
                return None
            return []  # a library's: the old judgement stands
        with project._analysis(remote[0]) as other:
            target = None if other is None else module_function(other, remote[1])
            if other is None or target is None:
                return None
            calls = parameter_calls(other, target, parent, load, keyword)
            if not calls:
                return None
            module = project.module_name(remote[0])
            for call in calls:
                where = f"{target.name}() of {module} (line {call.lineno})"
                verdict = other.guard_of(call, client, raised, depth + 1, inner)
                found.append((where, verdict))
    return found


def module_function(analysis: Guards, name: str) -> FunctionInfo | None:
    """The module-level function ``name`` of this file, if it has exactly one."""
    found = [f for f in analysis.functions if f.name == name and f.parent is analysis.module]
    return found[0] if len(found) == 1 else None


def parameter_calls(
    analysis: Guards,
    callee: FunctionInfo,
    call: ast.Call,
    argument: ast.expr,
    keyword: ast.keyword | None,
) -> list[ast.Call]:
    """The calls, in ``callee``, of the parameter that ``argument`` of ``call`` fills."""
    node = callee.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if callee.cls is not None and isinstance(call.func, ast.Attribute) and params:
        params = params[1:]  # ``analysis.m(x)``: x fills the parameter after self
    if keyword is not None:
        name = keyword.arg
        if name not in params and name not in {a.arg for a in node.args.kwonlyargs}:
            return []
    else:
        if argument not in call.args:
            return []
        index = call.args.index(argument)
        if index >= len(params) or any(isinstance(a, ast.Starred) for a in call.args[:index]):
            return []
        name = params[index]
    return [
        c
        for c in analysis.name_calls.get(name or "", ())
        if analysis.scope(c) is callee or _inside(analysis.scope(c), callee)
    ]


def returned_by_parent(function: FunctionInfo) -> bool:
    """A nested function its enclosing function returns by name (a factory's product)."""
    parent = function.parent
    if parent is None or parent.is_module:
        return False
    return any(
        isinstance(elt, ast.Name) and elt.id == function.name
        for returned in parent.returns
        for elt in _items(returned)
    )


def _on_self(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "self"
    )


def _inside(scope: FunctionInfo, outer: FunctionInfo) -> bool:
    """``scope`` is a function nested in ``outer`` (a closure of it)."""
    parent = scope.parent
    while parent is not None:
        if parent is outer:
            return True
        parent = parent.parent
    return False


def remote_reader(
    analysis: Guards, node: ast.AST, client: K.Client, raised: tuple[Raised, ...]
) -> Verdict | None:
    """A stream or generator created as an argument of another module's function
    (``to_sse(astream_state(...))``) that iterates its parameter inside a ``try`` catching
    a cut there: that function's guard is the guard. None when it cannot be shown."""
    if not isinstance(node, ast.Call):
        return None
    parent = analysis.parent(node)
    keyword = parent if isinstance(parent, ast.keyword) else None
    if keyword is not None:
        parent = analysis.parent(keyword)
    if not isinstance(parent, ast.Call) or parent.func is node:
        return None
    project = analysis.document.project
    remote = analysis.remote_callee(parent) if project is not None else None
    if remote is None or project is None:
        return None
    if keyword is not None:
        where: int | str | None = keyword.arg
    elif any(isinstance(a, ast.Starred) for a in parent.args):
        return None
    else:
        where = next(i for i, a in enumerate(parent.args) if a is node)
    if where is None:
        return None
    key = (*remote, str(where), client.name)
    memo = project.reader_guards
    if key not in memo:
        memo[key] = None  # (a cycle gives nothing)
        with project._analysis(remote[0]) as other:
            target = None if other is None else module_function(other, remote[1])
            if other is not None and target is not None:
                memo[key] = _parameter_guard(other, target, where, client, raised)
    guard = memo[key]
    if guard is None:
        return None
    module = project.module_name(remote[0])
    return Verdict(True, guard=f"{guard} in {remote[1]}() of {module}", read_there=True)


def _parameter_guard(
    analysis: Guards,
    target: FunctionInfo,
    where: int | str,
    client: K.Client,
    raised: tuple[Raised, ...],
) -> str | None:
    """The guard around the first place ``target`` iterates the parameter at ``where`` (a
    position or a keyword), within ``target`` alone; None when unguarded or not iterated."""
    node = target.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if isinstance(where, int):
        if where >= len(params):
            return None
        name = params[where]
    elif where in params or where in {a.arg for a in node.args.kwonlyargs}:
        name = where
    else:
        return None
    consumer = analysis._consumer_of_name(name, node, target)
    if consumer is None:
        return None
    verdict = analysis.guard_of(consumer, client, raised, local=True)
    return verdict.guard if verdict.guarded else None
