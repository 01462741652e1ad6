"""A decorator of the project that drives the generator it wraps inside a ``try``.

``@retry_on_overload`` around a streaming generator: its wrapper calls the wrapped function and
iterates what it returns (``for item in fn(*args, **kwargs)``, ``gen = fn(...)`` then
``next(gen)`` and ``yield from gen``) inside ``try/except Exception``. Every call of the
decorated name runs that wrapper, so the wrapper is where the stream is consumed: when its
``try`` catches what a cut raises, the decorated function's loop is guarded, whoever calls it.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import FuncRef, FunctionInfo, Sym
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.guards import Guards

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)


def decorator_guard(
    analysis: Guards, function: FunctionInfo, client: K.Client, raised: tuple[Raised, ...]
) -> str:
    """What guards ``function`` through a decorator of the project (its text), or ""."""
    for decorator in function.decorators:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        value = analysis.value(target)
        if isinstance(value, FuncRef):
            drives = value.fn is not function and _drives_under_guard(
                analysis, value.fn, client, raised
            )
        else:
            drives = (
                isinstance(value, Sym)
                and not value.path.startswith("@")
                and _remote_drives(analysis, value.path, client)
            )
        if drives:
            return _text(analysis, decorator, function)
    return ""


def _text(analysis: Guards, decorator: ast.expr, function: FunctionInfo) -> str:
    text = " ".join(analysis.document.text_of(decorator).split())
    if len(text) > 60:
        text = text[:57] + "..."
    return f"`@{text}` on {function.name}(), whose wrapper iterates it in a try"


def _remote_drives(analysis: Guards, dotted: str, client: K.Client) -> bool:
    """The decorator is a module-level function of another module of the tree that drives
    what it wraps under a guard."""
    project = analysis.document.project
    if project is None:
        return False
    found = project.resolve(analysis.document.path, dotted)
    if found is None or len(found[1]) != 1:
        return False
    with project._analysis(found[0]) as other:
        if other is None:
            return False
        raised = client.raised(other.version(client, {})[0])
        for candidate in other.functions:
            parent = candidate.parent
            if (
                candidate.name == found[1][0]
                and parent is not None
                and parent.is_module
                and candidate.cls is None
            ):
                return _drives_under_guard(other, candidate, client, raised)
    return False


def _drives_under_guard(
    analysis: Guards, decorator: FunctionInfo, client: K.Client, raised: tuple[Raised, ...]
) -> bool:
    """A call of a parameter of the decorator (or of a function nested in it: a decorator
    factory's) whose result the wrapper iterates inside a ``try`` that catches a cut."""
    node = decorator.node
    if not isinstance(node, _FUNCTION_NODES):
        return False
    params: set[str] = set()
    consumed = False
    for inner in ast.walk(node):
        if isinstance(inner, _FUNCTION_NODES):
            args = inner.args
            params.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
    for inner in ast.walk(node):
        if not (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Name)
            and inner.func.id in params
        ):
            continue
        consumer = analysis.consumer_of(inner)
        if consumer is inner:
            continue
        consumed = True
        if not analysis.guard_of(consumer, client, raised, local=True).guarded:
            return False
    return consumed
