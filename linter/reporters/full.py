"""The default format: each finding with a short excerpt of its source and the fix on offer."""

from __future__ import annotations

import re
from collections.abc import Sequence

import click

from linter.model import Finding, Severity
from linter.reporters import ReportContext
from linter.reporters.concise import fix_marker

CONTEXT_LINES = 1
MAX_SHOWN_LINES = 3
# Wider lines are shown from a little before the finding (a minified config, or a 5 MB line
# of code, was printed whole, twice with its carets).
MAX_WIDTH = 200
LEAD = 40


# A line of the file is shown as it is, but for control characters: printed raw, a file could
# drive the terminal (ESC sequences). Each becomes one visible character, so carets still
# line up: its Unicode "control picture" (␛ for ESC), or U+FFFD for the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    return _CONTROL.sub(
        lambda m: (
            chr(0x2400 + ord(m.group()))
            if m.group() < "\x20"
            else ("\u2421" if m.group() == "\x7f" else "\ufffd")
        ),
        text,
    )


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
    raw = source.line_text(finding.line)
    start = len(raw[: finding.column - 1].expandtabs(4))
    if finding.end_line == finding.line:
        end = len(raw[: max(finding.end_column - 1, finding.column)].expandtabs(4))
    else:
        end = len(raw.expandtabs(4))
    lines = {n: source.line_text(n).expandtabs(4) for n in range(first, last + 1)}
    # The same columns of every line shown, so that they stay aligned.
    longest = max((len(text) for text in lines.values()), default=0)
    low = max(0, min(start - LEAD, longest - MAX_WIDTH)) if longest > MAX_WIDTH else 0
    high = low + MAX_WIDTH if longest > MAX_WIDTH else longest
    for number, text in lines.items():
        shown = _visible(text[low:high])
        if text and low:
            shown = "…" + shown
        if len(text) > high:
            shown += "…"
        out.append(
            _style(f"{number:>{width}} |", context, fg="blue") + (" " + shown if shown else "")
        )
        if number == finding.line:
            first_caret = min(max(start, low), high)
            carets = "^" * max(1, min(end, high) - first_caret)
            colour = "red" if finding.severity is Severity.ERROR else "yellow"
            out.append(
                _style(gutter, context, fg="blue")
                + " "
                + " " * (first_caret - low + (1 if low else 0))
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
