"""A function run in another thread: ``threading.Thread(target=produce)``,
``asyncio.to_thread(produce)``, ``loop.run_in_executor(None, produce)``,
``executor.submit(produce)``. No ``try`` around the starting call can catch what the function
raises: a ``threading.Thread`` ends with it (``threading.excepthook`` prints it, no caller sees
it), so the function's loop is judged inside the function alone; the others hold it in the
future they return, and it comes out where that future is awaited or its ``result()`` read,
which is then the guard (as for an asyncio task, ``tasks``).

A producer thread usually feeds a queue that a generator on the other side reads: when the
thread dies mid-stream, that reader either waits forever (nothing puts the end marker) or takes
the marker a ``finally`` puts and ends the answer as if it were complete. Messages say which.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import FuncRef, FunctionInfo, Sym, Verdict
from linter.python.analysis.nodes import _TRIES, _walk_function, keyword
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.guards import Guards

_THREADS = frozenset({"threading.Thread", "threading.Timer"})
_FUTURES = frozenset({"asyncio.to_thread"})
_RETRIEVERS = frozenset({"result", "exception"})
_PUTS = frozenset({"put", "put_nowait"})
_STARTERS = frozenset({"create_task", "ensure_future", "wrap_future"})
# The last names of _THREADS and _FUTURES, and the executor methods _started looks at.
_STARTED_NAMES = ("Thread", "Timer", "to_thread")
_EXECUTOR_METHODS = frozenset({"run_in_executor", "submit"})


def thread_verdict(
    analysis: Guards,
    function: FunctionInfo,
    client: K.Client,
    raised: tuple[Raised, ...],
    depth: int,
) -> Verdict | None:
    """How a function the file runs in a thread is guarded; None when it is not started as
    one here (or what becomes of its future cannot be followed)."""
    for call, how, target in _thread_starts(analysis):
        if not _refers_to(analysis, target, function):
            continue
        if how == "thread":
            fate = _queue_fate(function)
            text = "threading.Thread" if _target(call) is not None else "a thread"
            why = (
                f"{function.name}() runs in a thread (`{text}` on line {call.lineno}): what it "
                f"raises ends the thread, and no caller's try sees it{fate}"
            )
            return Verdict(False, why=why, line=call.lineno)
        place = _retrieved(analysis, call)
        if place is None:
            return None
        verdict = analysis.guard_of(place, client, raised, depth + 1)
        at = getattr(place, "lineno", call.lineno)
        if verdict.guarded:
            guard = (
                f"its thread's outcome, taken on line {at} under {verdict.guard}"
                if verdict.guard
                else f"its thread's outcome, taken on line {at}"
            )
            return Verdict(True, guard=guard, line=verdict.line)
        why = (
            f"{function.name}() runs in a thread (line {call.lineno}) whose outcome is taken on "
            f"line {at}, where nothing catches it ({verdict.why})"
        )
        return Verdict(False, why=why, line=at, handed=verdict.handed)
    return None


def _target(call: ast.Call) -> ast.expr | None:
    return keyword(call, "target") or keyword(call, "function")


def _thread_starts(analysis: Guards) -> list[tuple[ast.Call, str, ast.expr]]:
    """The file's calls that start a function in a thread, in order, with how ("thread":
    a ``threading.Thread``; "future": a thread whose outcome a future holds) and the target
    they start. Found once per file: each function's verdict asks for them."""
    found = analysis.thread_starts
    if found is None:
        found = analysis.thread_starts = []
        # A call's function can only be one of _THREADS or _FUTURES when the file spells
        # its name (an import, an attribute): where it does not, only ``.run_in_executor``
        # and ``.submit`` calls are looked at, and the value of every other call's function
        # is not worked out for nothing (36,000 calls on the benchmark's corpus).
        text = analysis.document.source.text
        named = any(name in text for name in _STARTED_NAMES)
        for call in analysis.calls:
            if not named:
                func = call.func
                if type(func) is not ast.Attribute or func.attr not in _EXECUTOR_METHODS:
                    continue
            started = _started(analysis, call)
            if started is not None:
                found.append((call, *started))
    return found


def _started(analysis: Guards, call: ast.Call) -> tuple[str, ast.expr] | None:
    """How ``call`` starts a function in a thread, and its target; None when it does not."""
    func = analysis.value(call.func)
    path = func.path if isinstance(func, Sym) else ""
    target: ast.expr | None = None
    kind = ""
    if path in _THREADS:
        target = _target(call) if path == "threading.Thread" else None
        if path == "threading.Timer" and len(call.args) > 1:
            target = call.args[1]
        kind = "thread"
    elif path in _FUTURES and call.args:
        target, kind = call.args[0], "future"
    elif isinstance(call.func, ast.Attribute):
        if call.func.attr == "run_in_executor" and len(call.args) > 1:
            target, kind = call.args[1], "future"
        elif call.func.attr == "submit" and call.args and _threads_imported(analysis):
            target, kind = call.args[0], "future"
    if target is None:
        return None
    return kind, target


def _threads_imported(analysis: Guards) -> bool:
    return bool({"concurrent", "threading", "asyncio"} & analysis.imported_roots())


def _refers_to(analysis: Guards, node: ast.expr, function: FunctionInfo) -> bool:
    """The target is the function: by name, as the lambda itself, or wrapped in
    ``functools.partial(f, ...)``."""
    if node is function.node:
        return True  # ``run_in_executor(None, lambda: produce(q))``
    if isinstance(node, ast.Call) and node.args:
        wrapper = analysis.value(node.func)
        if isinstance(wrapper, Sym) and wrapper.path == "functools.partial":
            node = node.args[0]
    value = analysis.value(node)
    return isinstance(value, FuncRef) and value.fn is function


def _retrieved(analysis: Guards, call: ast.Call) -> ast.AST | None:
    """Where the future ``call`` returns gives up its outcome: ``await`` of it (directly, or
    of a task made of it, bound to a name first), or its ``.result()``. None when it goes
    somewhere else, or several places."""
    node: ast.AST = call
    for _ in range(4):
        stands, place = _outcome_taken(analysis, node)
        if stands:
            return place
        parent = analysis.parent(node)
        if (
            isinstance(parent, ast.Call)
            and parent.args
            and parent.args[0] is node
            and isinstance(parent.func, ast.Attribute | ast.Name)
            and getattr(parent.func, "attr", getattr(parent.func, "id", "")) in _STARTERS
        ):
            node = parent  # ``asyncio.create_task(asyncio.to_thread(f))``: the task holds it
            continue
        if not (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            return None
        name = parent.targets[0].id
        scope = analysis.scope(parent)
        uses = [
            load
            for load in analysis.name_loads.get(name, ())
            if analysis.scope(load) is scope and load.lineno >= parent.lineno
        ]
        if len(uses) != 1:
            return None
        node = uses[0]
        stands, place = _outcome_taken(analysis, node)
        if stands:
            return place
    return None


def _outcome_taken(analysis: Guards, node: ast.AST) -> tuple[bool, ast.AST | None]:
    """Whether ``node`` (a future, or a name holding one) gives up its outcome right where it
    stands, and where: the ``await`` of it, or the call of its ``.result()`` (None when that
    attribute is not called)."""
    parent = analysis.parent(node)
    if isinstance(parent, ast.Await):
        return True, parent
    if isinstance(parent, ast.Attribute) and parent.attr in _RETRIEVERS:
        outer = analysis.parent(parent)
        return True, outer if isinstance(outer, ast.Call) else None
    return False, None


def _queue_fate(function: FunctionInfo) -> str:
    """What the reader of the queue the thread feeds sees when it dies mid-stream."""
    puts: list[ast.AST] = []
    for node in _walk_function(function.node):
        if not isinstance(node, ast.Call):
            continue
        called = node.func
        if isinstance(called, ast.Attribute) and called.attr in _PUTS:
            puts.append(node)
        elif any(isinstance(a, ast.Attribute) and a.attr in _PUTS for a in node.args):
            puts.append(node)  # ``loop.call_soon_threadsafe(queue.put_nowait, item)``
    if not puts:
        return ""
    for node in _walk_function(function.node):
        if isinstance(node, _TRIES) and any(
            put is inner for put in puts for part in node.finalbody for inner in ast.walk(part)
        ):
            return (
                "; the reader of its queue takes the end marker its `finally` puts, and ends "
                "the answer as if it were complete"
            )
    return (
        "; the reader waiting on its queue waits forever: nothing puts an end marker when the "
        "thread dies"
    )
