"""Where a stream's chunks reach the user as they come (the yield or output call in a loop
body, and how a message names it), and the streams a retry's attempt reads through functions
of this file whose chunks are shown before the stream can be cut."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.python.analysis import Analysis, FuncRef, FunctionInfo, Iteration, walk_function
from linter.python.retries import RetryLoop
from linter.record import record

_FOLLOW_DEPTH = 3  # how many calls deep a retried call is followed to the stream it reads


def emits(node: ast.AST, analysis: Analysis | None = None) -> ast.AST | None:
    """The first yield or output call in a loop body: ``print``, ``.write``,
    ``.stream_token``, ``.put``, ``websocket.send_json``..., or a call of a function or method
    named ``*handler``, ``*callback`` or ``on_*`` (``callback(chunk)``, ``self.on_token(t)``):
    output the user has already seen when the stream is cut. With ``analysis``, a function of
    the file the body calls (``await self._send_output(text, websocket)``) counts when its
    own body shows what it is given that way (one call deep)."""
    helpers: list[ast.Call] = []
    for child in walk_function(node):
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return child
        if isinstance(child, ast.Call):
            if _output_call(child):
                return child
            if analysis is not None:
                helpers.append(child)
    for call in helpers:
        callee = analysis.value(call.func) if analysis is not None else None
        if (
            isinstance(callee, FuncRef)
            and not callee.fn.is_generator
            and any(
                isinstance(inner, ast.Call) and _output_call(inner)
                for inner in walk_function(callee.fn.node)
            )
        ):
            return call
    return None


def _output_call(call: ast.Call) -> bool:
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    if name == "print" and isinstance(func, ast.Name):
        return True
    if isinstance(func, ast.Attribute) and name in _OUTPUT_METHODS:
        return True
    lower = name.lower()
    return lower.endswith(("handler", "callback")) or lower.startswith("on_")


_OUTPUT_METHODS = frozenset(
    {"write", "stream_token", "put", "put_nowait", "markdown", "send"}
    | {"send_json", "send_text", "send_bytes"}  # a websocket's
)


def how_shown(shown: ast.AST) -> str:
    """How the chunks reached the user, for a message."""
    if isinstance(shown, (ast.Yield, ast.YieldFrom)):
        return "yielded"
    if isinstance(shown, ast.Call):
        if isinstance(shown.func, ast.Name) and shown.func.id == "print":
            return "printed"
        if isinstance(shown.func, ast.Attribute) and shown.func.attr in (
            "write",
            "markdown",
            "stream_token",
        ):
            return "written out"
        func = shown.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name:
            return f"handed to `{name}()`"
    return "passed on"


@record
class Reached:
    """A stream read through a call the retry's attempt makes: the iteration, the call in
    the attempt that leads to it, and the output already shown when it is cut."""

    iteration: Iteration
    call: ast.Call
    shown: ast.AST


def reached_streams(analysis: Analysis, retry: RetryLoop) -> Iterator[Reached]:
    """Streams the attempt reads through functions of this file it calls (nested ones too,
    up to three calls deep), whose chunks reach the user before the stream can be cut: a
    plain function that prints or hands them to a callback as they come, or a generator whose
    chunks the attempt's own loop yields or prints."""
    by_function: dict[int, list[Iteration]] = {}
    for iteration in analysis.iterations:
        by_function.setdefault(id(iteration.function.node), []).append(iteration)
    if not by_function:
        return
    for statement in retry.attempt.body:
        for node in (statement, *walk_function(statement)):
            if not isinstance(node, ast.Call):
                continue
            func = analysis.value(node.func)
            if not isinstance(func, FuncRef):
                continue
            consumer_shown: ast.AST | None = None
            if func.fn.is_generator:
                consumer = analysis.consumer_of(node)
                if isinstance(consumer, ast.YieldFrom):
                    consumer_shown = consumer
                elif isinstance(consumer, (ast.For, ast.AsyncFor)):
                    consumer_shown = emits(consumer, analysis)
                if consumer_shown is None:
                    continue  # the generator's chunks are buffered, or not read here
            for iteration in _iterations_within(analysis, func.fn, by_function):
                shown = consumer_shown
                if shown is None and iteration.what in ("for", "async for"):
                    shown = emits(iteration.node, analysis)
                if shown is not None:
                    yield Reached(iteration, node, shown)


def _iterations_within(
    analysis: Analysis, function: FunctionInfo, by_function: dict[int, list[Iteration]]
) -> list[Iteration]:
    """Stream iterations in ``function`` and in the functions of this file it calls (a
    generator only where its call is iterated: one only made and returned runs later,
    outside the retry)."""
    found: list[Iteration] = []
    seen = {id(function.node)}
    level = [function]
    for _depth in range(_FOLLOW_DEPTH):
        following: list[FunctionInfo] = []
        for current in level:
            found.extend(by_function.get(id(current.node), ()))
            for node in walk_function(current.node):
                if isinstance(node, ast.Call):
                    callee = analysis.value(node.func)
                    if isinstance(callee, FuncRef) and id(callee.fn.node) not in seen:
                        if callee.fn.is_generator and not isinstance(
                            analysis.consumer_of(node), (ast.For, ast.AsyncFor, ast.YieldFrom)
                        ):
                            continue
                        seen.add(id(callee.fn.node))
                        following.append(callee.fn)
        level = following
        if not level:
            break
    return found
