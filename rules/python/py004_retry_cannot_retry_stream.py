"""PY004 retry-cannot-retry-stream: a retry wrapper that cannot retry a started stream."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python import clients as K
from linter.python.analysis import Analysis, Stream, Sym, analysis_of
from linter.python.analysis.flags import flag_of
from linter.python.document import PythonDocument
from linter.python.explain import decorator_text
from linter.python.forwarders import forwarded, forwarded_calls
from linter.python.read_later import streams_read_later
from linter.python.retries import retry_loops
from linter.registry import Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    iterated = {id(it.function.node) for it in analysis.iterations}
    started = {id(analysis.enclosing_function(s.call).node) for s in analysis.starts if s.streaming}
    for function in analysis.functions:
        decorators = [d for d in function.decorators if analysis.retry_decorator(d)]
        if not decorators:
            continue
        decorator = decorators[0]
        begin, end = document.span(decorator)
        text = decorator_text(analysis, decorator)
        if function.is_generator and (
            id(function.node) in iterated or id(function.node) in started
        ):
            yield RULE.report(
                document.source,
                begin,
                end,
                f"`@{text}` on the generator {function.name}() makes one attempt only: the decorator "
                f"returns the generator at once, so an exception raised while the stream is iterated "
                f"is never retried; retry around the whole iteration instead",
            )
            continue
        if function.is_generator:
            continue
        for returned in function.returns:
            value = analysis.value(returned)
            if (
                isinstance(value, Stream)
                and value.start.streaming
                and id(function.node) not in iterated
                and not _callers_ask(analysis, value)
            ):
                yield RULE.report(
                    document.source,
                    begin,
                    end,
                    f"`@{text}` retries {function.name}(), which only starts the stream "
                    f"({value.start.api} on line {value.start.call.lineno}) and returns it: the stream is "
                    f"iterated outside the retry, so a cut stream is not retried",
                )
                break
    for retry in retry_loops(analysis):
        for later in streams_read_later(analysis, retry):
            start = later.start
            begin, end = document.span(start.call.func)
            called = " ".join(document.text_of(start.call.func).split())
            where = (
                "returns it to be read by its caller"
                if later.read is None
                else f"returns it to be read later by {later.read.function.name}() (line "
                f"{later.read.node.lineno})"  # type: ignore[attr-defined]
            )
            yield RULE.report(
                document.source,
                begin,
                end,
                f"the retry loop on line {retry.loop.lineno} retries `{called}(...)` "
                f"({start.api}), which only starts the stream, and {where}, outside the retry: "
                f"a stream cut while it is read is not retried; retry around the reading, or "
                f"catch the cut where the stream is read",
            )
    yield from _retried_forwarders(analysis)
    for start in analysis.starts:
        if start.client is not K.LANGCHAIN:
            continue
        func = start.call.func
        receiver = getattr(func, "value", None)
        value = analysis.value(receiver) if receiver is not None else None
        if isinstance(value, Sym) and value.path == "@lc-retry":
            begin, end = document.span(func)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"`.with_retry()` does not retry `{start.api}`: LangChain retries only invoke/batch, never "
                f"a stream; catch the error around the iteration",
            )


def _callers_ask(analysis: Analysis, value: Stream) -> bool:
    """The retried function forwards its callers' ``**kwargs`` to the generation call, which
    names no ``stream`` itself: only a caller asks for a stream (reported at that call)."""
    start = value.start
    return forwarded(analysis, start) is not None and not any(
        item.arg == "stream" for item in start.call.keywords
    )


def _retried_forwarders(analysis: Analysis) -> Iterator[Finding]:
    """A call asking for a stream (``stream=True``) from a retried function that forwards
    its ``**kwargs`` to the generation call (``@retry`` on ``def complete(**kw): return
    completion(**kw)``, here or in another module): the retry returns the stream once made,
    and this call reads it outside the retry."""
    document = analysis.document
    for judged in forwarded_calls(analysis, 1, True):
        forwarder = judged.forwarder
        if not forwarder.retried or forwarder.own_stream:
            continue
        verdict, flag = flag_of(analysis, judged.call)
        if verdict != "yes":
            continue
        where = "" if judged.local else f" of {forwarder.module}"
        called = " ".join(document.text_of(judged.call.func).split())
        begin, end = document.span(judged.call.func)
        yield RULE.report(
            document.source,
            begin,
            end,
            f"`{called}(...)` asks {forwarder.name}(){where}, retried by `@{forwarder.retried}`, "
            f"for a stream ({flag}): the retry ends once `{forwarder.api}` (line "
            f"{forwarder.line}) returns the stream, which this call reads outside it, so a "
            f"stream cut while it is read is not retried; retry around the reading, or catch "
            f"the cut here",
        )


RULE = Rule(
    code="PY004",
    name="retry-cannot-retry-stream",
    kind="python",
    summary="a retry decorator or wrapper that cannot retry a stream once it has started",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds retry wrappers that look like they protect a stream but cannot: tenacity's `@retry`,
`backoff.on_exception` (and `retrying`, `stamina`) on a generator function that starts or
iterates a stream; LangChain `.with_retry()` followed by `.stream()`/`.astream()`; a retried
function that only creates a stream (`return client.chat.completions.create(stream=True)`)
whose stream is then iterated outside the retry (when the retried function only forwards its
callers' `**kwargs`, at the call that asks it for a stream, in whatever module); and a
hand-written retry loop (`for attempt
in range(n): try: ... except: sleep(...)`) whose attempt starts a stream and returns it, or a
generator over it, unread (reported at the retried call).

## Why is this bad
A retry decorator calls the function and returns what it returns. For a generator that is the
generator object, at once, before any chunk was read: the decorator's one attempt "succeeds",
and the exception of a cut stream later escapes to the consumer. LangChain's `with_retry`
covers `invoke`/`batch` only. Retrying the call that creates a stream does not retry reading
it.

## Fix safety
No fix: retrying a stream needs a decision about the part already shown (see PY005).

## References
- tenacity and backoff: decorators wrap the call, not the iteration of its result
- LangChain `Runnable.with_retry`
- KNOWLEDGE.md section 3
""",
)
