"""A retry in a base class that re-runs a method the subclasses of other modules define:
``BaseClient.__call__`` retries ``self._make_request()``, and each provider module's
subclass streams in its own ``_make_request``, handing every chunk to a callback. What the
retry repeats is what those overrides show (PY005).

The subclasses are found among the files that import the base class's module (the project's
importer search, no new pass over the tree): a class there whose base resolves to this one.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import cast

from linter.python.analysis import Analysis, Iteration, Sym
from linter.python.chunks_shown import _iterations_within, emits
from linter.python.remote_shown import RemoteShown

_MEMO = ("python", "shown-overrides")
_MAX_IMPORTERS = 40


def override_shown(
    analysis: Analysis, call: ast.Call, how: Callable[[ast.AST], str]
) -> RemoteShown | None:
    """``self.name(...)`` in a method of class C, where a subclass of C in another module
    defines ``name`` as a plain function that shows a stream's chunks as they come."""
    project = analysis.document.project
    func = call.func
    if project is None or not (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
    ):
        return None
    method = analysis.scope(call).method
    if method is None or method.cls is None or func.value.id != method.self_name:
        return None
    key = (analysis.document.path, method.cls.name, func.attr)
    memo = cast(
        "dict[tuple[str, str, str], RemoteShown | None]",
        project.workspace.memo.setdefault(_MEMO, {}),
    )
    if key in memo:
        return memo[key]
    memo[key] = None  # while it is looked at
    found: RemoteShown | None = None
    for importer in project.importers(analysis.document.path)[:_MAX_IMPORTERS]:
        found = _shown_in(analysis, importer, method.cls.name, func.attr, how)
        if found is not None:
            break
    memo[key] = found
    return found


def _shown_in(
    analysis: Analysis, importer: str, base: str, name: str, how: Callable[[ast.AST], str]
) -> RemoteShown | None:
    project = analysis.document.project
    assert project is not None
    wanted = (analysis.document.path, [base])
    with project._analysis(importer) as other:
        if other is None:
            return None
        by_function: dict[int, list[Iteration]] | None = None
        for cls in other.classes.values():
            override = cls.methods.get(name)
            if override is None or override.is_generator:
                continue
            if not any(_names_class(other, node, wanted) for node in cls.node.bases):
                continue
            if by_function is None:
                by_function = {}
                for iteration in other.iterations:
                    by_function.setdefault(id(iteration.function.node), []).append(iteration)
            for iteration in _iterations_within(other, override, by_function):
                shown = emits(iteration.node) if iteration.what in ("for", "async for") else None
                if shown is not None:
                    return RemoteShown(
                        project.module_name(importer),
                        f"{cls.name}.{name}",
                        iteration.stream.client.name,
                        iteration.node.lineno,  # type: ignore[attr-defined]
                        shown.lineno,  # type: ignore[attr-defined]
                        how(shown),
                    )
    return None


def _names_class(analysis: Analysis, node: ast.expr, wanted: tuple[str, list[str]]) -> bool:
    project = analysis.document.project
    value = analysis.value(node)
    if project is None or not isinstance(value, Sym) or value.path.startswith("@"):
        return False
    return project.resolve(analysis.document.path, value.path) == wanted
