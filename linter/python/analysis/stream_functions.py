"""Which module-level functions of one module hand out a stream, and how: the record of one
(``StreamFunction``), the generators that relay another's unguarded chunks, and the plain
functions that return a stream, an item of a tuple or dict holding one, or what another
such function of the module hands out. ``Project`` asks this of each module it follows."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import Keyed, Stream, StreamStart
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis import Analysis
    from linter.python.analysis.model import FunctionInfo


@record
class StreamFunction:
    """A module-level function of the tree that hands out a stream: a generator that yields
    the chunks of a stream it iterates without a guard, or a function that returns one."""

    path: str  # its file
    module: str  # how messages name the module (dotted, from the tree's root)
    name: str
    client: K.Client
    api: str  # the call that starts the stream, as messages name it
    line: int  # where that call is, in ``path``
    # "generator" (yields the chunks), "returns" (returns the stream), "plain" (iterates it
    # itself: only its callers' guards matter, never theirs to report).
    shape: str
    # Returned as item ``item`` of a tuple of ``size`` (``return stream, metadata``); -1: whole.
    item: int = -1
    size: int = 0
    # The class its handler raises instead of the cut (``raise LLMError(...)``), for the
    # consumers' handlers to catch (``guards._stand_in``).
    translated: tuple[str, ...] = ()
    # Returned as the item of this string key of a dict (``return {"answer": stream}``).
    key: str = ""


def handed_out_at(
    call: ast.Call, found: StreamFunction, via: str = "", tell_item: bool = True
) -> Stream | Keyed:
    """The stream ``call`` of ``found`` (a function or method of another module) hands out,
    named for messages after that function and the call that starts it (``via``: how the
    callee was reached; ``tell_item``: say which item of a returned tuple holds it)."""
    what = "a generator yielding" if found.shape == "generator" else "returning"
    if tell_item and found.item >= 0:
        what = f"returning in item {found.item + 1} of a tuple"
    if found.key:
        what = f"returning a dict whose {found.key!r} holds"
    api = f"{found.name}() of {found.module}{via}, {what} {found.api} from its line {found.line}"
    start = StreamStart(
        call,
        found.client,
        api,
        True,
        None,
        None,
        origin=f"{found.module}.{found.name}",
        translated=found.translated,
    )
    if found.key:
        return Keyed(((found.key, Stream(start, "stream")),))
    return Stream(start, "stream")


def local_relays(analysis: Analysis, found: dict[str, StreamFunction]) -> None:
    """Add the generators of the module that relay one of its stream generators (a loop or
    ``yield from`` over its call, unguarded there): their consumers in other modules are the
    stream's, and report their loops."""
    by_name = {f.name: f for f in analysis.functions if exported(f)}
    pending = [name for name, f in found.items() if f.shape == "generator"]
    while pending:
        inner = found[pending.pop()]
        info = by_name.get(inner.name)
        if info is None:
            continue
        raised = inner.client.raised(analysis.version(inner.client, {})[0])
        for site in analysis.call_sites(info, True)[0]:
            if isinstance(site, ast.Call):
                continue  # created, not iterated here
            relay = analysis.scope(site)
            if relay.name in found or relay is not by_name.get(relay.name):
                continue
            if not relay.is_generator:
                continue
            if analysis.guard_of(site, inner.client, raised, local=True).guarded:
                continue
            found[relay.name] = StreamFunction(
                inner.path,
                inner.module,
                relay.name,
                inner.client,
                f"{inner.name}() (a generator yielding {inner.api})",
                inner.line,
                "generator",
            )
            pending.append(relay.name)


def _tuple_item(
    analysis: Analysis, returned: ast.Tuple, found: dict[str, StreamFunction]
) -> tuple[int, K.Client, str, int] | None:
    """``return stream, metadata``: the item that is a stream (a stream started here or
    handed out by another module, or a generator of this module that yields one)."""
    if any(isinstance(elt, ast.Starred) for elt in returned.elts):
        return None
    for index, elt in enumerate(returned.elts):
        value = analysis.value(elt)
        handed = _handed_generator(value, found)
        if handed is not None:
            return (
                index,
                handed.client,
                f"{handed.name}() (a generator yielding {handed.api})",
                handed.line,
            )
        if isinstance(value, Stream) and value.role == "stream":
            given = value.start
            if given.streaming and not (given.http and not analysis.llm_stream(given)):
                return index, given.client, start_api(given), start_line(given)
    return None


def returned_stream(
    analysis: Analysis,
    function: FunctionInfo,
    path: str,
    module: str,
    found: dict[str, StreamFunction],
) -> StreamFunction | None:
    """What a plain module-level function hands its callers through a ``return``: a stream
    (whole, or an item of a tuple), a generator of the module yielding one, or what another
    such function of the module hands out (``return prepare(stream)``)."""
    for returned in function.returns:
        if isinstance(returned, ast.Tuple):
            item = _tuple_item(analysis, returned, found)
            if item is not None:
                index, client, api, line = item
                return StreamFunction(
                    path, module, function.name, client, api, line, "returns",
                    index, len(returned.elts),
                )  # fmt: skip
            continue
        carried = dict_item(analysis, returned, function, found)
        if carried is not None:
            key, held = carried
            return StreamFunction(
                path, module, function.name, held.client, held.api, held.line,
                "returns", key=key,
            )  # fmt: skip
        relayed = _relayed(analysis, returned, found)
        if relayed is not None:
            # (Named by what that one hands out: the functions between add nothing.)
            return StreamFunction(
                path,
                module,
                function.name,
                relayed.client,
                relayed.api,
                relayed.line,
                relayed.shape,
                relayed.item,
                relayed.size,
                relayed.translated,
            )
        value = analysis.value(returned)
        handed = _handed_generator(value, found)
        if handed is not None:
            # A dispatcher returning one of those generators (``it = a_iter(...)`` ...
            # ``return it``): its callers iterate the chunks.
            return StreamFunction(
                path,
                module,
                function.name,
                handed.client,
                f"{handed.name}() (a generator yielding {handed.api})",
                handed.line,
                "generator",
            )
        if isinstance(value, Stream) and value.role == "stream":
            given = value.start
            if not given.streaming or (given.http and not analysis.llm_stream(given)):
                continue
            return StreamFunction(
                path,
                module,
                function.name,
                given.client,
                start_api(given),
                start_line(given),
                "returns",
            )
    return None


def dict_item(
    analysis: Analysis,
    returned: ast.expr,
    function: FunctionInfo,
    found: dict[str, StreamFunction],
) -> tuple[str, StreamFunction] | None:
    """``return {"answer": stream, ...}`` (or a name bound once to such a dict): the key of
    the item that is a stream started here, or what a function of the module in ``found``
    hands out (called there, or bound once to a name first: ``answer = ask(...)``)."""
    held = _bound_once(analysis, returned, function)
    if not isinstance(held, ast.Dict) or len(held.keys) > 24:
        return None
    for written, item in zip(held.keys, held.values, strict=True):
        if not (isinstance(written, ast.Constant) and isinstance(written.value, str)):
            continue
        inner = _bound_once(analysis, item, function)
        if isinstance(inner, ast.Await):
            inner = inner.value
        if isinstance(inner, ast.Call):
            fn = getattr(analysis.value(inner.func), "fn", None)
            handed = found.get(fn.name) if fn is not None and exported(fn) else None
            if handed is not None and not handed.key and handed.item < 0:
                return written.value, handed
        value = analysis.value(item)
        if isinstance(value, Stream) and value.role == "stream":
            given = value.start
            if given.streaming and not (given.http and not analysis.llm_stream(given)):
                path = analysis.document.path
                return written.value, StreamFunction(
                    path,
                    "",
                    function.name,
                    given.client,
                    start_api(given),
                    start_line(given),
                    "returns",
                )
    return None


def _bound_once(analysis: Analysis, expr: ast.expr, function: FunctionInfo) -> ast.expr:
    """The expression a name of ``function`` is bound to, when it is bound once there by a
    plain assignment; else ``expr`` itself."""
    if isinstance(expr, ast.Name):
        entries = function.bindings.get(expr.id, ())
        if len(entries) == 1 and entries[0][1] == "expr" and isinstance(entries[0][2], ast.expr):
            return entries[0][2]
    return expr


def _relayed(
    analysis: Analysis, returned: ast.expr, found: dict[str, StreamFunction]
) -> StreamFunction | None:
    """``return f(...)`` (awaited or not) where ``f`` is a plain function of the module that
    hands out a stream (returns one, or returns a generator yielding one)."""
    if isinstance(returned, ast.Await):
        returned = returned.value
    if not isinstance(returned, ast.Call):
        return None
    fn = getattr(analysis.value(returned.func), "fn", None)
    if fn is None or not exported(fn) or fn.is_generator:
        return None
    return found.get(fn.name)


def _handed_generator(value: object, found: dict[str, StreamFunction]) -> StreamFunction | None:
    """The stream generator of the module a returned value is a call of."""
    fn = getattr(value, "fn", None)
    if getattr(value, "call", None) is None or fn is None or not exported(fn):
        return None
    handed = found.get(fn.name)
    return handed if handed is not None and handed.shape == "generator" else None


def exported(function: object) -> bool:
    """A module-level function (not a method, lambda or nested function)."""
    parent = getattr(function, "parent", None)
    return (
        parent is not None
        and parent.is_module
        and getattr(function, "cls", None) is None
        and not isinstance(getattr(function, "node", None), ast.Lambda)
        and not getattr(function, "is_test", False)
    )


def start_api(start: object) -> str:
    origin = getattr(start, "origin", "")
    return origin or str(getattr(start, "api", ""))


def start_line(start: object) -> int:
    call = getattr(start, "call", None)
    return int(getattr(call, "lineno", 0))
