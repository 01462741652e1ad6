"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

    ::error file=nginx.conf,line=12,endLine=12,col=5,endColumn=27,title=NGX001 name::message

Paths are relative to the linted tree's root (the repository GitHub checked out), whatever
folder the command ran in. Columns are given only for a range on one line (GitHub ignores them
otherwise). ``%``, CR and LF are escaped in the message; ``:`` and ``,`` too in properties, where
they would end a value.
"""

from __future__ import annotations

from collections.abc import Sequence

from linter.model import Finding, Severity, escape_controls
from linter.reporters import ReportContext

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, context: ReportContext) -> str:
    line = max(finding.line, 1)
    end_line = max(finding.end_line, line)
    properties = [
        ("file", escape_controls(context.root_relative(finding.path))),
        ("line", str(line)),
        ("endLine", str(end_line)),
    ]
    if end_line == line:
        column = max(finding.column, 1)
        properties += [("col", str(column)), ("endColumn", str(max(finding.end_column, column)))]
    properties.append(("title", f"{finding.code} {finding.name}"))
    fields = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = finding.message + (f" ({finding.fix_note})" if finding.fix_note else "")
    return f"::{COMMANDS[finding.severity]} {fields}::{escape_data(message)}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return "".join(annotation(finding, context) + "\n" for finding in findings)
