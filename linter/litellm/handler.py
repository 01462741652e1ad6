"""The LiteLLM proxy config kind: units, loading, fix verification and comments.

Which files are LiteLLM configs is decided in ``detect`` (by content, without parsing). This
module stays cheap to import: PyYAML and the config model are only imported by ``load()``.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter.document import AuditRow, Claim, Comment, Document, Unit, hash_comments
from linter.litellm import detect
from linter.model import Edit

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace

_INCLUDE_AT_TOP = re.compile(rb"(?m)^[\"']?include[\"']?[ \t]*:")


class LiteLLMHandler:
    name = "litellm"
    parse_error_code = "LIT000"

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        """One unit per config that no other config of the run includes."""
        from linter.litellm.loading import include_targets

        candidates = [os.path.abspath(p) for p in paths]
        includes: dict[str, list[str]] = {}
        for path in candidates:
            try:
                data = workspace.read_bytes(path)
            except Exception:  # unreadable: load() reports it
                continue
            if _INCLUDE_AT_TOP.search(data):
                includes[path] = include_targets(path, workspace)
        included = {target for targets in includes.values() for target in targets}
        units = [path for path in candidates if path not in included]
        # Files that only include each other (a cycle) still get checked once.
        covered = set(units)
        frontier = list(units)
        while frontier:
            for target in includes.get(frontier.pop(), []):
                if target not in covered:
                    covered.add(target)
                    frontier.append(target)
        for path in candidates:
            if path not in covered:
                units.append(path)
                covered.add(path)
                frontier = [path]
                while frontier:
                    for target in includes.get(frontier.pop(), []):
                        if target not in covered:
                            covered.add(target)
                            frontier.append(target)
        return [Unit(self.name, path) for path in units]

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> Document:
        from linter.litellm.loading import load_unit

        return load_unit(unit, workspace)

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        from linter.litellm.verify import verify_fix

        return verify_fix(before, after, edits)

    def audit(self, document: Document, settings: Settings) -> Iterable[AuditRow]:
        """`streamproof audit`: each deployment with its effective stream timeout, timeout,
        retries and max_tokens, and where each comes from."""
        from linter.litellm.audit import audit_rows
        from linter.litellm.model import LiteLLMDocument

        if not isinstance(document, LiteLLMDocument):
            return []
        return list(audit_rows(document, settings))

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        """``#`` comments, but not a ``#`` inside a quoted or block scalar."""
        source = document.sources[path]
        yaml_file = getattr(document, "files", {}).get(path)
        spans = sorted(yaml_file.composed.hash_scalars) if yaml_file is not None else []
        if not spans:
            return list(hash_comments(source))
        return list(_comments_outside(source.path, source.text, spans))


def _comments_outside(path: str, text: str, spans: list[tuple[int, int]]) -> Iterable[Comment]:
    starts = [start for start, _ in spans]
    index = text.find("#")
    while index >= 0:
        where = bisect.bisect_right(starts, index) - 1
        if where >= 0 and spans[where][0] <= index < spans[where][1]:
            index = text.find("#", spans[where][1])
            continue
        line_start = text.rfind("\n", 0, index) + 1
        if index == line_start or text[index - 1] in " \t":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            own_line = not text[line_start:index].strip()
            yield Comment(path, index, text[index:end].rstrip("\r"), own_line)
            index = text.find("#", end)
        else:
            index = text.find("#", index + 1)


HANDLER = LiteLLMHandler()
