"""Functions of other modules of the tree that read a stream and show its chunks as they come:
found through the call a retry makes (by import, or a method found by name), remembered per
run, and asked for by the file detector for files that name no client themselves."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from linter.python.analysis import Analysis, FunctionInfo, Iteration, Sym, walk_function
from linter.python.chunks_shown import _iterations_within, emits, how_shown
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis.project import Project


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
