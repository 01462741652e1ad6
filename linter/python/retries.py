"""Retry loops around LLM calls: a ``for``/``while`` loop holding a ``try`` whose success path
leaves the loop (``break``/``return``) and whose handler lets the loop go round again."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, cast

from linter.python.analysis import (
    Analysis,
    FuncRef,
    FunctionInfo,
    Iteration,
    Stream,
    StreamStart,
    Sym,
    children,
    walk_function,
)
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis.project import Project

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@record
class RetryLoop:
    loop: ast.For | ast.AsyncFor | ast.While
    attempt: ast.Try
    handlers: tuple[ast.ExceptHandler, ...]  # the ones that go round again


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Statements and expressions of ``body`` that belong to this loop level: nested loops
    and functions are not looked into (their ``break`` is theirs)."""
    stack: list[ast.AST] = list(body)
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (*_LOOPS, *_SCOPES)):
            continue
        stack.extend(children(current))


def _goes_round(handler: ast.ExceptHandler) -> bool:
    """The handler does not end the loop: its last statement is not raise/return/break, or
    it goes round with a ``continue`` of its own (``if attempt < tries: sleep(); continue``
    before a final ``break``)."""
    last = handler.body[-1] if handler.body else None
    if not isinstance(last, (ast.Raise, ast.Return, ast.Break)):
        return True
    return any(isinstance(node, ast.Continue) for node in _own_statements(handler.body))


# What a user or the runtime raises to stop the work, never an error a retry answers: a loop
# that goes round after one (a REPL's Ctrl+C back to the prompt) does not retry.
_INTERRUPTS = frozenset(
    {"KeyboardInterrupt", "SystemExit", "GeneratorExit", "CancelledError", "EOFError"}
)


def _interrupt_only(handler: ast.ExceptHandler) -> bool:
    """The handler catches only interrupts (``except KeyboardInterrupt:``)."""
    kind = handler.type
    if kind is None:
        return False
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return all(
        (n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")) in _INTERRUPTS
        for n in names
    )


def retry_loops(analysis: Analysis) -> list[RetryLoop]:
    """The file's retry loops, computed once."""
    cached = getattr(analysis, "_retry_loops", None)
    if cached is not None:
        return cached
    found: list[RetryLoop] = []
    # Not only files with a generation call of their own: a raw-HTTP request or a method
    # defined elsewhere may be what a loop retries (PY007 tells which).
    if analysis.tries:
        owners = _loops_with_attempts(analysis)
        for node in analysis.statement_loops:
            if node in owners:  # the others hold no ``try`` of their own: nothing to walk
                found.extend(_attempts(analysis, node))
    analysis._retry_loops = found  # type: ignore[attr-defined]
    return found


def _loops_with_attempts(analysis: Analysis) -> set[ast.AST]:
    """The loops that hold a ``try`` with handlers at their own level (``_own_statements``:
    in their body, not in a nested loop, function or class), found from each ``try`` up."""
    owners: set[ast.AST] = set()
    for attempt in analysis.tries:
        if not attempt.handlers:
            continue
        for ancestor, child in analysis.ancestors(attempt):
            if isinstance(ancestor, (*_LOOPS, *_SCOPES)):
                if isinstance(ancestor, _LOOPS) and any(child is s for s in ancestor.body):
                    owners.add(ancestor)
                break
    return owners


def _attempts(analysis: Analysis, loop: ast.For | ast.AsyncFor | ast.While) -> Iterator[RetryLoop]:
    own = list(_own_statements(loop.body))
    exits = [n for n in own if isinstance(n, (ast.Break, ast.Return))]
    for child in own:
        if not isinstance(child, ast.Try) or not child.handlers:
            continue
        # The loop ends on success: a break/return in the try's body or else, or one of the
        # loop's own outside this try (not in its handlers or finally).
        if not any(_success_exit(analysis, child, exit_node) for exit_node in exits):
            continue
        going = tuple(h for h in child.handlers if _goes_round(h) and not _interrupt_only(h))
        if going:
            yield RetryLoop(loop, child, going)


def _success_exit(analysis: Analysis, attempt: ast.Try, exit_node: ast.AST) -> bool:
    for ancestor, child in analysis.ancestors(exit_node):
        if ancestor is attempt:
            return any(child is s for s in attempt.body) or any(child is s for s in attempt.orelse)
        if isinstance(ancestor, (*_LOOPS, *_SCOPES)):
            return True  # reached the retry loop (or beyond) without meeting the try
    return True


_CONDITIONAL = (
    ast.If,
    ast.IfExp,
    ast.ExceptHandler,
    *([ast.match_case] if hasattr(ast, "match_case") else []),
)


def unconditional(analysis: Analysis, attempt: ast.Try, node: ast.AST) -> bool:
    """``node`` runs on every pass through the attempt's ``try`` body: no ``if``, conditional
    expression, ``match`` case or handler lies between them (loops may)."""
    for ancestor, _child in analysis.ancestors(node):
        if ancestor is attempt:
            return True
        if isinstance(ancestor, _CONDITIONAL):
            return False
    return False


def _changed_names(loop: ast.AST) -> set[str]:
    """Names a stream loop's body changes: assigned, augmented, or appended to."""
    names: set[str] = set()
    for node in walk_function(loop):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.attr in ("append", "extend", "write", "add")
        ):
            names.add(node.func.value.id)
    return names


def retries_only_before_output(retry: RetryLoop, stream_loop: ast.AST) -> bool:
    """Every handler that goes round first checks something the stream loop changes (a
    ``yielded_any`` flag, the chunks received) and leaves the loop when it is set: the
    retry happens only while nothing was shown yet."""
    changed = _changed_names(stream_loop)
    if not changed:
        return False
    for handler in retry.handlers:
        checked = False
        for node in walk_function(handler):
            if (
                isinstance(node, ast.If)
                and node.body
                and isinstance(node.body[-1], (ast.Raise, ast.Return, ast.Break))
                and any(isinstance(n, ast.Name) and n.id in changed for n in ast.walk(node.test))
            ):
                checked = True
                break
        if not checked:
            return False
    return True


def contains(analysis: Analysis, outer: ast.AST, inner: ast.AST) -> bool:
    """``inner`` is inside ``outer`` in the same function (not in a nested def or class).
    Walks up from ``inner``: its depth, not the size of ``outer``."""
    for ancestor, _child in analysis.ancestors(inner):
        if ancestor is outer:
            return True
        if isinstance(ancestor, _SCOPES):
            return False
    return False


def in_try_body(analysis: Analysis, attempt: ast.Try, node: ast.AST) -> bool:
    """``node`` is in the ``try`` part of ``attempt`` (not its handlers, ``else`` or
    ``finally``), in the same function."""
    for ancestor, child in analysis.ancestors(node):
        if ancestor is attempt:
            return any(child is statement for statement in attempt.body)
        if isinstance(ancestor, _SCOPES):
            return False
    return False


def emits(node: ast.AST, analysis: Analysis | None = None) -> ast.AST | None:
    """The first yield or output call in a loop body: ``print``, ``.write``,
    ``.stream_token``, ``.put``, ``websocket.send_json``..., or a call of a function or method
    named ``*handler``, ``*callback`` or ``on_*`` (``callback(chunk)``, ``self.on_token(t)``):
    output the user has already seen when the stream is cut. With ``analysis``, a function of
    the file the body calls (``await self._send_output(text, websocket)``) counts when its
    own body shows what it is given that way (one call deep)."""
    helpers: list[ast.Call] = []
    for child in walk_function(node):
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return child
        if isinstance(child, ast.Call):
            if _output_call(child):
                return child
            if analysis is not None:
                helpers.append(child)
    for call in helpers:
        callee = analysis.value(call.func) if analysis is not None else None
        if (
            isinstance(callee, FuncRef)
            and not callee.fn.is_generator
            and any(
                isinstance(inner, ast.Call) and _output_call(inner)
                for inner in walk_function(callee.fn.node)
            )
        ):
            return call
    return None


def _output_call(call: ast.Call) -> bool:
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    if name == "print" and isinstance(func, ast.Name):
        return True
    if isinstance(func, ast.Attribute) and name in _OUTPUT_METHODS:
        return True
    lower = name.lower()
    return lower.endswith(("handler", "callback")) or lower.startswith("on_")


_OUTPUT_METHODS = frozenset(
    {"write", "stream_token", "put", "put_nowait", "markdown", "send"}
    | {"send_json", "send_text", "send_bytes"}  # a websocket's
)
_FOLLOW_DEPTH = 3  # how many calls deep a retried call is followed to the stream it reads


@record
class Reached:
    """A stream read through a call the retry's attempt makes: the iteration, the call in
    the attempt that leads to it, and the output already shown when it is cut."""

    iteration: Iteration
    call: ast.Call
    shown: ast.AST


def reached_streams(analysis: Analysis, retry: RetryLoop) -> Iterator[Reached]:
    """Streams the attempt reads through functions of this file it calls (nested ones too,
    up to three calls deep), whose chunks reach the user before the stream can be cut: a
    plain function that prints or hands them to a callback as they come, or a generator whose
    chunks the attempt's own loop yields or prints."""
    by_function: dict[int, list[Iteration]] = {}
    for iteration in analysis.iterations:
        by_function.setdefault(id(iteration.function.node), []).append(iteration)
    if not by_function:
        return
    for statement in retry.attempt.body:
        for node in (statement, *walk_function(statement)):
            if not isinstance(node, ast.Call):
                continue
            func = analysis.value(node.func)
            if not isinstance(func, FuncRef):
                continue
            consumer_shown: ast.AST | None = None
            if func.fn.is_generator:
                consumer = analysis.consumer_of(node)
                if isinstance(consumer, ast.YieldFrom):
                    consumer_shown = consumer
                elif isinstance(consumer, (ast.For, ast.AsyncFor)):
                    consumer_shown = emits(consumer, analysis)
                if consumer_shown is None:
                    continue  # the generator's chunks are buffered, or not read here
            for iteration in _iterations_within(analysis, func.fn, by_function):
                shown = consumer_shown
                if shown is None and iteration.what in ("for", "async for"):
                    shown = emits(iteration.node, analysis)
                if shown is not None:
                    yield Reached(iteration, node, shown)


def _iterations_within(
    analysis: Analysis, function: FunctionInfo, by_function: dict[int, list[Iteration]]
) -> list[Iteration]:
    """Stream iterations in ``function`` and in the functions of this file it calls (a
    generator only where its call is iterated: one only made and returned runs later,
    outside the retry)."""
    found: list[Iteration] = []
    seen = {id(function.node)}
    level = [function]
    for _depth in range(_FOLLOW_DEPTH):
        following: list[FunctionInfo] = []
        for current in level:
            found.extend(by_function.get(id(current.node), ()))
            for node in walk_function(current.node):
                if isinstance(node, ast.Call):
                    callee = analysis.value(node.func)
                    if isinstance(callee, FuncRef) and id(callee.fn.node) not in seen:
                        if callee.fn.is_generator and not isinstance(
                            analysis.consumer_of(node), (ast.For, ast.AsyncFor, ast.YieldFrom)
                        ):
                            continue
                        seen.add(id(callee.fn.node))
                        following.append(callee.fn)
        level = following
        if not level:
            break
    return found


@record
class RemoteShown:
    """A function of another module of the tree that reads a stream and shows its chunks as
    they come (prints them, hands them to a callback): what a retry of it repeats."""

    module: str
    function: str
    client: str
    line: int  # the stream loop, in that module
    shown: int  # where a chunk is shown, in that module
    how: str  # "printed", "yielded", "handed to `on_token()`"...
    # The called function's own ``stream`` parameter when it defaults to False: its place
    # among the call's positional arguments (-1: none such). A call that leaves it off
    # (``create(..., stream=False)`` or not given) reads no stream.
    stream_off_at: int = -1


def leaves_stream_off(found: RemoteShown, call: ast.Call) -> bool:
    """``call`` does not turn on the called function's ``stream`` parameter (default False):
    not given (``**kwargs`` is opaque: not known to stream, as ``flags`` reads it), or
    given False."""
    if found.stream_off_at < 0:
        return False
    given = next((k.value for k in call.keywords if k.arg == "stream"), None)
    if given is None and 0 <= found.stream_off_at < len(call.args):
        given = call.args[found.stream_off_at]
        if any(isinstance(a, ast.Starred) for a in call.args[: found.stream_off_at + 1]):
            return True  # not known to stream (an opaque flag counts as off, as in flags)
    return given is None or (isinstance(given, ast.Constant) and given.value is False)


def _stream_off_at(info: FunctionInfo) -> int:
    node = info.node
    args = getattr(node, "args", None)
    if args is None:
        return -1
    positional = [a.arg for a in args.posonlyargs + args.args]
    tail = positional[len(positional) - len(args.defaults) :]
    defaults = dict(zip(tail, args.defaults, strict=True))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    default = defaults.get("stream")
    if not (isinstance(default, ast.Constant) and default.value is False):
        return -1
    if "stream" not in positional:
        return len(positional) + 1_000  # keyword-only: never given by position
    skip = 1 if info.cls is not None and info.self_name else 0
    return positional.index("stream") - skip


_REMOTE_MEMO = ("python", "shown-streams")


def remote_shown(
    analysis: Analysis, call: ast.Call, how: Callable[[ast.AST], str]
) -> RemoteShown | None:
    """``call`` as a call of a plain (non-generator) function of another module that shows
    a stream chunk by chunk, followed there as in this file (``reached_streams``). Remembered
    per run: several retries may call the same function."""
    project = analysis.document.project
    if project is None:
        return None
    callee = analysis.remote_callee(call) or method_elsewhere(analysis, call)
    if callee is None:
        return None
    return shown_by(project, callee, how)


def shown_by(
    project: Project, callee: tuple[str, str], how: Callable[[ast.AST], str]
) -> RemoteShown | None:
    """The function ``callee`` (file, name) of the tree as one that shows a stream chunk by
    chunk (see ``remote_shown``); remembered per run."""
    memo = cast(
        "dict[tuple[str, str], RemoteShown | None]",
        project.workspace.memo.setdefault(_REMOTE_MEMO, {}),
    )
    if callee in memo:
        return memo[callee]
    memo[callee] = None  # while it is looked at (a cycle of modules)
    path, name = callee
    found: RemoteShown | None = None
    from linter.python.detect import mentions_clients
    from linter.workspace import ReadFailure, read_regular_file

    try:
        if not mentions_clients(read_regular_file(path)):
            return None  # no client there: nothing streams (and nothing is parsed)
    except ReadFailure:
        return None
    with project._analysis(path) as other:
        info = None if other is None else _function_named(other, name)
        if other is not None and isinstance(info, FunctionInfo) and not info.is_generator:
            by_function: dict[int, list[Iteration]] = {}
            for iteration in other.iterations:
                by_function.setdefault(id(iteration.function.node), []).append(iteration)
            for iteration in _iterations_within(other, info, by_function):
                shown = (
                    emits(iteration.node, other) if iteration.what in ("for", "async for") else None
                )
                if shown is not None:
                    found = RemoteShown(
                        project.module_name(path),
                        name,
                        iteration.stream.client.name,
                        iteration.node.lineno,  # type: ignore[attr-defined]
                        shown.lineno,  # type: ignore[attr-defined]
                        how(shown),
                    )
                    break
            if found is None:
                # The stream is read one module further: a method the function calls on
                # an instance this file cannot resolve (``provider.get_chat_response``).
                for node in walk_function(info.node):
                    if isinstance(node, ast.Call) and method_elsewhere(other, node) is not None:
                        inner = remote_shown(other, node, how)
                        if inner is not None and not leaves_stream_off(inner, node):
                            found = inner
                            break
            off = _stream_off_at(info)
            if found is not None and off != found.stream_off_at:
                found = RemoteShown(
                    found.module, found.function, found.client, found.line, found.shown,
                    found.how, off,
                )  # fmt: skip
    memo[callee] = found
    return found


def callee_key(analysis: Analysis, call: ast.Call) -> tuple[str, str] | None:
    """The function of another module (or the method found by name) ``call`` calls."""
    if analysis.document.project is None:
        return None
    return analysis.remote_callee(call) or method_elsewhere(analysis, call)


def _function_named(analysis: Analysis, name: str) -> FunctionInfo | None:
    """The module-level function ``name`` of the file, else its one method of that name."""
    binding = analysis.module.bindings.get(name)
    info = binding[-1][2] if binding and binding[-1][1] == "def" else None
    if isinstance(info, FunctionInfo):
        return info
    methods = [f for f in analysis.functions if f.name == name and f.cls is not None]
    return methods[0] if len(methods) == 1 else None


def method_elsewhere(analysis: Analysis, call: ast.Call) -> tuple[str, str] | None:
    """``x.name(...)`` on a receiver this file cannot resolve, where one other file of the
    tree defines ``name`` (the project's method index; bounded as PY001's use of it)."""
    from linter.python.analysis.methods import _TOO_COMMON

    project = analysis.document.project
    func = call.func
    if (
        project is None
        or not isinstance(func, ast.Attribute)
        or func.attr in _TOO_COMMON
        or func.attr.startswith("__")
        or project.methods.too_large()
    ):
        return None
    value = analysis.value(func)
    if value is not None and not (
        # An instance of a class of the tree (``Provider.make().reply``): still by name.
        isinstance(value, Sym)
        and not value.path.startswith("@")
        and project.resolve(analysis.document.path, value.path) is not None
    ):
        return None
    _, defining = project.methods.files_calling(func.attr)
    if len(defining) != 1 or defining[0] == analysis.document.path:
        return None
    return defining[0], func.attr


def how_shown(shown: ast.AST) -> str:
    """How the chunks reached the user, for a message."""
    if isinstance(shown, (ast.Yield, ast.YieldFrom)):
        return "yielded"
    if isinstance(shown, ast.Call):
        if isinstance(shown.func, ast.Name) and shown.func.id == "print":
            return "printed"
        if isinstance(shown.func, ast.Attribute) and shown.func.attr in (
            "write",
            "markdown",
            "stream_token",
        ):
            return "written out"
        func = shown.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name:
            return f"handed to `{name}()`"
    return "passed on"


def imports_retried_stream(project: Project, path: str, data: bytes) -> bool:
    """Whether a file that names no client imports, from the tree, a function that shows a
    stream chunk by chunk, and calls it twice or more (a retry in a handler may call it
    again): PY005 then reads the file. Bytes first; the imported modules only when a name
    they give is called twice."""
    if b"except" not in data:
        return False
    for statement in project._statements(path, data):
        for dotted in project._dotted(statement):
            found = project.resolve(path, dotted)
            if found is None or len(found[1]) != 1:
                continue
            name = found[1][0]
            if data.count(name.encode() + b"(") < 2:
                continue
            if shown_by(project, (found[0], name), how_shown) is not None:
                return True
    return False


@record
class ReadLater:
    """A stream a retry loop's attempt starts and hands out (returns it, or a generator over
    it) without reading it: the retry covers the call, never the reading."""

    start: StreamStart
    read: Iteration | None  # where this file reads it later (None: returned as it is)


def streams_read_later(analysis: Analysis, retry: RetryLoop) -> Iterator[ReadLater]:
    """The streams ``retry``'s attempt starts and returns unread: the attempt ends in a
    ``return``, and the stream is that return's value, or every loop of this file over it
    is in a generator not run within the attempt (``return wrap(stream)``, ``wrap`` making
    a generator): it is read after the retry has handed it out."""
    attempt = retry.attempt
    returns = [
        node
        for statement in attempt.body
        for node in (statement, *walk_function(statement))
        if isinstance(node, ast.Return) and node.value is not None
    ]
    if not returns:
        return
    reached = _run_within(analysis, attempt)
    for start in analysis.starts:
        if not start.streaming or not in_try_body(analysis, attempt, start.call):
            continue
        reads = [it for it in analysis.iterations if it.stream is start]
        if any(
            in_try_body(analysis, attempt, it.node) or id(it.function.node) in reached
            for it in reads
        ):
            continue  # read within the attempt: the retry restarts it (PY005's business)
        for returned in returns:
            value = analysis.value(returned.value)
            if isinstance(value, Stream) and value.role == "stream" and value.start is start:
                yield ReadLater(start, None)
                break
        else:
            if reads and all(it.function.is_generator for it in reads):
                yield ReadLater(start, reads[0])


def _run_within(analysis: Analysis, attempt: ast.Try) -> set[int]:
    """The functions of this file that run while ``attempt``'s body runs: those it calls
    (and they call, a few deep), a generator only where its call is iterated there."""
    reached: set[int] = set()
    level: list[ast.AST] = list(attempt.body)
    for _depth in range(_FOLLOW_DEPTH):
        following: list[ast.AST] = []
        for body in level:
            nodes = (
                (body, *walk_function(body)) if isinstance(body, ast.stmt) else walk_function(body)
            )
            for node in nodes:
                if not isinstance(node, ast.Call):
                    continue
                callee = analysis.value(node.func)
                if not isinstance(callee, FuncRef) or id(callee.fn.node) in reached:
                    continue
                if callee.fn.is_generator and analysis.consumer_of(node) is node:
                    continue  # only made here: it runs where it is iterated
                reached.add(id(callee.fn.node))
                following.append(callee.fn.node)
        level = following
        if not level:
            break
    return reached
