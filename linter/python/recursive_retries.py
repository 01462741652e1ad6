"""Retries written as recursion: a function that calls an LLM and, when that fails, calls
itself again (``except ...: time.sleep(5); return self.reply(session, retry_count + 1)``).
The counterpart of ``retries.retry_loops`` for PY007; a loop is not needed for a retry."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, FuncRef, FunctionInfo, walk_function
from linter.record import record

# Parameter names that count attempts: a recursive call passing one of them plus one is a
# retry (``reply(session, retry_count + 1)``), not a continuation (a tool-call round).
_COUNTER_WORDS = ("retr", "attempt", "tries", "tried")


@record
class RecursiveRetry:
    function: FunctionInfo
    call: ast.Call  # the LLM call the function makes
    again: ast.Call  # the function calling itself
    handler: ast.ExceptHandler | None  # the handler it is in, when it is in one
    counters: frozenset[str]  # the function's attempt-counting parameters


def recursive_retries(analysis: Analysis, llm_calls: list[ast.Call]) -> list[RecursiveRetry]:
    """Each place where a function of the file that makes one of ``llm_calls`` (inside a
    ``try``) calls itself again: from a handler of that ``try``, or after the call with an
    attempt counter plus one."""
    first: dict[int, ast.Call] = {}
    if not may_recur(analysis):
        return []
    for call in sorted(llm_calls, key=lambda c: (c.lineno, c.col_offset)):
        function = analysis.enclosing_function(call)
        if not function.is_generator and not function.is_test and _in_try(analysis, call):
            first.setdefault(id(function.node), call)
    if not first:
        return []
    found: list[RecursiveRetry] = []
    for function in analysis.functions:
        made = first.get(id(function.node))
        if made is None:
            continue
        counters = _counters(function)
        for node in walk_function(function.node):
            if not (isinstance(node, ast.Call) and node is not made and node.lineno >= made.lineno):
                continue
            value = analysis.value(node.func)
            if not (isinstance(value, FuncRef) and value.fn is function):
                continue
            handler = _handler_of(analysis, node, made)
            if handler is None and not _counts_up(node, counters):
                continue
            found.append(RecursiveRetry(function, made, node, handler, counters))
    return found


def may_recur(analysis: Analysis) -> bool:
    """Some function of the file calls a function of its own name from inside itself (the
    cheap test, from the file's call index, before anything is resolved)."""
    return any(_may_recur(analysis, function) for function in analysis.functions)


def _may_recur(analysis: Analysis, function: FunctionInfo) -> bool:
    if not isinstance(function.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    calls = analysis.name_calls.get(function.name, []) + analysis.attr_calls.get(function.name, [])
    end = function.node.end_lineno or function.node.lineno
    return any(function.node.lineno < call.lineno <= end for call in calls)


def _in_try(analysis: Analysis, call: ast.Call) -> bool:
    for ancestor, child in analysis.ancestors(call):
        if isinstance(ancestor, ast.Try) and any(child is s for s in ancestor.body):
            return True
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def _handler_of(analysis: Analysis, node: ast.AST, call: ast.Call) -> ast.ExceptHandler | None:
    """The handler ``node`` is in, of a ``try`` whose body holds ``call``."""
    for ancestor, _child in analysis.ancestors(node):
        if isinstance(ancestor, ast.ExceptHandler):
            attempt = analysis.parent(ancestor)
            if isinstance(attempt, ast.Try) and any(
                call is inner for s in attempt.body for inner in ast.walk(s)
            ):
                return ancestor
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return None
    return None


def _counters(function: FunctionInfo) -> frozenset[str]:
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return frozenset()
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    return frozenset(n for n in names if any(word in n.lower() for word in _COUNTER_WORDS))


def _counts_up(call: ast.Call, counters: frozenset[str]) -> bool:
    """An argument of ``call`` is an attempt counter plus one."""
    for argument in (*call.args, *(k.value for k in call.keywords)):
        if (
            isinstance(argument, ast.BinOp)
            and isinstance(argument.op, ast.Add)
            and isinstance(argument.left, ast.Name)
            and argument.left.id in counters
        ):
            return True
    return False


def path_to(analysis: Analysis, again: ast.Call, function: FunctionInfo) -> list[ast.AST]:
    """The statements that run before the recursive call on its way from the failure: the
    blocks that enclose it inside the function, each up to the statement holding it (a
    sleep in any of them delays the next attempt)."""
    region: list[ast.AST] = []
    child: ast.AST = again
    for ancestor, _ in analysis.ancestors(again):
        for field in ("body", "orelse", "handlers", "finalbody"):
            block = getattr(ancestor, field, None)
            if not isinstance(block, list) or not any(s is child for s in block):
                continue
            if isinstance(ancestor, ast.Try) and field in ("body", "handlers"):
                break  # the attempt itself, or the other handlers: not on the way
            for statement in block:
                if statement is child:
                    break
                region.append(statement)
            break
        if ancestor is function.node:
            break
        child = ancestor
    return region
