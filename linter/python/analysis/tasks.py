"""A coroutine started as an asyncio task: ``task = asyncio.create_task(consume())``. What it
raises does not reach the code around ``create_task``: it is held by the task, and comes out
where the task is awaited (``await task``, ``task.result()``), or in a done-callback that
retrieves it (``task.add_done_callback(cb)`` with ``cb`` calling ``future.exception()`` or
``future.result()``). Those places are the guard of the coroutine's loop.

A done-callback that retrieves the exception counts as a handler: the task's failure is seen
and dealt with there (logged, the reader woken), as an ``except Exception:`` that logs is.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import FuncRef, Sym, Verdict
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.guards import Guards

_STARTERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_LOOP_STARTERS = frozenset({"create_task", "ensure_future"})
_RETRIEVERS = frozenset({"result", "exception"})


def task_verdict(
    analysis: Guards, node: ast.AST, client: K.Client, raised: tuple[Raised, ...], depth: int
) -> Verdict | None:
    """The guard of a coroutine call ``node`` that is started as a task and bound to a name,
    judged where the task's outcome is retrieved; None when ``node`` is not such a call or
    what becomes of the task cannot be told (stored, returned, passed on)."""
    if not isinstance(node, ast.Call):
        return None
    starter = analysis.parent(node)
    if not (isinstance(starter, ast.Call) and starter.args and starter.args[0] is node):
        return None
    if not _starts_task(analysis, starter):
        return None
    holder = analysis.parent(starter)
    if isinstance(holder, ast.Expr) and _module_starter(analysis, starter):
        # ``asyncio.create_task(consume())`` as a statement: the task is dropped at once, and
        # what it raises is never retrieved (asyncio only logs "Task exception was never
        # retrieved"); no ``try`` around the call sees it. (A task group's ``tg.create_task``
        # is not this: the group raises its tasks' errors where its ``async with`` ends.)
        return Verdict(
            False,
            why=f"it runs as a task (line {starter.lineno}) whose outcome nothing retrieves",
            line=0,
        )
    if not (
        isinstance(holder, ast.Assign)
        and len(holder.targets) == 1
        and isinstance(holder.targets[0], ast.Name)
    ):
        return None
    name = holder.targets[0].id
    scope = analysis.scope(starter)
    uses = sorted(
        (
            load
            for load in analysis.name_loads.get(name, ())
            if analysis.scope(load) is scope and load.lineno >= starter.lineno
        ),
        key=lambda load: (load.lineno, load.col_offset),
    )
    if not uses:
        return Verdict(
            False, why=f"it runs as a task (line {starter.lineno}) that nothing awaits", line=0
        )
    unguarded: Verdict | None = None
    for use in uses:
        parent = analysis.parent(use)
        place: ast.AST | None = None
        if isinstance(parent, ast.Await):
            place = parent
        elif isinstance(parent, ast.Attribute) and parent.attr in _RETRIEVERS:
            place = analysis.parent(parent)
        elif isinstance(parent, ast.Attribute) and parent.attr == "add_done_callback":
            call = analysis.parent(parent)
            if isinstance(call, ast.Call) and call.args and _retrieves(analysis, call.args[0]):
                return Verdict(
                    True,
                    guard=f"the done-callback of its task (line {call.lineno}) retrieves what "
                    f"it raises",
                    line=call.lineno,
                )
            continue
        elif isinstance(parent, ast.Attribute):
            continue  # ``task.cancel()``, ``task.done()``: nothing comes out there
        else:
            return None  # the task goes somewhere this cannot follow
        if place is None:
            continue
        verdict = analysis.guard_of(place, client, raised, depth + 1)
        if verdict.guarded:
            return Verdict(
                True,
                guard=f"its task, awaited on line {use.lineno} under {verdict.guard}",
                line=verdict.line,
            )
        unguarded = unguarded or verdict
    if unguarded is not None:
        return unguarded
    return None


def _module_starter(analysis: Guards, call: ast.Call) -> bool:
    """``asyncio.create_task(...)`` / ``asyncio.ensure_future(...)`` themselves (not a
    method of a task group or loop the file holds)."""
    func = analysis.value(call.func)
    return isinstance(func, Sym) and func.path in _STARTERS


def _starts_task(analysis: Guards, call: ast.Call) -> bool:
    func = analysis.value(call.func)
    if isinstance(func, Sym) and func.path in _STARTERS:
        return True
    # ``loop.create_task(coro)``, ``asyncio.get_running_loop().create_task(coro)``
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in _LOOP_STARTERS
        and len(call.args) == 1
        and "asyncio" in analysis.imported_roots()
    )


def _retrieves(analysis: Guards, callback: ast.expr) -> bool:
    """The callback (a function of the file) calls ``.exception()`` or ``.result()`` on the
    future it is given."""
    value = analysis.value(callback)
    if not isinstance(value, FuncRef):
        return False
    node = value.fn.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return False
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if not params:
        return False
    future = params[-1]  # a bound method's future comes after ``self``
    return any(
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Attribute)
        and inner.func.attr in _RETRIEVERS
        and isinstance(inner.func.value, ast.Name)
        and inner.func.value.id == future
        for inner in ast.walk(node)
    )
