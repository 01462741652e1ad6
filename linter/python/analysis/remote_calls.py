"""Calls of functions of other modules of the tree, through the file's imports: which
function a call calls (each side of a conditional callee too), and the stream such a function
hands out. A layer of ``Analysis`` below ``Values``, which asks it when a callee is not of
this file."""

from __future__ import annotations

import ast
from typing import cast

from linter.python.analysis.literals import Literals
from linter.python.analysis.model import Keyed, Stream, Sym
from linter.python.analysis.stream_functions import handed_out_at


class RemoteCalls(Literals):
    def remote_callee(self, call: ast.Call) -> tuple[str, str] | None:
        """(file, function name) of the module-level function of another module of the tree
        that ``call`` calls, through the file's imports."""
        return self._remote_function(call.func)

    def remote_callees(self, call: ast.Call) -> list[tuple[str, str]]:
        """``remote_callee``, or for a callee picked by a conditional expression (``fn = a
        if pro else b``, then ``fn(...)``) each function of another module it may be."""
        found = self.remote_callee(call)
        if found is not None:
            return [found]
        return [f for choice in self.choices(call.func) if (f := self._remote_function(choice))]

    def choices(self, expr: ast.expr, depth: int = 0) -> list[ast.expr]:
        """The expressions a conditional expression, or a name bound once to one in its
        scope, may stand for (``deep if thorough else quick``); [] for anything else."""
        if depth > 3:
            return []
        if isinstance(expr, ast.IfExp):
            return [
                leaf
                for side in (expr.body, expr.orelse)
                for leaf in (self.choices(side, depth + 1) or [side])
            ]
        if isinstance(expr, ast.Name):
            entries = self.scope_of.get(expr, self.module).bindings.get(expr.id, ())
            if len(entries) == 1 and entries[0][1] == "expr":
                payload = entries[0][2]
                if isinstance(payload, ast.IfExp):
                    return self.choices(payload, depth + 1)
            if len(entries) == 2 and all(e[1] == "expr" for e in entries):
                # ``if mock: fn = fake.complete`` / ``else: fn = complete``: one of two
                # assignments in the two branches of one ``if`` (nothing else binds it).
                first, second = (cast("ast.expr", e[2]) for e in entries)
                if self._branches_of_one_if(first, second):
                    return [
                        leaf
                        for side in (first, second)
                        for leaf in (self.choices(side, depth + 1) or [side])
                    ]
        return []

    def _branches_of_one_if(self, first: ast.expr, second: ast.expr) -> bool:
        """Each value is assigned by a statement of its own branch of the same ``if``."""
        one, other = self.parent(first), self.parent(second)
        if not (isinstance(one, ast.Assign) and isinstance(other, ast.Assign)):
            return False
        if len(one.targets) != 1 or len(other.targets) != 1:
            return False
        branch = self.parent(one)
        return (
            isinstance(branch, ast.If)
            and branch is self.parent(other)
            and one in branch.body
            and other in branch.orelse
        )

    def _remote_function(self, expr: ast.expr) -> tuple[str, str] | None:
        project = self.document.project
        if project is None:
            return None
        func = self.value(expr)
        if not isinstance(func, Sym) or func.path.startswith("@"):
            return None
        found = project.resolve(self.document.path, func.path)
        if found is None or len(found[1]) != 1:
            return None
        return found[0], found[1][0]

    def _remote_stream(
        self, call: ast.Call, func: Sym, index: int = -1, size: int = 0
    ) -> Stream | Keyed | None:
        """A call of a function of another module of the tree that hands out a stream (as
        a whole, or as item ``index`` of the tuple it returns, unpacked into ``size``)."""
        project = self.document.project
        if project is None:
            return None
        found = project.stream_function(self.document.path, func.path)
        if found is None or (found.item, found.size) != ((index, size) if index >= 0 else (-1, 0)):
            return None
        return handed_out_at(call, found)
