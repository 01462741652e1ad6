"""One JSON array; each finding an object with the keys tools and tests depend on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from linter.model import Finding
from linter.reporters import ReportContext, edit_positions


def finding_dict(finding: Finding, context: ReportContext) -> dict[str, Any]:
    fix: dict[str, Any] | None = None
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            source = context.source_for(edit.path)
            edits.append(
                {
                    "path": context.display_path(edit.path),
                    "content": edit.content,
                    **edit_positions(source, edit.start, edit.end),
                }
            )
        fix = {
            "applicability": finding.fix.applicability.value,
            "message": finding.fix.description,
            "edits": edits,
        }
    data: dict[str, Any] = {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": context.display_path(finding.path),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "fix": fix,
    }
    if finding.fix_note:
        data["fix_note"] = finding.fix_note
    return data


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return (
        json.dumps([finding_dict(f, context) for f in findings], indent=2, ensure_ascii=False)
        + "\n"
    )
