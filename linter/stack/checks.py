"""Run the XL rules over the linked paths, through the engine's ``check_document``
(selection, ignore comments, per-file ignores, only the files the run was asked about)."""

from __future__ import annotations

from linter.checker import check_document
from linter.config import Settings
from linter.model import Finding
from linter.source import SourceText
from linter.stack.handler import HANDLER
from linter.stack.link import Stack
from linter.stack.model import StackDocument, StackPath
from linter.workspace import Workspace


def check_stack(
    paths: list[StackPath],
    stack: Stack,
    workspace: Workspace,
    settings: Settings,
    report: frozenset[str] | None,
) -> tuple[list[Finding], frozenset[str]]:
    from linter.stack.run import read_source, selected

    def read(path: str) -> SourceText | None:
        return read_source(workspace, path)

    anchor = next(
        (hop.anchor.path for path in paths for hop in path.hops if hop.anchor is not None), None
    )
    main = read(anchor) if anchor is not None else None
    if main is None:
        return [], frozenset()
    document = StackDocument(main, paths, read)
    document.stack = stack  # type: ignore[attr-defined]
    document.sources = {}  # only the files findings are in: their comments are read
    document.report_paths = report
    return check_document(document, HANDLER, settings), frozenset(selected(settings))
