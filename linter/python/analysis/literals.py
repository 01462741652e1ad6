"""String and dict literals behind an expression: the text a URL or a string is (literals,
f-strings, ``+``, names bound to them), and the dict literal a payload is when nothing in
the file changes it afterwards. A layer of ``Analysis`` below ``Values``, which follows the
names and calls these look through."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from linter.python.analysis.model import FuncRef, FunctionInfo
from linter.python.analysis.nodes import _walk_function
from linter.python.analysis.scopes import FileIndex

if TYPE_CHECKING:
    from linter.python.analysis.model import Value


def _joined(expr: ast.AST, read: Callable[[ast.expr], str | None]) -> tuple[bool, str | None]:
    """An f-string or a ``+`` of strings, each piece read by ``read`` (a hole it cannot read
    stays ``{}``): (True, its text, None when no piece is known); (False, None) for another
    expression."""
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for v in expr.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                parts.append(v.value)
                continue
            inner = None
            if isinstance(v, ast.FormattedValue) and v.format_spec is None:
                inner = read(v.value)
            parts.append("{}" if inner is None else inner)
        return True, "".join(parts)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = read(expr.left)
        right = read(expr.right)
        if left is None and right is None:
            return True, None
        return True, (left or "{}") + (right or "{}")
    return False, None


class Literals(FileIndex):
    if TYPE_CHECKING:
        # Values' (the layer above): a dict may be what a call of the file returns.
        def value(self, expr: ast.AST | None, depth: int = 0) -> Value | None: ...

    def string_of(self, expr: ast.AST | None, depth: int = 0) -> str | None:
        """The text of a string expression of the file (literals, f-strings with ``{}`` for
        the holes, ``+``, names bound to such, and ``self.url`` set once in the class:
        ``self.url = f"{host}/api/chat"``)."""
        if expr is None or depth > 4:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        # A hole whose value is a string of the file is filled in (``f"{self.api_url}/chat"``
        # with ``self.api_url = f"{base}/api"``); any other stays ``{}``.
        joined, text = _joined(expr, lambda piece: self.string_of(piece, depth + 1))
        if joined:
            return text
        if isinstance(expr, ast.Name):
            found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
            if found is not None and found[0] == "expr":
                return self.string_of(found[1], depth + 1)  # type: ignore[arg-type]
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            method = self.scope(expr).method
            if method is not None and method.cls is not None and expr.value.id == method.self_name:
                assigned = method.cls.self_attrs.get(expr.attr, [])
                if len(assigned) == 1:
                    return self.string_of(assigned[0][0], depth + 1)
        if isinstance(expr, ast.Call):
            return self._built_string(expr, depth)
        return None

    def _built_string(self, call: ast.Call, depth: int) -> str | None:
        """What a function of the file that builds a string from its parameters returns
        for this call (``_url("/api/chat")`` with ``return f"{host}{path}"``): its one
        ``return``, a parameter's hole filled with the argument's text."""
        found = self.value(call.func, depth + 1)
        if not isinstance(found, FuncRef) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        function = found.fn
        node = function.node
        if (
            not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            or len(function.returns) != 1
        ):
            return None
        returned = function.returns[0]
        if not isinstance(returned, (ast.JoinedStr, ast.BinOp)):
            return None
        positional = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if function.cls is not None and positional and isinstance(call.func, ast.Attribute):
            positional = positional[1:]  # ``self``
        passed: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
        passed.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
        if not passed:
            return None
        return self._filled(returned, passed, depth + 1)

    def _filled(self, expr: ast.expr, passed: dict[str, ast.expr], depth: int) -> str | None:
        """``expr`` (an f-string or ``+`` of strings) with the parameters in ``passed``
        read as their arguments' text; other holes as ``string_of`` reads them."""
        if isinstance(expr, ast.Name) and expr.id in passed:
            return self.string_of(passed[expr.id], depth)
        joined, text = _joined(expr, lambda piece: self._filled(piece, passed, depth + 1))
        return text if joined else self.string_of(expr, depth)

    def literal_dict(
        self, expr: ast.AST | None, depth: int = 0, removals: bool = False
    ) -> ast.Dict | None:
        """The dict literal ``expr`` is, or names through a single assignment that nothing
        in the file changes afterwards (no ``d[k] = v``, ``d.update()``, ...), or that a
        function of the file returns (its one ``return``: ``json=self._payload(prompt)``, or
        an item of the tuple it returns: ``headers, payload = make_payload()``). With
        ``removals``, keys taken out (``d.pop(k)``, ``del d[k]``) do not count as a change:
        for a question no removal can turn from no to yes (is a cap key there?)."""
        if isinstance(expr, ast.Dict):
            return expr
        if isinstance(expr, ast.Call) and depth < 3:
            func = self.value(expr.func)
            if isinstance(func, FuncRef) and not func.fn.is_generator and len(func.fn.returns) == 1:
                return self.literal_dict(func.fn.returns[0], depth + 1, removals)
            return None
        if isinstance(expr, ast.Subscript) and depth < 3:
            return self._item_of_dict(expr, depth, removals)
        if not isinstance(expr, ast.Name):
            return None
        found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
        if found is not None and found[0] == "item" and depth < 3:
            if len(found[2].bindings.get(expr.id, ())) != 1:
                return None
            return self._returned_item_dict(found, depth, removals)
        if found is None or found[0] != "expr" or not isinstance(found[1], ast.Dict):
            return None
        scope = found[2]
        mapping = found[1]
        if len(scope.bindings.get(expr.id, ())) != 1 or self._mutated(
            expr.id, scope, mapping, removals
        ):
            return None
        return mapping

    def _item_of_dict(self, expr: ast.Subscript, depth: int, removals: bool) -> ast.Dict | None:
        """``CONFIG["options"]``: the dict literal stored under a literal key of a dict read
        as ``literal_dict`` reads it, when nothing in the file stores into it either
        (``CONFIG["options"]["k"] = v``)."""
        key = expr.slice
        root = expr.value
        while isinstance(root, ast.Subscript):
            root = root.value
        if not (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and isinstance(root, ast.Name)
        ):
            return None
        outer = self.literal_dict(expr.value, depth + 1, removals)
        if outer is None or None in outer.keys:
            return None
        values = [
            value
            for item, value in zip(outer.keys, outer.values, strict=False)
            if isinstance(item, ast.Constant) and item.value == key.value
        ]
        if len(values) != 1:
            return None
        found = self.lookup(root.id, self.scope(root), self.document.start(root))
        if found is None or _stored_below(root.id, found[2], self.tree):
            return None
        return self.literal_dict(values[0], depth + 1, removals)

    def _returned_item_dict(
        self, found: tuple[str, object, FunctionInfo], depth: int, removals: bool
    ) -> ast.Dict | None:
        """``headers, payload = helper(...)`` where the file's ``helper`` returns one tuple
        whose item there is a dict literal (or names one)."""
        whole, index, size = cast("tuple[ast.expr, int, int]", found[1])
        if isinstance(whole, ast.Await):
            whole = whole.value
        if not isinstance(whole, ast.Call):
            return None
        func = self.value(whole.func)
        if not (isinstance(func, FuncRef) and not func.fn.is_generator):
            return None
        returned = func.fn.returns
        if len(returned) != 1 or not isinstance(returned[0], ast.Tuple):
            return None
        items = returned[0].elts
        if len(items) != size or any(isinstance(item, ast.Starred) for item in items):
            return None
        return self.literal_dict(items[index], depth + 1, removals)

    def _mutated(
        self,
        name: str,
        scope: FunctionInfo,
        mapping: ast.Dict | None = None,
        removals: bool = False,
    ) -> bool:
        """Whether the file changes the dict ``name`` after its literal. ``del d["k"]`` of a key
        the literal never had changes nothing; with ``removals``, no key taken out counts."""
        nodes = ast.walk(self.tree) if scope.is_module else _walk_function(scope.node)
        keys = {k.value for k in mapping.keys if isinstance(k, ast.Constant)} if mapping else None
        exact = mapping is not None and None not in mapping.keys
        changes: tuple[str, ...] = ("update", "setdefault", "__setitem__")
        if not removals:
            changes += ("pop", "clear", "popitem")
        for node in nodes:
            if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(
                node.value, ast.Name
            ):
                if node.value.id != name:
                    continue
                if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                    return True
                if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Del):
                    if removals:
                        continue
                    if (
                        exact
                        and keys is not None
                        and isinstance(node.slice, ast.Constant)
                        and node.slice.value not in keys
                    ):
                        continue  # ``del d["user"]`` of a key the literal never had: no change
                    return True
                if isinstance(node, ast.Attribute) and node.attr in changes:
                    return True
        return False


def _stored_below(name: str, scope: FunctionInfo, tree: ast.AST) -> bool:
    """Something of the file stores into, or changes by a method, a dict held inside the
    dict ``name`` (``name["a"]["b"] = v``, ``name["a"].update(...)``)."""
    nodes = ast.walk(tree) if scope.is_module else _walk_function(scope.node)
    for node in nodes:
        if not isinstance(node, (ast.Subscript, ast.Attribute)):
            continue
        inner = node.value
        if not isinstance(inner, ast.Subscript):
            continue
        root = inner.value
        while isinstance(root, ast.Subscript):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id == name):
            continue
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Attribute) and node.attr not in ("get", "items", "keys", "values"):
            return True
    return False
