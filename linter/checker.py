"""Run the selected rules over one document and turn what they yield into final findings:
per-file ignores, inline suppressions, and a rule that crashes becomes a finding, never an
exception that stops the run."""

from __future__ import annotations

import os
from dataclasses import replace

from linter import registry
from linter.config import Settings
from linter.document import Document, KindHandler
from linter.engine_rules import INTERNAL_ERROR
from linter.model import Finding, Severity
from linter.suppression import apply_suppressions


def plain_finding(
    code: str,
    path: str,
    message: str,
    line: int = 1,
    column: int = 1,
    *,
    fatal: bool = True,
    severity: Severity = Severity.ERROR,
) -> Finding:
    """A finding without a parsed source (the file could not be read or decoded)."""
    rule = registry.get_rule(code)
    return Finding(
        code=code,
        name=rule.name if rule else code,
        severity=severity,
        message=message,
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        fatal=fatal,
    )


def problem_findings(document: Document, handler: KindHandler) -> list[Finding]:
    """The document's parse problems as findings of the kind's parse-error rule."""
    rule = registry.get_rule(handler.parse_error_code)
    assert rule is not None, handler.parse_error_code
    findings = []
    for problem in document.problems:
        source = document.sources.get(problem.path, document.source)
        findings.append(
            rule.report(
                source,
                problem.start,
                problem.end,
                problem.message,
                severity=problem.severity,
                fatal=problem.fatal,
            )
        )
    return findings


def run_rules(document: Document, settings: Settings) -> tuple[list[Finding], frozenset[str]]:
    """Findings of every selected rule of the document's kind, and the codes that ran."""
    findings: list[Finding] = []
    ran: set[str] = set()
    for rule in registry.rules_for_kind(document.kind):
        if rule.check is None or not settings.is_selected(rule.code):
            continue
        if document.fatal and rule.code != _parse_error_code(document.kind):
            continue
        ran.add(rule.code)
        try:
            findings.extend(rule.check(document, settings))
        except Exception as exc:  # a crashing rule must not stop the run
            import traceback  # only when a rule crashed

            frame = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(
                INTERNAL_ERROR.report(
                    document.source,
                    0,
                    0,
                    f"{rule.code} ({rule.name}) crashed on this file: {type(exc).__name__}: {exc} "
                    f"[{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}]; please report it",
                    fatal=True,
                )
            )
    return findings, frozenset(ran)


def _parse_error_code(kind: str) -> str:
    return {"nginx": "NGX000", "litellm": "LIT000", "python": "PY000", "k8s": "KUB000"}.get(
        kind, ""
    )


def check_document(
    document: Document, handler: KindHandler, settings: Settings, *, report_unused: bool = True
) -> list[Finding]:
    findings, ran = run_rules(document, settings)
    # Fatal parse problems are never dropped, whatever is selected.
    if handler.parse_error_code not in ran:
        findings.extend(f for f in problem_findings(document, handler) if f.fatal)
    fatal = [f for f in findings if f.fatal]
    rest = [f for f in findings if not f.fatal]
    rest = [f for f in rest if f.code not in settings.ignored_for(f.path)]
    rest = apply_suppressions(rest, document, handler, ran, report_unused and not document.fatal)
    rest = [
        f
        for f in rest
        if settings.is_selected(f.code) and f.code not in settings.ignored_for(f.path)
    ]
    return within(dedupe(fatal + rest), document.report_paths)


def within(findings: list[Finding], paths: frozenset[str] | None) -> list[Finding]:
    """Only the findings in ``paths`` (all when None); a fix that would also edit another
    file is dropped, with a note: the run was not asked about that file."""
    if paths is None:
        return findings
    kept = []
    for finding in findings:
        if finding.path not in paths:
            continue
        if finding.fix is not None and any(edit.path not in paths for edit in finding.fix.edits):
            outside = next(edit.path for edit in finding.fix.edits if edit.path not in paths)
            finding = replace(
                finding,
                fix=None,
                fix_note=f"fix not offered: it would also edit {os.path.basename(outside)}, "
                f"which this run was not asked to check",
            )
        kept.append(finding)
    return kept


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per code and place (a snippet included twice is reported once)."""
    seen: set[tuple[str, str, int, int, int, int]] = set()
    unique = []
    for finding in findings:
        key = (
            finding.code,
            finding.path,
            finding.line,
            finding.column,
            finding.end_line,
            finding.end_column,
        )
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
