"""Where the file consumes a generator it creates: the loop, ``yield from`` or draining call
that iterates it (through ``enumerate``, ``zip``, a name bound first ...), the calls of one of
its functions, and whether a call only creates the generator for later (returned, or handed to
a framework)."""

from __future__ import annotations

import ast

from linter.python.analysis.flow import callee, instance_calls
from linter.python.analysis.model import FuncRef, FunctionInfo, GenObj, Stream, Sym
from linter.python.analysis.streams import _CONSUME, _PASS_ON, Streams

# How many functions deep a generator handed on as an argument is followed to its loop.
_MAX_READERS = 3


class Consumers(Streams):
    def created_only(self, site: ast.AST) -> str:
        """For the call of a generator that this file does not iterate: "returned" when the
        function returns it (its callers iterate it), "handed" when it goes to the call of
        a library (``StreamingResponse(gen())``: iterated later, by the framework); "" else."""
        if not isinstance(site, ast.Call):
            return ""
        node: ast.AST = site
        parent = self.parent(node)
        while isinstance(parent, ast.Await):
            node, parent = parent, self.parent(parent)
        if isinstance(parent, ast.Dict) and any(v is node for v in parent.values):
            # ``return {"answer": gen(), ...}`` (or the dict bound to a name, then returned):
            # the callers read the generator back from the dict.
            node, parent = parent, self.parent(parent)
            if isinstance(parent, ast.Return):
                return "returned"
            if not (
                isinstance(parent, ast.Assign)
                and len(parent.targets) == 1
                and isinstance(parent.targets[0], ast.Name)
                and self._returns_name(parent.targets[0].id, site)
            ):
                return ""
            return "returned"
        if isinstance(parent, ast.Return):
            return "returned"
        if (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
            and (
                self._returns_name(parent.targets[0].id, site)
                or self._returned_in_dict(parent.targets[0].id, site)
            )
        ):
            # ``it = gen(...)`` (in each branch of a dispatcher), then ``return it``: handed
            # to the callers, as ``return gen(...)`` is (or ``return {"answer": it}``).
            return "returned"
        if (
            isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
            and self._name_handed(parent.targets[0].id, site)
        ):
            # ``reply = gen(...)``, then ``return StreamingResponse(reply)``: handed on.
            return "handed"
        return "handed" if self._handed_to_library(node) else ""

    def _handed_to_library(self, node: ast.AST) -> bool:
        """``node`` is an argument of a library's call (a framework's response), which is
        known to iterate it later: a function of the project may iterate it there, under
        its own guard."""
        parent = self.parent(node)
        if isinstance(parent, ast.keyword):
            node, parent = parent, self.parent(parent)
        if not isinstance(parent, ast.Call) or node is parent.func:
            return False
        callee = self.value(parent.func)
        return (
            isinstance(callee, Sym)
            and not callee.path.startswith("@")
            and self.remote_callee(parent) is None
        )

    def _name_handed(self, name: str, call: ast.Call) -> bool:
        """``name`` (bound once, to ``call``, in its function) is next read as an argument of
        a library's call, and nowhere else in the function."""
        function = self.scope(call)
        if function.is_module or len(function.bindings.get(name, ())) != 1:
            return False
        loads = [
            load
            for load in self.name_loads.get(name, ())
            if self.scope(load) is function and load.lineno >= call.lineno
        ]
        return len(loads) == 1 and self._handed_to_library(loads[0])

    def _returned_in_dict(self, name: str, call: ast.Call) -> bool:
        """``name`` (bound to ``call``) is then put, by a string key, in a dict literal the
        function returns (``return {"answer": it}``, or ``result = {...}``, ``return
        result``)."""
        function = self.scope(call)
        for load in self.name_loads.get(name, ()):
            if load.lineno < call.lineno or self.scope(load) is not function:
                continue
            holder = self.parent(load)
            if not isinstance(holder, ast.Dict) or not any(v is load for v in holder.values):
                continue
            written = holder.keys[next(i for i, v in enumerate(holder.values) if v is load)]
            if not (isinstance(written, ast.Constant) and isinstance(written.value, str)):
                continue
            outer = self.parent(holder)
            if isinstance(outer, ast.Return):
                return True
            if (
                isinstance(outer, ast.Assign)
                and len(outer.targets) == 1
                and isinstance(outer.targets[0], ast.Name)
                and self._returns_name(outer.targets[0].id, call)
            ):
                return True
        return False

    def _returns_name(self, name: str, call: ast.Call) -> bool:
        """The function that binds ``name = call`` returns ``name`` after it."""
        function = self.scope(call)
        return not function.is_module and any(
            any(isinstance(elt, ast.Name) and elt.id == name for elt in _items(returned))
            and returned.lineno >= call.lineno
            and self.scope(returned) is function
            for returned in function.returns
        )

    def call_sites(
        self, function: FunctionInfo, produces: bool | None = None
    ) -> tuple[list[ast.AST], bool]:
        """Where the file calls ``function`` (the node whose guard counts: for a generator,
        the loop or ``yield from`` that consumes it), and whether it is also passed on."""
        if isinstance(function.node, ast.Lambda):
            return [], True
        sites: list[ast.AST] = []
        name = function.name
        candidates: list[ast.Call] = []
        opaque = False
        if function.cls is None:
            candidates = [
                c for c in self.name_calls.get(name, ()) if self._refers_to(c.func, function)
            ]
            called = {id(c.func) for c in candidates}
            for load in self.name_loads.get(name, ()):
                if (
                    id(load) not in called
                    and self._refers_to(load, function)
                    and not self._is_decorator(load)
                ):
                    opaque = True
        elif name == "__call__":
            candidates = instance_calls(self, function)  # ``printer(chunks)``
        else:
            for call in self.attr_calls.get(name, ()):
                value = self.value(call.func)
                if isinstance(value, FuncRef) and value.fn is function:
                    candidates.append(call)
        if produces is None:
            produces = function.is_generator
        for call in candidates:
            sites.append(self._consumer(call) if produces else call)
        return sites, opaque

    def _refers_to(self, node: ast.AST, function: FunctionInfo) -> bool:
        value = self.value(node)
        return isinstance(value, FuncRef) and value.fn is function

    def _is_decorator(self, node: ast.AST) -> bool:
        parent = self.parent(node)
        return (
            isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node in parent.decorator_list
        )

    def consumer_of(self, call: ast.Call) -> ast.AST:
        """The node that consumes the generator ``call`` creates (the call itself when
        nothing here iterates it)."""
        return self._consumer(call)

    def stream_call_site(self, call: ast.Call, generator: bool) -> tuple[ast.AST, bool, str]:
        """For a call of a stream function of another module: the node whose guard judges it,
        whether this file iterates it, and ``created_only``'s answer when not iterated. A
        plain function runs the loop itself (its call's guard is the guard); a generator is
        judged where it is consumed, and one returned from here is iterated by its callers (a
        try here is no guard)."""
        if not generator:
            return call, True, ""
        node = self.consumer_of(call)
        if node is not call:
            return node, True, ""
        created = self.created_only(call)
        return node, created == "returned", created

    def _consumer(
        self, call: ast.expr, assigned: bool = True, depth: int = 0, key: str | None = None
    ) -> ast.AST:
        """The node that iterates a generator created by ``call``: the loop whose iterable it
        is (through ``enumerate``, ``zip``, ``map``, ``itertools`` ...), the ``yield from``,
        the call that drains it (``list()``, ``"".join()``, ``next()``, ``it.__anext__()``),
        the loop of a function of this file it is handed to (``show(gen())``, an instance's
        ``printer(gen())``), or, for ``gen = f()``, the first of these over ``gen`` in the
        same function. Carried in a dict literal (``reply = {"answer": f()}``), it is
        followed to where the dict's item is read back (``reply["answer"]``): ``key``, while
        ``call`` stands for the dict."""
        node: ast.AST = call
        for _ in range(8):
            parent = self.parent(node)
            if isinstance(parent, ast.Await):
                node = parent
                continue
            if isinstance(parent, ast.Subscript) and parent.value is node:
                item = parent.slice
                if isinstance(item, ast.Constant) and (
                    item.value == key
                    if key is not None
                    else isinstance(item.value, str) and self._carried(parent)
                ):
                    node, key = parent, None  # ``reply["answer"]``: the generator again
                    continue
                return call
            if key is not None:
                return self._holder_reader(call, node, parent, assigned, depth, key)
            if isinstance(parent, ast.Dict) and depth < _MAX_READERS:
                position = next((i for i, v in enumerate(parent.values) if v is node), -1)
                written = parent.keys[position] if position >= 0 else None
                if isinstance(written, ast.Constant) and isinstance(written.value, str):
                    # (A new dict: binding it to a name is no alias of an earlier value.)
                    node, key, assigned = parent, written.value, True
                    continue
                return call
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.YieldFrom, ast.comprehension)):
                return parent
            if isinstance(parent, ast.keyword):
                outer = self.parent(parent)
                if isinstance(outer, ast.Call) and depth < _MAX_READERS:
                    return self._reader(outer, parent.arg, depth) or call
                return call
            if isinstance(parent, ast.Call) and node in parent.args:
                kind = self.spelling(parent)
                if kind in _PASS_ON or kind == "itertools":
                    node = parent
                    continue
                if kind in _CONSUME:
                    return parent
                if (
                    kind
                    or depth >= _MAX_READERS
                    or any(isinstance(a, ast.Starred) for a in parent.args)
                ):
                    return call
                index = next(i for i, a in enumerate(parent.args) if a is node)
                return self._reader(parent, index, depth) or call
            if isinstance(parent, ast.Attribute) and parent.attr in ("__iter__", "__aiter__"):
                # ``it = stream.__aiter__()`` (as ``iter(stream)``): read where ``it`` is.
                outer = self.parent(parent)
                if isinstance(outer, ast.Call) and outer.func is parent and not outer.args:
                    node, assigned = outer, True
                    continue
                return call
            if isinstance(parent, ast.Attribute) and parent.attr in ("__next__", "__anext__"):
                outer = self.parent(parent)
                if isinstance(outer, ast.Call) and outer.func is parent:
                    return outer
                return call
            if (
                assigned
                and isinstance(parent, ast.Assign)
                and len(parent.targets) == 1
                and isinstance(parent.targets[0], ast.Name)
            ):
                return self._consumer_of_name(parent.targets[0].id, call) or call
            return call
        return call

    def _holder_reader(
        self,
        call: ast.expr,
        node: ast.AST,
        parent: ast.AST | None,
        assigned: bool,
        depth: int,
        key: str,
    ) -> ast.AST:
        """Where the item ``key`` of the dict ``node`` (one carrying the generator ``call``
        created) is iterated: after ``reply = {...}``, or in the function of this file the
        dict is handed to (``self.relay(reply)``); else ``call`` (not known)."""
        if (
            assigned
            and isinstance(parent, ast.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)
        ):
            found = self._consumer_of_name(parent.targets[0].id, call, key=key)
            return found or call
        if (
            isinstance(parent, ast.Call)
            and node in parent.args
            and not self.spelling(parent)
            and depth < _MAX_READERS
            and not any(isinstance(a, ast.Starred) for a in parent.args)
        ):
            index = next(i for i, a in enumerate(parent.args) if a is node)
            return self._reader(parent, index, depth, key) or call
        return call

    def _carried(self, subscript: ast.Subscript) -> bool:
        """``x["answer"]`` gives a stream to iterate, or a generator of the file (the item of
        a dict that carries one)."""
        value = self.value(subscript)
        return isinstance(value, GenObj) or (isinstance(value, Stream) and value.role == "stream")

    def _reader(
        self, call: ast.Call, where: int | str | None, depth: int, key: str | None = None
    ) -> ast.AST | None:
        """The loop (or draining call) with which the plain function of this file that
        ``call`` runs reads the argument at ``where`` (a position, or a keyword's name)."""
        found = callee(self, call)
        if found is None or where is None:
            return None
        function, skip = found
        node = function.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None  # a lambda
        positional = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if isinstance(where, int):
            where += skip
            if where >= len(positional):
                return None
            name = positional[where]
        else:
            name = where
            if name not in positional and name not in [a.arg for a in node.args.kwonlyargs]:
                return None
        return self._consumer_of_name(name, node, function, depth + 1, key)

    def _consumer_of_name(
        self,
        name: str,
        call: ast.expr | ast.AST,
        scope: FunctionInfo | None = None,
        depth: int = 0,
        key: str | None = None,
    ) -> ast.AST | None:
        """The first place after ``name = call`` in the same function that iterates ``name``
        (or, given the ``scope``, the first place in it: ``name`` is its parameter)."""
        after = 0 if scope is not None else getattr(call, "lineno", 0)
        scope = scope or self.scope(call)
        found: list[tuple[int, int, ast.AST]] = []
        for load in self.name_loads.get(name, ()):
            if load.lineno < after:
                continue
            if self.scope(load) is not scope and not self._closure_load(load, name, scope):
                continue
            consumer = self._consumer(load, assigned=False, depth=depth, key=key)
            if consumer is not load:
                found.append((load.lineno, load.col_offset, consumer))
        return min(found, key=lambda item: item[:2])[2] if found else None

    def _closure_load(self, load: ast.Name, name: str, scope: FunctionInfo) -> bool:
        """``name`` read in a function nested in ``scope`` (a closure: ``async def events():
        async for line in stream``) where it still names ``scope``'s binding."""
        found = self.lookup(name, self.scope(load), self.document.start(load))
        return found is not None and found[2] is scope and not scope.is_module


def _items(returned: ast.expr) -> list[ast.expr]:
    """What a ``return`` hands out: the value, or the items of a tuple (``return it, meta``)."""
    return list(returned.elts) if isinstance(returned, ast.Tuple) else [returned]
