"""Walking a parsed file fast (the child nodes of each node type read in one C call) and small
helpers on nodes: call keywords, decorator and target names, annotations, handlers."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator
from typing import Any

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
# ``try`` and, from 3.11, ``try``/``except*``.
_TRIES: tuple[type[ast.Try], ...] = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    return any(item.arg is None for item in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    )


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_test_module(path: str) -> bool:
    """A pytest module by its name: test_*.py, *_test.py, conftest.py."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name[:-3].endswith("_test"))
    )


def _main_called(tree: ast.Module) -> frozenset[str]:
    """The names called in the module's ``if __name__ == "__main__":`` blocks (also inside
    ``asyncio.run(main())``): the functions a directly run script starts, and those the
    module-level functions it starts call in turn (``main()`` running ``test_streaming()``,
    a few calls deep: a hand-run test script)."""
    names: set[str] = set()
    defined = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for statement in tree.body:
        if not isinstance(statement, ast.If):
            continue
        test = statement.test
        if not (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
            and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__"
        ):
            continue
        for part in statement.body:
            for node in ast.walk(part):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    names.add(node.func.id)
    frontier = [name for name in names if name in defined]
    for _ in range(_MAIN_DEPTH):
        found: list[str] = []
        for name in frontier:
            for node in ast.walk(defined[name]):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    callee = node.func.id
                    if callee in defined and callee not in names:
                        names.add(callee)
                        found.append(callee)
        frontier = found
    return frozenset(names)


# How many calls down from the ``__main__`` block a script's functions are followed.
_MAIN_DEPTH = 3


# Node types the index looks at (besides names); every other node only gets its parent and scope.
_INDEXED = frozenset(
    {
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Lambda,
        ast.ClassDef,
        ast.Import,
        ast.ImportFrom,
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.NamedExpr,
        ast.With,
        ast.AsyncWith,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.Call,
        ast.YieldFrom,
        ast.Yield,
        ast.Return,
        ast.While,
        ast.Try,
        ast.Global,
        ast.Nonlocal,
    }
)
_FUNCTION_TYPES = frozenset(_FUNCTIONS)
_ASSIGNS = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr})
_IMPORTS = frozenset({ast.Import, ast.ImportFrom})
_WITHS = frozenset({ast.With, ast.AsyncWith})
_FORS = frozenset({ast.For, ast.AsyncFor})
_DECLARATIONS = frozenset({ast.Global, ast.Nonlocal})
# Fields that never hold a node worth indexing: expression contexts and operators.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
# ASDL types of fields that never hold a node (``Name(identifier id, expr_context ctx)``).
_PLAIN_FIELD_TYPES = frozenset({"identifier", "string", "constant", "int", "object"})
_SIGNATURE = re.compile(r"(\w+)\((.*)\)")


def _all_node_types(base: type) -> list[type]:
    found = [base]
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        found.extend(_all_node_types(sub))
    return found


def _node_fields(node_type: type) -> tuple[str, ...] | None:
    """The fields of ``node_type`` that may hold nodes, in ``_fields`` order, less contexts
    and operators; read from the ASDL signature every node class has as its docstring
    (``Call(expr func, expr* args, keyword* keywords)``). None when it cannot be read."""
    fields: tuple[str, ...] = getattr(node_type, "_fields", ())
    if node_type is ast.Constant:
        return ()  # its value may be a tuple of constants, never a node to walk
    match = _SIGNATURE.fullmatch((node_type.__doc__ or "").strip().split("\n", 1)[0])
    if match is None or match.group(1) != node_type.__name__:
        return None
    parts = [part.split(" ") for part in match.group(2).split(", ")] if match.group(2) else []
    if tuple(part[-1] for part in parts) != fields or any(len(part) != 2 for part in parts):
        return None
    return tuple(
        name
        for kind, name in parts
        if kind.rstrip("*?") not in _PLAIN_FIELD_TYPES and name not in _SKIPPED_FIELDS
    )


def _dynamic_children(node: ast.AST) -> tuple[list[ast.AST]]:
    """Every field looked at (a node type whose signature could not be read)."""
    found: list[ast.AST] = []
    for name in node._fields:
        if name in _SKIPPED_FIELDS:
            continue
        value = getattr(node, name, None)
        if type(value) is list:
            found.extend(v for v in value if isinstance(v, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return (found,)


def _children_getter(node_type: type) -> Callable[[ast.AST], tuple[Any, ...]] | None:
    """A function giving the values of the node-holding fields of a node of ``node_type``
    (a node, None, or a list of nodes and Nones), in order; None when there are none."""
    fields = _node_fields(node_type)
    if fields is None:
        return _dynamic_children
    if not fields:
        return None
    if len(fields) == 1:
        one = operator.attrgetter(fields[0])
        return lambda node: (one(node),)
    return operator.attrgetter(*fields)


# For each node type, how to read its child nodes: what ``ast.iter_child_nodes`` gives, less
# contexts and operators (shared singletons nobody asks about). One C call per node reads all
# its fields: four times faster than ``ast.iter_child_nodes``.
_CHILD_GETTERS: dict[type, Callable[[ast.AST], tuple[Any, ...]] | None] = {
    node_type: _children_getter(node_type) for node_type in _all_node_types(ast.AST)
}


def children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of ``node`` (as ``ast.iter_child_nodes``, less contexts and operators)."""
    getter = _CHILD_GETTERS.get(type(node), _dynamic_children)
    found: list[ast.AST] = []
    if getter is None:
        return found
    for value in getter(node):
        if type(value) is list:
            found.extend(v for v in value if v is not None)
        elif value is not None:
            found.append(value)
    return found


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names_in(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _names_in(elt)]
    if isinstance(target, ast.Starred):
        return _names_in(target.value)
    return []


def _decorator_name(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return ""


def _unquote(annotation: ast.expr) -> ast.expr:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return annotation
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotation.left  # Client | None
    if isinstance(annotation, ast.Subscript):  # Optional[Client]
        return annotation.slice
    return annotation


def _reraises(handler: ast.ExceptHandler) -> bool:
    """The handler ends by raising the caught exception again (``raise`` / ``raise e``)."""
    if not handler.body:
        return False
    last = handler.body[-1]
    if not isinstance(last, ast.Raise):
        return False
    if last.exc is None:
        return True
    return (
        isinstance(last.exc, ast.Name) and handler.name is not None and last.exc.id == handler.name
    )


def _translated(handler: ast.ExceptHandler) -> str:
    """The class a handler raises instead of what it caught, when it ends so (``raise
    LLMError(...) from e``, ``raise HTTPException(500)``): its name ("" otherwise, and when
    it first yields something: that told the user)."""
    if not handler.body or _reraises(handler):
        return ""
    if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(handler)):
        return ""
    last = handler.body[-1]
    if not isinstance(last, ast.Raise) or last.exc is None:
        return ""
    exc = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
    if isinstance(exc, ast.Name):
        return exc.id
    if isinstance(exc, ast.Attribute):
        return exc.attr
    return ""


def _walk_function(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function body, not descending into nested functions or classes."""
    stack = children(node)
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (*_FUNCTIONS, ast.ClassDef)):
            stack.extend(children(current))


def unquote(annotation: ast.expr) -> ast.expr:
    """The class an annotation names (``"Client"``, ``Client | None``, ``Optional[Client]``)."""
    return _unquote(annotation)


def walk_function(node: ast.AST) -> Iterator[ast.AST]:
    return _walk_function(node)


def reraises(handler: ast.ExceptHandler) -> bool:
    return _reraises(handler)


def line_of(node: ast.AST) -> int:
    """A loop's line: a comprehension has none of its own, so its iterable's (0: none)."""
    if isinstance(node, ast.comprehension):
        node = node.iter
    return int(getattr(node, "lineno", 0))


def parameter_default(node: ast.AST, name: str) -> ast.expr | None:
    """The default of parameter ``name`` of a function or lambda node, if it has one."""
    args = getattr(node, "args", None)
    if not isinstance(args, ast.arguments):
        return None
    positional = [*args.posonlyargs, *args.args]
    for arg, default in zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
    ):
        if arg.arg == name:
            return default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return kw_default
    return None
