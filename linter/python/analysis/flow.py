"""Following a name to every value that reaches it: an earlier assignment that a conditional
later one does not hide, and the arguments the calls of a function pass for its parameters."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python.analysis.model import FuncRef, FunctionInfo, Keyed, Stream, Sym, Value
from linter.python.analysis.nodes import _FUNCTIONS, _TRIES, keyword

if TYPE_CHECKING:
    from linter.python.analysis.values import Values


def reached_value(
    analysis: Values, expr: ast.Name, found: tuple[int, str, object, FunctionInfo], depth: int
) -> Value | None:
    """The value of the binding a use sees; when that one gives nothing known and was
    made under a condition the use is not under (``if tools: resp, used = handle(resp)``),
    the value of an earlier binding that also reaches the use."""
    offset, kind, payload, where = found
    value = analysis._binding_value(kind, payload, where, expr, depth)
    entries = where.bindings.get(expr.id, ())
    if value is not None or len(entries) < 2:
        return value
    at = analysis.document.start(expr)
    if offset >= at:
        return None
    index = max(i for i, e in enumerate(entries) if e[0] == offset and e[2] is payload)
    around: set[int] | None = None
    while index > 0:
        statement = _statement_of(entries[index])
        if statement is None:
            return None
        # The statement itself: an expression's assignment, a ``with`` item's ``with``.
        statement = analysis.parent(statement) or statement
        if isinstance(statement, ast.withitem):
            statement = analysis.parent(statement) or statement
        if around is None:
            around = {id(a) for a, _ in analysis.ancestors(expr)}
        if not _conditional(analysis, statement, around):
            return None
        index -= 1
        earlier = entries[index]
        value = analysis._binding_value(earlier[1], earlier[2], where, expr, depth)
        if value is not None:
            return value
    return None


def _conditional(analysis: Values, statement: ast.AST, around: set[int]) -> bool:
    """``statement`` sits in a block (if, loop, try, with, match) the use is not in."""
    for ancestor, _child in analysis.ancestors(statement):
        if isinstance(ancestor, (*_FUNCTIONS, ast.Module, ast.ClassDef)):
            return False
        if id(ancestor) not in around and isinstance(ancestor, _BLOCKS):
            return True
    return False


def argument_value(analysis: Values, fn: FunctionInfo, name: str, depth: int) -> Value | None:
    """What the calls of ``fn`` in this file pass for its parameter ``name`` (a stream
    handed to ``relay(s)``, the client given to ``Bot(llm=OpenAI())``'s ``__init__``):
    the first call whose argument is known."""
    for arg in argument_exprs(analysis, fn, name, depth) or ():
        value = analysis.value(arg, depth + 1)
        if isinstance(value, (Stream, Sym, Keyed)):
            return value
    return None


def argument_exprs(
    analysis: Values, fn: FunctionInfo, name: str, depth: int = 0
) -> list[ast.expr] | None:
    """The expressions the calls of ``fn`` in this file pass for its parameter ``name``, in
    the order of the calls; None when some call's argument for it cannot be told (a
    ``*args`` before it, ``**kwargs``) or ``name`` is no parameter. A call that leaves it out
    passes nothing here (its default is the caller's to read)."""
    passed = call_arguments(analysis, fn, name, depth)
    return None if passed is None else [arg for _, arg in passed if arg is not None]


def call_arguments(
    analysis: Values, fn: FunctionInfo, name: str, depth: int = 0
) -> list[tuple[ast.Call, ast.expr | None]] | None:
    """Each call of ``fn`` in this file with what it passes for ``name`` (None: left out);
    None as ``argument_exprs`` says."""
    node = fn.node
    if fn.is_module or isinstance(node, ast.Lambda) or name == fn.self_name:
        return None
    args = node.args  # type: ignore[attr-defined]
    positional = [a.arg for a in args.posonlyargs + args.args]
    if name not in positional and name not in [a.arg for a in args.kwonlyargs]:
        return None
    index = positional.index(name) if name in positional else None
    skip, calls = _calls_of(analysis, fn, depth)
    found: list[tuple[ast.Call, ast.expr | None]] = []
    for call in calls:
        arg = keyword(call, name)
        if arg is None and index is not None:
            at = index - skip
            if any(isinstance(a, ast.Starred) for a in call.args[: at + 1]):
                return None
            if 0 <= at < len(call.args):
                arg = call.args[at]
        if arg is None and any(item.arg is None for item in call.keywords):
            return None  # ``f(**options)`` may pass it
        found.append((call, arg))
    return found


def function_calls(analysis: Values, fn: FunctionInfo) -> list[ast.Call]:
    """The calls of ``fn`` in this file (its class's, for ``__init__``; its instances', for
    ``__call__``)."""
    if fn.is_module or isinstance(fn.node, ast.Lambda):
        return []
    return _calls_of(analysis, fn, 0)[1]


def _calls_of(analysis: Values, fn: FunctionInfo, depth: int) -> tuple[int, list[ast.Call]]:
    """How many first parameters a call does not fill (``self``), and the calls of ``fn``."""
    skip = 0
    calls: list[ast.Call] = []
    cls = fn.cls
    if cls is None:
        calls = [
            c
            for c in analysis.name_calls.get(fn.name, ())
            if isinstance(f := analysis.value(c.func, depth + 1), FuncRef) and f.fn is fn
        ]
    elif fn.name == "__init__":
        skip = 1 if fn.self_name else 0
        wanted = Sym(f"@local:{cls.name}")
        calls = [
            c for c in analysis.name_calls.get(cls.name, ()) if analysis.value(c.func) == wanted
        ]
    elif fn.name == "__call__" and fn.self_name:
        skip = 1
        calls = instance_calls(analysis, fn)  # ``printer(stream)``
    elif fn.self_name:
        skip = 1
        calls = [
            c
            for c in analysis.attr_calls.get(fn.name, ())
            if isinstance(f := analysis.value(c.func, depth + 1), FuncRef) and f.fn is fn
        ]
    return skip, calls


def class_method(analysis: Values, name: str, method: str) -> FunctionInfo | None:
    """The method a class of this file has, its own or a base's (of this file)."""
    pending: list[str] = [name]
    seen: set[str] = set()
    while pending:
        current = pending.pop(0)
        cls = analysis.classes.get(current)
        if cls is None or current in seen or len(seen) > 8:
            continue
        seen.add(current)
        if method in cls.methods:
            return cls.methods[method]
        pending.extend(base.id for base in cls.node.bases if isinstance(base, ast.Name))
    return None


def instance_calls(analysis: Values, fn: FunctionInfo) -> list[ast.Call]:
    """The calls of instances of this file's classes that run ``fn``, their ``__call__``
    (``printer = Printer()``, then ``printer(chunks)``)."""
    found = []
    for call in analysis.calls:
        name = _instance_class(analysis.value(call.func))
        if name and class_method(analysis, name, "__call__") is fn:
            found.append(call)
    return found


def callee(analysis: Values, call: ast.Call) -> tuple[FunctionInfo, int] | None:
    """The function of this file a call runs, and how many of its first parameters the call
    does not fill (``self``): a function, a method through ``self``/an instance, or an
    instance of a class of this file called (its ``__call__``)."""
    value = analysis.value(call.func)
    if isinstance(value, FuncRef):
        fn = value.fn
        bound = (
            fn.cls is not None and fn.self_name is not None and isinstance(call.func, ast.Attribute)
        )
        return fn, 1 if bound else 0
    name = _instance_class(value)
    if name:
        method = class_method(analysis, name, "__call__")
        if method is not None and method.self_name:
            return method, 1
    return None


def _instance_class(value: object) -> str:
    """The name of the class of this file ``value`` is an instance of ("" for none)."""
    if isinstance(value, Sym) and value.path.startswith("@local:") and value.path.endswith("()"):
        return value.path[len("@local:") : -2]
    return ""


# Statements whose bodies run under a condition (or not at all).
_BLOCKS = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.With,
    ast.AsyncWith,
    *_TRIES,
    *([ast.Match] if hasattr(ast, "Match") else []),
)


def _statement_of(entry: tuple[int, str, object]) -> ast.AST | None:
    """The statement that made a binding, where the binding keeps a node of it."""
    kind, payload = entry[1], entry[2]
    if kind == "item" and isinstance(payload, tuple):
        payload = payload[0]
    if kind in ("expr", "item", "with") and isinstance(payload, ast.AST):
        return payload  # an expression of the statement: its ancestors are the statement's
    return None
