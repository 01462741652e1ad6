"""PY004 retry-cannot-retry-stream: a retry wrapper that cannot retry a started stream."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python import clients as K
from linter.python.analysis import Stream, Sym, analysis_of
from linter.python.document import PythonDocument
from linter.python.explain import decorator_text
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
whose stream is then iterated outside the retry; and a hand-written retry loop (`for attempt
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
