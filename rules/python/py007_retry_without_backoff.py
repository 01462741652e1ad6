"""PY007 retry-without-backoff: a retry loop around an LLM call that does not back off."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.analysis import (
    Analysis,
    FuncRef,
    FunctionInfo,
    Sym,
    analysis_of,
    keyword,
    walk_function,
)
from linter.python.document import PythonDocument
from linter.python.explain import decorator_text, handler_text, header_span
from linter.python.raw_http import generation_endpoint
from linter.python.recursive_retries import may_recur, path_to, recursive_retries
from linter.python.retries import RetryLoop, contains, retry_loops, unconditional
from linter.registry import Rule

_SLEEPS = ("time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep")
# Libraries whose exception classes, named by a retry loop's handler, say the attempt calls an
# LLM API (or sends its HTTP request) even through a method this file does not define.
_SDK_ERROR_ROOTS = frozenset(
    {"openai", "anthropic", "litellm", "groq", "mistralai", "cohere", "together", "httpx", "httpx2"}
)
# LangChain runnables' methods that call the model (an LLM call when the receiver is a model).
_LANGCHAIN_CALLS = frozenset({"invoke", "ainvoke", "batch", "abatch", "predict", "apredict"})
_BACKOFF_DECORATORS = frozenset({"backoff.on_exception", "backoff.on_predicate"})
# Method paths that only generation APIs have (openai and its compatibles; not
# ``messages.create``, which messaging SDKs share).
_GENERATION_PATHS = (".chat.completions.create", ".completions.create")
_BUILTIN_CALLS = frozenset(
    {"print", "len", "str", "int", "float", "range", "isinstance", "min", "max"}
)
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)


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


def _sleeps_in(
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
            if isinstance(func, Sym) and func.path in _SLEEPS:
                sleeps.append(node)
            elif isinstance(func, FuncRef) and _sleeps_inside(analysis, func.fn, memo):
                helper = True
    return sleeps, helper


def _round_statements(retry: RetryLoop, handler: ast.ExceptHandler) -> list[ast.AST]:
    """What runs between a failed attempt caught by ``handler`` and the next attempt: the
    handler, the ``finally``, and the loop's own statements around the ``try`` (those after it
    only when the handler does not ``continue`` past them)."""
    region: list[ast.AST] = [*handler.body, *retry.attempt.finalbody]
    body = retry.loop.body
    holder = next((i for i, statement in enumerate(body) if _holds(statement, retry.attempt)), None)
    if holder is None:
        return region
    region.extend(body[:holder])
    if not (handler.body and isinstance(handler.body[-1], ast.Continue)):
        region.extend(body[holder + 1 :])
    return region


def _holds_any(statements: list[ast.stmt], node: ast.AST) -> bool:
    return any(_holds(statement, node) for statement in statements)


def _holds(statement: ast.AST, node: ast.AST) -> bool:
    return statement is node or any(child is node for child in walk_function(statement))


def _constant(sleep: ast.Call, changing: set[str]) -> bool:
    argument = sleep.args[0] if sleep.args else None
    if argument is None:
        return True
    used = {n.id for n in ast.walk(argument) if isinstance(n, ast.Name)}
    return not (used & changing or any(isinstance(n, ast.Call) for n in ast.walk(argument)))


def _constant_branch(
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


def _retried_call(
    analysis: Analysis, retry: RetryLoop, requests: list[ast.Call]
) -> tuple[ast.Call, str] | None:
    """The LLM call the loop retries, made on every attempt, and how it is known: an SDK
    generation call, a raw-HTTP generation request, or (the call going through a method
    defined elsewhere) the first call of the attempt when a handler names SDK or httpx
    errors."""
    # The retried call is made on every attempt: a call under an ``if`` in the attempt
    # belongs to a loop that polls or dispatches, not to a retry of that call.
    for start in analysis.starts:
        if contains(analysis, retry.attempt, start.call) and unconditional(
            analysis, retry.attempt, start.call
        ):
            return start.call, ""
    for call in requests:
        if contains(analysis, retry.attempt, call) and unconditional(analysis, retry.attempt, call):
            return call, ""
    through = _through_function(analysis, retry, requests)
    if through is not None:
        return through
    named = [
        name
        for handler in retry.handlers
        for name in analysis.handler_class(handler.type)
        if name.split(".", 1)[0] in _SDK_ERROR_ROOTS
    ]
    if not named:
        return None
    calls = sorted(
        (
            node
            for statement in retry.attempt.body
            for node in (statement, *walk_function(statement))
            if isinstance(node, ast.Call)
            and unconditional(analysis, retry.attempt, node)
            and not _incidental(analysis, node)
        ),
        key=lambda node: (node.lineno, node.col_offset),
    )
    if not calls:
        return None
    return calls[0], f"; its handler names `{named[0]}`, so the call reaches an LLM API"


def _llm_calls(analysis: Analysis, requests: list[ast.Call]) -> list[ast.Call]:
    """The file's generation calls (SDK, LangChain ``invoke``) and raw-HTTP generation
    requests, in source order."""
    made = [s.call for s in analysis.starts if not s.http] + list(requests)
    for call in analysis.calls:
        if isinstance(call.func, ast.Attribute) and call.func.attr in _LANGCHAIN_CALLS:
            receiver = analysis.value(call.func.value)
            if isinstance(receiver, Sym) and receiver.path.startswith("@lc"):
                made.append(call)
    return sorted(set(made), key=lambda c: (c.lineno, c.col_offset))


def _makes_llm_call(
    analysis: Analysis, function: FunctionInfo, llm_calls: list[ast.Call]
) -> ast.Call | None:
    """The first LLM call ``function`` makes itself (not in a function nested in it)."""
    return next((c for c in llm_calls if analysis.enclosing_function(c) is function), None)


def _through_function(
    analysis: Analysis, retry: RetryLoop, requests: list[ast.Call]
) -> tuple[ast.Call, str] | None:
    """The attempt calls, on every pass, a function of this file (a nested function, a
    method) that makes an LLM call: ``return await single_attempt()``."""
    llm_calls = _llm_calls(analysis, requests)
    if not llm_calls:
        return None
    for statement in retry.attempt.body:
        for node in (statement, *walk_function(statement)):
            if not isinstance(node, ast.Call) or not unconditional(analysis, retry.attempt, node):
                continue
            func = analysis.value(node.func)
            if not isinstance(func, FuncRef) or func.fn.is_generator:
                continue
            inner = _makes_llm_call(analysis, func.fn, llm_calls)
            if inner is not None:
                shown = " ".join(analysis.document.text_of(inner.func).split())
                return node, f"; {func.fn.name}() calls `{shown}(...)` on line {inner.lineno}"
    return None


def _incidental(analysis: Analysis, call: ast.Call) -> bool:
    """A call that is not the one retried: a sleep, a log line, a builtin."""
    func = analysis.value(call.func)
    if isinstance(func, Sym) and (func.path in _SLEEPS or func.path.startswith("logging")):
        return True
    name = call.func.id if isinstance(call.func, ast.Name) else ""
    attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    return name in _BUILTIN_CALLS or attr in _LOG_METHODS


def _failover(analysis: Analysis, retry: RetryLoop) -> bool:
    """A ``for`` loop over a collection whose items the attempt's request is made with
    (``for region_url, key in regions: ... create(base_url=region_url, api_key=key)``): each
    round asks another server, key or model, so trying the next one at once is a failover,
    not a retry of the same request. Not a counting loop (``range``, ``itertools.count``)."""
    loop = retry.loop
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return False
    source = loop.iter
    if isinstance(source, ast.Call):
        made = analysis.value(source.func)
        counting = isinstance(source.func, ast.Name) and source.func.id in ("range", "enumerate")
        if counting or (isinstance(made, Sym) and made.path.startswith("itertools.")):
            return False
    items = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    if not items:
        return False
    for statement in retry.attempt.body:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BUILTIN_CALLS:
                continue
            if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
                continue
            passed = [*node.args, *(k.value for k in node.keywords)]
            if any(
                isinstance(n, ast.Name) and n.id in items for arg in passed for n in ast.walk(arg)
            ):
                return True
    return False


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
        found = _retried_call(analysis, retry, requests)
        if found is None:
            continue
        if _failover(analysis, retry):
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
    changing = _changing_names(analysis, retry.loop)
    at_once: list[ast.ExceptHandler] = []
    constant: list[tuple[ast.ExceptHandler, ast.Call, ast.expr | None]] = []
    for handler in retry.handlers:
        sleeps, helper_sleeps = _sleeps_in(analysis, _round_statements(retry, handler), memo)
        if helper_sleeps:
            continue  # a helper of this file sleeps: the delay is computed there
        if not sleeps:
            if not _asks_first(handler):
                at_once.append(handler)
        elif all(_constant(sleep, changing) for sleep in sleeps):
            # Each wait the handler itself chooses (``if limited: sleep(20) elif ...:
            # sleep(5)``); else the first one on its way round (a ``finally``, the loop's body).
            own = [sleep for sleep in sleeps if _holds_any(handler.body, sleep)]
            constant.extend((handler, sleep, None) for sleep in own or sleeps[:1])
        elif len(sleeps) == 1:
            # A wait that grows for some errors only (``backoff if is_rate_limit else 1``):
            # the constant one, for the others.
            branch = _constant_branch(sleeps[0], handler, changing)
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


def _asks_first(handler: ast.ExceptHandler) -> bool:
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


def _recursions(analysis: Analysis, memo: dict[int, bool]) -> Iterator[Finding]:
    """A function that calls an LLM and calls itself again when that fails: each such call
    of itself is judged like a loop's handler (no sleep on its way, or a constant one)."""
    if not may_recur(analysis):
        return
    document = analysis.document
    requests = [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
    waits: set[int] = set()  # the constant sleeps already reported
    for retry in recursive_retries(analysis, _llm_calls(analysis, requests)):
        sleeps, helper_sleeps = _sleeps_in(
            analysis, path_to(analysis, retry.again, retry.function), memo
        )
        if helper_sleeps:
            continue
        changing = set(retry.counters) | _passed_changed(retry.function, retry.again)
        if sleeps and not all(_constant(sleep, changing) for sleep in sleeps):
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
            if retry.handler is None or id(sleep) in waits or not _holds(retry.handler, sleep):
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


def _passed_changed(function: FunctionInfo, again: ast.Call) -> set[str]:
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


def _tenacity(analysis: Analysis) -> Iterator[Finding]:
    """tenacity's ``@retry`` on a function that calls an LLM (an SDK generation call or a
    raw-HTTP generation request), with no ``wait=`` (tenacity then retries at once) or a
    constant one (``wait_fixed``, ``wait_none``)."""
    document = analysis.document
    if "tenacity" not in document.source.text:
        return
    requests = [call for call in analysis.calls if generation_endpoint(analysis, call) is not None]
    llm_calls = _llm_calls(analysis, requests)
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
            problem = _tenacity_wait(analysis, wait)
            if problem is None:
                continue
            what = _tenacity_retried(analysis, function, decorator, calls, llm_calls)
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
    llm_calls = _llm_calls(analysis, requests)
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
            call = _makes_llm_call(analysis, function, llm_calls) or _generation_shaped(
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


def _generation_shaped(analysis: Analysis, function: FunctionInfo) -> ast.Call | None:
    """A call in ``function`` on a receiver the file cannot follow (a parameter) whose
    method path is an OpenAI-style or Anthropic generation call: under a retry decorator,
    the shape is evidence enough that it calls an LLM."""
    for node in walk_function(function.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            text = " ".join(analysis.document.text_of(node.func).split())
            if text.endswith(_GENERATION_PATHS):
                return node
    return None


def _tenacity_retried(
    analysis: Analysis,
    function: FunctionInfo,
    decorator: ast.expr,
    calls: dict[int, ast.Call],
    llm_calls: list[ast.Call],
) -> str | None:
    """How the decorated function is known to call an LLM, in words: it makes the call, it
    calls a function of this file that does, or its ``retry=`` condition names an LLM SDK's
    errors (the call then goes through something this file does not define)."""
    document = analysis.document
    call = calls.get(id(function.node))
    if call is not None:
        name = " ".join(document.text_of(call.func).split())
        return f"which calls `{name}(...)` (line {call.lineno})"
    for node in walk_function(function.node):
        if not isinstance(node, ast.Call):
            continue
        func = analysis.value(node.func)
        if isinstance(func, FuncRef) and func.fn is not function and not func.fn.is_generator:
            inner = _makes_llm_call(analysis, func.fn, llm_calls)
            if inner is not None:
                name = " ".join(document.text_of(inner.func).split())
                return (
                    f"which calls {func.fn.name}() (line {node.lineno}), which calls "
                    f"`{name}(...)` (line {inner.lineno})"
                )
    condition = keyword(decorator, "retry") if isinstance(decorator, ast.Call) else None
    if condition is None:
        return None
    for node in ast.walk(condition):
        if isinstance(node, (ast.Attribute, ast.Name)):
            value = analysis.value(node)
            path = value.path if isinstance(value, Sym) else ""
            if path.split(".", 1)[0] in _SDK_ERROR_ROOTS and path[:1].isalpha():
                last = path.rsplit(".", 1)[-1]
                if last[:1].isupper() and last.endswith(("Error", "Exception", "Timeout")):
                    return f"whose `retry=` condition names `{path}`, so it calls an LLM API"
    return None


def _tenacity_wait(analysis: Analysis, wait: ast.expr | None) -> str | None:
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
by the attempt count (`2 ** n if n < 5 else 30`) is a capped backoff.

The retried call is an SDK generation call, a raw-HTTP request to a generation endpoint
(`/chat/completions`, `/v1/messages`, `/api/generate`, ...), or any call when a handler names
an LLM SDK's or httpx's errors (`except openai.RateLimitError:` around
`self.provider.generate(...)`). It must be made on every attempt: a loop that calls the model
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
