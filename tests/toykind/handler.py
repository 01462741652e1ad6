from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from linter.document import (
    AuditRow,
    AuditValue,
    Claim,
    Comment,
    Document,
    Problem,
    Unit,
    hash_comments,
)
from linter.model import Edit, Severity

LINE = re.compile(r"^(?P<key>\w+)\s*=\s*(?P<value>[^#\n\r]*?)\s*(?:#.*)?$")


@dataclass
class ToyDocument(Document):
    entries: list[tuple[str, str, int, int]] = field(
        default_factory=list
    )  # key, value, vstart, vend


class ToyHandler:
    name = "toy"
    parse_error_code = "TOY000"

    def claim_by_name(self, relpath: str) -> Claim:
        return Claim.YES if relpath.endswith(".toy") else Claim.NO

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return by_name is Claim.YES

    def plan(self, paths: Sequence[str], workspace) -> list[Unit]:  # type: ignore[no-untyped-def]
        return [Unit("toy", p) for p in paths]

    def load(self, unit: Unit, workspace, settings) -> ToyDocument:  # type: ignore[no-untyped-def]
        source = workspace.read_source(unit.path)
        document = ToyDocument(kind="toy", source=source)
        offset = 0
        for raw in source.text.splitlines(keepends=True):
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if stripped == "!!":
                document.problems.append(
                    Problem(source.path, offset, offset + 2, "fatal toy error")
                )
            elif stripped and not stripped.startswith("#"):
                match = LINE.match(line)
                if match:
                    document.entries.append(
                        (
                            match["key"],
                            match["value"],
                            offset + match.start("value"),
                            offset + match.end("value"),
                        )
                    )
                else:
                    document.problems.append(
                        Problem(
                            source.path,
                            offset,
                            offset + len(line),
                            "expected key = value",
                            Severity.ERROR,
                            fatal=False,
                        )
                    )
            offset += len(raw)
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        keys_before = {k for k, *_ in before.entries}  # type: ignore[attr-defined]
        keys_after = {k for k, *_ in after.entries}  # type: ignore[attr-defined]
        if not keys_before <= keys_after:
            return "the fix removed keys"
        return None

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        return hash_comments(document.sources[path])

    def audit(self, document: ToyDocument, settings) -> Iterable[AuditRow]:  # type: ignore[no-untyped-def]
        for key, value, start, _ in document.entries:
            if key != "timeout":
                continue
            line, _col = document.source.position(start)
            status = "risk" if value.isdigit() and int(value) < 10 else "ok"
            yield AuditRow(
                "Toy timeouts",
                f"timeout #{line}",
                document.path,
                line,
                (("timeout", AuditValue(value, f"line {line}", status)),),
            )


HANDLER = ToyHandler()
