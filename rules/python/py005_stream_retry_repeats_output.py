"""PY005 stream-retry-repeats-output: a retry restarts a stream after part of it was shown."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python import clients as K
from linter.python.analysis import Analysis, Sym, analysis_of, keyword, walk_function
from linter.python.chat_shaped import iterated_requests
from linter.python.chunks_shown import emits, how_shown, reached_streams
from linter.python.document import PythonDocument
from linter.python.explain import article, cut_facts, decorator_text, header_span
from linter.python.overrides import override_shown
from linter.python.remote_shown import callee_key, leaves_stream_off, remote_shown
from linter.python.retries import (
    RetryLoop,
    in_try_body,
    retries_only_before_output,
    retry_loops,
)
from linter.registry import Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    # Anchored where the retry is (a reviewer points at what restarts the stream, not at the
    # stream): the retry loop's header, the retrying decorator, or the call in the attempt
    # that reaches a stream shown elsewhere; the message names the stream loop's line.
    analysis = analysis_of(document)
    if analysis is None:
        return
    reported: set[int] = set()  # stream loops (and calls) already told about
    anchors: set[int] = set()  # retry loops and decorators already reported at
    loops = retry_loops(analysis)
    for iteration in analysis.iterations:
        node = iteration.node
        shown = (
            node
            if iteration.what == "yield from"
            else (emits(node, analysis) if iteration.what in ("for", "async for") else None)
        )
        if shown is None or id(node) in reported:
            continue
        how = _how(shown)
        client = iteration.stream.client.name
        for retry in loops:
            if in_try_body(analysis, retry.attempt, node) and not retries_only_before_output(
                retry, node
            ):
                reported.add(id(node))
                if id(retry.loop) in anchors:
                    break  # a second stream in the same retry: the loop is reported once
                anchors.add(id(retry.loop))
                begin, end = header_span(analysis, retry.loop)
                yield RULE.report(
                    document.source,
                    begin,
                    end,
                    f"this retry loop restarts the {client} stream read on line {_line(node)} "
                    f"after chunks were already {how} (line {_line(shown)}): a cut stream repeats "
                    f"the answer's first part to the user; buffer the answer, resume it, or tell "
                    f"the consumer to discard what it got",
                )
                break
        else:
            function = iteration.function
            if function.is_generator or id(node) in reported:
                continue
            decorator = next((d for d in function.decorators if analysis.retry_decorator(d)), None)
            if decorator is not None and _never_retries_a_cut(
                analysis, decorator, iteration.stream.client, settings
            ):
                continue  # it retries errors raised before the first chunk only
            if decorator is not None and how != "yielded":
                reported.add(id(node))
                if id(decorator) in anchors:
                    continue
                anchors.add(id(decorator))
                begin, end = document.span(decorator)
                yield RULE.report(
                    document.source,
                    begin,
                    end,
                    f"`@{decorator_text(analysis, decorator)}` retries {function.name}(), which "
                    f"shows the {client} stream read on line {_line(node)} as it arrives ({how}, "
                    f"line {_line(shown)}): a cut stream shows the answer's first part twice; "
                    f"buffer the answer, or say the retry restarts it",
                )
    yield from _remote(analysis, loops, reported)
    yield from _called_again(analysis, reported)
    yield from _chat_shaped(analysis, loops, reported, anchors)
    for retry in loops:
        for reached in reached_streams(analysis, retry):
            iteration = reached.iteration
            node = iteration.node
            if (
                id(node) in reported
                or id(reached.call) in reported
                or retries_only_before_output(retry, node)
            ):
                continue
            reported.add(id(node))
            reported.add(id(reached.call))
            shown = reached.shown
            how = "yielded" if isinstance(shown, (ast.Yield, ast.YieldFrom)) else "passed on"
            if (
                isinstance(shown, ast.Call)
                and isinstance(shown.func, ast.Name)
                and shown.func.id == "print"
            ):
                how = "printed"
            called = " ".join(document.text_of(reached.call.func).split())
            client = iteration.stream.client.name
            begin, end = document.span(reached.call.func)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"the retry loop on line {retry.loop.lineno} calls `{called}(...)` again after a "
                f"failure, and it reads {article(client)} {client} stream (line {_line(node)}) "
                f"whose chunks were already {how} (line {_line(shown)}): a cut stream repeats "
                f"the answer's first part to the user; buffer the answer, resume it, or tell the "
                f"consumer to discard what it got",
            )


def _chat_shaped(
    analysis: Analysis, loops: list[RetryLoop], reported: set[int], anchors: set[int]
) -> Iterator[Finding]:
    """A retry loop reading the chunks of a request known only by its ``model=`` and
    ``messages=`` arguments (a provider's method from a registry) and showing them, with a
    handler that goes round whatever was shown."""
    document = analysis.document
    for retry in loops:
        if id(retry.loop) in anchors:
            continue
        for node, call in iterated_requests(analysis, retry):
            shown = emits(node, analysis)
            if id(node) in reported or shown is None or retries_only_before_output(retry, node):
                continue
            reported.add(id(node))
            anchors.add(id(retry.loop))
            called = " ".join(document.text_of(call.func).split())
            begin, end = header_span(analysis, retry.loop)
            yield RULE.report(
                document.source,
                begin,
                end,
                f"this retry loop restarts the stream of `{called}(...)` (line {call.lineno}, a "
                f"chat request by its `model=` and `messages=` arguments) read on line "
                f"{_line(node)} after chunks were already {_how(shown)} (line {_line(shown)}): "
                f"a cut stream repeats the answer's first part to the user; buffer the answer, "
                f"resume it, or go round only while nothing was shown",
            )
            break


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def _never_retries_a_cut(
    analysis: Analysis, decorator: ast.expr, client: K.Client, settings: Settings
) -> bool:
    """The retry decorator names the exceptions it retries (``backoff.on_exception(expo,
    (RateLimitError, InternalServerError))``, tenacity's ``retry=retry_if_exception_type(...)``,
    stamina's ``on=``) and none of them is what a cut stream raises for the client's version
    (KNOWLEDGE.md section 3: below openai 3.14 a raw transport error): a cut ends the call
    without a retry, so no chunk is shown twice. Unknown classes leave the doubt to PY005."""
    if not isinstance(decorator, ast.Call):
        return False
    value = analysis.value(decorator.func)
    path = value.path if isinstance(value, Sym) else ""
    named: ast.expr | None = None
    if path == "backoff.on_exception":
        named = keyword(decorator, "exception") or (
            decorator.args[1] if len(decorator.args) > 1 else None
        )
    elif path == "stamina.retry":
        named = keyword(decorator, "on")
    elif path == "tenacity.retry":
        condition = keyword(decorator, "retry")
        if isinstance(condition, ast.Call) and condition.args:
            made = analysis.value(condition.func)
            if isinstance(made, Sym) and made.path == "tenacity.retry_if_exception_type":
                named = condition.args[0]
    if named is None:
        return False
    raised = cut_facts(analysis, client, settings).raised
    return analysis.catches(analysis.handler_class(named), client, raised) == "no"


def _remote(analysis: Analysis, loops: list[RetryLoop], reported: set[int]) -> Iterator[Finding]:
    """A retry whose attempt calls a function of another module of the tree that shows a
    stream chunk by chunk: reported at that call (the stream loop is in the other file)."""
    document = analysis.document
    for retry in loops:
        for statement in retry.attempt.body:
            for node in (statement, *walk_function(statement)):
                if not isinstance(node, ast.Call) or id(node) in reported:
                    continue
                found = remote_shown(analysis, node, _how)
                override = False
                if found is None:
                    found = override_shown(analysis, node, _how)
                    override = found is not None
                if found is None or leaves_stream_off(found, node):
                    continue
                reported.add(id(node))
                begin, end = document.span(node.func)
                key = callee_key(analysis, node)
                called = f"{found.function}() of {found.module}"
                if override:
                    text = " ".join(document.text_of(node.func).split())
                    called = f"`{text}()`, which runs the override {called},"
                elif key is not None and key[1] != found.function:
                    text = " ".join(document.text_of(node.func).split())
                    called = f"`{text}(...)` (through {called})"
                yield RULE.report(
                    document.source,
                    begin,
                    end,
                    f"the retry loop on line {retry.loop.lineno} calls {called} again after a "
                    f"failure, and it reads {article(found.client)} "
                    f"{found.client} stream (its line {found.line}) whose chunks were already "
                    f"{found.how} (its line {found.shown}): a cut stream repeats the answer's first "
                    f"part to the user; buffer the answer, resume it, or tell the consumer to discard "
                    f"what it got",
                )


def _called_again(analysis: Analysis, reported: set[int]) -> Iterator[Finding]:
    """``try: answer(...)`` ``except ...: answer(...)``: the handler calls again the function
    the ``try`` called, and that function (of another module, or a method found by name) shows
    a stream chunk by chunk: the retry repeats what the first attempt showed. Reported at the
    second call."""
    document = analysis.document
    for attempt in analysis.tries:
        if not attempt.handlers:
            continue
        first: dict[tuple[str, str], ast.Call] = {}
        for statement in attempt.body:
            for node in (statement, *walk_function(statement)):
                if isinstance(node, ast.Call):
                    key = callee_key(analysis, node)
                    if key is not None:
                        first.setdefault(key, node)
        if not first:
            continue
        for handler in attempt.handlers:
            for statement in handler.body:
                for node in (statement, *walk_function(statement)):
                    if not isinstance(node, ast.Call) or id(node) in reported:
                        continue
                    key = callee_key(analysis, node)
                    if key is None or key not in first:
                        continue
                    found = remote_shown(analysis, node, _how)
                    if found is None or leaves_stream_off(found, first[key]):
                        continue
                    reported.add(id(node))
                    begin, end = document.span(node.func)
                    called = " ".join(document.text_of(node.func).split())
                    reads = (
                        f"{found.function}() of {found.module}"
                        if key[1] == found.function
                        else f"{called}() (through {found.function}() of {found.module})"
                    )
                    yield RULE.report(
                        document.source,
                        begin,
                        end,
                        f"this handler calls `{called}(...)` again after the call on line "
                        f"{first[key].lineno} failed; {reads} reads "
                        f"{article(found.client)} {found.client} stream (its line {found.line}) "
                        f"whose chunks the first call had already {found.how} (its line "
                        f"{found.shown}): a cut stream repeats the answer's first part to the "
                        f"user; buffer the answer, resume it, or tell the consumer to discard "
                        f"what it got",
                    )


_how = how_shown


RULE = Rule(
    code="PY005",
    name="stream-retry-repeats-output",
    kind="python",
    summary="a retry that restarts a stream after part of it was already yielded or printed",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds a stream that is yielded or shown chunk by chunk inside a retry: a `for`/`while` loop
whose `try` holds the stream loop, leaves the retry loop on success and goes round again
from its handler; or a retry decorator on a (non-generator) function that shows the stream.
Showing is a `yield`, a `print`, a `.write()`/`.send()`/`.put()`..., or a call of a function
named `*handler`, `*callback` or `on_*` (`on_token(text)`, `stream_handler(chunk)`).
The retried call is followed into the functions of the same file it calls (nested functions
too, up to three calls deep): a helper that shows the chunks as they come, or a generator
whose chunks the attempt yields or shows, repeats them just the same. A retry in a base class
that calls `self.method()` is followed into the overrides of `method` in the subclasses of
other modules (found among the files that import the base class's module).
A handler that first checks something the stream loop sets (`if yielded_any: raise`) retries
only while nothing was shown, and is not reported. A loop that reads the user's next message on
each pass (`input()`, `click.prompt`, a prompt_toolkit session's `.prompt()`, ... outside its
handlers) is a conversation, not a retry: going round sends a new request.

Where it reports: at what restarts the stream, the retry loop's header (`for attempt in
range(3)`) or the retrying decorator, when the stream is read inside it; at the call in the
attempt (or in the handler) when the stream is read in a function it calls. The message names
the line of the stream loop and where its chunks go out.

## Why is this bad
When the stream is cut after some chunks, the retry starts the generation again from the
beginning, and the consumer receives the first part of the answer twice ("Hello wor" +
"Hello world..."). The "retry once" workaround often shown for stream errors has this flaw.

## Fix safety
No fix. A correct retry buffers the answer and shows it once complete, resumes from what was
received (where the API supports it), or signals the consumer to discard the partial answer
before the new attempt.

## References
- KNOWLEDGE.md section 3
""",
)
