"""PY001 unguarded-stream-loop: a stream iterated with nothing that catches a cut stream."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.analysis import Analysis, analysis_of
from linter.python.analysis.model import Consumer, Iteration
from linter.python.analysis.nodes import line_of
from linter.python.cut_errors import consumer_raised
from linter.python.document import PythonDocument
from linter.python.explain import CutFacts, article, cut_facts, handler_text, seen_as
from linter.registry import Option, Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    moved: set[int] = set()  # consumer loops reported (one finding each, however many feed it)
    reading_loops = reports_reading_loop(settings)
    # Functions whose read of a stream is reported beside its consumer's loop: one finding
    # each (three ``anext()`` reads in a row are one place to guard).
    readers: set[tuple[int, int]] = set()
    for iteration in analysis.iterations:
        start = iteration.stream
        facts = cut_facts(analysis, start.client, settings)
        raised = consumer_raised(facts.raised, start.translated)
        verdict = analysis.guard_of(iteration.node, start.client, raised)
        if verdict.guarded or verdict.missed or verdict.unknown:
            # Guarded; or PY003 reports the handlers that look like guards; or its callers
            # could not be followed (no unguarded one was found).
            continue
        if verdict.consumers:
            # The generator's chunks are really consumed by loops of this file (past any
            # relays): those are reported (and this loop too with `report-reading-loop`).
            yield from _consumers(
                analysis, iteration, verdict.consumers, seen_as(facts, verdict.translated), moved
            )
        instead = analysis.guard_of(iteration.node, start.client, raised, local=True).translated
        if (verdict.elsewhere or verdict.consumers) and (
            start.origin or not reading_loops or instead
        ):
            # Reported once, at the loop that consumes it (issue 11 item 1), not at each layer
            # on the way; with `report-reading-loop`, the loop that reads the stream itself is
            # reported too (a relay of another module's generator never is, nor a loop whose
            # handler raises another exception for the cut: the consumer misses that one).
            continue
        if verdict.elsewhere or verdict.consumers:
            key = (id(iteration.function.node), id(start.call))
            if key in readers:
                continue
            readers.add(key)
        line = start.call.lineno
        where = "in the same statement" if line == iteration.node.lineno else f"on line {line}"  # type: ignore[attr-defined]
        what = iteration.what
        why = verdict.why
        if verdict.consumers:
            lines = sorted({line_of(node) for node, _, _ in verdict.consumers})
            if len(lines) == 1:
                why = f"nor has its consumer here on line {lines[0]}, reported too"
            else:
                listed = ", ".join(map(str, lines))
                why = f"nor have its consumers here on lines {listed}, reported too"
        elif verdict.elsewhere:
            why = f"{why}, reported there too"
        reading, ended, wrapped = _READS.get(what, ("over", "the loop", "the loop"))
        client = f"{article(start.client.name)} {start.client.name}"
        handler = _handler_words(instead)
        gave_up = analysis.gives_up_around(iteration.node, start.client, facts.raised)
        if gave_up is not None:
            shown = handler_text(analysis, gave_up)
            handler = (
                f"is retried by `{shown}` (line {gave_up.lineno}), which re-raises once the "
                f"attempts are spent, so a cut still reaches the caller"
            )
        facts = seen_as(facts, start.translated)
        evidence = analysis.evidence_words(start) if start.http else ""
        evidence = f"; {evidence}" if evidence else ""
        message = (
            f"`{what}` {reading} {client} stream ({start.api} {where}{evidence}) {handler} "
            f"({why}): a dropped connection raises "
            f"{facts.exception} here{facts.note}, which ends {ended} mid-answer; "
            f"{_advice(instead, wrapped, facts)}"
        )
        yield RULE.report(document.source, iteration.start, iteration.end, message)


def _consumers(
    analysis: Analysis,
    iteration: Iteration,
    consumers: tuple[Consumer, ...],
    facts: CutFacts,
    moved: set[int],
) -> Iterator[Finding]:
    start = iteration.stream
    client = f"{article(start.client.name)} {start.client.name}"
    for node, via, why in consumers:
        consumer = _consumer_span(analysis, node)
        if consumer is None or id(node) in moved:
            continue
        moved.add(id(node))
        what, begin, end = consumer
        # The loop reads the outermost relay: named first, then what each relays.
        names = [*reversed(via), iteration.function.name]
        relays = "".join(f"which relays {name}(), " for name in names[1:])
        reading, ended, wrapped = _READS.get(what, ("over", "the loop", "the loop"))
        instead = analysis.guard_of(node, start.client, facts.raised, local=True).translated
        handler = _handler_words(instead)
        message = (
            f"`{what}` {reading} {names[0]}() ({relays}a generator of this file yielding "
            f"{client} stream: {start.api} on line {start.call.lineno}) {handler} "
            f"({why}): a dropped connection raises {facts.exception} "
            f"here{facts.note}, which ends {ended} mid-answer; "
            f"{_advice(instead, wrapped, facts)}"
        )
        yield RULE.report(analysis.document.source, begin, end, message)


def _handler_words(instead: tuple[str, ...]) -> str:
    """How a message says what handles the cut where the stream is read: nothing, or a
    handler that raises another exception (``raise HTTPException(500)`` in a generator)."""
    if instead:
        return (
            f"has only a handler that raises `{instead[0]}` instead, mid-answer, which no "
            f"caller catches"
        )
    return "has no handler for a cut stream"


def _advice(instead: tuple[str, ...], wrapped: str, facts: CutFacts) -> str:
    if instead:
        return (
            "have that handler tell the user the answer is incomplete (an error chunk or "
            "event) rather than raise"
        )
    return (
        f"wrap {wrapped} in `try:` ... `except {facts.suggest}:` and tell the user the answer "
        f"is incomplete"
    )


def _consumer_span(analysis: Analysis, node: ast.AST) -> tuple[str, int, int] | None:
    """How a consumer loop of a generator is named, and the span to report (its header)."""
    doc = analysis.document
    if isinstance(node, (ast.For, ast.AsyncFor)):
        what = "async for" if isinstance(node, ast.AsyncFor) else "for"
        return what, doc.start(node), doc.end(node.iter)
    if isinstance(node, ast.comprehension):
        return ("comprehension", *doc.span(node.iter))
    if isinstance(node, ast.YieldFrom):
        return ("yield from", *doc.span(node))
    if isinstance(node, ast.Call):
        kind = analysis.spelling(node)
        names = {
            "join": "str.join()",
            "write_stream": "st.write_stream()",
            "__next__": "next()",
            "__anext__": "anext()",
            "": "next()",
        }
        what = names.get(kind, f"{kind}()")
        return (what, *doc.span(node))
    return None


# How a message names each way of reading a stream: the preposition, what a cut ends, and
# what to wrap (a ``next()`` call is no loop).
_READS = {
    "for": ("over", "the loop", "the loop"),
    "async for": ("over", "the loop", "the loop"),
    "comprehension": ("over", "the comprehension", "the statement"),
    "next()": ("on", "the read", "the `next()` call"),
    "anext()": ("on", "the read", "the `anext()` call"),
    "__next__()": ("on", "the read", "the `__next__()` call"),
    "__anext__()": ("on", "the read", "the `__anext__()` call"),
    "yield from": ("of", "the `yield from`", "the `yield from`"),
    "st.write_stream()": ("of", "the write", "the `st.write_stream()` call"),
}


def reports_reading_loop(settings: Settings) -> bool:
    """Whether the loop that reads a stream is reported beside its unguarded consumer's."""
    return bool(settings.option(RULE, "report-reading-loop"))


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


RULE = Rule(
    code="PY001",
    name="unguarded-stream-loop",
    kind="python",
    summary="a stream loop that nothing guards against a cut connection",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    options=(
        Option(
            "report-reading-loop",
            False,
            "true: also report the loop that reads the stream (the SDK loop of a provider "
            "generator) beside its unguarded consumer's loop (either place can take the "
            "guard); false: only the consumer's loop, where a guard can tell the user the "
            "answer is incomplete",
            _flag,
        ),
    ),
    doc="""\
## What it does
Finds iteration (`for`, `async for`, a comprehension, `next()`, `yield from`) over an LLM or
HTTP stream with no enclosing `try` whose handlers can catch what a cut stream raises for that
client and version. Streams are recognised through the file's imports and assignments: openai
(chat, completions and responses with `stream=True`, and the `.stream()` managers; before 1.0,
`openai.ChatCompletion.create/acreate` and `openai.Completion.create`), anthropic
(`messages.create(stream=True)`, `messages.stream()` and `text_stream`), litellm
(`completion`, `acompletion`, Router), ollama, google-genai, the legacy google-generativeai
(`GenerativeModel.generate_content(stream=True)`, a chat session's `send_message(stream=True)`,
also on a model or session imported from a module of the tree that imports the SDK, with a
literal `stream=True`;
what its gRPC stream raises on a cut is not verified, so handlers naming google api_core or
grpc classes are given the benefit of the doubt), volcengine Ark, zhipuai, dashscope
(`Generation.call(stream=True)`), mistralai, cohere, groq,
together, fireworks, AWS Bedrock through boto3 (`converse_stream`'s `response["stream"]`,
`invoke_model_with_response_stream`'s `"body"`; what a cut raises is not verified, so botocore's
and urllib3's classes get the benefit of the doubt), huggingface_hub, LangChain `.stream()`/`.astream()`/`.astream_events()`, LlamaIndex (`stream_chat`,
`astream_chat`, `stream_complete` and a streaming response's `response_gen`), httpx
(`client.stream`, `httpx.stream`, `connect_sse`), requests (`stream=True` with
`iter_lines`/`iter_content`) and aiohttp response content.

A raw HTTP stream counts only with evidence in the file that it carries an LLM answer or
server-sent events: it is read line by line (`iter_lines`, `aiter_lines`, SSE helpers, `async
for line in response.content`), the loop parses `data:` events, the URL is a generation or
event endpoint (`/chat/completions`, `/api/generate`, `/v1/messages`, `/events`, ...; an
f-string or `self.url` set once in the class counts), the URL is held by a name that says LLM
(`LLM_ENDPOINT`, `config.ollama_url`, an `inference` URL), the JSON body (a dict literal, or one a
function of the file returns) has generation keys (`messages`, `prompt`, `max_tokens`,
`stream`, ...) or the request asks for `text/event-stream`. File downloads and audio streams
are left alone, and so is a loop that leaves on its first line (`async for line in
response.content: return json.loads(line)`: one reply read, as `response.json()` reads it) and a
PATCH, PUT or DELETE request (no API generates an answer through one) unless its loop parses
server-sent events. A response the file does not make (a helper of another module sent the
request) counts when the loop reads its `iter_lines()` as server-sent events (`data:` lines)
or as Ollama's JSON lines (`json.loads(line)` and its `"done"` key). Test code is left alone
too: functions named `test*`, pytest fixtures and `Test*` classes in test modules
(`test_*.py`, `*_test.py`, `conftest.py`), whose streams run against mocks; a `test*` function
that the module's `if __name__ == "__main__":` block calls (itself, or through the module's
own functions: `main()` running `test_stream()`) is a script's entry, and counts.

A guard is a `try` around the loop in the same function whose handlers catch the exception
(`Exception`, the transport class or its bases, or the SDK class where the SDK maps transport
errors; an exception class of the file counts through its bases, so `class
QuotaError(Exception)` catches nothing a library raises), a `with contextlib.suppress(...)` or a `@contextmanager` of the same file that
catches around its `yield`, or a retry decorator (tenacity, backoff) on a plain function.
A handler that raises another exception instead (`except httpx.HTTPError: raise
LLMError(...)`, `raise HTTPException(500)`) guards nothing in a generator (chunks were already
handed out) nor at module level (no caller is left): the generator's consumers are judged
against that class (`except LLMError:`, or any class of the project, guards them), and the
loop with such a handler is not reported itself while a consumer is. A
context manager from another module named for what it does with errors (`with
stream_guard(...)`, `with handle_errors():`) gets the benefit of the doubt.
When the loop sits in a function, every call of that function in the same file must be
guarded (for a generator: where it is iterated), up to four calls up; so must every call of a
module-level function from the other modules of the linted tree (found through their imports,
relative or absolute). A generator (or a function that returns a stream) another module iterates
without a guard is reported once, at that module's loop, naming the generator and its module
(its own loop, which reads the stream, is not reported: the consumer is where a guard can tell
the user the answer is incomplete); one no module of the tree iterates (a library's public
function) is reported once at its own loop. A relay (a generator whose loop only passes the
chunks on: `for c in inner(): yield c`, `yield from inner()`) is not where the stream is
consumed: the verdict goes up to the relay's consumers, and the finding lands at the outermost
loop that really consumes it (in the same file too), naming the relays; neither a relay's own
loop nor the loop that reads the stream is reported. With the option `report-reading-loop`,
the loop that reads the stream is reported too, naming its consumer (nothing on the way catches
a cut: either place can take the guard); a relay's loop, and a loop whose handler raises another
exception for the cut, stay silent either way. A generator
handed to a framework's response (`StreamingResponse(gen())`) is reported at the loop the
framework runs, its own or its relay's. A method called through an instance
(`await self.provider.stream_turn(...)`) is followed by its name across the tree: when every
call of that name guards (up its own callers), the loop is guarded; a consumer loop that
iterates such a generator method unguarded is reported there when the tree defines that name in
one file and class only (else at the method's own loop). A method called on an instance of
another module's class (`client = Assistant()`, `self.client = Assistant()`, `client:
Assistant`) is that class's, whatever its name (`run` too): a generator method yielding a
stream's chunks, or one returning such a generator (`return self.run_and_stream(...)`), makes
the caller's loop over its result a stream loop, reported there when unguarded. Imports are
resolved as Python would find them, also a monorepo's packages installed from a folder of the
tree (`packages/python/core`, a distribution's root preferred) and names a package's
`__init__` re-exports. A decorator of the project whose
wrapper iterates the generator inside a catching `try` (retry on overload) guards it, whoever
calls it. A `try` around the creation of a generator (`return gen()`, `return
StreamingResponse(gen())`) guards nothing of its iteration, which happens later, outside it.
Nor does a `try` around starting a thread: a function run by `threading.Thread(target=f)` is
judged inside itself alone (what it raises ends the thread; the message says whether the reader
of the queue it feeds then waits forever or takes an end marker for a complete answer); one run
by `asyncio.to_thread(f)`, `loop.run_in_executor(None, f)` or `executor.submit(f)` (f itself, a
`lambda` calling it, or `functools.partial(f, ...)`) is judged
where its future is awaited or its `result()` read; one started and dropped at once
(`asyncio.create_task(f())` as a statement, not a task group's `create_task`) is guarded by
nothing, as what it raises is never retrieved. A generator method that several classes of
one module define (the providers of one interface; the others only declare it, abstract) is
followed by its name like one defined once, and so is one defined once beside an abstract
declaration of its name (`@abstractmethod async def query(...)` in the base class). A name
annotated with a class of the tree and bound to something the file cannot follow (`llm_api: Llm
= settings.LLM_API`) is an instance of that class; an argument handed on by keyword
(`relay(source=llm.query(...))`) is read where that parameter is. A stream or a generator handed as an argument to a
function of the file (`show(tokens())`), or to an instance whose class has `__call__`
(`printer(tokens())`), is consumed where that function reads the parameter.
Iteration counts however it is spelled:
`enumerate`, `zip`, `map`, `filter`, `itertools`, `list()`, `"".join()`, `next()`,
`it.__anext__()` (also on `it = stream.__aiter__()`). A client the file cannot follow is
inferred from a distinctive call (`.chat.completions.create(...)`, `.messages.stream(...)`,
`.astream(...)`) when the file imports that SDK, or when the receiver is made by a module of the
tree that imports it (`client = config.openai_client()`), and the message says so; a loop over a
parameter whose items are read as `chunk.choices[0].delta` iterates an OpenAI-style chat stream
(inferred too). A generator handed to a function of another module that iterates its parameter
inside a catching `try` (`EventSourceResponse(to_sse(gen()))`) is guarded there. A function that is not
called in the file, or is passed on (a callback), is not guarded. `try/finally` alone is no
guard, nor a handler that re-raises. When handlers are there but cannot catch, PY003 reports
them instead.

## Why is this bad
Streams are cut: a proxy's read timeout, a restarted backend, a mobile connection. The SDKs
retry only the initial request, never a stream that has started, and most do not turn the
transport error into their own exception (openai before 3.14, anthropic, ollama). The
exception escapes the loop, the user sees half an answer and then a stack trace or nothing.

## Fix safety
No fix: what to do with a partial answer (show it as incomplete, retry from scratch, resume)
is the program's choice. The message names the exception to catch.

## References
- KNOWLEDGE.md section 3 (verified with a loopback server that drops a stream)
- openai-python: streaming responses; anthropic-sdk-python: streaming helpers
""",
)
