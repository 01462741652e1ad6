"""SRV000 parse-error: a launch file that cannot be read."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.document import Document
from linter.model import Finding, Severity
from linter.registry import Rule


def check(document: Document, settings: Settings) -> Iterator[Finding]:
    return RULE.report_problems(document)


RULE = Rule(
    code="SRV000",
    name="parse-error",
    kind="server",
    summary="a launch file (Dockerfile, compose file, Procfile, entry script) that cannot be read",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    doc="""\
## What it does
Reports a launch file that cannot be read: undecodable bytes, or a compose file that is not
valid YAML (with its line and column).

## Why is this bad
A launch file that cannot be read cannot be checked, so the other SRV rules are silent on it.
It is never reported as clean.

## Fix safety
No fix.

## References
- Compose file reference: https://docs.docker.com/reference/compose-file/
""",
)
