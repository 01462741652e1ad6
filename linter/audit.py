"""`streamproof audit`: the stream path as configured, the findings, and what to fix first.

The kinds say what they know of each place a stream passes (handler.audit rows); this module
only orders, summarises and renders: terminal (aligned, colour on a terminal only), markdown
(to paste into an issue or a pull request) and json.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from linter import registry
from linter.document import AuditRow
from linter.model import Finding, Severity, escape_controls
from linter.reporters import ReportContext
from linter.reporters.json_array import finding_dict

# What breaks streams most often comes first (KNOWLEDGE.md: buffering is the top cause of
# "the answer arrives all at once", the 60s read timeout the second; then Python loops that
# die on a dropped connection, LiteLLM per-read timeouts, and uncapped generations).
IMPACT_ORDER = (
    "NGX002", "PY008", "NGX001", "PY001", "LIT001", "NGX003", "PY003", "NGX004", "PY009", "PY004", "PY005",
    "LIT002", "NGX006", "NGX005", "PY006", "PY002", "LIT003", "LIT005", "NGX008", "NGX007",
    "LIT004", "LIT009", "NGX009", "PY007", "LIT006", "LIT007", "LIT008",
)  # fmt: skip
SECTION_ORDER = (
    "NGINX streaming routes",
    "App servers",
    "LiteLLM deployments",
    "Python stream call sites",
)
STATUS_MARK = {"ok": "ok", "risk": "RISK", "unknown": "?"}


@dataclass(frozen=True)
class Priority:
    code: str
    name: str
    count: int
    severity: Severity
    first: Finding
    fixable: str  # "safe", "unsafe" or ""


def _impact(code: str) -> int:
    return IMPACT_ORDER.index(code) if code in IMPACT_ORDER else len(IMPACT_ORDER)


def fix_first(findings: Sequence[Finding], limit: int = 3) -> list[Priority]:
    """The rules to fix first: fatal problems, then errors, then by how much they break streams."""
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.severity is Severity.INFO:
            continue
        by_code.setdefault(finding.code, []).append(finding)
    ranked = sorted(
        by_code.items(),
        key=lambda item: (
            not any(f.fatal for f in item[1]),
            -max(f.severity.rank for f in item[1]),
            _impact(item[0]),
            -len(item[1]),
        ),
    )
    priorities = []
    for code, group in ranked[:limit]:
        group = sorted(group, key=lambda f: f.sort_key)
        fixes = {f.fix.applicability.value for f in group if f.fix and f.fix.edits}
        priorities.append(
            Priority(
                code=code,
                name=group[0].name,
                count=len(group),
                severity=max((f.severity for f in group), key=lambda s: s.rank),
                first=group[0],
                fixable="safe" if "safe" in fixes else ("unsafe" if fixes else ""),
            )
        )
    return priorities


def _sections(rows: Sequence[AuditRow]) -> list[tuple[str, list[AuditRow]]]:
    grouped: dict[str, list[AuditRow]] = {}
    for row in sorted(rows, key=lambda r: (r.path, r.line, r.subject)):
        grouped.setdefault(row.section, []).append(row)
    order = {title: index for index, title in enumerate(SECTION_ORDER)}
    return sorted(grouped.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


@dataclass(frozen=True)
class RuleCount:
    code: str
    name: str
    severity: Severity
    count: int


def _summary(findings: Sequence[Finding]) -> tuple[list[RuleCount], Counter[str]]:
    """Findings by rule and severity (errors first, then as in the fix-first order), and by
    severity alone."""
    by_rule = Counter((f.code, f.name, f.severity) for f in findings)
    by_severity = Counter(f.severity.value for f in findings)
    rules = sorted(
        (RuleCount(code, name, severity, n) for (code, name, severity), n in by_rule.items()),
        key=lambda r: (-r.severity.rank, _impact(r.code), r.code),
    )
    return rules, by_severity


def _severity_counts(by_severity: Counter[str]) -> str:
    """'1 error, 12 warnings' (severities with no finding left out)."""
    return ", ".join(
        f"{by_severity[s]} {s}{'s' if by_severity[s] != 1 and s != 'info' else ''}"
        for s in ("error", "warning", "info")
        if by_severity[s]
    )


def _fix_hint(priority: Priority) -> str:
    if priority.fixable == "safe":
        return "`streamproof check --fix` fixes it"
    if priority.fixable == "unsafe":
        return "`streamproof check --fix --unsafe-fixes` fixes it (changes behaviour on purpose)"
    return f"see `streamproof rule {priority.code}`"


# --- terminal ----------------------------------------------------------------------------------


def render_terminal(
    rows: Sequence[AuditRow],
    findings: Sequence[Finding],
    context: ReportContext,
    files: int,
    paths: Sequence[dict[str, Any]] = (),
) -> str:
    def style(text: str, **kwargs: Any) -> str:
        return click.style(text, **kwargs) if context.color else text

    out: list[str] = [
        style(f"streamproof audit: {files} file{'s' if files != 1 else ''} checked", bold=True),
        "",
    ]
    if not rows:
        out += [
            "No stream path found (no streaming NGINX route, LiteLLM deployment or Python stream call).",
            "",
        ]
    for title, section_rows in _sections(rows):
        out.append(style(f"{title} ({len(section_rows)})", bold=True, underline=True))
        # One alignment for the whole section, so the rows read as a table.
        label_width = max(
            (len(label) for row in section_rows for label, _ in row.values), default=0
        )
        value_width = max((len(v.text) for row in section_rows for _, v in row.values), default=0)
        for row in section_rows:
            where = f"{context.display_path(row.path)}:{row.line}"
            out.append(f"  {style(row.subject, bold=True)}  {style(where, dim=True)}")
            for label, value in row.values:
                mark = STATUS_MARK.get(value.status, value.status)
                colour = {"risk": "red", "unknown": "yellow"}.get(value.status, "green")
                out.append(
                    f"    {label:<{label_width}}  {value.text:<{value_width}}  "
                    f"{style(f'{mark:<4}', fg=colour, bold=value.status == 'risk')}  "
                    f"{style(value.origin, dim=True)}".rstrip()
                )
            out.append("")
    if paths:
        from linter.stack.render import terminal

        out.append(
            style(
                "Stream paths (client to model, across the repository's layers)",
                bold=True,
                underline=True,
            )
        )
        out += [escape_controls(line) for line in terminal(list(paths))]
    rules, by_severity = _summary(findings)
    out.append(style("Findings by rule", bold=True, underline=True))
    if not rules:
        out.append("  none")
    width = max((len(f"{r.code} {r.name}") for r in rules), default=0)
    for r in rules:
        out.append(f"  {f'{r.code} {r.name}':<{width}}  {r.severity.value:<7}  {r.count:>4}")
    out += [f"  by severity: {_severity_counts(by_severity) or 'none'}", ""]
    priorities = fix_first(findings)
    if priorities:
        out.append(style("Fix first", bold=True, underline=True))
        for index, p in enumerate(priorities, start=1):
            rule = registry.get_rule(p.code)
            summary = rule.summary if rule else p.name
            where = f"{context.display_path(p.first.path)}:{p.first.line}"
            times = f" ({p.count} places)" if p.count > 1 else ""
            out.append(f"  {index}. {p.code} {p.name}{times}: {summary}")
            out.append(f"     first at {where}; {_fix_hint(p)}")
        out.append("")
    return "\n".join(out)


# --- markdown ----------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    rows: Sequence[AuditRow],
    findings: Sequence[Finding],
    context: ReportContext,
    files: int,
    paths: Sequence[dict[str, Any]] = (),
) -> str:
    out = ["# streamproof audit", "", f"{files} file{'s' if files != 1 else ''} checked.", ""]
    for title, section_rows in _sections(rows):
        labels: list[str] = []
        for row in section_rows:
            labels += [label for label, _ in row.values if label not in labels]
        out += [f"## {title}", ""]
        out.append("| where | " + " | ".join(["what", *labels]) + " |")
        out.append("|" + "---|" * (len(labels) + 2))
        for row in section_rows:
            values = dict(row.values)
            cells = []
            for label in labels:
                value = values.get(label)
                if value is None:
                    cells.append("")
                    continue
                mark = {"risk": " ⚠️", "unknown": " ❓"}.get(value.status, "")
                origin = f" <br><sub>{_md(value.origin)}</sub>" if value.origin else ""
                cells.append(f"**{_md(value.text)}**{mark}{origin}")
            where = f"`{context.display_path(row.path)}:{row.line}`"
            out.append(f"| {where} | {_md(row.subject)} | " + " | ".join(cells) + " |")
        out.append("")
    if not rows:
        out += ["No stream path found.", ""]
    if paths:
        from linter.stack.render import markdown

        out += ["## Stream paths (client to model)", ""]
        out += [escape_controls(line) for line in markdown(list(paths))]
    rules, by_severity = _summary(findings)
    out += ["## Findings", ""]
    if rules:
        out += ["| rule | severity | count |", "|---|---|---|"]
        out += [f"| `{r.code}` {r.name} | {r.severity.value} | {r.count} |" for r in rules]
        out += ["", f"By severity: {_severity_counts(by_severity)}.", ""]
    else:
        out += ["None.", ""]
    priorities = fix_first(findings)
    if priorities:
        out += ["## Fix first", ""]
        for index, p in enumerate(priorities, start=1):
            rule = registry.get_rule(p.code)
            summary = rule.summary if rule else p.name
            where = f"`{context.display_path(p.first.path)}:{p.first.line}`"
            times = f" ({p.count} places)" if p.count > 1 else ""
            out.append(
                f"{index}. **{p.code} {p.name}**{times}: {_md(summary)}. First at {where}; {_fix_hint(p)}."
            )
        out.append("")
    return "\n".join(out)


# --- json --------------------------------------------------------------------------------------


def render_json(
    rows: Sequence[AuditRow],
    findings: Sequence[Finding],
    context: ReportContext,
    files: int,
    paths: Sequence[dict[str, Any]] = (),
) -> str:
    rules, by_severity = _summary(findings)
    data = {
        "files": files,
        "sections": [
            {
                "title": title,
                "rows": [
                    {
                        "subject": row.subject,
                        "path": context.display_path(row.path),
                        "line": row.line,
                        "values": [
                            {"label": label, "text": v.text, "origin": v.origin, "status": v.status}
                            for label, v in row.values
                        ],
                    }
                    for row in section_rows
                ],
            }
            for title, section_rows in _sections(rows)
        ],
        "paths": list(paths),
        "findings": [finding_dict(f, context) for f in findings],
        "summary": {
            "by_rule": [
                {"code": r.code, "name": r.name, "severity": r.severity.value, "count": r.count}
                for r in rules
            ],
            "by_severity": {s: by_severity[s] for s in ("error", "warning", "info")},
        },
        "fix_first": [
            {
                "code": p.code,
                "name": p.name,
                "count": p.count,
                "severity": p.severity.value,
                "path": context.display_path(p.first.path),
                "line": p.first.line,
                "fix": p.fixable or None,
            }
            for p in fix_first(findings)
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[..., str]] = {
    "terminal": render_terminal,
    "markdown": render_markdown,
    "json": render_json,
}
