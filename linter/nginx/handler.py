"""The NGINX kind, as the engine sees it. The flow, one module per step:

detect.py (which files, by name) -> sniff.py (by content, for doubtful names)
-> plan.py (grouping into units: a main file and what it includes; includers.py finds the
files that include a fragment given alone) -> load.py (a unit read into an NginxDocument;
includes.py expands includes) -> rules -> verify.py (a fix checked before it is written);
placement.py places ignore comments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter.document import AuditRow, Claim, Comment, Document, Unit
from linter.model import Edit
from linter.nginx import detect, placement, plan, verify
from linter.nginx.embedded import nginx_source
from linter.nginx.load import load_document, reported
from linter.nginx.model import NginxDocument

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace


class NginxHandler:
    name = "nginx"
    parse_error_code = "NGX000"
    # Its units read what a run's preparing process makes (the launches behind its upstreams (NGX007)):
    # the workers take them last (linter.preparation, linter.pool.chunks).
    reads_prepared = True

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        """One unit per file that no other linted file includes (see plan.py)."""
        return plan.plan(paths, workspace)

    def plan_undecided(self, paths: Sequence[tuple[str, bool]], workspace: Workspace) -> list[Unit]:
        """``plan`` for files whose kind is not yet decided (see plan.py)."""
        return plan.plan_undecided(paths, workspace)

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> NginxDocument:
        source = nginx_source(workspace.read_source(unit.path, bytes_as_text=True))
        document = load_document(source, workspace, settings, unit.context)
        if unit.report:
            document.report_paths = reported(document, unit.report)
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        return verify.verify_fix(before, after, edits)

    def audit(self, document: Document, settings: Settings) -> Iterable[AuditRow]:
        """Every streaming route with its effective read timeout, buffering, cache, gzip and
        keep-alive, where each comes from, and whether a rule reports it (see audit.py)."""
        from linter.nginx.audit import audit

        assert isinstance(document, NginxDocument)
        return list(audit(document, settings))

    def suppression_edits(
        self, document: Document, path: str, line: int, comment: str
    ) -> Sequence[Edit]:
        """Where an ignore comment for ``line`` may go (see placement.py)."""
        return placement.suppression_edits(document, path, line, comment)

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        return placement.comments(document, path)


HANDLER = NginxHandler()
