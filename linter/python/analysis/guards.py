"""Which ``try``, context manager, retry decorator or caller guards a place where a stream is
consumed, against what the client raises when the stream is cut: walked up the function, then
to every call of it in this file and in the other modules of the tree (what each handler or
context manager catches is ``catching``)."""

from __future__ import annotations

import ast

from linter.python import clients as K
from linter.python.analysis.catching import Catching
from linter.python.analysis.handed import handed_verdicts, remote_reader, returned_by_parent
from linter.python.analysis.methods import unsearched
from linter.python.analysis.model import Consumer, FunctionInfo, Verdict
from linter.python.analysis.nodes import (
    _FUNCTIONS,
    _TRIES,
    _reraises,
    _short,
    _translated,
    line_of,
)
from linter.python.analysis.project import ConsumerSite
from linter.python.analysis.stream_functions import StreamFunction, exported
from linter.python.analysis.tasks import task_verdict
from linter.python.analysis.template import template_sites
from linter.python.analysis.threads import thread_verdict
from linter.python.analysis.wrappers import decorator_guard
from linter.python.cut_errors import REPLACED, Raised, consumer_raised

_MAX_CALLER_DEPTH = 4  # how far up the same-file call chain a guard is looked for
# The guard of a call that closes a cycle of calls (judged at the cycle's other calls).
_CYCLE = "(a cycle of calls)"


class Guards(Catching):
    def guard_of(
        self,
        node: ast.AST,
        client: K.Client,
        raised: tuple[Raised, ...],
        depth: int = 0,
        seen: frozenset[int] = frozenset(),
        local: bool = False,
        creation: str = "",
    ) -> Verdict:
        """How ``node`` is guarded: in its function, else at every call of the function in
        this file and in the other modules of the tree (``local``: in its function only).
        ``creation``: ``node`` creates a generator that is iterated later ("returned" to the
        callers, "handed" to a framework's call): no ``try`` around it guards the iteration."""
        if not creation and depth < _MAX_CALLER_DEPTH:
            # ``asyncio.create_task(consume())``: judged where the task's outcome comes out.
            task = task_verdict(self, node, client, raised, depth)
            if task is not None:
                return task
            # ``to_sse(gen())``: iterated by another module's function, under its guard.
            reader = remote_reader(self, node, client, raised)
            if reader is not None:
                return reader
        missed: list[ast.ExceptHandler] = []
        function: FunctionInfo = self.module
        # In a generator, a handler that raises another exception instead of the cut (``raise
        # HTTPException(500)``) guards nothing: chunks were already handed out, and its
        # callers see that exception mid-stream (judged there, against that class).
        # At module level (a script's ``if __name__ == "__main__":``) no caller is left to
        # catch what such a handler raises either.
        translating = not creation and self.scope(node).is_generator
        translated: list[str] = []
        replaced = False
        for ancestor, child in self.ancestors(node):
            if creation and not isinstance(ancestor, _FUNCTIONS):
                continue
            if isinstance(ancestor, _TRIES) and child in ancestor.body:
                handlers = ancestor.handlers
                top = not translating and self.scope(ancestor).is_module
                for handler in handlers:
                    caught = self.catches(self.handler_class(handler.type), client, raised)
                    instead = (
                        _translated(handler) if (translating or top) and caught != "no" else ""
                    )
                    if instead:
                        translated.append(instead)
                        replaced = replaced or caught == "yes"
                        continue
                    if (
                        caught != "no"
                        and not _reraises(handler)
                        and not self._gives_up(ancestor, handler)
                    ):
                        return Verdict(
                            True,
                            guard=f"`{self._except_text(handler)}` (try on line {ancestor.lineno})",
                            line=handler.lineno,
                        )
                missed.extend(
                    h
                    for h in handlers
                    if not _reraises(h)
                    and not self._gives_up(ancestor, h)
                    and not ((translating or top) and _translated(h))
                )
            elif isinstance(ancestor, (ast.With, ast.AsyncWith)) and child in ancestor.body:
                for item in ancestor.items:
                    if self._catching_context(item.context_expr, client, raised):
                        text = " ".join(self.document.text_of(item.context_expr).split())
                        return Verdict(
                            True,
                            guard=f"`with {_short(text)}` on line {ancestor.lineno}",
                            line=ancestor.lineno,
                        )
            elif isinstance(ancestor, _FUNCTIONS):
                function = self.function_by_node[id(ancestor)]
                break
        line = missed[-1].lineno if missed else 0
        if translated:
            if replaced:
                translated.append(REPLACED)
            raised = consumer_raised(raised, tuple(translated))
        if function.is_module:
            return Verdict(False, tuple(missed), "at module level", line=line)
        if creation == "handed":
            why = f"{function.name}() hands it on to a call that iterates it later, outside any try there"
            return Verdict(False, (), why, handed=True)
        retry = None if creation else self._retried(function)
        if retry is not None:
            text = " ".join(self.document.text_of(retry).split())
            return Verdict(True, guard=f"`@{_short(text)}` on {function.name}()", line=retry.lineno)
        wrapper = decorator_guard(self, function, client, raised) if not creation else ""
        if wrapper:
            return Verdict(True, guard=wrapper, line=getattr(function.node, "lineno", 0))
        if id(function.node) in seen and not local:
            # A cycle (``a()`` calls ``b()``, which calls ``a()``): no way in that the other
            # calls, judged on their own, do not already cover.
            return Verdict(True, guard=_CYCLE)
        if local or depth >= _MAX_CALLER_DEPTH:
            return Verdict(
                False,
                tuple(missed),
                f"in {function.name}()",
                line=line,
                translated=tuple(translated),
            )
        produces = function.is_generator or creation == "returned"
        sites, opaque = self.call_sites(function, produces)
        remote = [] if opaque else self._remote_sites(function, client, produces)
        if not opaque and not (sites or remote) and self._callers_unsearched(function):
            why = f"{function.name}() is a method whose callers cannot be found by its name"
            return Verdict(False, tuple(missed), why, line=line, unknown=True)
        handed = handed_verdicts(self, function, client, raised, depth, seen) if opaque else []
        if opaque and (returned_by_parent(function) or handed is None):
            # A closure its factory returns (``self.chat = self._make_chat()``), or a function
            # handed to one of the project's that cannot be followed: whoever calls it there
            # consumes it, from places not known.
            why = f"{function.name}() is passed on to callers not known"
            return Verdict(False, tuple(missed), why, line=line, unknown=True)
        if handed:
            # Handed to a function of the project (``wrap(update, _execute)``) that calls its
            # parameter: judged at those calls, under that function's guards and callers'.
            kept: list[str] = []
            for where, verdict in handed:
                if verdict.unknown:
                    return Verdict(False, tuple(missed), verdict.why, line=line, unknown=True)
                if not verdict.guarded:
                    why = f"{function.name}() is handed to {where}, unguarded there ({verdict.why})"
                    return Verdict(False, tuple(missed), why, line=line)
                if verdict.guard != _CYCLE and verdict.guard not in kept:
                    kept.append(verdict.guard)
            guard = f"{function.name}() handed to {handed[0][0]}: " + "; ".join(kept or [_CYCLE])
            return Verdict(True, guard=guard, line=line)
        if opaque or not (sites or remote):
            # Run in a thread (``threading.Thread(target=f)``, ``asyncio.to_thread(f)``):
            # judged where the thread's outcome comes out, or in the function alone.
            threaded = thread_verdict(self, function, client, raised, depth)
            if threaded is not None:
                if threaded.guarded:
                    return threaded
                return Verdict(
                    False, tuple(missed), threaded.why, line=line, handed=threaded.handed
                )
            importer = "" if missed else self._imported_elsewhere(function)
            if importer:
                # Imported by name into another module and never called there: handed on as
                # a value (a factory returns it), consumed by callers not known. (Handlers
                # around the loop that miss a cut are still reported, PY003: they show the
                # loop is where its errors were meant to be handled.)
                why = f"{function.name}() is imported by {importer}, which passes it on"
                return Verdict(False, tuple(missed), why, line=line, unknown=True)
            why = (
                f"{function.name}() is passed on, not called, in this file"
                if opaque
                else f"{function.name}() is not called in this file"
            )
            return Verdict(False, tuple(missed), why, line=line)
        seen = seen | {id(function.node)}
        guards: list[str] = []
        unknown: Verdict | None = None  # a caller whose own callers could not be followed
        # The loops of this file that really consume the generator unguarded (past relays).
        consumers: list[Consumer] = []
        for site in sites:
            created = ""
            if produces and isinstance(site, ast.Call) and self._refers_to(site.func, function):
                created = self.created_only(site)  # the generator's call, not iterated here
            verdict = self.guard_of(site, client, raised, depth + 1, seen, creation=created)
            site_line = getattr(site, "lineno", 0)
            if verdict.unknown:
                unknown = unknown or verdict
                continue
            if not verdict.guarded and verdict.consumers and not verdict.elsewhere:
                if created:
                    consumers.extend(verdict.consumers)
                else:
                    # The site's function only hands the chunks on (a relay): the finding
                    # goes on up to the loops that consume the relay.
                    relay = self.scope(site).name
                    consumers.extend((n, (relay, *via), why) for n, via, why in verdict.consumers)
                continue
            if not verdict.guarded and created:
                return Verdict(
                    False,
                    tuple(missed),
                    verdict.why,
                    line=site_line,
                    elsewhere=verdict.elsewhere,
                    handed=verdict.handed,
                )
            if not verdict.guarded:
                if produces and not verdict.elsewhere and not _is_call_of(site, function):
                    consumers.append((site, (), verdict.why))  # this loop really consumes it
                    continue
                return Verdict(
                    False,
                    tuple(missed),
                    f"its caller on line {site_line} does not guard it",
                    line=site_line,
                    # A relay of this file whose consumer in another module is reported.
                    elsewhere=verdict.elsewhere if self._hands_out(self.scope(site)) else "",
                )
            if verdict.guard not in guards and verdict.guard != _CYCLE:
                guards.append(verdict.guard)
        if consumers:
            site_line = line_of(consumers[0][0])
            why = f"its consumer on line {site_line} does not guard it"
            return Verdict(
                False,
                tuple(missed),
                why,
                line=site_line,
                consumers=tuple(consumers),
                translated=tuple(translated),
            )
        there: Verdict | None = None  # unguarded, reported at another module's loop
        for consumer in remote:
            where = f"{consumer.module} (line {consumer.line})"
            if consumer.unknown:
                why = (
                    consumer.why
                    if not consumer.module
                    else f"its caller in {where} is called from places that cannot be followed"
                )
                unknown = unknown or Verdict(False, (), why, unknown=True)
                continue
            # A generator passed on (to a framework's response, say) is iterated where no
            # guard of that module's can be.
            if not consumer.guarded or not consumer.iterated:
                if (
                    (
                        function.is_generator
                        or (produces and (self._hands_out(function) or consumer.reported_there))
                    )
                    and consumer.iterated
                    and (function.cls is None or consumer.reported_there)
                ):
                    # That loop is reported, where the stream is really consumed; the other
                    # consumers still count (one that hands it to a framework is reported
                    # here, at the loop the framework's iteration runs).
                    why = f"its consumer in {where} does not guard it"
                    there = there or Verdict(
                        False, tuple(missed), why, line=line, elsewhere=consumer.path
                    )
                    continue
                what = "does not guard it" if consumer.iterated else "passes it on, not iterated"
                if consumer.why and not consumer.iterated:
                    what = f"passes it on -> {consumer.why}"
                return Verdict(
                    False,
                    tuple(missed),
                    f"its caller in {where} {what}",
                    line=line,
                    handed=consumer.handed and not consumer.iterated,
                )
            text = f"{consumer.guard} in {consumer.module}"
            if text not in guards:
                guards.append(text)
        if there is not None:
            return there
        if unknown is not None:
            return Verdict(False, tuple(missed), unknown.why, line=line, unknown=True)
        if not guards:  # every call of it is part of a cycle
            if depth == 0:
                why = f"{function.name}() is only called from a cycle of its own calls"
                return Verdict(False, tuple(missed), why, line=line)
            return Verdict(True, guard=_CYCLE)
        first = getattr(sites[0], "lineno", 0) if sites else 0
        count = len(sites) + len(remote)
        callers = "caller" if count == 1 else f"callers ({count})"
        inner = "; ".join(guards)
        joint = " -> " if len(guards) == 1 and inner.startswith(("caller ", "callers ")) else ": "
        return Verdict(True, guard=f"{callers} of {function.name}(){joint}{inner}", line=first)

    def _remote_sites(
        self, function: FunctionInfo, client: K.Client, produces: bool = False
    ) -> list[ConsumerSite]:
        """The calls of a module-level function in the other modules of the tree."""
        project = self.document.project
        if project is not None and function.cls is not None and not function.is_test:
            # A method: its calls through instances, found across the tree by its name, and
            # those a base class of another module makes on ``self`` (a template method).
            found = project.methods.sites(self.document.path, function, client) or []
            if function.name == "__call__" and not function.is_generator:
                # ``tutor(question)`` on an instance, in the modules importing the class.
                found = found + (
                    project.classes.instance_calls(self.document.path, function, client) or []
                )
            return found + (template_sites(self, function, client) or [])
        if project is None or not exported(function):
            return []
        shape = "generator" if produces else "plain"
        path = self.document.path
        wanted = StreamFunction(
            path, project.module_name(path), function.name, client, "", 0, shape
        )
        known = (project.functions(path) or {}).get(function.name) if produces else None
        if known is not None and known.shape == "returns":
            wanted = known  # its callers unpack the stream it returns (``s, meta = f()``)
        return project.consumers(wanted) or []

    def _imported_elsewhere(self, function: FunctionInfo) -> str:
        """The module of the tree that imports this module-level function by name without
        calling it ("" when none, or when this file is read alone)."""
        project = self.document.project
        if project is None or not exported(function):
            return ""
        return str(project.imported_by_name(self.document.path, function.name))

    def _hands_out(self, function: FunctionInfo) -> bool:
        """A module-level function that returns a stream generator of this module (a
        dispatcher): its consumers in other modules see its call as a stream, and report
        their loops."""
        project = self.document.project
        if project is None or not exported(function):
            return False
        functions = project.functions(self.document.path)
        return bool(functions) and function.name in functions

    def _callers_unsearched(self, function: FunctionInfo) -> bool:
        """A method named too commonly to find its calls by (``run``), of a class its own
        file never uses: other modules drive it, from places not known. (A class the file
        uses itself, a script's ``Chat().run()``, is judged through those uses.)"""
        project = self.document.project
        cls = function.cls
        return (
            project is not None
            and cls is not None
            and unsearched(function)
            and not project.methods.too_large()
            and not self.name_loads.get(cls.name)
        )


def _is_call_of(site: ast.AST, function: FunctionInfo) -> bool:
    """The site is the generator's call itself (nothing of this file iterates it there)."""
    if not isinstance(site, ast.Call):
        return False
    return function.name in (getattr(site.func, "id", None), getattr(site.func, "attr", None))
