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

Python is parsed with the grammar of the Python running streamproof. A file that uses newer
syntax it recognises (PEP 701 f-strings and PEP 695 type parameters from 3.12, `except*` from
3.11, `except A, B:` from 3.14) is reported as an `info` finding saying it was not checked and
which Python can check it; the exit status does not change, since the code is valid.

## Fix safety
No fix.

## References
- PEP 263, source code encodings: https://peps.python.org/pep-0263/
""",
)
