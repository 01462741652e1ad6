"""The default format: each finding with a short excerpt of its source and the fix on offer."""

from __future__ import annotations

from collections.abc import Sequence

import click

from linter.model import Finding, Severity
from linter.reporters import ReportContext
from linter.reporters.concise import fix_marker

CONTEXT_LINES = 1
MAX_SHOWN_LINES = 3


def _style(text: str, context: ReportContext, **kwargs: object) -> str:
    return click.style(text, **kwargs) if context.color else text  # type: ignore[arg-type]


def _excerpt(finding: Finding, context: ReportContext) -> list[str]:
    source = context.source_for(finding.path)
    if source is None or finding.line < 1:
        return []
    first = max(1, finding.line - CONTEXT_LINES)
    last = min(
        source.line_count,
        max(finding.line, min(finding.end_line, finding.line + MAX_SHOWN_LINES - 1)),
    )
    if finding.end_line == source.line_count + 1:
        last = min(last, source.line_count)
    width = len(str(last))
    gutter = " " * width + " |"
    out = [_style(gutter, context, fg="blue")]
    for number in range(first, last + 1):
        text = source.line_text(number).expandtabs(4)
        out.append(
            _style(f"{number:>{width}} |", context, fg="blue") + (" " + text if text else "")
        )
        if number == finding.line:
            raw = source.line_text(number)
            start = len(raw[: finding.column - 1].expandtabs(4))
            if finding.end_line == finding.line:
                end = len(raw[: max(finding.end_column - 1, finding.column)].expandtabs(4))
            else:
                end = len(raw.expandtabs(4))
            carets = "^" * max(1, end - start)
            colour = "red" if finding.severity is Severity.ERROR else "yellow"
            out.append(
                _style(gutter, context, fg="blue")
                + " "
                + " " * start
                + _style(carets, context, fg=colour, bold=True)
            )
    out.append(_style(gutter, context, fg="blue"))
    return out


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    blocks = []
    for finding in findings:
        header = (
            _style(context.display_path(finding.path), context, bold=True)
            + f":{finding.line}:{finding.column}: "
            + _style(
                finding.code,
                context,
                fg="red" if finding.severity is Severity.ERROR else "yellow",
                bold=True,
            )
            + f" {fix_marker(finding, context)}{finding.message}"
        )
        lines = [header, *_excerpt(finding, context)]
        if finding.fix is not None and finding.fix.edits:
            label = "fix" if finding.fix.is_safe else "unsafe fix (with --unsafe-fixes)"
            lines.append(f"  = {label}: {finding.fix.description}")
        if finding.fix_note:
            lines.append(f"  = note: {finding.fix_note}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
