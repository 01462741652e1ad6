"""`path:line:col: CODE message`, one line per finding (a line break in a path or message is
written as ``\\n`` / ``\\r``, so that each finding stays on one line)."""

from __future__ import annotations

from collections.abc import Sequence

from linter.model import Finding
from linter.reporters import ReportContext
from linter.reporters.summary import can_fix


def fix_marker(finding: Finding, context: ReportContext) -> str:
    # The findings the summary counts as fixable, exactly.
    return "[*] " if can_fix(finding, context.unsafe_fixes) else ""


def one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = []
    for finding in findings:
        lines.append(
            f"{one_line(context.display_path(finding.path))}:{finding.line}:{finding.column}: "
            f"{finding.code} {fix_marker(finding, context)}{one_line(finding.message)}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
