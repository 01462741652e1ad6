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


_CONDITIONAL = (
    ast.If,
    ast.IfExp,
    ast.ExceptHandler,
    *([ast.match_case] if hasattr(ast, "match_case") else []),
)


def unconditional(analysis: Analysis, attempt: ast.Try, node: ast.AST) -> bool:
    """``node`` runs on every pass through the attempt's ``try`` body: no ``if``, conditional
    expression, ``match`` case or handler lies between them (loops may)."""
    for ancestor, _child in analysis.ancestors(node):
        if ancestor is attempt:
            return True
        if isinstance(ancestor, _CONDITIONAL):
            return False
    return False


def _changed_names(loop: ast.AST) -> set[str]:
    """Names a stream loop's body changes: assigned, augmented, or appended to."""
    names: set[str] = set()
    for node in walk_function(loop):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.attr in ("append", "extend", "write", "add")
        ):
            names.add(node.func.value.id)
    return names


def retries_only_before_output(retry: RetryLoop, stream_loop: ast.AST) -> bool:
    """Every handler that goes round first checks something the stream loop changes (a
    ``yielded_any`` flag, the chunks received) and leaves the loop when it is set: the
    retry happens only while nothing was shown yet."""
    changed = _changed_names(stream_loop)
    if not changed:
        return False
    for handler in retry.handlers:
        checked = False
        for node in walk_function(handler):
            if (
                isinstance(node, ast.If)
                and node.body
                and isinstance(node.body[-1], (ast.Raise, ast.Return, ast.Break))
                and any(isinstance(n, ast.Name) and n.id in changed for n in ast.walk(node.test))
            ):
                checked = True
                break
        if not checked:
            return False
    return True


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
