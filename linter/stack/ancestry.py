"""A node's ancestors in a module, found by descending through the children whose span holds
it: the stack's value lookups ask for a handful of nodes' enclosing function per module, and a
module-wide parent map cost more than all the rest of ``clients``."""

from __future__ import annotations

import ast


class Ancestry:
    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self._parents: dict[ast.AST, ast.AST] | None = None  # made only when a span misleads

    def of(self, node: ast.AST) -> list[ast.AST]:
        """The nodes from the module down to ``node``'s parent, found by descending through the
        children whose span holds it (a module-wide parent map was nearly all the time
        ``clients`` took on the benchmark, for a handful of lookups per module)."""
        target = _span(node)
        path: list[ast.AST] = []
        current: ast.AST = self.tree
        while True:
            path.append(current)
            child = _child_towards(current, node, target)
            if child is None:
                return self._walked(node)
            if child is node:
                return path
            current = child

    def _walked(self, node: ast.AST) -> list[ast.AST]:
        """The same path, found the slow way: for a node whose place its parents' spans do
        not hold (the parts of an f-string, nodes made by hand). Empty when it is not in the
        tree. The parent map is made once per module."""
        parents = self._parents
        if parents is None:
            parents = self._parents = {}
            for item in ast.walk(self.tree):
                for child in ast.iter_child_nodes(item):
                    parents[child] = item
        path: list[ast.AST] = []
        current = parents.get(node)
        while current is not None:
            path.append(current)
            current = parents.get(current)
        return path[::-1]


_Span = tuple[int, int, int, int]


def _span(node: ast.AST) -> _Span | None:
    """Where a node starts and ends, decorators included; None for nodes without a place
    (``arguments``, ``comprehension``, ``withitem``, contexts)."""
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    col = node.col_offset  # type: ignore[attr-defined]
    for decorator in getattr(node, "decorator_list", ()):
        if (decorator.lineno, decorator.col_offset) < (line, col):
            line, col = decorator.lineno, decorator.col_offset
    end_line = getattr(node, "end_lineno", None) or line
    end_col = getattr(node, "end_col_offset", None)
    return line, col, end_line, col if end_col is None else end_col


def _holds(outer: _Span, inner: _Span) -> bool:
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def _child_towards(parent: ast.AST, node: ast.AST, target: _Span | None) -> ast.AST | None:
    """The child of ``parent`` that is ``node`` or holds it. Children without a place are
    searched through (they are small: arguments, comprehensions, with items)."""
    for child in ast.iter_child_nodes(parent):
        if child is node:
            return child
        span = _span(child)
        if span is None:
            if _contains(child, node):
                return child
        elif target is not None and _holds(span, target):
            return child
    return None


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(item is node for item in ast.walk(tree))
