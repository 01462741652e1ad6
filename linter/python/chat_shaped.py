"""Requests to a model the file cannot resolve, known by their arguments alone.

``response = method(model=alias, messages=messages, **extra)`` where ``method`` comes from a
provider registry, a plugin, a parameter: no SDK, no URL, but ``model=`` and ``messages=``
together are a chat request's two required fields in every chat API. Weak evidence, so used
only where the rest of the shape is strong: a retry loop that reads such a request's chunks
and shows them (PY005)."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, Sym, keyword
from linter.python.retries import RetryLoop, in_try_body

_FIELDS = ("model", "messages")


def chat_request(analysis: Analysis, call: ast.Call) -> bool:
    """``call`` passes ``model=`` and ``messages=`` to a callee the file does not know as a
    library's (an unresolved name or method, or this project's own)."""
    if not all(keyword(call, name) is not None for name in _FIELDS):
        return False
    callee = analysis.value(call.func)
    return not (isinstance(callee, Sym) and callee.path.startswith("@"))


def iterated_requests(analysis: Analysis, retry: RetryLoop) -> list[tuple[ast.AST, ast.Call]]:
    """The loops in the attempt's ``try`` part that read a chat-shaped request's chunks: the
    call iterated where it stands, or through a name bound to it just before in the attempt."""
    found: list[tuple[ast.AST, ast.Call]] = []
    bound: dict[str, ast.Call] = {}
    for node in ast.walk(retry.attempt):
        if not in_try_body(analysis, retry.attempt, node):
            continue
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(value, ast.Call) and chat_request(analysis, value):
                bound[node.targets[0].id] = value
    for node in ast.walk(retry.attempt):
        if not isinstance(node, (ast.For, ast.AsyncFor)) or not in_try_body(
            analysis, retry.attempt, node
        ):
            continue
        source = node.iter.value if isinstance(node.iter, ast.Await) else node.iter
        if isinstance(source, ast.Call) and chat_request(analysis, source):
            found.append((node, source))
        elif isinstance(source, ast.Name) and source.id in bound:
            found.append((node, bound[source.id]))
    return found


def retried_request(analysis: Analysis, retry: RetryLoop) -> ast.Call | None:
    """The chat-shaped request the attempt makes on every pass, when each pass makes the
    same one: not when the loop's body, outside the attempt, binds anew a name the attempt
    reads (``provider = self._next_provider()``: each pass asks another provider, a
    fallback rather than a retry)."""
    from linter.python.retries import unconditional

    found = None
    for statement in retry.attempt.body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and chat_request(analysis, node)
                and unconditional(analysis, retry.attempt, node)
            ):
                found = node
                break
        if found is not None:
            break
    if found is None:
        return None
    read = {
        n.id
        for statement in retry.attempt.body
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    for statement in retry.loop.body:
        if statement is retry.attempt:
            continue
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in read:
                return None
    return found
