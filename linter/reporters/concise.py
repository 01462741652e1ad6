"""`path:line:col: CODE message`, one line per finding."""

from __future__ import annotations

from collections.abc import Sequence

from linter.model import Finding
from linter.reporters import ReportContext


def fix_marker(finding: Finding, context: ReportContext) -> str:
    if finding.fix is None or not finding.fix.edits:
        return ""
    if finding.fix.is_safe:
        return "[*] "
    return "[*] " if context.unsafe_fixes else ""


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = []
    for finding in findings:
        lines.append(
            f"{context.display_path(finding.path)}:{finding.line}:{finding.column}: "
            f"{finding.code} {fix_marker(finding, context)}{finding.message}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
