"""The timeout a raw HTTP stream runs with (requests, httpx, aiohttp): set on the call, on the
client's constructor, or the library's default. Shared by PY006 and `streamproof audit`, so
the audit's "timeout" column is a risk exactly where PY006 reports."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, StreamStart, Sym, has_star_kwargs, keyword
from linter.python.none_values import always_none
from linter.record import record


@record
class TimeoutState:
    """``kind``: "missing" (requests without ``timeout=``), "none" (an explicit None),
    "default" (httpx's 5 s, aiohttp's ``total=300``), "read" (a read timeout, ``seconds`` when
    known), "total" (aiohttp's ``total``), "unknown" (made elsewhere, ``**kwargs``).
    ``node`` is the timeout expression, ``ctor`` the client constructor it was read from (or
    that sets none), ``risk`` whether PY006 reports it."""

    kind: str
    seconds: float | None = None
    node: ast.expr | None = None
    ctor: ast.Call | None = None
    risk: bool = False
    why: str = ""  # for "unknown": what hides it; for "none" not written so: why it is None
    # The seconds are the code's default for an environment variable (``int(os.getenv(
    # "OLLAMA_TIMEOUT", 5))``): its name, for the message.
    env: str = ""


def number(
    analysis: Analysis, node: ast.AST | None, depth: int = 0, notes: list[str] | None = None
) -> float | None:
    """The number ``node`` is: a constant, a name bound once to one, or the default the code
    gives an environment variable (``int(os.getenv("T", 5))``: its name goes to ``notes``)."""
    if node is None or depth > 3:
        return None
    if isinstance(node, ast.Call):
        return _env_default(analysis, node, depth, notes)
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
            return number(analysis, found[1], depth + 1, notes)  # type: ignore[arg-type]
    return None


_ENV_READS = ("os.getenv", "os.environ.get")


def _env_default(
    analysis: Analysis, call: ast.Call, depth: int, notes: list[str] | None
) -> float | None:
    """``os.getenv("NAME", default)`` (or ``os.environ.get``), maybe inside ``int()`` or
    ``float()``: the default, a number (or a numeric string)."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in ("int", "float") and len(call.args) == 1:
        inner = call.args[0]
        return (
            _env_default(analysis, inner, depth + 1, notes) if isinstance(inner, ast.Call) else None
        )
    value = analysis.value(func)
    if not (isinstance(value, Sym) and value.path in _ENV_READS and len(call.args) == 2):
        return None
    name, default = call.args
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None
    seconds = number(analysis, default, depth + 1)
    if seconds is None and isinstance(default, ast.Constant) and isinstance(default.value, str):
        try:
            seconds = float(default.value)
        except ValueError:
            return None
    if seconds is not None and notes is not None:
        notes.append(name.value)
    return seconds


def read_timeout(
    analysis: Analysis, node: ast.AST, library: str, notes: list[str] | None = None
) -> tuple[str, float | None]:
    """("none", _) for an explicit None, ("read", seconds) when the read timeout is known,
    ("total", seconds) for aiohttp's total, ("unknown", None) otherwise."""
    if isinstance(node, ast.Constant) and node.value is None:
        return "none", None
    read: ast.expr | None
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:
        read = node.elts[1]
        if isinstance(read, ast.Constant) and read.value is None:
            return "none", None
        return "read", number(analysis, read, notes=notes)
    value = number(analysis, node, notes=notes)
    if value is not None:
        # aiohttp reads a bare number as ``ClientTimeout(total=number)`` (client.py, 3.x).
        return ("total" if library == "aiohttp" else "read"), value
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
            return "read", number(analysis, read, notes=notes)
        if path.endswith("ClientTimeout") and library == "aiohttp":
            sock_read = keyword(node, "sock_read")
            if sock_read is not None:
                return "read", number(analysis, sock_read, notes=notes)
            total = keyword(node, "total")
            if total is None and node.args:
                total = node.args[0]
            if total is None:
                return "total", 300.0
            if isinstance(total, ast.Constant) and total.value is None:
                return "none", None
            return "total", number(analysis, total, notes=notes)
    if isinstance(node, ast.Name):
        found = analysis.lookup(node.id, analysis.scope(node), analysis.document.start(node))
        if found is not None and found[0] == "expr" and isinstance(found[1], ast.Call):
            return read_timeout(analysis, found[1], library, notes)
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


def _explicit(
    analysis: Analysis, node: ast.expr, library: str, minimum: float, ctor: ast.Call | None
) -> TimeoutState:
    if not isinstance(node, ast.Constant):
        # ``kwargs.get("timeout", self.timeout)`` that is None on every path the file shows
        evidence = always_none(analysis, node)
        if evidence is not None:
            return TimeoutState("none", None, node, ctor, library == "requests", evidence)
    notes: list[str] = []
    kind, seconds = read_timeout(analysis, node, library, notes)
    risk = (
        (kind == "none" and library == "requests")
        or (kind == "read" and seconds is not None and seconds < minimum)
        or (kind == "total" and seconds is not None and library == "aiohttp")
    )
    why = "" if kind != "unknown" else "computed elsewhere"
    env = notes[-1] if notes and seconds is not None else ""
    return TimeoutState(kind, seconds, node, ctor, risk, why, env)


def http_timeout(analysis: Analysis, start: StreamStart, minimum: float) -> TimeoutState:
    """The timeout of a streamed raw HTTP request (``start.http`` set)."""
    call = start.call
    timeout = keyword(call, "timeout")
    library = start.http
    if timeout is not None:
        return _explicit(analysis, timeout, library, minimum, None)
    if has_star_kwargs(call):
        return TimeoutState("unknown", why="`**kwargs` may set it")
    if library == "requests":
        return TimeoutState("missing", risk=True)
    module_call, ctor = _client_ctor(analysis, start)
    if not module_call:
        if ctor is None:
            return TimeoutState("unknown", why="the client is made elsewhere")
        ctor_timeout = keyword(ctor, "timeout")
        if ctor_timeout is not None:
            return _explicit(analysis, ctor_timeout, library, minimum, ctor)
        if has_star_kwargs(ctor):
            return TimeoutState("unknown", ctor=ctor, why="`**kwargs` of the client may set it")
    if library in ("httpx", "httpx2"):
        return TimeoutState("default", 5.0, ctor=ctor, risk=True)
    if library == "aiohttp":
        return TimeoutState("default", 300.0, ctor=ctor, risk=True)
    return TimeoutState("unknown", why=f"{library}'s default is not known")
