"""The cheap half of the PY fixes that add imports or change statements: how the file already
names a class or function (from its module-level imports, read in the ``ast`` tree), and the
deferred rewrite that linter/python/cstfix.py makes with libcst only when the fix is used.

Nothing here imports libcst: a check that offers such a fix must stay as fast as any other.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from linter.model import DeferredEdits, Edit, Rewrite

CSTFIX = "linter.python.cstfix"


def spelling(tree: ast.Module, dotted: str) -> tuple[str, str]:
    """How code at module level of ``tree`` can name ``dotted`` ("httpx.HTTPError"), and the
    module to import first so that it can ("" when the file already imports it).

    ``import httpx`` -> "httpx.HTTPError"; ``import httpx as hx`` -> "hx.HTTPError";
    ``from httpx import HTTPError [as E]`` -> "HTTPError" [or "E"]; a builtin stays as it is;
    otherwise "httpx.HTTPError" with ``import httpx`` to add."""
    module, _, name = dotted.rpartition(".")
    if not module:
        return dotted, ""
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == module:
                    return f"{alias.asname or module}.{name}", ""
        elif (
            isinstance(statement, ast.ImportFrom)
            and statement.level == 0
            and statement.module == module
        ):
            for alias in statement.names:
                if alias.name == name:
                    return alias.asname or name, ""
    return dotted, module


def imports_needed(spelled: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(module for _, module in spelled if module))


def deferred(function: str, path: str, text: str, *args: object) -> DeferredEdits:
    """Edits that ``cstfix.<function>(text, path, *args)`` makes when they are needed."""
    return DeferredEdits(Rewrite(CSTFIX, function, path, text, tuple(args)))


def with_imports(
    path: str, text: str, edits: Sequence[Edit], modules: Sequence[str]
) -> Sequence[Edit]:
    """Plain text ``edits``, plus the ``import`` statements of ``modules`` when any is
    needed (made with libcst, so only then deferred)."""
    if not modules:
        return tuple(edits)
    return deferred("add_imports", path, text, tuple(edits), tuple(modules))
