"""Which LLM call a retry retries, and how that is known: the call a retry loop's attempt
makes on every pass (an SDK generation call, a raw-HTTP generation request, one through a
function of this file, or any call when a handler names an LLM SDK's errors), the call a
retry decorator's function makes, and loops that fail over to another server rather than
retry."""

from __future__ import annotations

import ast

from linter.python.analysis import (
    Analysis,
    FuncRef,
    FunctionInfo,
    Sym,
    keyword,
    walk_function,
)
from linter.python.chat_shaped import retried_request
from linter.python.retries import RetryLoop, contains, unconditional
from linter.python.retry_waits import SLEEPS

# Libraries whose exception classes, named by a retry loop's handler, say the attempt calls an
# LLM API (or sends its HTTP request) even through a method this file does not define.
_SDK_ERROR_ROOTS = frozenset(
    {"openai", "anthropic", "litellm", "groq", "mistralai", "cohere", "together", "httpx", "httpx2"}
)
# LangChain runnables' methods that call the model (an LLM call when the receiver is a model).
_LANGCHAIN_CALLS = frozenset({"invoke", "ainvoke", "batch", "abatch", "predict", "apredict"})
# Method paths that only generation APIs have (openai and its compatibles; not
# ``messages.create``, which messaging SDKs share).
_GENERATION_PATHS = (".chat.completions.create", ".completions.create")
_BUILTIN_CALLS = frozenset(
    {"print", "len", "str", "int", "float", "range", "isinstance", "min", "max"}
)
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)


def retried_call(
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
        shaped = retried_request(analysis, retry)
        if shaped is None:
            return None
        return shaped, ", a chat request by its `model=` and `messages=` arguments"
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


def file_llm_calls(analysis: Analysis, requests: list[ast.Call]) -> list[ast.Call]:
    """The file's generation calls (SDK, LangChain ``invoke``) and raw-HTTP generation
    requests, in source order."""
    made = [s.call for s in analysis.starts if not s.http] + list(requests)
    for call in analysis.calls:
        if isinstance(call.func, ast.Attribute) and call.func.attr in _LANGCHAIN_CALLS:
            receiver = analysis.value(call.func.value)
            if isinstance(receiver, Sym) and receiver.path.startswith("@lc"):
                made.append(call)
    return sorted(set(made), key=lambda c: (c.lineno, c.col_offset))


def makes_llm_call(
    analysis: Analysis, function: FunctionInfo, llm_calls: list[ast.Call]
) -> ast.Call | None:
    """The first LLM call ``function`` makes itself (not in a function nested in it)."""
    return next((c for c in llm_calls if analysis.enclosing_function(c) is function), None)


def _through_function(
    analysis: Analysis, retry: RetryLoop, requests: list[ast.Call]
) -> tuple[ast.Call, str] | None:
    """The attempt calls, on every pass, a function of this file (a nested function, a
    method) that makes an LLM call: ``return await single_attempt()``."""
    llm_calls = file_llm_calls(analysis, requests)
    if not llm_calls:
        return None
    for statement in retry.attempt.body:
        for node in (statement, *walk_function(statement)):
            if not isinstance(node, ast.Call) or not unconditional(analysis, retry.attempt, node):
                continue
            func = analysis.value(node.func)
            if not isinstance(func, FuncRef):
                continue
            if func.fn.is_generator and not _iterated_each_pass(analysis, retry, node):
                continue  # made, not run: its request goes out where it is iterated
            inner = makes_llm_call(analysis, func.fn, llm_calls)
            if inner is not None:
                shown = " ".join(analysis.document.text_of(inner.func).split())
                return node, f"; {func.fn.name}() calls `{shown}(...)` on line {inner.lineno}"
    return None


def _iterated_each_pass(analysis: Analysis, retry: RetryLoop, call: ast.Call) -> bool:
    """The generator ``call`` makes is iterated in the attempt on every pass (``stream =
    self.reply(...)``, then ``async for part in stream``): its LLM call runs there."""
    node = analysis.consumer_of(call)
    return (
        node is not call
        and contains(analysis, retry.attempt, node)
        and unconditional(analysis, retry.attempt, node)
    )


def _incidental(analysis: Analysis, call: ast.Call) -> bool:
    """A call that is not the one retried: a sleep, a log line, a builtin."""
    func = analysis.value(call.func)
    if isinstance(func, Sym) and (func.path in SLEEPS or func.path.startswith("logging")):
        return True
    name = call.func.id if isinstance(call.func, ast.Name) else ""
    attr = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    return name in _BUILTIN_CALLS or attr in _LOG_METHODS


def failover_loop(analysis: Analysis, retry: RetryLoop) -> bool:
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


def generation_shaped(analysis: Analysis, function: FunctionInfo) -> ast.Call | None:
    """A call in ``function`` on a receiver the file cannot follow (a parameter) whose
    method path is an OpenAI-style or Anthropic generation call: under a retry decorator,
    the shape is evidence enough that it calls an LLM."""
    for node in walk_function(function.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            text = " ".join(analysis.document.text_of(node.func).split())
            if text.endswith(_GENERATION_PATHS):
                return node
    return None


def tenacity_retried(
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
            inner = makes_llm_call(analysis, func.fn, llm_calls)
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
