"""PY007 retry-without-backoff: a retry loop around an LLM call that does not back off."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.analysis import Analysis, FuncRef, FunctionInfo, Sym, analysis_of, walk_function
from linter.python.document import PythonDocument
from linter.python.retries import contains, retry_loops, unconditional
from linter.registry import Rule

_SLEEPS = ("time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep")


def _changing_names(analysis: Analysis, loop: ast.AST) -> set[str]:
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
        if isinstance(func, Sym) and func.path in _SLEEPS:
            return True
        if (
            depth < 1
            and isinstance(func, FuncRef)
            and func.fn is not function
            and _sleeps_inside(analysis, func.fn, memo, depth + 1)
        ):
            return True
    return False


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    llm_calls = [s for s in analysis.starts if not s.http]
    memo: dict[int, bool] = {}  # function -> sleeps, for this file
    for retry in retry_loops(analysis):
        # The retried call is made on every attempt: a call under an ``if`` in the attempt
        # belongs to a loop that polls or dispatches, not to a retry of that call.
        call = next(
            (
                s
                for s in llm_calls
                if contains(analysis, retry.attempt, s.call)
                and unconditional(analysis, retry.attempt, s.call)
            ),
            None,
        )
        if call is None:
            continue
        sleeps = []
        helper_sleeps = False
        for node in ast.walk(retry.loop):
            if isinstance(node, ast.Call):
                func = analysis.value(node.func)
                if isinstance(func, Sym) and func.path in _SLEEPS:
                    sleeps.append(node)
                elif isinstance(func, FuncRef) and _sleeps_inside(analysis, func.fn, memo):
                    helper_sleeps = True
        if helper_sleeps:
            # A helper of this file sleeps (``await self._handle_error(e, attempt)``): the
            # delay is computed there, so the loop gets the benefit of the doubt.
            continue
        changing = _changing_names(analysis, retry.loop)
        begin, end = document.span(retry.loop)
        end = min(
            end,
            document.source.text.find("\n", begin)
            if "\n" in document.source.text[begin:end]
            else end,
        )
        name = " ".join(document.text_of(call.call.func).split())
        if not sleeps:
            yield RULE.report(
                document.source,
                begin,
                end,
                f"this loop retries `{name}(...)` (line {call.call.lineno}) at once, without waiting: "
                f"a rate limit or an overloaded server fails every attempt in a burst; sleep with "
                f"exponential backoff and jitter (e.g. `time.sleep(min(60, 2 ** attempt) + random.random())`)",
            )
            continue
        varying = False
        for sleep in sleeps:
            argument = sleep.args[0] if sleep.args else None
            used = (
                {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
                if argument is not None
                else set()
            )
            if used & changing or (
                argument is not None and any(isinstance(n, ast.Call) for n in ast.walk(argument))
            ):
                varying = True
        if not varying:
            first = sleeps[0]
            yield RULE.report(
                document.source,
                begin,
                end,
                f"this loop retries `{name}(...)` (line {call.call.lineno}) after a constant "
                f"`{' '.join(document.text_of(first).split())}` (line {first.lineno}): every client retries in "
                f"step and a rate limit outlasts the delay; back off exponentially with jitter",
            )


RULE = Rule(
    code="PY007",
    name="retry-without-backoff",
    kind="python",
    summary="a retry loop around an LLM call that sleeps a constant time or not at all",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds retry loops around an LLM call (a `for`/`while` loop holding a `try` that leaves the loop
on success and goes round again from its handler) that do not sleep at all, or sleep a time
that does not change from one attempt to the next (a constant, or a name the loop never
changes). A sleep computed from the attempt number, from a name the loop changes
(`delay *= 2`) or by a call (`random.uniform(...)`, `backoff(attempt)`) is backoff, and so is
a call to a function of the same file that sleeps (`await self._handle_error(e, attempt)`).
The LLM call must be made on every attempt: a loop that calls the model only under an `if`
(an event or polling loop) is not a retry of that call.

## Why is this bad
LLM APIs fail under load with rate limits (429) and overload errors (529, 503). Retrying at
once, or every N seconds in lockstep with every other client, hits the same limit again and
burns the retry budget in seconds.

## Fix safety
No fix: the message shows an exponential backoff with jitter.

## References
- AWS Architecture Blog, "Exponential Backoff And Jitter"
- openai and anthropic SDKs retry the initial request with exponential backoff themselves
""",
)
