"""Classes of the tree's other modules and their methods: a call ``x.method(...)`` whose
receiver is an instance of a class another module defines (``x = Assistant()``, ``self.x =
Assistant()``, ``x: Assistant``, a module's singleton) is that class's method, read in its
module: a generator method that yields a stream's chunks unguarded, or a method that returns
such a generator (``return self.run_and_stream(...)``) or a stream, hands the stream to the
caller, as a module-level function of the tree does (``project``).

Unlike a method followed by its name alone (``methods``), the class is known: a name common to
many classes (``run``) is followed too. Only what an import of the file names is looked up
(a class of the file itself is the file's own analysis's business).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python.analysis.method_syntax import iterated
from linter.python.analysis.model import FunctionInfo, GenObj, Keyed, Stream, Sym
from linter.python.analysis.nodes import _unquote
from linter.python.analysis.stream_functions import handed_out_at

if TYPE_CHECKING:
    from linter.python import clients as K
    from linter.python.analysis.project import ConsumerSite, Project
    from linter.python.analysis.stream_functions import StreamFunction
    from linter.python.analysis.values import Values
    from linter.python.cut_errors import Raised

# How many names, ``self.x`` attributes and annotations are followed to the constructor call.
_MAX_STEPS = 6


class ProjectClasses:
    """Per project: the stream methods of the tree's classes, found once each."""

    def __init__(self, project: Project) -> None:
        self.project = project
        # (file, class, method) -> the stream it hands out (None: none, or being found).
        self._methods: dict[tuple[str, str, str], StreamFunction | None] = {}
        self._classes: dict[str, frozenset[str]] = {}
        # (file, class, client) -> its instances' calls in other modules (None: being found).
        self._calls: dict[tuple[str, str, str], list[ConsumerSite] | None] = {}
        # (file, function) -> the classes (file, name) a factory's returns make.
        self._products: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        # File -> its factories of stream classes (names).
        self._factories: dict[str, frozenset[str]] = {}

    def products(self, path: str, name: str) -> tuple[tuple[str, str], ...]:
        """The classes of the tree (file, class) whose instances the module-level function
        ``name`` of ``path`` returns, when every ``return`` of it is a call of one
        (``return AnthropicProvider(...)`` in one branch, ``return OpenAIProvider(...)`` in
        another: a factory); empty when one returns anything else."""
        key = (path, name)
        found = self._products.get(key)
        if found is None:
            self._products[key] = ()  # (a cycle gives nothing)
            with self.project._analysis(path) as analysis:
                found = () if analysis is None else _factory_products(analysis, path, name)
            self._products[key] = found
        return found

    def factories(self, path: str) -> frozenset[str]:
        """The module-level functions of a module that return instances of classes with a
        method that hands out a stream (``get_llm_provider()``): what makes a file that
        imports one worth checking. Read only when the module imports such a class."""
        found = self._factories.get(path)
        if found is None:
            self._factories[path] = frozenset()
            names: set[str] = set()
            if self._imports_stream_classes(path):
                with self.project._analysis(path) as analysis:
                    functions = analysis.functions if analysis is not None else []
                    candidates = [
                        f.name
                        for f in functions
                        if f.parent is not None and f.parent.is_module and f.cls is None
                    ]
                for name in candidates:
                    if any(
                        self.stream_classes(file) and cls in self.stream_classes(file)
                        for file, cls in self.products(path, name)
                    ):
                        names.add(name)
            found = self._factories[path] = frozenset(names)
        return found

    def _imports_stream_classes(self, path: str) -> bool:
        from linter.workspace import ReadFailure, read_regular_file

        try:
            data = read_regular_file(path)
        except ReadFailure:
            return False
        project = self.project
        for statement in project._statements(path, data):
            for dotted in project._dotted(statement):
                found = project.resolve(path, dotted)
                if found is None or len(found[1]) != 1 or found[0] == path:
                    continue
                if found[1][0] in self.stream_classes(found[0]):
                    return True
        return False

    def stream_classes(self, path: str) -> frozenset[str]:
        """The classes of a module (one that names a client) with a method that hands out a
        stream: what makes a file that imports one worth checking."""
        found = self._classes.get(path)
        if found is None:
            self._classes[path] = frozenset()  # (a cycle gives nothing)
            names: set[str] = set()
            if self.project._names_client(path):
                with self.project._analysis(path) as analysis:
                    for name, info in (analysis.classes if analysis is not None else {}).items():
                        if any(self.method_stream(path, name, m) for m in info.methods):
                            names.add(name)
            found = self._classes[path] = frozenset(names)
        return found

    def instance_calls(
        self, path: str, function: FunctionInfo, client: K.Client
    ) -> list[ConsumerSite] | None:
        """The calls, in the modules that import ``path``, of instances of the class of
        ``function`` (its ``__call__``: ``tutor = Tutor()``, then ``tutor(question)``),
        each judged where the stream it hands out is iterated; None in a cycle."""
        from linter.python.analysis.project import _MAX_HOPS, ConsumerSite

        cls = function.cls
        if cls is None:
            return []
        key = (path, cls.name, client.name)
        if key in self._calls:
            return self._calls[key]
        project = self.project
        if project._hops >= _MAX_HOPS:
            return None
        self._calls[key] = None
        project._hops += 1
        found: list[ConsumerSite] = []
        try:
            for importer in project.importers(path):
                with project._analysis(importer) as analysis:
                    if analysis is None:
                        continue
                    module = project.module_name(importer)
                    raised: tuple[Raised, ...] | None = None
                    for call in analysis.calls:
                        if not _calls_instance_of(analysis, call, path, cls.name):
                            continue
                        if raised is None:
                            raised = client.raised(analysis.version(client, {})[0])
                        iteration = analysis.iteration_of(call)
                        node: ast.AST = call if iteration is None else iteration.node
                        verdict = analysis.guard_of(node, client, raised)
                        found.append(
                            ConsumerSite(
                                importer,
                                module,
                                getattr(node, "lineno", call.lineno),
                                iteration is not None,
                                verdict.guarded,
                                verdict.guard,
                                reported_there=iteration is not None,
                                unknown=verdict.unknown,
                                why="" if verdict.guarded else verdict.why,
                                handed=verdict.handed and not verdict.guarded,
                            )
                        )
        finally:
            project._hops -= 1
        self._calls[key] = found
        return found

    def method_stream(self, path: str, cls: str, method: str) -> StreamFunction | None:
        key = (path, cls, method)
        if key in self._methods:
            return self._methods[key]
        self._methods[key] = None  # a method returning itself gives nothing
        with self.project._analysis(path) as analysis:
            found = None if analysis is None else _stream_method(analysis, path, cls, method)
        self._methods[key] = found
        return found


def _stream_method(analysis: Values, path: str, cls: str, method: str) -> StreamFunction | None:
    info = analysis.classes.get(cls)
    if info is None:
        return None
    fn = next((o.methods[method] for o in analysis._lineage(info) if method in o.methods), None)
    if fn is None or fn.is_test:
        return None
    project = analysis.document.project
    assert project is not None
    module = f"{project.module_name(path)}.{cls}"
    return _handed_out(analysis, fn, path, module, 0)


def _handed_out(
    analysis: Values, fn: FunctionInfo, path: str, module: str, depth: int
) -> StreamFunction | None:
    """What ``fn`` hands its caller: the chunks of a stream it iterates unguarded (a
    generator), another method's such generator, or a stream it returns."""
    from linter.python.analysis.stream_functions import (
        StreamFunction,
        dict_item,
        start_api,
        start_line,
    )

    if fn.is_generator:
        for iteration in analysis.iterations:  # type: ignore[attr-defined]
            if iteration.function is not fn:
                continue
            start = iteration.stream
            raised = start.client.raised(analysis.version(start.client, {})[0])  # type: ignore[attr-defined]
            guard = analysis.guard_of(iteration.node, start.client, raised, local=True)  # type: ignore[attr-defined]
            if not guard.guarded:
                return StreamFunction(
                    path,
                    module,
                    fn.name,
                    start.client,
                    start_api(start),
                    start_line(start),
                    "generator",
                    # What its handler raises instead of the cut, for the callers to catch.
                    translated=guard.translated,
                )
        return None
    for returned in fn.returns:
        if analysis.scope(returned) is not fn:
            continue
        project = analysis.document.project
        functions = project.functions(path) if project is not None else None
        carried = dict_item(analysis, returned, fn, functions or {})  # type: ignore[arg-type]
        if carried is not None:
            key, handed = carried
            return StreamFunction(
                path, module, fn.name, handed.client, handed.api, handed.line, "returns",
                key=key,
            )  # fmt: skip
        value = analysis.value(returned)
        if isinstance(value, GenObj) and value.fn.cls is not None and depth < 3:
            # ``return self.run_and_stream(...)``: the class's generator hands the chunks.
            inner = _handed_out(analysis, value.fn, path, module, depth + 1)
            if inner is not None and inner.shape == "generator":
                api = f"{inner.name}() (a generator yielding {inner.api})"
                return StreamFunction(
                    path, module, fn.name, inner.client, api, inner.line, "generator"
                )
        if isinstance(value, Stream) and value.role == "stream":
            given = value.start
            if given.streaming and not (given.http and not analysis.llm_stream(given)):  # type: ignore[attr-defined]
                return StreamFunction(
                    path,
                    module,
                    fn.name,
                    given.client,
                    start_api(given),
                    start_line(given),
                    "returns",
                )
    return None


def _factory_products(analysis: Values, path: str, name: str) -> tuple[tuple[str, str], ...]:
    """See ``ProjectClasses.products``."""
    project = analysis.document.project
    functions = [
        f
        for f in analysis.functions
        if f.name == name and f.parent is not None and f.parent.is_module and f.cls is None
    ]
    if project is None or len(functions) != 1 or functions[0].is_generator:
        return ()
    function = functions[0]
    made: list[tuple[str, str]] = []
    returns = [r for r in function.returns if analysis.scope(r) is function]
    for returned in returns:
        if not isinstance(returned, ast.Call):
            return ()
        func = returned.func
        if isinstance(func, ast.Name) and func.id in analysis.classes:
            made.append((path, func.id))
            continue
        dotted = _imported_class(analysis, func)
        resolved = project.resolve(path, dotted) if dotted is not None else None
        if resolved is None or len(resolved[1]) != 1:
            return ()
        made.append((resolved[0], resolved[1][0]))
    return tuple(dict.fromkeys(made))


def made_by_factory(analysis: Values, expr: ast.expr) -> tuple[list[tuple[str, str]], str]:
    """The classes (file, name) of the tree that ``expr`` may be an instance of when it is
    (or names, bound once) the result of a factory function of another module, and the
    factory's name."""
    for _ in range(_MAX_STEPS):
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.Name):
            found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
            if found is None or found[0] != "expr" or not isinstance(found[1], ast.expr):
                return [], ""
            if len(found[2].bindings.get(expr.id, ())) != 1:
                return [], ""
            expr = found[1]
        elif isinstance(expr, ast.Call):
            project = analysis.document.project
            remote = analysis.remote_callee(expr)
            if project is None or remote is None:
                return [], ""
            return list(project.classes.products(remote[0], remote[1])), remote[1]
        else:
            return [], ""
    return [], ""


def class_method_stream(analysis: Values, call: ast.Call) -> Stream | Keyed | None:
    """``x.method(...)`` on an instance of a class of another module of the tree, when that
    method hands out a stream (see ``ProjectClasses``); ``x(...)``: its ``__call__``; or on
    what a factory of another module returns (``provider = get_llm_provider("chat")``) when
    every class it makes has the method, and one of those hands out a stream."""
    project = analysis.document.project
    func = call.func
    if project is None or not (iterated(analysis, call) or _returned(analysis, call)):
        return None
    if isinstance(func, ast.Attribute):
        dotted, method = receiver_class(analysis, func.value), func.attr
    elif isinstance(func, ast.Name):
        dotted, method = receiver_class(analysis, func, instance=True), "__call__"
    else:
        return None
    via = ""
    if dotted is None:
        if not isinstance(func, ast.Attribute):
            return None
        products, factory = made_by_factory(analysis, func.value)
        if not products:
            return None
        streams = [project.classes.method_stream(file, cls, method) for file, cls in products]
        found = next((f for f in streams if f is not None), None)
        if found is None or not all(_has_method(project, f, c, method) for f, c in products):
            return None
        if len(products) > 1:
            via = f" (one of the {len(products)} classes {factory}() returns)"
    else:
        resolved = project.resolve(analysis.document.path, dotted)
        if resolved is None or len(resolved[1]) != 1:
            return None
        found = project.classes.method_stream(resolved[0], resolved[1][0], method)
        if found is None:
            return None
    return handed_out_at(call, found, via, tell_item=False)


def _has_method(project: Project, path: str, cls: str, method: str) -> bool:
    """The class (or a base of its file) defines the method: a factory's classes all answer
    the call, so none is something else (a class without it would fail at run time)."""
    with project._analysis(path) as analysis:
        info = analysis.classes.get(cls) if analysis is not None else None
        return info is not None and any(method in o.methods for o in analysis._lineage(info))  # type: ignore[union-attr]


def receiver_class(analysis: Values, expr: ast.expr, instance: bool = False) -> str | None:
    """The dotted path (as the file imports it) of the class of another module that
    ``expr`` is an instance of: built by a call of it, held by ``self.x`` set to one, or
    annotated with it (``x: Assistant``, ``Optional[Assistant]``, ``Assistant | None``);
    one of two such of the same class (``a if fast else b``). ``instance``: ``expr`` is
    called itself, so it must be an instance (not the class, whose call builds one)."""
    for step in range(_MAX_STEPS):
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.IfExp):
            sides = {receiver_class(analysis, side) for side in (expr.body, expr.orelse)}
            return sides.pop() if len(sides) == 1 else None
        elif isinstance(expr, ast.Call):
            if instance and step == 0:
                return None  # ``Assistant()(...)``? not followed
            return _imported_class(analysis, expr.func)
        elif isinstance(expr, ast.Name):
            found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
            if found is None:
                return None
            kind, payload, _scope = found
            if kind == "param":
                return _annotated_class(analysis, payload) if payload is not None else None
            if kind != "expr" or not isinstance(payload, ast.expr):
                return None
            holder = analysis.parent(payload)
            if isinstance(holder, ast.AnnAssign) and holder.value is payload:
                # ``llm: Llm = settings.LLM_API``: the annotation names the class.
                named = _annotated_class(analysis, holder.annotation)
                if named is not None:
                    return named
            expr = payload
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            method = analysis.scope(expr).method
            cls = method.cls if method is not None else None
            if cls is None or expr.value.id != method.self_name:  # type: ignore[union-attr]
                return None
            assigned = [
                value
                for owner in analysis._lineage(cls)
                for value, _ in owner.self_attrs.get(expr.attr, ())
            ]
            if len(assigned) != 1:
                return None  # set to several things (or none): not known which
            expr = assigned[0]
        else:
            return None
    return None


def _returned(analysis: Values, call: ast.Call) -> bool:
    """``return x.method(...)``: handed to the callers of the file, who may iterate it (the
    class is known, so the call is followed as far as it goes)."""
    parent = analysis.parent(call)
    if isinstance(parent, ast.Await):
        parent = analysis.parent(parent)
    return isinstance(parent, ast.Return)


def _calls_instance_of(analysis: Values, call: ast.Call, path: str, cls: str) -> bool:
    """``x(...)`` where ``x`` is an instance of class ``cls`` of the module at ``path``."""
    if not isinstance(call.func, ast.Name) or analysis.scope(call).is_test:
        return False
    dotted = receiver_class(analysis, call.func, instance=True)
    project = analysis.document.project
    if dotted is None or project is None:
        return False
    resolved = project.resolve(analysis.document.path, dotted)
    return resolved is not None and resolved[0] == path and list(resolved[1]) == [cls]


def _annotated_class(analysis: Values, annotation: object) -> str | None:
    if not isinstance(annotation, ast.expr):
        return None
    node = _unquote(annotation)
    if isinstance(node, ast.Subscript) and _name_of(node.value) in ("Optional", "typing.Optional"):
        node = node.slice
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [s for s in (node.left, node.right) if not _is_none(s)]
        if len(sides) != 1:
            return None
        node = sides[0]
    return _imported_class(analysis, node)


def _imported_class(analysis: Values, node: ast.expr) -> str | None:
    """The dotted path an imported name (or attribute of an imported module) stands for,
    when it is not a library's."""
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return None
    value = analysis.value(node)
    if not isinstance(value, Sym) or value.path.startswith("@"):
        return None
    last = value.path.rsplit(".", 1)[-1]
    return value.path if last[:1].isupper() else None


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return ""


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
