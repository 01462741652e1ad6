"""Generation calls whose whole request comes from the callers: a function that gathers
``**kwargs`` and hands them, untouched, to an SDK's generation call (``def
completion_with_backoff(**kwargs): return openai.ChatCompletion.create(**kwargs)``). The caller
builds the request there, so a missing cap is the caller's: PY002 reports it at each call of
the function that passes no cap (in this module or another of the tree, naming the function),
not at the call inside it, as PY001 reports a stream at the loop that consumes it.
"""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, FunctionInfo, StreamStart
from linter.python.analysis.flags import flag_of, kwargs_entries
from linter.python.analysis.flow import function_calls
from linter.python.analysis.nodes import _walk_function
from linter.python.caps import CapState, sdk_cap
from linter.python.edits import add_keyword
from linter.python.explain import decorator_text
from linter.record import record


@record
class Forwarder:
    """A function that forwards its ``**kwargs`` to a generation call with no cap of its own:
    what its callers must pass, and how messages name it."""

    path: str
    module: str
    name: str
    client: str  # the SDK as messages name it ("openai 0.x")
    api: str  # the generation call, as written (``openai.ChatCompletion.create(**kwargs)``)
    line: int  # where that call is
    keywords: tuple[str, ...]  # the cap keywords the SDK reads
    add: str  # the one a fix adds
    required: bool  # the SDK refuses a call without it (anthropic)
    # The retry decorator on the function, as written (``retry(...)``), or "": a stream its
    # callers ask for is returned by the retried call and read outside the retry (PY004).
    retried: str = ""
    # Whether the generation call names ``stream`` itself (else only callers ask for one).
    own_stream: bool = False


def forwarded(analysis: Analysis, start: StreamStart) -> FunctionInfo | None:
    """The function whose ``**kwargs`` the generation call ``start`` passes on as its only
    source of a cap: the call names no cap keyword of its own, its one ``**`` is the
    function's gathered ``**kwargs``, and the function never stores into that dict nor
    binds the name again. None otherwise (the call is judged where it is, as before)."""
    cap = start.cap
    call = start.call
    if cap is None or cap.where != "kw" or start.http or start.origin:
        return None
    if any(item.arg in cap.keywords for item in call.keywords):
        return None
    stars = [item.value for item in call.keywords if item.arg is None]
    if len(stars) != 1 or not isinstance(stars[0], ast.Name):
        return None
    name = stars[0].id
    function = analysis.scope(call)
    node = function.node
    if function.is_module or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if node.args.kwarg is None or node.args.kwarg.arg != name:
        return None
    if len(function.bindings.get(name, ())) != 1:
        return None  # rebound (``kwargs = {**defaults, **kwargs}``)
    for inner in _walk_function(node):
        if (
            isinstance(inner, (ast.Subscript, ast.Attribute))
            and isinstance(inner.value, ast.Name)
            and inner.value.id == name
            and not (isinstance(inner, ast.Subscript) and isinstance(inner.ctx, ast.Load))
            and not (isinstance(inner, ast.Attribute) and inner.attr in ("get", "keys", "items"))
        ):
            return None  # stored into, or changed by a method: not the callers' alone
    return function


def forwarder_of(analysis: Analysis, start: StreamStart, default: int) -> Forwarder | None:
    """``start`` as a forwarder's generation call (see ``forwarded``)."""
    function = forwarded(analysis, start)
    if function is None or start.cap is None:
        return None
    _state, add = sdk_cap(analysis, start, default)
    project = analysis.document.project
    path = analysis.document.path
    module = project.module_name(path) if project is not None else ""
    text = " ".join(analysis.document.text_of(start.call.func).split())
    star = next(item.value for item in start.call.keywords if item.arg is None)
    alone = len(start.call.keywords) == 1 and not start.call.args
    text += f"({'' if alone else '..., '}**{analysis.document.text_of(star)})"
    decorator = next((d for d in function.decorators if analysis.retry_decorator(d)), None)
    return Forwarder(
        path,
        module,
        function.name,
        start.client.name,
        text,
        start.call.lineno,
        start.cap.keywords,
        add,
        start.cap.required,
        decorator_text(analysis, decorator) if decorator is not None else "",
        any(item.arg == "stream" for item in start.call.keywords),
    )


def module_forwarders(analysis: Analysis, default: int) -> dict[str, Forwarder]:
    """The module-level functions of the file that forward their ``**kwargs`` to a
    generation call (by name), for the modules that call them."""
    found: dict[str, Forwarder] = {}
    for start in analysis.starts:
        forwarder = forwarder_of(analysis, start, default)
        if forwarder is None:
            continue
        function = analysis.scope(start.call)
        parent = function.parent
        if parent is not None and parent.is_module and function.cls is None:
            found.setdefault(forwarder.name, forwarder)
    return found


def caller_cap(analysis: Analysis, call: ast.Call, forwarder: Forwarder, default: int) -> CapState:
    """What a call of a forwarder passes for the cap: "present", "none" (``max_tokens=None``),
    "missing" (every keyword it passes is known, none a cap; with the fix that adds one) or
    "unknown" (a ``**d`` it passes is not read exactly, or is its own function's gathered
    ``**kwargs``: then its callers decide, where this one forwards them)."""
    for item in call.keywords:
        if item.arg in forwarder.keywords:
            none = isinstance(item.value, ast.Constant) and item.value.value is None
            return CapState("none" if none else "present", name=item.arg)
    for item in call.keywords:
        if item.arg is not None:
            continue
        value = item.value
        if isinstance(value, ast.Name):
            found = analysis.lookup(value.id, analysis.scope(value), analysis.document.start(value))
            if found is None or found[0] in ("param", "unknown"):
                return CapState("unknown")
        entries = kwargs_entries(analysis, value)
        if entries is None:
            return CapState("unknown")
        for key in forwarder.keywords:
            values = entries.get(key)
            if values:
                none = all(isinstance(v, ast.Constant) and v.value is None for v in values)
                return CapState("none" if none else "present", name=key)
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        return CapState("unknown")
    edits = tuple(add_keyword(analysis.document, call, forwarder.add, str(default)))
    return CapState("missing", edits=edits, added=f"{forwarder.add}={default}")


def caller_streams(analysis: Analysis, call: ast.Call) -> bool:
    """Whether a call of a forwarder asks for a stream (``stream=True``, or may)."""
    return flag_of(analysis, call)[0] != "no"


@record
class ForwardedCall:
    """A call of a forwarding function that PY002 judges (under the current settings)."""

    call: ast.Call
    forwarder: Forwarder
    cap: CapState
    streams: bool
    local: bool  # the forwarder is of this file


def forwarded_calls(analysis: Analysis, default: int, all_calls: bool) -> list[ForwardedCall]:
    """Every call of a forwarding function in this file (this file's own forwarders, and
    those of other modules of the tree it calls), with the cap each passes; those PY002
    does not look at under ``all_calls`` (no stream asked for) left out."""
    found: list[ForwardedCall] = []
    pairs: list[tuple[ast.Call, Forwarder, bool]] = []
    for start in analysis.starts:
        forwarder = forwarder_of(analysis, start, default)
        function = forwarded(analysis, start) if forwarder is not None else None
        if forwarder is not None and function is not None:
            pairs.extend((call, forwarder, True) for call in function_calls(analysis, function))
    project = analysis.document.project
    if project is not None:
        for call in analysis.calls:
            # (A callee picked in two branches, ``fn = fake.complete`` or ``fn = complete``:
            # the forwarder is the one production calls.)
            for file, name in analysis.remote_callees(call):
                if file == analysis.document.path:
                    continue
                remote = project.forwarders(file).get(name)
                if remote is not None:
                    pairs.append((call, remote, False))
                    break
    for call, forwarder, local in pairs:
        if analysis.scope(call).is_test:
            continue
        streams = caller_streams(analysis, call)
        if not (all_calls or streams or forwarder.required):
            continue
        cap = caller_cap(analysis, call, forwarder, default)
        found.append(ForwardedCall(call, forwarder, cap, streams, local))
    return found
