"""PY006 http-stream-timeout: raw HTTP streams with no timeout, httpx's 5 s default, aiohttp's
300 s total, or a read timeout shorter than a slow first token."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.python.analysis import Analysis, StreamStart, Sym, analysis_of, has_star_kwargs, keyword
from linter.python.document import PythonDocument
from linter.python.edits import add_keyword
from linter.registry import Option, Rule

_REQUESTS_TIMEOUT = "(10, 300)"


def _number(analysis: Analysis, node: ast.AST | None, depth: int = 0) -> float | None:
    if node is None or depth > 3:
        return None
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.Name):
        found = analysis.lookup(node.id, analysis.scope(node), analysis.document.start(node))
        if (
            found is not None
            and found[0] == "expr"
            and len(found[2].bindings.get(node.id, ())) == 1
        ):
            return _number(analysis, found[1], depth + 1)  # type: ignore[arg-type]
    return None


def _read_timeout(analysis: Analysis, node: ast.AST, library: str) -> tuple[str, float | None]:
    """("none", _) for an explicit None, ("read", seconds) when the read timeout is known,
    ("total", seconds) for aiohttp's total, ("unknown", None) otherwise."""
    if isinstance(node, ast.Constant) and node.value is None:
        return "none", None
    read: ast.expr | None
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:
        read = node.elts[1]
        if isinstance(read, ast.Constant) and read.value is None:
            return "none", None
        return "read", _number(analysis, read)
    value = _number(analysis, node)
    if value is not None:
        return "read", value
    if isinstance(node, ast.Call):
        func = analysis.value(node.func)
        path = func.path if isinstance(func, Sym) else ""
        if path.endswith(".Timeout") and library in ("httpx", "httpx2"):
            read = keyword(node, "read")
            if read is None and node.args:
                read = node.args[0]
            if read is None:
                read = keyword(node, "timeout")
            if isinstance(read, ast.Constant) and read.value is None:
                return "none", None
            return "read", _number(analysis, read)
        if path.endswith("ClientTimeout") and library == "aiohttp":
            sock_read = keyword(node, "sock_read")
            if sock_read is not None:
                return "read", _number(analysis, sock_read)
            total = keyword(node, "total")
            if total is None and node.args:
                total = node.args[0]
            if total is None:
                return "total", 300.0
            if isinstance(total, ast.Constant) and total.value is None:
                return "none", None
            return "total", _number(analysis, total)
    if isinstance(node, ast.Name):
        found = analysis.lookup(node.id, analysis.scope(node), analysis.document.start(node))
        if found is not None and found[0] == "expr" and isinstance(found[1], ast.Call):
            return _read_timeout(analysis, found[1], library)
    return "unknown", None


def _client_ctor(analysis: Analysis, start: StreamStart) -> tuple[bool, ast.Call | None]:
    """(made by a module function, the client's constructor call when seen)."""
    func = analysis.value(start.call.func)
    if isinstance(func, Sym) and not func.path.startswith("@"):
        if start.api.startswith(("connect_sse", "aconnect_sse")) and start.call.args:
            client = analysis.value(start.call.args[0])
            return False, client.ctor if isinstance(client, Sym) else None
        return True, None
    return False, start.ctor


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    minimum = float(settings.option(RULE, "min-read-timeout"))
    for start in analysis.starts:
        if not start.http:
            continue
        yield from _check_start(analysis, start, minimum)


def _check_start(analysis: Analysis, start: StreamStart, minimum: float) -> Iterator[Finding]:
    document = analysis.document
    call = start.call
    begin, end = document.span(call.func)
    name = " ".join(document.text_of(call.func).split())
    timeout = keyword(call, "timeout")
    if start.http == "requests":
        if timeout is None:
            if has_star_kwargs(call):
                return
            fix = RULE.make_fix(
                add_keyword(document, call, "timeout", _REQUESTS_TIMEOUT),
                f"add `timeout={_REQUESTS_TIMEOUT}`",
            )
            yield RULE.report(
                document.source,
                begin,
                end,
                f"`{name}(..., stream=True)` has no timeout: requests waits forever, so a stalled stream "
                f"hangs the program; pass `timeout={_REQUESTS_TIMEOUT}` (connect, per-read seconds)",
                fix=fix,
            )
            return
        yield from _explicit(analysis, start, timeout, "requests", minimum, name, begin, end)
        return
    library = start.http
    if timeout is not None:
        yield from _explicit(analysis, start, timeout, library, minimum, name, begin, end)
        return
    if has_star_kwargs(call):
        return
    module_call, ctor = _client_ctor(analysis, start)
    if not module_call:
        if ctor is None:
            return  # the client was made elsewhere: its timeout is unknown
        ctor_timeout = keyword(ctor, "timeout")
        if ctor_timeout is not None:
            yield from _explicit(
                analysis, start, ctor_timeout, library, minimum, name, begin, end, where=ctor.lineno
            )
            return
        if has_star_kwargs(ctor):
            return
    if library in ("httpx", "httpx2"):
        made = "" if module_call else f" (the client on line {ctor.lineno} sets none)"  # type: ignore[union-attr]
        yield RULE.report(
            document.source,
            begin,
            end,
            f"`{name}(...)` streams on {library}'s default timeout of 5 s for every read{made}: a first token "
            f"slower than 5 s raises {library}.ReadTimeout; pass `timeout={library}.Timeout(10, read={int(minimum * 10)})`",
        )
    elif library == "aiohttp":
        yield RULE.report(
            document.source,
            begin,
            end,
            f"`{name}(...)` streams on aiohttp's default `ClientTimeout(total=300)`, which counts the "
            f"body: a stream longer than 5 minutes is cut; pass "
            f"`timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read={int(minimum * 10)})`",
        )


def _explicit(
    analysis: Analysis,
    start: StreamStart,
    node: ast.AST,
    library: str,
    minimum: float,
    name: str,
    begin: int,
    end: int,
    where: int | None = None,
) -> Iterator[Finding]:
    kind, seconds = _read_timeout(analysis, node, library)
    place = f" (set on line {where})" if where else ""
    source = analysis.document.source
    if kind == "none" and library == "requests":
        yield RULE.report(
            source,
            begin,
            end,
            f"`{name}(..., stream=True)` has `timeout=None`{place}: a stalled stream hangs forever; "
            f"pass `timeout={_REQUESTS_TIMEOUT}`",
        )
    elif kind == "read" and seconds is not None and seconds < minimum:
        yield RULE.report(
            source,
            begin,
            end,
            f"`{name}(...)` streams with a read timeout of {seconds:g} s{place}, under {minimum:g} s: a slow "
            f"first token or a pause in the stream cuts it; raise the read timeout",
        )
    elif kind == "total" and seconds is not None and library == "aiohttp":
        yield RULE.report(
            source,
            begin,
            end,
            f"`{name}(...)` streams with aiohttp `ClientTimeout(total={seconds:g})`{place}, which counts the "
            f"body: a stream longer than {seconds:g} s is cut; use `total=None` with `sock_read=`",
        )


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
under `min-read-timeout` (30 s).

## Why is this bad
`requests` has no timeout at all: a stalled stream blocks the program forever. httpx's default
is 5 s for every read, so a model that thinks for more than 5 seconds before its first token
kills the stream. aiohttp's `total` counts the body, so every stream longer than 5 minutes is
cut. A short read timeout cuts streams during pauses.

## Fix safety
Safe for `requests` without a timeout: the fix adds `timeout=(10, 300)` (10 s to connect, 300 s
between two reads), which changes nothing for a working stream and turns a hang into an
exception. The other cases have no fix: which timeout a program wants is its choice.

## References
- requests: timeouts ("requests does not time out unless you set one")
- httpx: timeouts (5 s default); aiohttp: `ClientTimeout`
""",
)
