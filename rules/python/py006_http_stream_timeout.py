"""PY006 http-stream-timeout: raw HTTP streams with no timeout, httpx's 5 s default, aiohttp's
300 s total, or a read timeout shorter than a slow first token."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Fix, Severity
from linter.python.analysis import Analysis, StreamStart, analysis_of
from linter.python.document import PythonDocument
from linter.python.edits import add_keyword
from linter.python.rewrites import spelling, with_imports
from linter.python.timeouts import TimeoutState, http_timeout
from linter.registry import Option, Rule

_REQUESTS_TIMEOUT = "(10, 300)"


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    minimum = float(settings.option(RULE, "min-read-timeout"))
    for start in analysis.starts:
        if not start.http:
            continue
        state = http_timeout(analysis, start, minimum)
        if state.risk:
            yield _finding(analysis, start, state, minimum)


def _finding(
    analysis: Analysis, start: StreamStart, state: TimeoutState, minimum: float
) -> Finding:
    document = analysis.document
    source = document.source
    call = start.call
    begin, end = document.span(call.func)
    name = " ".join(document.text_of(call.func).split())
    library = start.http
    place = f" (set on line {state.ctor.lineno})" if state.ctor and state.node else ""
    if state.env:
        place += (
            f" ({state.seconds:g} s is the code's default for `{state.env}`, used when that "
            f"variable is not set)"
        )
    # A stream known as one only by its URL (its name, or a route of the project's app that
    # answers with events): that is the evidence.
    evidence = analysis.evidence_words(start)
    evidence = f" ({evidence})" if evidence else ""
    if state.kind == "missing":
        fix = RULE.make_fix(
            add_keyword(document, call, "timeout", _REQUESTS_TIMEOUT),
            f"add `timeout={_REQUESTS_TIMEOUT}`",
        )
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(..., stream=True)`{evidence} has no timeout: requests waits forever, so a "
            f"stalled stream "
            f"hangs the program; pass `timeout={_REQUESTS_TIMEOUT}` (connect, per-read seconds)",
            fix=fix,
        )
    if state.kind == "default" and library in ("httpx", "httpx2"):
        made = "" if state.ctor is None else f" (the client on line {state.ctor.lineno} sets none)"
        read = max(300.0, minimum)
        value, fix = _timeout_fix(
            analysis,
            call,
            f"{library}.Timeout",
            f"(10.0, read={read!r})",
            f"raise {library}'s 5 s default:",
        )
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(...)` streams on {library}'s default timeout of 5 s for every read{made}: a first token "
            f"slower than 5 s raises {library}.ReadTimeout; pass `timeout={value}`",
            fix=fix,
        )
    if state.kind == "default":
        read = max(300, int(minimum))
        value, fix = _timeout_fix(
            analysis,
            call,
            "aiohttp.ClientTimeout",
            f"(total=None, sock_connect=30, sock_read={read})",
            "bound each read instead of the whole stream:",
        )
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(...)` streams on aiohttp's default `ClientTimeout(total=300)`, which counts the "
            f"body: a stream longer than 5 minutes is cut; pass `timeout={value}`",
            fix=fix,
        )
    if state.kind == "none" and state.why and state.node is not None:
        shown = " ".join(document.text_of(state.node).split())
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(..., stream=True)`{evidence} runs with `timeout={shown}`{place}, which is "
            f"None on every path this file shows ({state.why}): no timeout, so a stalled stream "
            f"hangs forever; pass `timeout={_REQUESTS_TIMEOUT}` or give it a default",
        )
    if state.kind == "none":
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(..., stream=True)`{evidence} has `timeout=None`{place}: a stalled stream "
            f"hangs forever; "
            f"pass `timeout={_REQUESTS_TIMEOUT}`",
        )
    seconds = state.seconds or 0.0
    if state.kind == "read":
        return RULE.report(
            source,
            begin,
            end,
            f"`{name}(...)` streams with a read timeout of {seconds:g} s{place}, under {minimum:g} s: a slow "
            f"first token or a pause in the stream cuts it; raise the read timeout",
        )
    written = (
        f"aiohttp `ClientTimeout(total={seconds:g})`"
        if isinstance(state.node, ast.Call)
        or state.node is None
        or _names_a_call(analysis, state.node)
        else f"`timeout={seconds:g}`, which aiohttp reads as `ClientTimeout(total={seconds:g})`"
    )
    return RULE.report(
        source,
        begin,
        end,
        f"`{name}(...)` streams with {written}{place}; the total counts the body: a stream longer "
        f"than {seconds:g} s is cut; use `total=None` with `sock_read=`",
    )


def _names_a_call(analysis: Analysis, node: ast.expr) -> bool:
    """``timeout=timeout`` where the name is bound to a call (``aiohttp.ClientTimeout(...)``)."""
    if not isinstance(node, ast.Name):
        return False
    found = analysis.lookup(node.id, analysis.scope(node), analysis.document.start(node))
    return found is not None and found[0] == "expr" and isinstance(found[1], ast.Call)


def _timeout_fix(
    analysis: Analysis, call: ast.Call, factory: str, arguments: str, why: str
) -> tuple[str, Fix]:
    """The ``timeout=`` value to pass (``factory`` as this file names it) and the fix that
    adds it to the call, with ``import`` of the library when the file has none usable."""
    document = analysis.document
    assert document.tree is not None
    spelled, module = spelling(document.tree, factory)
    value = f"{spelled}{arguments}"
    edits = add_keyword(document, call, "timeout", value)
    imports = (module,) if module else ()
    fix = RULE.make_fix(
        with_imports(document.path, document.source.text, edits, imports),
        f"{why} add `timeout={value}`" + (f" and `import {module}`" if module else ""),
    )
    return value, fix


def _seconds(value: object) -> float:
    text = str(value).strip().lower().rstrip("s")
    number = float(text)
    if number <= 0:
        raise ValueError("must be a positive number of seconds")
    return number


RULE = Rule(
    code="PY006",
    name="http-stream-timeout",
    kind="python",
    summary="a raw HTTP stream with no timeout, a 5 s default, or a timeout that cuts it",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    options=(
        Option(
            "min-read-timeout",
            30,
            "the shortest read timeout (seconds) a stream may have",
            _seconds,
        ),
    ),
    doc="""\
## What it does
Looks at streamed raw HTTP requests: `requests` with `stream=True` and no `timeout=` (or
`timeout=None`); `httpx.stream()`/`client.stream()`/`connect_sse()` on httpx's default
timeout (the client made in the same file sets none); aiohttp requests on a `ClientSession`
with the default `ClientTimeout(total=300)` or another `total`; and any explicit read timeout
under `min-read-timeout` (30 s). aiohttp reads a bare number (`timeout=30`) as
`ClientTimeout(total=30)`, and it is treated so. A value read from the environment with a
default in the code (`int(os.getenv("TIMEOUT", 5))`) is judged by that default, which is what
runs when the variable is not set (the message names the variable). A client taken as a
parameter whose default is the library (`def __init__(self, http_client=requests)`) and that no
caller of the file replaces is that library.

Only LLM or SSE streams count (the evidence PY001 describes); an aiohttp request counts only
when the file iterates its body (`.json()`, `.text()` and `.read()` read it whole).

## Why is this bad
`requests` has no timeout at all: a stalled stream blocks the program forever. httpx's default
is 5 s for every read, so a model that thinks for more than 5 seconds before its first token
kills the stream. aiohttp's `total` counts the body, so every stream longer than 5 minutes is
cut. A short read timeout cuts streams during pauses.

## Fix safety
Safe, and only where the library's default applies (an explicit timeout is the program's
choice, so it gets no fix):
- `requests` without a timeout: the fix adds `timeout=(10, 300)` (10 s to connect, 300 s
  between two reads), which changes nothing for a working stream and turns a hang into an
  exception.
- httpx on its 5 s default: `timeout=httpx.Timeout(10.0, read=300.0)` (10 s to connect, write
  and wait for the pool, 300 s per read): every limit gets longer, so only streams the
  default cut now finish.
- aiohttp on `ClientTimeout(total=300)`: `timeout=aiohttp.ClientTimeout(total=None,
  sock_connect=30, sock_read=300)`: no limit on the whole answer, 300 s per read, the same
  30 s to connect; a read can only wait 300 s once 300 s have passed, which the old total
  had already cut.

The keyword goes on the streaming call (in the style of its other arguments); when the file
does not import the library under its name (`from httpx import AsyncClient` only), the fix
adds `import httpx` at the top.

## References
- requests: timeouts ("requests does not time out unless you set one")
- httpx: timeouts (5 s default); aiohttp: `ClientTimeout`
""",
)
