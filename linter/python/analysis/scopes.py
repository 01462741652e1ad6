"""The index of one file: every node's parent and scope, the scopes (module, functions,
lambdas) and classes, the names each scope binds, and the calls, loops and tries to look at.

Names are resolved through the file's imports and simple assignments (``from openai import
OpenAI as O; c = O()``), ``with ... as`` targets, parameter annotations and ``self.x``
attributes assigned in the class's methods. The lookup is by position: a name's binding is the
last one in its scope before the use (else the scope's last), then the enclosing scopes'. All
walks are iterative, so a deeply nested file cannot overflow the stack.
"""

from __future__ import annotations

import ast
import bisect
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, cast

from linter.python.analysis.model import ClassInfo, FunctionInfo, Iteration, StreamStart, _offset_of
from linter.python.analysis.nodes import (
    _ASSIGNS,
    _CHILD_GETTERS,
    _DECLARATIONS,
    _FORS,
    _FUNCTION_TYPES,
    _FUNCTIONS,
    _IMPORTS,
    _INDEXED,
    _WITHS,
    _decorator_name,
    _dynamic_children,
    _is_test_module,
    _main_called,
    _names_in,
)
from linter.python.analysis.own_routes import OwnRoute
from linter.python.document import PythonDocument

_CLIENT_MODULE_NAMES = frozenset({"openai", "anthropic", "litellm", "ollama"})


class FileIndex:
    """The first layer of ``Analysis``: the file indexed, and names looked up in it."""

    def __init__(self, document: PythonDocument) -> None:
        assert document.tree is not None
        # Weak: the document holds its analysis (see FunctionInfo on reference cycles).
        self._document = weakref.ref(document)
        self.tree = document.tree
        # By node (nodes hash by identity): parents and scopes of every node but constants.
        self.parents: dict[ast.AST, ast.AST] = {}
        self.scope_of: dict[ast.AST, FunctionInfo] = {}
        self.functions: list[FunctionInfo] = []
        self.function_by_node: dict[int, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.calls: list[ast.Call] = []
        self.loops: list[ast.AST] = []  # For, AsyncFor, comprehension generators (via their parent)
        self.statement_loops: list[ast.For | ast.AsyncFor | ast.While] = []
        self.yield_froms: list[ast.YieldFrom] = []
        self.tries: list[ast.Try] = []  # ``try`` statements (not ``try``/``except*``)
        self.name_calls: dict[str, list[ast.Call]] = {}
        self.attr_calls: dict[str, list[ast.Call]] = {}
        self.name_loads: dict[str, list[ast.Name]] = {}
        self.self_names: set[str] = set()  # what methods call their first parameter
        # Module globals assigned in functions through ``global name``: name -> those scopes.
        self.global_writers: dict[str, list[FunctionInfo]] = {}
        # Modules imported with ``from m import *`` at module level: a name bound nowhere
        # else comes from one of them.
        self.star_modules: list[str] = []
        self._imported_roots: frozenset[str] | None = None
        # By node (nodes hash by identity): the value of each expression resolved so far, or
        # _ACTIVE while it is being resolved (a cycle of names gives None).
        self._values: dict[ast.AST, object] = {}
        # How many times the value search stopped at its depth limit (values).
        self._cut_short = 0
        # (function, parameter) -> the stream its SDK-stream annotation makes (values).
        self._typed_streams: dict[tuple[int, str], Any] = {}
        self.test_module = _is_test_module(document.path)
        # In a test module, the functions its ``if __name__ == "__main__":`` block calls: the
        # module is also a script run directly, so they are entry points, not tests.
        self.main_called: frozenset[str] = (
            _main_called(self.tree) if self.test_module else frozenset()
        )
        self.module = FunctionInfo(self.tree, "<module>", None)
        self._index()
        self._starts: list[StreamStart] | None = None
        self._imports_llama_index: bool | None = None
        self._imports_streamlit: bool | None = None
        self._iterations: list[Iteration] | None = None
        self._all_iterations: list[Iteration] | None = None
        self._llm_streams: dict[int, bool] = {}
        # Raw HTTP streams known only as reads of the project's own SSE routes (``own_route``).
        self.route_evidence: dict[int, OwnRoute] = {}
        # The calls that start a function in a thread (threads._thread_starts), found once.
        self.thread_starts: list[tuple[ast.Call, str, ast.expr]] | None = None
        # Calls of ``response.iter_lines()`` read as server-sent events from a response whose
        # request this file does not trace (``_foreign_sse``): they start no call of ``starts``.
        self.foreign_sse: set[int] = set()

    @property
    def document(self) -> PythonDocument:
        document = self._document()
        assert document is not None, "the analysis outlived its document"
        return document

    # -- indexing ----------------------------------------------------------------------------

    def _index(self) -> None:
        doc = self.document
        tree = self.tree
        self.functions.append(self.module)
        self.function_by_node[id(tree)] = self.module
        parents = self.parents
        scope_of = self.scope_of
        name_loads = self.name_loads
        # The ClassInfo of each class node: a function whose parent is a class is its method.
        class_of: dict[ast.AST, ClassInfo] = {}
        getters = _CHILD_GETTERS
        indexed = _INDEXED
        name_type, constant_type, load_type, call_type = ast.Name, ast.Constant, ast.Load, ast.Call
        scope_of[tree] = self.module
        # Depth first, the last child first (the order the lists and bindings are made in).
        # A child's parent and scope are set when it is met; names are handled there and never
        # stacked, constants are skipped (nothing asks for their parent or scope).
        stack: list[ast.AST] = [tree]
        while stack:
            node: Any = stack.pop()  # parsed nodes, told apart by type() below
            scope = scope_of[node]
            child_scope = scope
            # Children that run in the enclosing scope: a function's decorators, defaults and
            # annotations.
            outside: set[ast.AST | None] | None = None
            node_type = type(node)
            if node_type is call_type:  # the most frequent indexed node: tested first
                call = cast("ast.Call", node)
                if not scope.is_test:
                    self.calls.append(call)
                func = call.func
                if type(func) is name_type:
                    self.name_calls.setdefault(func.id, []).append(call)
                elif type(func) is ast.Attribute:
                    self.attr_calls.setdefault(func.attr, []).append(call)
            elif node_type not in indexed:
                pass  # most nodes: only their parent and scope matter
            # Parsed nodes are of these very classes (none subclasses another): type tests.
            elif node_type in _ASSIGNS:
                self._bind_assign(node, scope, doc.start(node))
            elif node_type in _IMPORTS:
                self._bind_import(node, scope, doc.start(node))
            elif node_type is ast.comprehension:
                self.loops.append(node)
            elif node_type is ast.Return:
                if node.value is not None:
                    scope.returns.append(node.value)
            elif node_type in _FUNCTION_TYPES:
                name = getattr(node, "name", "<lambda>")
                in_class = class_of.get(parents.get(node))  # type: ignore[arg-type]
                info = FunctionInfo(node, name, scope, cls=in_class)
                if not isinstance(node, ast.Lambda):
                    at = doc.start(node)  # where the name and the parameters are bound
                    info.decorators = list(node.decorator_list)
                    if self.test_module and not info.is_test:
                        info.is_test = (
                            (name.startswith("test") and name not in self.main_called)
                            or (in_class is not None and in_class.name.startswith("Test"))
                            or any(_decorator_name(d) == "fixture" for d in node.decorator_list)
                        )
                    if in_class is not None:
                        in_class.methods[name] = info  # a method is no name of the enclosing scope
                    else:
                        scope.bind(name, at, "def", info)
                    positional = node.args.posonlyargs + node.args.args
                    if (
                        in_class is not None
                        and positional
                        and not any(
                            _decorator_name(d) == "staticmethod" for d in node.decorator_list
                        )
                    ):
                        info.self_name = positional[0].arg
                        self.self_names.add(info.self_name)
                    for arg in positional + node.args.kwonlyargs:
                        info.bind(arg.arg, at, "param", arg.annotation)
                    for rest in (node.args.vararg, node.args.kwarg):
                        if rest is not None:
                            info.bind(rest.arg, at, "unknown", None)
                self.functions.append(info)
                self.function_by_node[id(node)] = info
                child_scope = info
                outside = {*getattr(node, "decorator_list", ()), node.args}
                outside.add(getattr(node, "returns", None))
            elif node_type is ast.ClassDef:
                cls = ClassInfo(node, node.name)
                self.classes.setdefault(node.name, cls)
                scope.bind(node.name, doc.start(node), "class", cls)
                class_of[node] = cls
            elif node_type in _WITHS:
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        scope.bind(
                            item.optional_vars.id, doc.start(node), "with", item.context_expr
                        )
            elif node_type in _FORS:
                self.loops.append(node)
                self.statement_loops.append(node)
                for target in _names_in(node.target):
                    scope.bind(target, doc.start(node), "unknown", None)
            elif node_type is ast.YieldFrom:
                self.yield_froms.append(node)
                scope.is_generator = True
            elif node_type is ast.Yield:
                scope.is_generator = True
            elif node_type is ast.While:
                self.statement_loops.append(node)
            elif node_type is ast.Try:
                self.tries.append(node)
            elif node_type in _DECLARATIONS:
                for name in node.names:
                    scope.bind(name, doc.start(node), "unknown", None)
                    if node_type is ast.Global:
                        self.global_writers.setdefault(name, []).append(scope)
            getter = getters.get(node_type, _dynamic_children)
            if getter is None:
                continue  # no field that holds nodes
            kids: Sequence[Any]
            for value in getter(node):
                if type(value) is list:
                    kids = value
                elif value is None:
                    continue
                else:
                    kids = (value,)
                for child in kids:
                    child_type = type(child)
                    if child_type is constant_type or child is None:
                        continue
                    parents[child] = node
                    scope_of[child] = (
                        child_scope if outside is None or child not in outside else scope
                    )
                    if child_type is name_type:
                        if type(child.ctx) is load_type:
                            name_loads.setdefault(child.id, []).append(child)
                    else:
                        stack.append(child)
        # The walk is not in source order: sort each name's bindings by offset, once.
        for info in self.functions:
            for entries in info.bindings.values():
                if len(entries) > 1:  # most names are bound once
                    entries.sort(key=_offset_of)

    def _bind_import(
        self, node: ast.Import | ast.ImportFrom, scope: FunctionInfo, offset: int
    ) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.bind(alias.asname, offset, "import", alias.name)
                else:
                    top = alias.name.split(".", 1)[0]
                    scope.bind(top, offset, "import", top)
            return
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if scope.is_module:
                    self.star_modules.append(module)
                continue
            path = (
                f"{module}.{alias.name}"
                if module and not module.endswith(".")
                else module + alias.name
            )
            if alias.name in _CLIENT_MODULE_NAMES:
                # ``from app.llm import litellm``: a project module re-exporting the library.
                path = alias.name
            scope.bind(alias.asname or alias.name, offset, "import", path)

    def _bind_assign(self, node: ast.AST, scope: FunctionInfo, offset: int) -> None:
        value: ast.expr | None
        targets: list[ast.expr]
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
            targets, value = [node.target], node.value
        else:  # AugAssign: the name now holds something else
            assert isinstance(node, ast.AugAssign)
            for name in _names_in(node.target):
                scope.bind(name, offset, "unknown", None)
            return
        for target in targets:
            if isinstance(target, ast.Name):
                if value is None:
                    scope.bind(target.id, offset, "param", getattr(node, "annotation", None))
                else:
                    scope.bind(target.id, offset, "expr", value)
            elif (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and scope.cls is not None
                and target.value.id == scope.self_name
                and value is not None
            ):
                scope.cls.self_attrs.setdefault(target.attr, []).append((value, scope))
            elif (
                isinstance(target, (ast.Tuple, ast.List))
                and value is not None
                and not any(isinstance(elt, ast.Starred) for elt in target.elts)
            ):
                # ``a, b = f()`` where f returns ``x, y``: each name is an item of the value.
                for index, elt in enumerate(target.elts):
                    if isinstance(elt, ast.Name):
                        scope.bind(elt.id, offset, "item", (value, index, len(target.elts)))
                    else:
                        for name in _names_in(elt):
                            scope.bind(name, offset, "unknown", None)
            else:
                for name in _names_in(target):
                    scope.bind(name, offset, "unknown", None)

    # -- navigation --------------------------------------------------------------------------

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def scope(self, node: ast.AST) -> FunctionInfo:
        return self.scope_of.get(node, self.module)

    def ancestors(self, node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
        """(ancestor, the child of it on the way) pairs, innermost first."""
        child = node
        parent = self.parent(child)
        while parent is not None:
            yield parent, child
            child, parent = parent, self.parent(parent)

    # -- resolving values --------------------------------------------------------------------

    def lookup(
        self, name: str, scope: FunctionInfo, at: int
    ) -> tuple[str, object, FunctionInfo] | None:
        found = self.binding(name, scope, at)
        return None if found is None else found[1:]

    def binding(
        self, name: str, scope: FunctionInfo, at: int
    ) -> tuple[int, str, object, FunctionInfo] | None:
        """The binding a use of ``name`` at offset ``at`` sees: (offset of the binding
        statement, kind, payload, the scope that holds it)."""
        return self._binding(name, scope, at)

    def _binding(
        self, name: str, scope: FunctionInfo, at: int | ast.AST
    ) -> tuple[int, str, object, FunctionInfo] | None:
        """``binding``; ``at`` may be the node that uses the name: its offset is computed
        only when the scope binds the name more than once (else the one binding is it)."""
        entries = scope.bindings.get(name)
        if entries:
            if len(entries) == 1:
                chosen = entries[0]
            else:
                use = at
                if not isinstance(at, int):
                    at = self.document.start(at)
                # The last binding before ``at`` (the list is sorted by offset). ``(at,)``
                # sorts before every entry at offset ``at`` and after those before it: only
                # offsets are compared, in C, with no key function called.
                index = bisect.bisect_left(entries, (at,))
                chosen = entries[index - 1] if index else entries[-1]
                if index > 1 and not isinstance(use, int) and _inside(use, chosen[2]):
                    # ``x = f(x)``: the use in the value sees the binding before this one.
                    chosen = entries[index - 2]
            return chosen[0], chosen[1], chosen[2], scope
        current = scope.parent
        while current is not None:
            entries = current.bindings.get(name)
            if entries:
                chosen = entries[-1]
                return chosen[0], chosen[1], chosen[2], current
            current = current.parent
        return None

    def enclosing_function(self, node: ast.AST) -> FunctionInfo:
        for ancestor, _ in self.ancestors(node):
            if isinstance(ancestor, _FUNCTIONS):
                return self.function_by_node[id(ancestor)]
        return self.module


def _inside(node: ast.AST, value: object) -> bool:
    """``node`` lies within the expression ``value`` (an assignment's value)."""
    if not isinstance(value, ast.expr) or not hasattr(node, "lineno"):
        return False
    start = (value.lineno, value.col_offset)
    end = (value.end_lineno or value.lineno, value.end_col_offset or 0)
    return start <= (node.lineno, node.col_offset) < end  # type: ignore[attr-defined]
