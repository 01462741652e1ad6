"""PY000 parse-error: Python that cannot be parsed."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.document import Document
from linter.model import Finding, Severity
from linter.registry import Rule


def check(document: Document, settings: Settings) -> Iterator[Finding]:
    for problem in document.problems:
        source = document.sources.get(problem.path, document.source)
        yield RULE.report(
            source,
            problem.start,
            problem.end,
            problem.message,
            severity=problem.severity,
            fatal=problem.fatal,
        )


RULE = Rule(
    code="PY000",
    name="parse-error",
    kind="python",
    summary="Python that cannot be parsed",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    doc="""\
## What it does
Reports a Python file that mentions an LLM client but cannot be parsed: a syntax error (with
its line and column), NUL bytes, an undecodable file (the PEP 263 coding cookie and a BOM are
honoured), or nesting too deep for the parser.

## Why is this bad
A file that does not parse cannot be checked, so every other PY rule is silent on it. It is
never reported as clean. Files that mention no LLM client or streaming HTTP call are not
parsed at all, so they never get this finding.

Python is parsed with the grammar of the Python running streamproof: syntax newer than that
(e.g. a 3.12 f-string under 3.10) is reported here too.

## Fix safety
No fix.

## References
- PEP 263, source code encodings: https://peps.python.org/pep-0263/
""",
)
