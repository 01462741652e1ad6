"""PY007 retry-without-backoff: a retry loop around an LLM call that does not back off.

This module judges each retry (loop, call of itself, decorator) and words its findings; which
call a retry retries is found by linter/python/retried_calls.py, how long it waits by
linter/python/retry_waits.py."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.analysis import (
    Analysis,
    Sym,
    analysis_of,
    keyword,
)
from linter.python.document import PythonDocument
from linter.python.explain import decorator_text, handler_text, header_span
from linter.python.raw_http import generation_endpoint
from linter.python.recursive_retries import may_recur, path_to, recursive_retries
from linter.python.retried_calls import (
    failover_loop,
    file_llm_calls,
    generation_shaped,
    makes_llm_call,
    retried_call,
    tenacity_retried,
)
from linter.python.retries import RetryLoop, retry_loops
from linter.python.retry_waits import (
    asks_first,
    changing_names,
    constant_branch,
    constant_sleep,
    holds,
    holds_any,
    passed_changed,
    round_statements,
    sleeps_in,
    tenacity_wait,
)
from linter.registry import Rule

_BACKOFF_DECORATORS = frozenset({"backoff.on_exception", "backoff.on_predicate"})


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    memo: dict[int, bool] = {}  # function -> sleeps, for this file
    loops = retry_loops(analysis)
    # Raw-HTTP requests to a generation endpoint, found once (not once per loop).
    requests = (
        [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
        if loops
        else []
    )
    for retry in loops:
        found = retried_call(analysis, retry, requests)
        if found is None:
            continue
        if failover_loop(analysis, retry):
            continue
        yield from _judge_loop(analysis, retry, found, memo)
    yield from _recursions(analysis, memo)
    yield from _tenacity(analysis)
    yield from _backoff_constant(analysis)


def _judge_loop(
    analysis: Analysis,
    retry: RetryLoop,
    found: tuple[ast.Call, str],
    memo: dict[int, bool],
) -> Iterator[Finding]:
    """The findings of one retry loop. Each handler that goes round is judged on its own: a
    backoff after a rate limit does not excuse an immediate retry after a connection error.
    Anchored where a reviewer points: at each constant wait (one finding per distinct
    ``sleep`` call); at the loop's header when nothing in it ever waits; at the ``except``
    of each handler that goes round at once when others do wait."""
    document = analysis.document
    call, evidence = found
    changing = changing_names(analysis, retry.loop)
    at_once: list[ast.ExceptHandler] = []
    constant: list[tuple[ast.ExceptHandler, ast.Call, ast.expr | None]] = []
    for handler in retry.handlers:
        sleeps, helper_sleeps = sleeps_in(analysis, round_statements(retry, handler), memo)
        if helper_sleeps:
            continue  # a helper of this file sleeps: the delay is computed there
        if not sleeps:
            if not asks_first(handler):
                at_once.append(handler)
        elif all(constant_sleep(sleep, changing) for sleep in sleeps):
            # Each wait the handler itself chooses (``if limited: sleep(20) elif ...:
            # sleep(5)``); else the first one on its way round (a ``finally``, the loop's body).
            own = [sleep for sleep in sleeps if holds_any(handler.body, sleep)]
            constant.extend((handler, sleep, None) for sleep in own or sleeps[:1])
        elif len(sleeps) == 1:
            # A wait that grows for some errors only (``backoff if is_rate_limit else 1``):
            # the constant one, for the others.
            branch = constant_branch(sleeps[0], handler, changing)
            if branch is not None:
                constant.append((handler, sleeps[0], branch))
    if not at_once and not constant:
        return
    name = " ".join(document.text_of(call.func).split())
    retried = f"`{name}(...)` (line {call.lineno}{evidence})"
    loop_line = retry.loop.lineno
    burst = (
        "at once, without waiting: a rate limit or an overloaded server fails every attempt in "
        "a burst; sleep with exponential backoff and jitter (e.g. "
        "`time.sleep(min(60, 2 ** attempt) + random.random())`)"
    )
    if len(at_once) == len(retry.handlers):
        # Nothing in the loop ever waits: the loop is the defect.
        begin, end = header_span(analysis, retry.loop)
        yield RULE.report(document.source, begin, end, f"this loop retries {retried} {burst}")
        return
    for handler in at_once:
        begin, end = header_span(analysis, handler)
        yield RULE.report(
            document.source,
            begin,
            end,
            f"the loop on line {loop_line} retries {retried} after this "
            f"`{handler_text(analysis, handler)}` {burst}",
        )
    seen: set[int] = set()
    for _handler, sleep, branch in constant:
        if id(sleep) in seen:
            continue  # one wait that several handlers reach (after the ``try``): one finding
        seen.add(id(sleep))
        reached = [h for h, s, _ in constant if s is sleep]
        which = (
            ""
            if len(reached) == len(retry.handlers)
            else " from "
            + " and ".join(f"`{handler_text(analysis, h)}` (line {h.lineno})" for h in reached)
        )
        wait = f"this constant `{' '.join(document.text_of(sleep).split())}`"
        if branch is not None and sleep.args and isinstance(sleep.args[0], ast.IfExp):
            test = " ".join(document.text_of(sleep.args[0].test).split())
            other = "false" if branch is sleep.args[0].orelse else "true"
            wait = (
                f"a constant `{' '.join(document.text_of(branch).split())}` s sleep whenever "
                f"`{test}` is {other} (this `{' '.join(document.text_of(sleep).split())}`: only "
                f"the other errors back off)"
            )
        # The wait as written: ``await asyncio.sleep(1)`` from its ``await``.
        parent = analysis.parent(sleep)
        begin, end = document.span(parent if isinstance(parent, ast.Await) else sleep)
        yield RULE.report(
            document.source,
            begin,
            end,
            f"the loop on line {loop_line} retries {retried}{which} after {wait}: every client "
            f"retries in step and a rate limit outlasts the delay; back off exponentially with "
            f"jitter",
        )


def _recursions(analysis: Analysis, memo: dict[int, bool]) -> Iterator[Finding]:
    """A function that calls an LLM and calls itself again when that fails: each such call
    of itself is judged like a loop's handler (no sleep on its way, or a constant one)."""
    if not may_recur(analysis):
        return
    document = analysis.document
    requests = [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
    waits: set[int] = set()  # the constant sleeps already reported
    for retry in recursive_retries(analysis, file_llm_calls(analysis, requests)):
        sleeps, helper_sleeps = sleeps_in(
            analysis, path_to(analysis, retry.again, retry.function), memo
        )
        if helper_sleeps:
            continue
        changing = set(retry.counters) | passed_changed(retry.function, retry.again)
        if sleeps and not all(constant_sleep(sleep, changing) for sleep in sleeps):
            continue
        name = " ".join(document.text_of(retry.call.func).split())
        again = " ".join(document.text_of(retry.again.func).split())
        where = (
            f"after `{handler_text(analysis, retry.handler)}` (line {retry.handler.lineno})"
            if retry.handler is not None
            else "when it fails"
        )
        wait = (
            "at once, without waiting: a rate limit or an overloaded server fails every attempt "
            "in a burst; sleep with exponential backoff and jitter (e.g. "
            "`time.sleep(min(60, 2 ** retry_count) + random.random())`)"
            if not sleeps
            else f"after a constant `{' '.join(document.text_of(sleeps[0]).split())}` (line "
            f"{sleeps[0].lineno}): every client retries in step and a rate limit outlasts the "
            f"delay; back off exponentially with jitter"
        )
        begin, end = document.span(retry.again)
        yield RULE.report(
            document.source,
            begin,
            end,
            f"{retry.function.name}() retries `{name}(...)` (line {retry.call.lineno}) by "
            f"calling itself (`{again}(...)`) {where}, {wait}",
        )
        # And each constant wait its handler chooses (``if limited: sleep(20) elif ...:
        # sleep(5)``), where a reviewer points too; a wait at the function's start, which
        # every first attempt makes as well, is only named.
        for sleep in sleeps:
            if retry.handler is None or id(sleep) in waits or not holds(retry.handler, sleep):
                continue
            waits.add(id(sleep))
            parent = analysis.parent(sleep)
            begin, end = document.span(parent if isinstance(parent, ast.Await) else sleep)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"{retry.function.name}() retries `{name}(...)` (line {retry.call.lineno}) by "
                f"calling itself (`{again}(...)`, line {retry.again.lineno}) {where} after this "
                f"constant `{' '.join(document.text_of(sleep).split())}`: every client retries "
                f"in step and a rate limit outlasts the delay; back off exponentially with jitter",
            )


def _tenacity(analysis: Analysis) -> Iterator[Finding]:
    """tenacity's ``@retry`` on a function that calls an LLM (an SDK generation call or a
    raw-HTTP generation request), with no ``wait=`` (tenacity then retries at once) or a
    constant one (``wait_fixed``, ``wait_none``)."""
    document = analysis.document
    if "tenacity" not in document.source.text:
        return
    requests = [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
    llm_calls = file_llm_calls(analysis, requests)
    calls: dict[int, ast.Call] = {}
    for call in llm_calls:
        function = analysis.enclosing_function(call)
        calls.setdefault(id(function.node), call)
    for function in analysis.functions:
        if function.is_generator or function.is_test or not function.decorators:
            continue  # a generator is PY004's: its retry makes one attempt only
        for decorator in function.decorators:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            value = analysis.value(target)
            if not (isinstance(value, Sym) and value.path == "tenacity.retry"):
                continue
            wait = keyword(decorator, "wait") if isinstance(decorator, ast.Call) else None
            problem = tenacity_wait(analysis, wait)
            if problem is None:
                continue
            what = tenacity_retried(analysis, function, decorator, calls, llm_calls)
            if what is None:
                continue
            begin, end = document.span(decorator)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"`@{decorator_text(analysis, decorator)}` retries {function.name}(), {what}, "
                f"{problem}: every client retries in step and a rate limit outlasts the delay; "
                f"pass `wait=wait_random_exponential(min=1, max=60)`",
            )


def _backoff_constant(analysis: Analysis) -> Iterator[Finding]:
    """``@backoff.on_exception(backoff.constant, ...)`` (or ``on_predicate``) on a function
    that calls an LLM: the wait never grows, however many attempts fail."""
    document = analysis.document
    if "backoff" not in document.source.text:
        return
    requests = [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
    llm_calls = file_llm_calls(analysis, requests)
    for function in analysis.functions:
        if function.is_generator or function.is_test:
            continue  # a generator is PY004's: its retry makes one attempt only
        for decorator in function.decorators:
            if not isinstance(decorator, ast.Call):
                continue
            value = analysis.value(decorator.func)
            if not (isinstance(value, Sym) and value.path in _BACKOFF_DECORATORS):
                continue
            wait = decorator.args[0] if decorator.args else keyword(decorator, "wait_gen")
            strategy = analysis.value(wait) if wait is not None else None
            if not (isinstance(strategy, Sym) and strategy.path == "backoff.constant"):
                continue
            call = makes_llm_call(analysis, function, llm_calls) or generation_shaped(
                analysis, function
            )
            if call is None:
                continue
            name = " ".join(document.text_of(call.func).split())
            interval = keyword(decorator, "interval")
            every = (
                f"at most {' '.join(document.text_of(interval).split())} s"
                if interval is not None
                else "at most 1 s (the default interval)"
            )
            bounded = keyword(decorator, "max_tries") or keyword(decorator, "max_time")
            forever = "" if bounded is not None else ", with no `max_tries`/`max_time`: forever"
            begin, end = document.span(decorator)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"`@{decorator_text(analysis, decorator)}` retries {function.name}(), which calls "
                f"`{name}(...)` (line {call.lineno}), waiting {every} each time (`backoff.constant` "
                f"never grows the wait){forever}: a rate limit or an overload that lasts longer "
                f"fails every attempt; use `backoff.expo` with `max_tries=`",
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
on success and goes round again from a handler) where a handler goes round without sleeping,
or after a sleep that does not change from one attempt to the next (a constant, or a name the
loop never changes). Each handler is judged on its own: `except RateLimitError:` with a
backoff does not excuse `except APIConnectionError: continue`. What runs between two attempts
counts for a handler: its own body, the `finally`, and the loop's statements around the `try`
(those after it unless the handler `continue`s past them). A sleep computed from the attempt
number, from a name the loop changes (`delay *= 2`) or by a call (`random.uniform(...)`,
`backoff(attempt)`) is backoff, and so is a call to a function of the same file that sleeps
(`await self._handle_error(e, attempt)`). A wait chosen by the caught error
(`sleep(backoff if is_rate_limit else 1)`, the condition naming the exception or a name the
handler sets from it) is constant for every error that takes the constant branch; one chosen
by the attempt count (`2 ** n if n < 5 else 30`) is a capped backoff. A loop that reads the
user's next message on each pass (`input()`, `click.prompt`, a prompt_toolkit session's
`.prompt()`, ...) is a conversation, not a retry.

The retried call is an SDK generation call, a raw-HTTP request to a generation endpoint
(`/chat/completions`, `/v1/messages`, `/api/generate`, ...), or any call when a handler names
an LLM SDK's or httpx's errors (`except openai.RateLimitError:` around
`self.provider.generate(...)`). A call of a function or method of the same file that makes an
LLM call counts too; one of a generator counts when the attempt iterates what it makes on every
pass (`parts = self.stream_reply(q)`, then `async for p in parts`): making a generator sends
nothing. It must be made on every attempt: a loop that calls the model
only under an `if` (an event or polling loop) is not a retry of that call.

tenacity's `@retry` on a function that calls an LLM is reported too when it has no `wait=`
(tenacity then retries at once) or a constant one (`wait_fixed`, `wait_none`), and so is
`@backoff.on_exception(backoff.constant, ...)` (or `on_predicate`): its wait never grows. Under
such a decorator, a call shaped like a generation call (`client.chat.completions.create(...)`,
`client.completions.create(...)`) on a receiver the file cannot follow counts as an LLM call.

A function that calls itself again from a handler of the `try` around its LLM call is a retry
too; a sleep on the way computed from a parameter the recursive call changes (`counter - 1`,
or reassigned before the call) grows or shrinks from one attempt to the next: not constant.

Where it reports: at each constant wait (one finding per distinct `sleep` call, so a handler
that picks `sleep(20)` or `sleep(5)` by the error gets two); at the loop's header when nothing
in the loop ever waits; at the `except` of a handler that goes round at once while others
wait; at the decorator for tenacity and backoff; for a function that calls itself, at the
call of itself and at each constant wait in its handler. The message names the loop (or the
call) that retries.

## Why is this bad
LLM APIs fail under load with rate limits (429) and overload errors (529, 503). Retrying at
once, or every N seconds in lockstep with every other client, hits the same limit again and
burns the retry budget in seconds.

## Fix safety
No fix: the message shows an exponential backoff with jitter (for tenacity,
`wait=wait_random_exponential(min=1, max=60)`).

## References
- AWS Architecture Blog, "Exponential Backoff And Jitter"
- openai and anthropic SDKs retry the initial request with exponential backoff themselves
""",
)
