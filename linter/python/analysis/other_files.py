"""The other files of the tree that ``Project`` reads: each parsed and analysed for as long as
a question needs it, the last few kept for the next one, never all of them at once."""

from __future__ import annotations

import ast
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.python.analysis import Analysis
    from linter.python.analysis.project import Project
    from linter.python.document import PythonDocument

# How many files read for the project (not the unit's own) are kept for the next question.
KEPT = 2


class Loaded:
    """``with project._analysis(path) as analysis``: the file parsed and analysed for as long
    as it is needed (None when it cannot be), then let go."""

    def __init__(self, project: Project, path: str) -> None:
        self.project = project
        self.path = path
        self.document: PythonDocument | None = None

    def __enter__(self) -> Analysis | None:
        from linter.python.analysis import analysis_of

        held = self.project._current.get(self.path)
        current = held() if held is not None else None
        document = current._document() if current is not None else None
        if current is not None and document is not None:
            # Held here too: the unit's document may be kept alive only by a reference
            # cycle, which the collector can free while this analysis is still in use.
            self.document = document
            return current
        last = self.project._last
        document = next((d for d in last if d.path == self.path), None)
        if document is None:
            document = load_document(self.path, self.project)
            if document is None:
                return None
        else:
            last.remove(document)
        # The analysis holds its document weakly: kept alive here, and the last ones read
        # kept for the next question (a module's callees, then its call sites; asking for
        # the callees reads the modules they come from in between: a third of the files
        # read here were read twice when only the last one was kept).
        self.document = document
        last.append(document)
        if len(last) > KEPT:
            del last[0]
        return analysis_of(document)

    def __exit__(self, *_: object) -> None:
        self.document = None


def load_document(path: str, project: Project) -> PythonDocument | None:
    from linter.python.document import PythonDocument
    from linter.source import DecodeFailure, SourceText
    from linter.workspace import ReadFailure, read_regular_file

    try:
        data = read_regular_file(path)
        source = SourceText.from_bytes(path, data, honour_coding_cookie=True)
    except (ReadFailure, DecodeFailure):
        return None
    document = PythonDocument(kind="python", source=source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document.tree = ast.parse(source.text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    document.project = project
    return document
