"""What a Python file does with LLM clients: which names hold which client, which calls start a
generation or a stream, where streams are iterated, and which ``try`` (or retrying caller)
guards each iteration. Computed once per document and shared by the PY rules.

The analysis is split by job: ``scopes`` indexes the file and looks names up, ``values``
resolves what expressions hold (``starts``: which calls start streams; ``remote_calls``:
which functions of other modules are called), ``streams`` finds where they are consumed
(``consumers``: where a generator of the file is), ``guards`` what guards that (``catching``:
what a handler or context manager catches; ``tasks`` and ``threads``: code run as a task or
in a thread); ``model`` holds the values and findings, ``nodes`` the walking helpers.
``Analysis`` puts them together.
"""

from __future__ import annotations

import weakref

from linter.python.analysis.guards import Guards
from linter.python.analysis.model import (
    ClassInfo,
    FuncRef,
    FunctionInfo,
    GenObj,
    Iteration,
    Stream,
    StreamStart,
    Sym,
    Value,
    Verdict,
)
from linter.python.analysis.nodes import (
    children,
    has_star_kwargs,
    keyword,
    reraises,
    unquote,
    walk_function,
)
from linter.python.document import PythonDocument


class Analysis(Guards):
    """Everything the PY rules ask about one file (see the modules it is made of)."""


def analysis_of(document: PythonDocument) -> Analysis | None:
    """The document's analysis (computed once); None when the file did not parse."""
    if document.tree is None:
        return None
    if document._analysis is None:
        try:
            document._analysis = Analysis(document)
        except RecursionError:
            document._analysis = False
        project = document.project
        if document._analysis and project is not None and project.unit_path == document.path:
            project._current = {document.path: weakref.ref(document._analysis)}
    return document._analysis or None


__all__ = [
    "Analysis",
    "ClassInfo",
    "FuncRef",
    "FunctionInfo",
    "GenObj",
    "Iteration",
    "Stream",
    "StreamStart",
    "Sym",
    "Value",
    "Verdict",
    "analysis_of",
    "children",
    "has_star_kwargs",
    "keyword",
    "reraises",
    "unquote",
    "walk_function",
]
