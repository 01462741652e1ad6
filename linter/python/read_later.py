"""Streams a retry's attempt starts and hands out unread (returns them, or a generator over
them): the retry covers the call, never the reading (PY004)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.python.analysis import Analysis, FuncRef, Iteration, Stream, StreamStart, walk_function
from linter.python.chunks_shown import _FOLLOW_DEPTH
from linter.python.retries import RetryLoop, in_try_body
from linter.record import record


@record
class ReadLater:
    """A stream a retry loop's attempt starts and hands out (returns it, or a generator over
    it) without reading it: the retry covers the call, never the reading."""

    start: StreamStart
    read: Iteration | None  # where this file reads it later (None: returned as it is)


def streams_read_later(analysis: Analysis, retry: RetryLoop) -> Iterator[ReadLater]:
    """The streams ``retry``'s attempt starts and returns unread: the attempt ends in a
    ``return``, and the stream is that return's value, or every loop of this file over it
    is in a generator not run within the attempt (``return wrap(stream)``, ``wrap`` making
    a generator): it is read after the retry has handed it out."""
    attempt = retry.attempt
    returns = [
        node
        for statement in attempt.body
        for node in (statement, *walk_function(statement))
        if isinstance(node, ast.Return) and node.value is not None
    ]
    if not returns:
        return
    reached = _run_within(analysis, attempt)
    for start in analysis.starts:
        if not start.streaming or not in_try_body(analysis, attempt, start.call):
            continue
        reads = [it for it in analysis.iterations if it.stream is start]
        if any(
            in_try_body(analysis, attempt, it.node) or id(it.function.node) in reached
            for it in reads
        ):
            continue  # read within the attempt: the retry restarts it (PY005's business)
        for returned in returns:
            value = analysis.value(returned.value)
            if isinstance(value, Stream) and value.role == "stream" and value.start is start:
                yield ReadLater(start, None)
                break
        else:
            if reads and all(it.function.is_generator for it in reads):
                yield ReadLater(start, reads[0])


def _run_within(analysis: Analysis, attempt: ast.Try) -> set[int]:
    """The functions of this file that run while ``attempt``'s body runs: those it calls
    (and they call, a few deep), a generator only where its call is iterated there."""
    reached: set[int] = set()
    level: list[ast.AST] = list(attempt.body)
    for _depth in range(_FOLLOW_DEPTH):
        following: list[ast.AST] = []
        for body in level:
            nodes = (
                (body, *walk_function(body)) if isinstance(body, ast.stmt) else walk_function(body)
            )
            for node in nodes:
                if not isinstance(node, ast.Call):
                    continue
                callee = analysis.value(node.func)
                if not isinstance(callee, FuncRef) or id(callee.fn.node) in reached:
                    continue
                if callee.fn.is_generator and analysis.consumer_of(node) is node:
                    continue  # only made here: it runs where it is iterated
                reached.add(id(callee.fn.node))
                following.append(callee.fn.node)
        level = following
        if not level:
            break
    return reached
