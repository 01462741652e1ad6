"""The engine's view of the stack: enough of a kind handler for ``check_document`` (rules,
ignore comments, per-file ignores) on a document that spans the repository. No file is a
stack file of its own: the stack is checked once per run, after the units."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter.document import Claim, Comment, Document, Unit

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.model import Edit
    from linter.workspace import Workspace


class StackHandler:
    name = "stack"
    # The stack has no parse of its own: its files' problems are their kinds' findings.
    parse_error_code = "SP900"

    def claim_by_name(self, relpath: str) -> Claim:
        return Claim.NO

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return False

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        return []

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> Document:
        raise NotImplementedError("the stack is built by linter.stack.run")

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        return "XL rules have no fixes"

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        from linter.stack.model import StackDocument

        assert isinstance(document, StackDocument)
        return document.comments(path)


HANDLER = StackHandler()
