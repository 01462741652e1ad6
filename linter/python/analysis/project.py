"""The project around one Python file: which modules of the linted tree it imports, which of
their functions hand out a stream (return it, or yield its chunks without guarding them), and
which modules of the tree call those functions, with the guard verdict at each call.

One ``Project`` per run and process, kept in the workspace's memo (as the NGINX includers
index is): every PY rule of every file asks the same one. Nothing is read up front. A file's
imports are resolved on the file system (``from .providers import f`` beside it, ``import
app.llm`` from the tree's root, ``src/`` or the importer's package root), and a module is parsed
only when something of it is called. The files that import a module are found the cheap way
first: every Python file of the tree is read once per process and the words of its import
statements noted; only files whose imports name the module's own name are parsed. So a
pre-commit run on one file reads its importers (and what it imports) and gives the answer a
whole-tree run gives. (Those files, paths and importers are found by ``modules``.)

What is kept is small (names, lines, verdicts), never another file's tree: a project of
thousands of modules stays within the memory of one.
"""

from __future__ import annotations

import ast
import weakref
from typing import TYPE_CHECKING

from linter.python.analysis.modules import TreeModules
from linter.python.analysis.nodes import _is_test_module
from linter.python.analysis.other_files import Loaded
from linter.python.analysis.stream_functions import (
    StreamFunction,
    exported,
    local_relays,
    returned_stream,
    start_api,
    start_line,
)
from linter.python.cut_errors import Raised, consumer_raised
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis import Analysis
    from linter.python.analysis.classes import ProjectClasses
    from linter.python.analysis.methods import MethodCallers
    from linter.python.analysis.own_routes import OwnRoute
    from linter.python.analysis.remote_args import PassedArgument
    from linter.python.document import PythonDocument
    from linter.python.forwarders import Forwarder
    from linter.workspace import Workspace

_MEMO_KEY = ("python", "project")
# How many modules a stream is followed through (provider -> relay -> consumer ...).
_MAX_HOPS = 4
# Passes over a module's functions for those returning another's stream (``return f(...)``).
_MAX_RELAY_PASSES = 4


@record
class ConsumerSite:
    """A call of a stream function in another module, and what that module does with it."""

    path: str
    module: str
    line: int
    iterated: bool  # iterated there (a loop, a comprehension, ...); else passed on
    guarded: bool
    guard: str = ""
    # A method's caller found by name whose file reports its loop (``methods``).
    reported_there: bool = False
    # Unguarded only because its own callers could not be followed (``Verdict.unknown``).
    unknown: bool = False
    why: str = ""  # passed on, unguarded: where the chain of its callers ends, in words
    handed: bool = False  # passed on to a framework's call (``Verdict.handed``)


def project_of(workspace: Workspace) -> Project:
    """The run's project (one per workspace and process)."""
    found = workspace.memo.get(_MEMO_KEY)
    if not isinstance(found, Project):
        found = Project(workspace)
        workspace.memo[_MEMO_KEY] = found
    return found


class Project(TreeModules):
    # The files, module paths and importers of the tree are TreeModules' (``modules``); what
    # is here follows the streams through them.
    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        # File -> its stream functions by name (None while being computed: a cycle).
        self._functions: dict[str, dict[str, StreamFunction] | None] = {}
        # (file, function) -> the calls of it in other modules (None while computed).
        self._consumers: dict[tuple[str, str, str], list[ConsumerSite] | None] = {}
        self._client_files: dict[str, bool] = {}
        self._calls_out: dict[str, frozenset[tuple[str, str]]] = {}
        # The last few files read, newest last (see Loaded).
        self._last: list[PythonDocument] = []
        # The analysis of the file being checked, to reuse rather than parse it again (weakly:
        # the unit's document owns it, and frees it with its tree).
        self._current: dict[str, weakref.ref[Analysis]] = {}
        self.unit_path = ""
        self._hops = 0
        self._methods: MethodCallers | None = None
        self._classes: ProjectClasses | None = None
        # (file, base class, method, client, generator) -> the base class's calls of the
        # method on ``self``, judged (``template``); None while judged.
        self._templates: dict[tuple[str, str, str, str, bool], list[ConsumerSite] | None] = {}
        # (file, function, parameter) -> what other modules pass for it (``remote_args``).
        self.remote_arguments: dict[tuple[str, str, str], list[PassedArgument] | None] = {}
        # (file, function, parameter position or name, client) -> the guard around the
        # function's iteration of that parameter, if any (``handed.remote_reader``).
        self.reader_guards: dict[tuple[str, str, str, str], str | None] = {}
        # File -> its functions that forward their ``**kwargs`` to a generation call
        # (``linter.python.forwarders``), by name.
        self._forwarders: dict[str, dict[str, Forwarder]] = {}
        # The SSE routes of the tree's apps, for its client scripts (``own_routes``).
        self.own_routes: list[OwnRoute] | None = None
        # (file, class) -> what a handler naming that class catches (``exception_kind``).
        self._exception_kinds: dict[tuple[str, str], tuple[str | None] | str] = {}

    def __reduce__(self) -> tuple[type, tuple[()]]:
        # A spawned worker is handed the workspace pickled: the project travels as an empty
        # memo entry (its caches hold weak references), and the worker makes its own.
        return (dict, ())

    def stream_function(self, importer: str, dotted: str) -> StreamFunction | None:
        """The stream function a dotted path of ``importer`` names, if it is one."""
        found = self.resolve(importer, dotted)
        if found is None or len(found[1]) != 1:
            return None
        functions = self.functions(found[0])
        return None if functions is None else functions.get(found[1][0])

    def imports_streams(self, path: str, data: bytes, relay: bool = True) -> bool:
        """Whether the file's import statements (read from its bytes, nothing parsed) bring in
        a stream function of the tree. ``relay``: also through a module that names no client
        but hands on another's stream (one such step, not more)."""
        for statement in self._statements(path, data):
            for dotted in self._dotted(statement):
                found = self.resolve(path, dotted)
                if found is None or len(found[1]) > 1:
                    continue
                functions = self.functions(found[0], relay)
                if functions and (not found[1] or found[1][0] in functions):
                    return True
                # A class there whose method hands out a stream (``Assistant().run(...)``).
                classes = self.classes.stream_classes(found[0])
                if classes and (not found[1] or found[1][0] in classes):
                    return True
                # A factory there that returns instances of such classes.
                if found[1] and relay and found[1][0] in self.classes.factories(found[0]):
                    return True
        return False

    def forwarders(self, path: str) -> dict[str, Forwarder]:
        """The module-level functions of a file of the tree that hand their ``**kwargs`` to a
        generation call with no cap of their own (their callers' caps count)."""
        found = self._forwarders.get(path)
        if found is None:
            found = {}
            self._forwarders[path] = found  # (a cycle gives nothing)
            if path == self.unit_path or self._names_client(path):
                from linter.python.forwarders import module_forwarders

                with self._analysis(path) as analysis:
                    if analysis is not None:
                        found.update(module_forwarders(analysis, 1))
        return found

    def imports_forwarders(self, path: str, data: bytes) -> bool:
        """Whether the file's import statements bring in such a function (``from
        .chat_utils import completion_with_backoff``): its calls of it are judged for the cap."""
        for statement in self._statements(path, data):
            for dotted in self._dotted(statement):
                found = self.resolve(path, dotted)
                if found is None or len(found[1]) > 1 or found[0] == path:
                    continue
                forwarders = self.forwarders(found[0])
                if forwarders and (not found[1] or found[1][0] in forwarders):
                    return True
        return False

    def functions(self, path: str, relay: bool = True) -> dict[str, StreamFunction] | None:
        if path in self._functions:
            return self._functions[path]
        if not relay and not self._names_client(path):
            return None  # (not remembered: asked with relays, the answer may differ)
        if self._hops >= _MAX_HOPS:
            return None
        self._functions[path] = None  # a cycle of imports gives nothing
        self._hops += 1
        try:
            found = self._find_functions(path, relay)
        finally:
            self._hops -= 1
        self._functions[path] = found
        return found

    def _names_client(self, path: str) -> bool:
        known = self._client_files.get(path)
        if known is None:
            from linter.python.detect import mentions_clients
            from linter.workspace import ReadFailure, read_regular_file

            try:
                data = read_regular_file(path)
            except ReadFailure:
                data = b""
            known = mentions_clients(data)
            if not known:
                # A relay names no client: what it imports is what counts.
                self._statements(path, data)
            self._client_files[path] = known
        return known

    def _find_functions(self, path: str, relay: bool = True) -> dict[str, StreamFunction]:
        found: dict[str, StreamFunction] = {}
        # Parsed only when it mentions a client or hands on one imported stream.
        if (
            path != self.unit_path
            and not self._names_client(path)
            and not (relay and self.imports_streams(path, b"", relay=False))
            and not (relay and self._calls_stream_methods(path))
        ):
            return found
        with self._analysis(path) as analysis:
            if analysis is None:
                return found
            module = self.module_name(path)
            for iteration in analysis.iterations:
                function = iteration.function
                if not exported(function) or not function.is_generator:
                    continue
                start = iteration.stream
                raised = start.client.raised(analysis.version(start.client, {})[0])
                # Within the function only (callers are the consumers' business).
                verdict = analysis.guard_of(iteration.node, start.client, raised, local=True)
                if verdict.guarded or function.name in found:
                    continue
                found[function.name] = StreamFunction(
                    path,
                    module,
                    function.name,
                    start.client,
                    start_api(start),
                    start_line(start),
                    "generator",
                    translated=verdict.translated,
                )
            local_relays(analysis, found)
            # Repeated while it finds more: a function that returns another's stream may come
            # before that one in the list.
            for _pass in range(_MAX_RELAY_PASSES):
                known = len(found)
                for function in analysis.functions:
                    if not exported(function) or function.is_generator or function.name in found:
                        continue
                    handed = returned_stream(analysis, function, path, module, found)
                    if handed is not None:
                        found[function.name] = handed
                if len(found) == known:
                    break
        return found

    def _calls_stream_methods(self, path: str) -> bool:
        """The file calls a generator method of the tree that streams (``llm.chat_stream(...)``
        on an instance it is handed): its generators may hand that stream on, as those of a
        module that imports a stream function do (a one-file run must find them as a
        whole-tree run, which checks that file itself, does)."""
        from linter.workspace import ReadFailure, read_regular_file

        try:
            data = read_regular_file(path)
        except ReadFailure:
            return False
        return b"(" in data and self.methods.calls_stream_methods(path, data)

    def exception_kind(self, importer: str, dotted: str) -> str | None:
        """A class of a module of the tree that ``importer`` names by ``dotted``, resolved
        through its bases in that module (``Guards._project_exception``: the project's own,
        or "" when it may stand for a transport error); None when ``dotted`` names no class
        of the tree's modules."""
        found = self.resolve(importer, dotted)
        if found is None or len(found[1]) != 1 or found[0] == importer:
            return None
        key = (found[0], found[1][0])
        known = self._exception_kinds.get(key)
        if known is None:
            self._exception_kinds[key] = ""  # (a cycle of imports: not known)
            with self._analysis(found[0]) as analysis:
                kind = None
                if analysis is not None and found[1][0] in analysis.classes:
                    kind = analysis._project_exception(found[1][0])
            known = (kind,)
            self._exception_kinds[key] = known
        return known[0] if isinstance(known, tuple) else known

    def imported_by_name(self, path: str, name: str) -> str:
        """A module of the tree (not test code) that imports the function ``name`` of ``path``
        by that name (``from app.providers.ollama import generate``, also inside a function)
        and hands it on as a value to its own callers: returns it (a factory) or holds it in
        a literal dict, list or tuple (a registry). Its dotted name, "" when none does. Such a
        function's callers are not known. (A re-export, ``from .app import main as main``, or
        a hand-over to a framework, ``typer.run(main)``, is not that: whatever runs it there
        is no caller of the project's that could guard it.)"""
        for importer in self.importers(path):
            if _is_test_module(importer):
                continue
            if any(
                (found := self.resolve(importer, dotted)) is not None
                and found[0] == path
                and found[1] == [name]
                for statement in self._file_statements.get(importer, ())
                for dotted in self._dotted(statement)
            ):
                with self._analysis(importer) as analysis:
                    if analysis is not None and _hands_on_value(analysis.document.tree, name):
                        return self.module_name(importer)
        return ""

    # -- who calls it ------------------------------------------------------------------------

    def consumers(self, function: StreamFunction) -> list[ConsumerSite] | None:
        """The calls of ``function`` in the other modules of the tree (test code left out);
        None while they are being found (a cycle)."""
        key = (function.path, function.name, function.client.name)
        if key in self._consumers:
            return self._consumers[key]
        if self._hops >= _MAX_HOPS:
            return None
        self._consumers[key] = None
        self._hops += 1
        try:
            found: list[ConsumerSite] = []
            wanted = (function.path, function.name)
            for importer in self.importers(function.path):
                if wanted in self._callees(importer):
                    found.extend(self._sites_in(importer, function))
        finally:
            self._hops -= 1
        self._consumers[key] = found
        return found

    @property
    def classes(self) -> ProjectClasses:
        """The stream methods of the tree's classes (``classes``)."""
        from linter.python.analysis.classes import ProjectClasses

        if self._classes is None:
            self._classes = ProjectClasses(self)
        return self._classes

    @property
    def methods(self) -> MethodCallers:
        """Methods of the tree called through instances, found by name (``methods``)."""
        from linter.python.analysis.methods import MethodCallers

        if self._methods is None:
            self._methods = MethodCallers(self)
        return self._methods

    def _callees(self, importer: str) -> frozenset[tuple[str, str]]:
        """(file, function) of every call of another module's function in ``importer``:
        parsed once per process, so that each function asked about costs a look-up."""
        found = self._calls_out.get(importer)
        if found is None:
            with self._analysis(importer) as analysis:
                found = frozenset()
                if analysis is not None:
                    found = frozenset(
                        callee
                        for call in analysis.calls
                        for callee in analysis.remote_callees(call)
                    )
            self._calls_out[importer] = found
        return found

    def _sites_in(self, importer: str, function: StreamFunction) -> list[ConsumerSite]:
        sites: list[ConsumerSite] = []
        with self._analysis(importer) as analysis:
            if analysis is None:
                return sites
            module = self.module_name(importer)
            raised: tuple[Raised, ...] | None = None
            for call in analysis.calls:
                if (function.path, function.name) not in analysis.remote_callees(call):
                    continue
                if raised is None:
                    client = function.client
                    raised = client.raised(analysis.version(client, {})[0])
                    raised = consumer_raised(raised, function.translated)
                node: ast.AST
                if function.shape == "returns":
                    iteration = analysis.iteration_of(call)
                    node = call if iteration is None else iteration.node
                    iterated, created = iteration is not None, ""
                else:  # "plain" runs the loop itself; a "generator" is judged where consumed
                    node, iterated, created = analysis.stream_call_site(
                        call, function.shape == "generator"
                    )
                verdict = analysis.guard_of(node, function.client, raised, creation=created)
                if verdict.read_there:
                    iterated = True  # by the function of a third module it is handed to
                if created == "returned" and verdict.handed and not verdict.guarded:
                    # Returned, then handed to a framework (or to no one): no loop of the
                    # tree consumes it, so the generator's own loop, which the framework's
                    # iteration runs, is the one reported.
                    iterated = False
                sites.append(
                    ConsumerSite(
                        importer,
                        module,
                        getattr(node, "lineno", call.lineno),
                        iterated,
                        verdict.guarded,
                        verdict.guard,
                        unknown=verdict.unknown,
                        why="" if iterated or verdict.guarded else verdict.why,
                        handed=verdict.handed and not verdict.guarded,
                    )
                )
        return sites

    # -- reading other files -----------------------------------------------------------------

    def checking(self, path: str) -> None:
        """The file a unit checks: its analysis, once made, is reused when a neighbour asks
        about it (``analysis_of`` registers it)."""
        self.unit_path = path
        self._current = {}
        self._last = []  # another file's tree is not kept from one unit to the next

    def _analysis(self, path: str) -> Loaded:
        return Loaded(self, path)


def _hands_on_value(tree: ast.Module | None, name: str) -> bool:
    """The module imports ``name`` (under any alias) and returns it, or puts it in a dict,
    list, tuple or set literal: handed on as a value."""
    if tree is None:
        return False
    bound = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == name
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Return):
            values = [node.value]
        elif isinstance(node, ast.Dict):
            values = list(node.values)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            values = list(node.elts)
        else:
            continue
        if any(isinstance(v, ast.Name) and v.id in bound for v in values):
            return True
    return False
