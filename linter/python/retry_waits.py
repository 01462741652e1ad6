"""How long a retry waits before its next attempt: the statements that run between a failed
attempt and the next one, the sleeps among them (or in a helper of this file that sleeps),
whether a sleep is constant from one attempt to the next, and tenacity's ``wait=``."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, FuncRef, FunctionInfo, Sym, walk_function
from linter.python.retries import RetryLoop

SLEEPS = ("time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep")


def changing_names(analysis: Analysis, loop: ast.AST) -> set[str]:
    """Names the loop changes on each round: its target and names assigned in its body."""
    names: set[str] = set()
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        names |= {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    for node in ast.walk(loop):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _sleeps_inside(
    analysis: Analysis, function: FunctionInfo, memo: dict[int, bool], depth: int = 0
) -> bool:
    """The function (or one it calls, two levels deep) sleeps."""
    key = id(function.node)
    if key not in memo:
        memo[key] = False  # while it is looked at (recursion)
        memo[key] = _sleeps_in_body(analysis, function, memo, depth)
    return memo[key]


def _sleeps_in_body(
    analysis: Analysis, function: FunctionInfo, memo: dict[int, bool], depth: int
) -> bool:
    for node in walk_function(function.node):
        if not isinstance(node, ast.Call):
            continue
        func = analysis.value(node.func)
        if isinstance(func, Sym) and func.path in SLEEPS:
            return True
        if (
            depth < 1
            and isinstance(func, FuncRef)
            and func.fn is not function
            and _sleeps_inside(analysis, func.fn, memo, depth + 1)
        ):
            return True
    return False


def sleeps_in(
    analysis: Analysis, nodes: list[ast.AST], memo: dict[int, bool]
) -> tuple[list[ast.Call], bool]:
    """The sleep calls among ``nodes`` (and inside them), and whether one of them calls a
    function of this file that sleeps (the delay is computed there)."""
    sleeps: list[ast.Call] = []
    helper = False
    for top in nodes:
        for node in (top, *walk_function(top)):
            if not isinstance(node, ast.Call):
                continue
            func = analysis.value(node.func)
            if isinstance(func, Sym) and func.path in SLEEPS:
                sleeps.append(node)
            elif isinstance(func, FuncRef) and _sleeps_inside(analysis, func.fn, memo):
                helper = True
    return sleeps, helper


def round_statements(retry: RetryLoop, handler: ast.ExceptHandler) -> list[ast.AST]:
    """What runs between a failed attempt caught by ``handler`` and the next attempt: the
    handler, the ``finally``, and the loop's own statements around the ``try`` (those after it
    only when the handler does not ``continue`` past them)."""
    region: list[ast.AST] = [*handler.body, *retry.attempt.finalbody]
    body = retry.loop.body
    holder = next((i for i, statement in enumerate(body) if holds(statement, retry.attempt)), None)
    if holder is None:
        return region
    region.extend(body[:holder])
    if not (handler.body and isinstance(handler.body[-1], ast.Continue)):
        region.extend(body[holder + 1 :])
    return region


def holds_any(statements: list[ast.stmt], node: ast.AST) -> bool:
    return any(holds(statement, node) for statement in statements)


def holds(statement: ast.AST, node: ast.AST) -> bool:
    return statement is node or any(child is node for child in walk_function(statement))


def constant_sleep(sleep: ast.Call, changing: set[str]) -> bool:
    argument = sleep.args[0] if sleep.args else None
    if argument is None:
        return True
    used = {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
    return not (used & changing or any(isinstance(n, ast.Call) for n in ast.walk(argument)))


def constant_branch(
    sleep: ast.Call, handler: ast.ExceptHandler, changing: set[str]
) -> ast.expr | None:
    """``sleep(backoff if is_rate_limit else 1)``, the choice made by the caught error (its
    name, or a name the handler sets from it): the constant branch, the wait every other
    error gets (a choice by the attempt count, ``2 ** n if n < 5 else 30``, is a capped
    backoff, not this)."""
    argument = sleep.args[0] if sleep.args else None
    if not isinstance(argument, ast.IfExp) or handler.name is None:
        return None
    about_error = {handler.name}
    for statement in handler.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(n, ast.Name) and n.id == handler.name for n in ast.walk(statement.value)
        ):
            about_error |= {t.id for t in statement.targets if isinstance(t, ast.Name)}
    used = {n.id for n in ast.walk(argument.test) if isinstance(n, ast.Name)}
    if not used & about_error or used & (changing - about_error):
        return None
    for branch in (argument.body, argument.orelse):
        if not (
            {n.id for n in ast.walk(branch) if isinstance(n, ast.Name)} & changing
            or any(isinstance(n, ast.Call) for n in ast.walk(branch))
        ):
            return branch
    return None


def asks_first(handler: ast.ExceptHandler) -> bool:
    """The handler ends the loop unless a call it makes says to go on (``if await
    self.ask_user(...): continue`` before a ``raise``): whoever answers decides when the next
    attempt starts, so it is not a retry in a burst."""
    last = handler.body[-1] if handler.body else None
    if not isinstance(last, (ast.Raise, ast.Return, ast.Break)):
        return False
    asked: set[str] = set()
    for node in walk_function(handler):
        if isinstance(node, ast.Assign) and any(
            isinstance(n, ast.Call) for n in ast.walk(node.value)
        ):
            asked |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    continues = [n for n in walk_function(handler) if isinstance(n, ast.Continue)]
    if not continues:
        return False
    for ancestor in walk_function(handler):
        if isinstance(ancestor, ast.If) and any(
            c is n for c in continues for n in ast.walk(ancestor)
        ):
            test = ancestor.test
            if any(isinstance(n, ast.Call) for n in ast.walk(test)) or (
                {n.id for n in ast.walk(test) if isinstance(n, ast.Name)} & asked
            ):
                continues = [c for c in continues if not any(c is n for n in ast.walk(ancestor))]
    return not continues


def passed_changed(function: FunctionInfo, again: ast.Call) -> set[str]:
    """The parameters a recursive call hands a new value: reassigned in the function before
    it (``counter = counter - 1``), or passed as something else than themselves
    (``f(counter - 1)``). A sleep computed from one of them changes from one attempt to the
    next (``sleep(20 * (11 - counter))``)."""
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return set()
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    names = {*params, *(a.arg for a in node.args.kwonlyargs)}
    changed: set[str] = set()
    for inner in walk_function(node):
        if isinstance(inner, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
            for target in targets:
                changed |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} & names
    if params and params[0] in ("self", "cls") and isinstance(again.func, ast.Attribute):
        params = params[1:]
    passed: list[tuple[str | None, ast.expr]] = list(zip(params, again.args, strict=False))
    passed += [(k.arg, k.value) for k in again.keywords]
    for name, value in passed:
        if name in names and not (isinstance(value, ast.Name) and value.id == name):
            changed.add(name)
    return changed


def tenacity_wait(analysis: Analysis, wait: ast.expr | None) -> str | None:
    """What is wrong with tenacity's ``wait=`` (None: it backs off, or cannot be told)."""
    if wait is None:
        return "at once (no `wait=`: tenacity waits 0 s between attempts by default)"
    if not isinstance(wait, ast.Call):
        return (
            None  # a strategy built elsewhere, or combined (``wait_fixed(1) + wait_random(...)``)
        )
    value = analysis.value(wait.func)
    if not isinstance(value, Sym):
        return None
    shown = " ".join(analysis.document.text_of(wait).split())
    if value.path in ("tenacity.wait_none", "tenacity.wait.wait_none"):
        return f"at once (`wait={shown}`)"
    if value.path in ("tenacity.wait_fixed", "tenacity.wait.wait_fixed"):
        return f"after a constant `wait={shown}`"
    return None
