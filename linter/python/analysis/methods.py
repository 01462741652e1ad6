"""The callers of a method across the project, found by the method's name.

A method is called through an instance (``await self.provider.stream_turn(...)``,
``bot.chatgpt.send_message_stream(...)``) whose class another module rarely lets a reader
resolve: the instance is injected, built from a setting, or held by a framework. So the calls
of a method that streams are found by its name: the files of the tree whose bytes call
``.name(`` (a byte search first; an index of those words once a run has asked often), then,
parsed, the calls of that name whose receiver is not known to be something else. Each call is
judged where it is (its guard, else its own callers' up the chain, in its file and across
modules), as the calls of a module-level function are.

Precision first, the way the caller uses it: every caller found guards, so the loop is guarded;
one does not, so it is reported (the caller named); none is found, and nothing changes.
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.imports import read
from linter.python.analysis.method_syntax import (
    NOT_INTERFACES,
    base_names,
    declaration,
    is_self,
    iterated,
)
from linter.python.analysis.model import FuncRef, FunctionInfo, Keyed, Stream, StreamStart, Sym
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.project import ConsumerSite, Project
    from linter.python.analysis.stream_functions import StreamFunction
    from linter.python.analysis.values import Values

# A call of a method by its name: ``.name(`` (spaces allowed around the name); a definition.
_METHOD_CALL = re.compile(rb"\.\s*([A-Za-z_]\w*)\s*\(")
_DEFINITION = re.compile(rb"\bdef\s+([A-Za-z_]\w*)\s*\(")
# Byte searches for a method's name before the run indexes every file's called names.
_SEARCHES_BEFORE_INDEX = 8
# A tree with more Python files than this is not searched for a method's callers: finding
# them means reading every file once (2 s for 5,000 files in a one-file pre-commit run).
# The decision depends on the tree alone, so a one-file run answers as a whole-tree run does:
# loops in methods are then judged where they are, as before methods were followed.
MAX_TREE_FILES = 1500

# A method name defined in more files than this is not looked for (too common to follow).
_MAX_DEFINERS = 4
# How many files may define a method that classes implement behind one interface.
_MAX_IMPLEMENTERS = 8
# A tree that finds classes by themselves (subclass listing, imports by name): any class may
# be made there without being named.
_DYNAMIC = re.compile(rb"__subclasses__|\bimportlib\b|\b__import__\b")
# How many levels of a class's bases are read by name (``Leaf(Mid)``, ``Mid(Base)``).
_MAX_ANCESTRY = 3
# Names too common to tell one class's method from another's by name.
_TOO_COMMON = frozenset({"__call__", "__iter__", "__aiter__", "__next__", "__anext__", "run"})


class MethodCallers:
    """Per project: which files call a method name, and each method's calls judged."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._searches = 0
        self._index: dict[bytes, list[str]] | None = None
        self._defined: dict[bytes, list[str]] = {}
        self._sites: dict[tuple[str, str, str, str], list[ConsumerSite] | None] = {}
        self._streams: dict[str, StreamFunction | None] = {}
        # Names defined in one file of the tree that names a client (and maybe declared in
        # a few others).
        self._candidates: frozenset[bytes] | None = None
        self._declarations: dict[tuple[str, str], tuple[bool, bool]] = {}
        self._used: dict[tuple[str, str], bool] = {}
        self._bases: dict[str, list[str]] = {}
        # A method name whose stream is one of several classes' behind one interface.
        self._several: dict[str, tuple[str, ...]] = {}

    def too_large(self) -> bool:
        """The tree has too many Python files to search for method callers (see above)."""
        return self.project.more_files_than(self.project.root, MAX_TREE_FILES)

    def calls_stream_methods(self, path: str, data: bytes) -> bool:
        """Whether the file (its bytes) calls a generator method of the project that yields
        a stream's chunks (so that its loops over it are checked): names first, then the
        few that may be one are looked at."""
        if self.too_large():
            return False
        if self._candidates is None:
            self._searches = max(self._searches, _SEARCHES_BEFORE_INDEX)
            self.files_calling("")  # builds the index
            project = self.project
            # Defined in a few files, one naming a client (that one file implements it, the
            # others only declare it, or each implements one interface: checked, parsed, for
            # the few names a file calls).
            self._candidates = frozenset(
                name
                for name, files in self._defined.items()
                if len(files) <= _MAX_IMPLEMENTERS and any(project._names_client(f) for f in files)
            )
        names = set(_METHOD_CALL.findall(data)) & self._candidates
        return any(self.stream_method(n.decode(), path) is not None for n in sorted(names))

    def stream_method(self, name: str, importer: str) -> StreamFunction | None:
        """The generator method ``name`` that a call ``x.name(...)`` of ``importer`` (whose
        receiver it cannot resolve) iterates, when the tree defines ``name`` in one file only
        (not ``importer``), in one class there, and it yields a stream's chunks unguarded."""
        if name in _TOO_COMMON or (name.startswith("__") and name.endswith("__")):
            return None
        if self.too_large():
            return None
        if name not in self._streams:
            self._streams[name] = None  # (a cycle gives nothing)
            self._streams[name] = self._find_stream(name)
        found = self._streams[name]
        if found is None or self.implemented_in(name, importer):
            return None
        return found

    def _find_stream(self, name: str) -> StreamFunction | None:
        self._searches = max(self._searches, _SEARCHES_BEFORE_INDEX)  # many names: index
        _, defining = self.files_calling(name)
        single = self._implementer(name, defining)
        paths = [single] if single is not None else self._interface_implementers(name, defining)
        found: StreamFunction | None = None
        for path in paths:
            streams, known = self._stream_in(path, name)
            if not known:
                return None
            found = found or streams
        if found is not None and len(paths) > 1:
            self._several[name] = tuple(os.path.abspath(p) for p in paths)
        return found

    def _stream_in(self, path: str, name: str) -> tuple[StreamFunction | None, bool]:
        """The stream that method ``name`` of ``path`` yields unguarded, and whether every
        method ``name`` there is a generator method of a class (else a call of the name is
        not known to iterate one)."""
        from linter.python.analysis.stream_functions import StreamFunction, start_api, start_line

        project = self.project
        with project._analysis(path) as analysis:
            if analysis is None:
                return None, False
            methods = [f for f in analysis.functions if f.name == name]
            # An abstract base's declaration beside its implementation (``API.query`` with
            # ``@abstractmethod``, ``Llm.query`` that streams) is no other method to call.
            real = [m for m in methods if not (m.cls is not None and declaration(m.node))]
            methods = real or methods
            # Each a generator method of a class there (the providers of one interface,
            # ``GeminiProvider.stream`` beside ``SimulatedProvider.stream``): a call of the
            # name iterates one of them, and the one that streams is what production runs.
            if not methods or any(m.cls is None or not m.is_generator for m in methods):
                return None, False
            for iteration in analysis.iterations:
                if iteration.function not in methods:
                    continue
                start = iteration.stream
                raised = start.client.raised(analysis.version(start.client, {})[0])
                verdict = analysis.guard_of(iteration.node, start.client, raised, local=True)
                if verdict.guarded:
                    continue
                module = project.module_name(path)
                api, line = start_api(start), start_line(start)
                found = StreamFunction(
                    path,
                    module,
                    name,
                    start.client,
                    api,
                    line,
                    "generator",
                    translated=verdict.translated,
                )
                return found, True
        return None, True

    def implemented_in(self, name: str, path: str) -> bool:
        """``path`` holds the stream method that a call of ``name`` whose receiver is not
        known is taken to iterate (``stream_method``): the one implementer, or one of the
        classes behind one interface."""
        found = self._streams.get(name)
        if found is None:
            return False
        several = self._several.get(name)
        if several is not None:
            return os.path.abspath(path) in several
        return found.path == path

    def several(self, name: str) -> int:
        """How many files implement the stream method ``name`` behind one interface."""
        return len(self._several.get(name, ()))

    def _interface_implementers(self, name: str, defining: list[str]) -> list[str]:
        """The files whose classes implement ``name`` behind one interface of the tree (the
        providers a factory makes: ``provider.stream()`` may run any of them): every class
        there defining ``name`` for real shares a base with the others, or is such a base
        itself (its default, which they override, is left out). Empty unless one of those
        files names a client."""
        if not 2 <= len(defining) <= _MAX_IMPLEMENTERS:
            return []
        owners: list[tuple[str, str, set[str]]] = []  # (file, class, its ancestors' names)
        for path in defining:
            with self.project._analysis(path) as analysis:
                if analysis is None:
                    return []
                found = [f for f in analysis.functions if f.name == name]
                if any(f.cls is None for f in found):
                    return []  # a plain function of that name: not one interface
                classes = [f.cls.node for f in found if f.cls and not declaration(f.node)]
            owners.extend((path, node.name, self._ancestors(node)) for node in classes)
        bases = set().union(*(ancestors for _, _, ancestors in owners)) if owners else set()
        implementers = [(p, a) for p, c, a in owners if c not in bases]
        if not implementers or len(implementers) == len(owners) == 1:
            return []
        shared = set.intersection(*(a for _, a in implementers))
        paths = list(dict.fromkeys(p for p, _ in implementers))
        if not shared or not any(self.project._names_client(p) for p in paths):
            return []
        return paths

    def _implementer(self, name: str, defining: list[str]) -> str | None:
        """The one file that defines ``name`` for real and names a client, when every other
        file that defines it has no method of that name but declarations (an abstract base,
        a Protocol) and plain functions (which ``x.name()`` on an instance does not call)."""
        project = self.project
        if not defining or len(defining) > _MAX_DEFINERS:
            return None
        real = [
            path for path in defining if len(defining) == 1 or not self._declares_only(path, name)
        ]
        if len(real) != 1 or not project._names_client(real[0]):
            return None
        return real[0]

    def _declares_only(self, path: str, name: str) -> bool:
        """Every method ``name`` of the file is a declaration: ``@abstractmethod``, or a body
        of a docstring, ``...``, ``pass`` or ``raise NotImplementedError`` (parsed once)."""
        return self._methods_named(path, name)[1]

    def _methods_named(self, path: str, name: str) -> tuple[bool, bool]:
        """(a class of the file defines a method ``name``, not only a module-level function
        or closure no ``x.name()`` reaches; every such method is a declaration), parsed once."""
        key = (path, name)
        known = self._declarations.get(key)
        if known is None:
            known = (False, False)
            with self.project._analysis(path) as analysis:
                if analysis is not None:
                    methods = [f for f in analysis.functions if f.name == name and f.cls]
                    known = (bool(methods), all(declaration(m.node) for m in methods))
            self._declarations[key] = known
        return known

    def files_calling(self, name: str) -> tuple[list[str], list[str]]:
        """The files that call ``.name(``, and those that define a ``name`` of their own."""
        project = self.project
        files = project._python_files(project.root)
        needle = name.encode()
        if self._index is None and self._searches >= _SEARCHES_BEFORE_INDEX:
            index: dict[bytes, list[str]] = {}
            from linter.python.detect import mentions_clients

            for path in files:
                data = read(path)
                if path not in project._client_files:
                    # Whether it names a client, from these bytes (not read again later).
                    known = mentions_clients(data)
                    if not known:
                        project._statements(path, data)
                    project._client_files[path] = known
                for word in set(_METHOD_CALL.findall(data)):
                    index.setdefault(word, []).append(path)
                for word in set(_DEFINITION.findall(data)):
                    self._defined.setdefault(word, []).append(path)
            self._index = index
        self._searches += 1
        if self._index is not None:
            return self._index.get(needle, []), self._defined.get(needle, [])
        calls = re.compile(rb"\.\s*" + re.escape(needle) + rb"\s*\(")
        defines = re.compile(rb"\bdef\s+" + re.escape(needle) + rb"\s*\(")
        calling, defining = [], []
        for path in files:
            data = read(path)
            if needle in data:
                if calls.search(data):
                    calling.append(path)
                if defines.search(data):
                    defining.append(path)
        return calling, defining

    def sites(
        self, path: str, function: FunctionInfo, client: K.Client
    ) -> list[ConsumerSite] | None:
        """The calls of method ``function`` (of the class in ``path``) found by its name in
        the tree, each judged; None in a cycle or past the project's depth."""
        from linter.python.analysis.project import _MAX_HOPS

        cls = function.cls
        name = function.name
        if cls is None or name in _TOO_COMMON or (name.startswith("__") and name.endswith("__")):
            return []
        if self.too_large():
            return None  # callers not searched: nothing known of them
        key = (path, cls.name, name, client.name)
        if key in self._sites:
            # None while being judged: a call of the name inside its own chain of callers.
            known = self._sites[key]
            if known is None:
                return _unfollowed(path, name, "calls itself through its callers")
            return known
        project = self.project
        if not self._class_used(path, cls.node) and self._sibling_used(path, name, cls.node):
            # Another class implementing ``name`` is made in the tree and this one is never
            # made nor named: the calls found are the other's (the one provider a bot is
            # wired to, beside siblings nobody builds); this one has no caller here, as a
            # library's public method has none. (When no implementer is named, they all
            # come from outside the tree and every call may be this one's.)
            self._sites[key] = []
            return []
        if project._hops >= _MAX_HOPS:
            return _unfollowed(path, name, "is called further than the tool follows")
        self._sites[key] = None
        project._hops += 1
        try:
            found: list[ConsumerSite] = []
            calling, defining = self.files_calling(name)
            skipped = False
            for caller in calling:
                # A file with a method ``name`` of its own most likely calls that one (a
                # module-level function of that name, a route named like the service method
                # it calls, is never what ``x.name()`` calls).
                if (
                    caller == path
                    or caller not in defining
                    or not self._methods_named(caller, name)[0]
                ):
                    found.extend(self._judged(caller, path, function, client))
                elif self._through_others(caller, name):
                    skipped = True
            if skipped and not found:
                # Called through instances only from files with a ``name`` of their own (a
                # provider held by a dispatcher that is one too): those calls may be this
                # method's; not known, so never taken for "nobody calls it".
                found = _unfollowed(path, name, "is called only where a method of that name is too")
            if (
                any(other != path and not self._declares_only(other, name) for other in defining)
                and not all(s.guarded or s.unknown for s in found)
                and any(s.guarded for s in found)
            ):
                # Defined elsewhere too: an unguarded call may be another class's method;
                # only a verdict every caller shares is taken (else nothing is known, and
                # that is said: the calls exist, so the loop is not left to be reported as
                # one nobody calls).
                found = _unfollowed(path, name, "is defined by other classes too")
        finally:
            project._hops -= 1
        self._sites[key] = found
        return found

    def _class_used(self, path: str, node: ast.ClassDef, decorated: bool = True) -> bool:
        """Whether anything may make an instance of the class: its name appears in another
        file of the tree or again in its own (a call, a registry, a subclass, an import, a
        dotted string), it is decorated (a decorator may register it), or a file of the tree
        lists subclasses (``__subclasses__()``) or imports by name (``importlib``).
        ``decorated``: whether a decorator counts as being made."""
        if decorated and node.decorator_list:
            return True
        key = (path, node.name)
        known = self._used.get(key)
        if known is not None:
            return known
        word = re.compile(rb"\b" + re.escape(node.name.encode()) + rb"\b")
        known = False
        for other in self.project._python_files(self.project.root):
            data = read(other)
            own = os.path.abspath(other) == os.path.abspath(path)
            if len(word.findall(data)) > (1 if own else 0) or _DYNAMIC.search(data):
                known = True
                break
        self._used[key] = known
        return known

    def _sibling_used(self, path: str, name: str, node: ast.ClassDef) -> bool:
        """Another file of the tree defines a class with a real method ``name`` (not a
        declaration) that something in the tree makes or names, and that is not one of the
        class's own bases (a base's default ``name`` that this class overrides: a call
        through the base's name, on what a factory made, may be this class's)."""
        ancestors: set[str] | None = None
        for other in self.files_calling(name)[1]:
            if other == path:
                continue
            with self.project._analysis(other) as analysis:
                if analysis is None:
                    continue
                classes = [
                    f.cls.node
                    for f in analysis.functions
                    if f.name == name and f.cls is not None and not declaration(f.node)
                ]
            if classes and ancestors is None:
                ancestors = self._ancestors(node)
            # Named for sure (a decorator, ``@dataclass``, makes nothing of it).
            if any(
                sibling.name not in (ancestors or ())
                and self._class_used(other, sibling, decorated=False)
                for sibling in classes
            ):
                return True
        return False

    def _ancestors(self, node: ast.ClassDef) -> set[str]:
        """The names of the class's bases, and of theirs where the tree defines a class of
        that name (read from the ``class Name(...)`` lines, a few levels up)."""
        found = set(base_names(node))
        frontier = list(found)
        for _ in range(_MAX_ANCESTRY):
            bases: list[str] = []
            for name in frontier:
                for base in self._written_bases(name):
                    if base not in found:
                        found.add(base)
                        bases.append(base)
            if not bases:
                break
            frontier = bases
        return found

    def _written_bases(self, name: str) -> list[str]:
        """The base names written in the tree's ``class name(...)`` lines."""
        known = self._bases.get(name)
        if known is None:
            line = re.compile(
                rb"^\s*class\s+" + re.escape(name.encode()) + rb"\s*\(([^)]*)\)", re.M
            )
            known = []
            for other in self.project._python_files(self.project.root):
                data = read(other)
                if name.encode() not in data:
                    continue
                for written in line.findall(data):
                    for part in written.decode(errors="replace").split(","):
                        base = part.split("[")[0].strip().rsplit(".", 1)[-1]
                        if base.isidentifier() and "=" not in part and base not in NOT_INTERFACES:
                            known.append(base)
            self._bases[name] = known
        return known

    def _through_others(self, path: str, name: str) -> bool:
        """``path`` calls ``name`` through a receiver it cannot resolve (not ``self``, not
        an instance of its own class): such a call may be another class's method."""
        with self.project._analysis(path) as analysis:
            if analysis is None:
                return False
            return any(
                analysis.value(call.func) is None
                and not (isinstance(call.func, ast.Attribute) and is_self(call.func.value))
                for call in analysis.attr_calls.get(name, ())
            )

    def _judged(
        self, caller: str, path: str, function: FunctionInfo, client: K.Client
    ) -> list[ConsumerSite]:
        from linter.python.analysis.project import ConsumerSite

        project = self.project
        sites: list[ConsumerSite] = []
        cls = function.cls
        if cls is None:
            return sites
        # The class and its direct bases: a receiver typed with the interface it implements
        # (``llm: BaseLLM`` injected, ``BaseLLM.chat()`` overridden here) may call it.
        names = (cls.name, *base_names(cls.node))
        with project._analysis(caller) as analysis:
            if analysis is None:
                return sites
            module = project.module_name(caller)
            raised: tuple[Raised, ...] | None = None
            for call in analysis.attr_calls.get(function.name, ()):
                if analysis.scope(call).is_test or not _may_call(
                    analysis.value(call.func), caller == path, function, names
                ):
                    continue
                if raised is None:
                    raised = client.raised(analysis.version(client, {})[0])
                node, iterated, created = analysis.stream_call_site(call, function.is_generator)
                verdict = analysis.guard_of(node, client, raised, creation=created)
                line = getattr(node, "lineno", call.lineno)
                # Reported there when that file sees the call as iterating this stream.
                mine = self.stream_method(function.name, caller)
                there = (
                    not created
                    and mine is not None
                    and self.implemented_in(function.name, path)
                    and analysis.value(call.func) is None
                ) or (not created and _by_class(analysis, call, path, cls.name, function.name))
                sites.append(
                    ConsumerSite(
                        caller,
                        module,
                        line,
                        iterated,
                        verdict.guarded,
                        verdict.guard,
                        there,
                        verdict.unknown,
                    )
                )
        return sites


def unsearched(function: FunctionInfo) -> bool:
    """A method whose name is too common to find its calls by (``run``): its callers exist
    somewhere, unknown (a dunder is called by the language: a loop over the instance)."""
    name = function.name
    return (
        function.cls is not None
        and name in _TOO_COMMON
        and not (name.startswith("__") and name.endswith("__"))
    )


def _may_call(
    value: object, same_file: bool, function: FunctionInfo, classes: tuple[str, ...]
) -> bool:
    """Whether a call whose callee resolves to ``value`` may call the method: its receiver is
    unknown, or it is the method itself, or an instance of the method's class or of a base
    it overrides (``classes``)."""
    if value is None:
        return True
    if isinstance(value, FuncRef):
        return False  # this file's own function (in the method's file: its calls are known)
    if isinstance(value, Sym):
        path = value.path.lstrip("@")
        return any(f"{name}." in path for name in classes)
    return False


def method_stream(analysis: Values, call: ast.Call) -> Stream | None:
    """``x.name(...)`` with a receiver the file cannot resolve, iterated where it stands or
    bound to a name, where the tree defines ``name`` once: a generator method yielding a
    stream's chunks unguarded (looked up only there: the look-up is not free)."""
    project = analysis.document.project
    if project is None or not isinstance(call.func, ast.Attribute) or not iterated(analysis, call):
        return None
    found = project.methods.stream_method(call.func.attr, analysis.document.path)
    if found is None:
        return None
    several = project.methods.several(call.func.attr)
    via = f" (one of the {several} modules implementing it)" if several > 1 else ""
    api = (
        f"{found.name}() of {found.module}{via}, a generator method yielding {found.api} "
        f"from its line {found.line}"
    )
    origin = f"{found.module}.{found.name}"
    start = StreamStart(
        call, found.client, api, True, None, None, origin=origin, translated=found.translated
    )
    return Stream(start, "stream")


def _unfollowed(path: str, name: str, why: str) -> list[ConsumerSite]:
    """One stand-in call for callers that exist but whose verdict is not known: the loop is
    then neither guarded nor reported (``Verdict.unknown``)."""
    from linter.python.analysis.project import ConsumerSite

    return [ConsumerSite(path, "", 0, True, False, unknown=True, why=f"{name}() {why}")]


def _by_class(analysis: Values, call: ast.Call, path: str, cls: str, name: str) -> bool:
    """The caller's file sees the call as this class's method handing out a stream (its
    receiver is an instance of the class: ``classes``), so it reports its loop."""
    from linter.python.analysis.classes import class_method_stream, made_by_factory

    found = class_method_stream(analysis, call)
    if isinstance(found, Keyed):
        found = next((item for _, item in found.items if isinstance(item, Stream)), None)
    if found is None or analysis.document.project is None:
        return False
    module = analysis.document.project.module_name(path)
    if found.start.origin == f"{module}.{cls}.{name}":
        return True
    # One of the classes a factory returns (the stream was named after another of them).
    return isinstance(call.func, ast.Attribute) and (os.path.abspath(path), cls) in {
        (os.path.abspath(f), c) for f, c in made_by_factory(analysis, call.func.value)[0]
    }
