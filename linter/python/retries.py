"""Retry loops around LLM calls: a ``for``/``while`` loop holding a ``try`` whose success path
leaves the loop (``break``/``return``) and whose handler lets the loop go round again."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.python.analysis import Analysis, children, walk_function
from linter.python.record import record

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@record
class RetryLoop:
    loop: ast.For | ast.AsyncFor | ast.While
    attempt: ast.Try
    handlers: tuple[ast.ExceptHandler, ...]  # the ones that go round again


def _inside(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes under ``node`` in the same function, not in nested functions or classes."""
    stack = list(children(node))
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, _SCOPES):
            stack.extend(children(current))


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Statements and expressions of ``body`` that belong to this loop level: nested loops
    and functions are not looked into (their ``break`` is theirs)."""
    stack: list[ast.AST] = list(body)
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (*_LOOPS, *_SCOPES)):
            continue
        stack.extend(children(current))


def _goes_round(handler: ast.ExceptHandler) -> bool:
    """The handler does not end the loop: its last statement is not raise/return/break."""
    last = handler.body[-1] if handler.body else None
    return not isinstance(last, (ast.Raise, ast.Return, ast.Break))


def retry_loops(analysis: Analysis) -> list[RetryLoop]:
    """The file's retry loops, computed once (only files with an LLM call have any)."""
    cached = getattr(analysis, "_retry_loops", None)
    if cached is not None:
        return cached
    found: list[RetryLoop] = []
    if analysis.starts:
        for node in analysis.statement_loops:
            found.extend(_attempts(node))
    analysis._retry_loops = found  # type: ignore[attr-defined]
    return found


def _attempts(loop: ast.For | ast.AsyncFor | ast.While) -> Iterator[RetryLoop]:
    own = list(_own_statements(loop.body))
    for child in own:
        if not isinstance(child, ast.Try) or not child.handlers:
            continue
        inside = {id(n) for n in _inside(child)}
        exits = any(
            isinstance(n, (ast.Break, ast.Return))
            for n in _own_statements(child.body + child.orelse)
        ) or any(isinstance(n, (ast.Break, ast.Return)) and id(n) not in inside for n in own)
        if not exits:
            continue
        going = tuple(h for h in child.handlers if _goes_round(h))
        if going:
            yield RetryLoop(loop, child, going)


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(n is inner for n in _inside(outer))


def emits(node: ast.AST) -> ast.AST | None:
    """The first yield or output call (print, ``.write``, ``.stream_token``, ``.put``) in a
    loop body: output the user has already seen when the stream is cut."""
    for child in walk_function(node):
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return child
        if isinstance(child, ast.Call):
            func = child.func
            if isinstance(func, ast.Name) and func.id == "print":
                return child
            if isinstance(func, ast.Attribute) and func.attr in (
                "write",
                "stream_token",
                "put",
                "put_nowait",
                "markdown",
                "send",
            ):
                return child
    return None
