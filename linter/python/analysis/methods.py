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
import re
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.imports import read
from linter.python.analysis.model import FuncRef, FunctionInfo, Sym

if TYPE_CHECKING:
    from linter.python.analysis.project import ConsumerSite, Project

# A call of a method by its name: ``.name(`` (spaces allowed around the name); a definition.
_METHOD_CALL = re.compile(rb"\.\s*([A-Za-z_]\w*)\s*\(")
_DEFINITION = re.compile(rb"\bdef\s+([A-Za-z_]\w*)\s*\(")
# Byte searches for a method's name before the run indexes every file's called names.
_SEARCHES_BEFORE_INDEX = 8
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

    def files_calling(self, name: str) -> tuple[list[str], list[str]]:
        """The files that call ``.name(``, and those that define a ``name`` of their own."""
        project = self.project
        files = project._python_files(project.root)
        needle = name.encode()
        if self._index is None and self._searches >= _SEARCHES_BEFORE_INDEX:
            index: dict[bytes, list[str]] = {}
            for path in files:
                data = read(path)
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
        key = (path, cls.name, name, client.name)
        if key in self._sites:
            return self._sites[key]
        project = self.project
        if project._hops >= _MAX_HOPS:
            return None
        self._sites[key] = None
        project._hops += 1
        try:
            found: list[ConsumerSite] = []
            calling, defining = self.files_calling(name)
            for caller in calling:
                # A file with a ``name`` of its own most likely calls that one.
                if caller == path or caller not in defining:
                    found.extend(self._judged(caller, path, function, client))
            if any(other != path for other in defining) and not all(s.guarded for s in found):
                # Defined elsewhere too: an unguarded call may be another class's method;
                # only a verdict every caller shares is taken (else nothing is known).
                found = []
        finally:
            project._hops -= 1
        self._sites[key] = found
        return found

    def _judged(
        self, caller: str, path: str, function: FunctionInfo, client: K.Client
    ) -> list[ConsumerSite]:
        from linter.python.analysis.project import ConsumerSite

        project = self.project
        sites: list[ConsumerSite] = []
        cls = function.cls
        if cls is None:
            return sites
        with project._analysis(caller) as analysis:
            if analysis is None:
                return sites
            module = project.module_name(caller)
            raised: tuple[K.Raised, ...] | None = None
            for call in analysis.attr_calls.get(function.name, ()):
                if analysis.scope(call).is_test or not _may_call(
                    analysis.value(call.func), caller == path, function, cls.name
                ):
                    continue
                if raised is None:
                    raised = client.raised(analysis.version(client, {})[0])
                node: ast.AST = call
                iterated = True  # it runs the loop itself: its guard is the guard
                created = ""
                if function.is_generator:
                    node = analysis.consumer_of(call)
                    iterated = node is not call
                    # Returned from there: its callers iterate it (a try there is no guard).
                    created = "" if iterated else analysis.created_only(call)
                    iterated = iterated or created == "returned"
                verdict = analysis.guard_of(node, client, raised, creation=created)
                line = getattr(node, "lineno", call.lineno)
                sites.append(
                    ConsumerSite(caller, module, line, iterated, verdict.guarded, verdict.guard)
                )
        return sites


def _may_call(value: object, same_file: bool, function: FunctionInfo, cls: str) -> bool:
    """Whether a call whose callee resolves to ``value`` may call the method: its receiver is
    unknown, or it is the method itself, or an instance of a class of that name."""
    if value is None:
        return True
    if isinstance(value, FuncRef):
        return False  # this file's own function (in the method's file: its calls are known)
    if isinstance(value, Sym):
        return f"{cls}." in value.path.lstrip("@")
    return False
