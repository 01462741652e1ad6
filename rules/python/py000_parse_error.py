"""PY000 parse-error: Python that cannot be parsed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.config import Settings
from linter.document import Document
from linter.model import Finding, Severity
from linter.python.handler import DEFAULT_MAX_FILE_SIZE
from linter.registry import Option, Rule

_UNITS = {"": 1, "k": 1000, "kb": 1000, "m": 1_000_000, "mb": 1_000_000}


def _size(raw: object) -> int:
    """A size in characters: ``2000000``, ``"500KB"``, ``"2MB"``; 0 turns the limit off."""
    if isinstance(raw, bool):
        raise ValueError('expected a size such as 500000 or "2MB"')
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and (
        match := re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", raw)
    ):
        unit = _UNITS.get(match.group(2).lower())
        if unit is None:
            raise ValueError(f'unknown unit {match.group(2)!r} (use KB or MB, as in "2MB")')
        value = int(float(match.group(1)) * unit)
    else:
        raise ValueError(f'expected a size such as 500000 or "2MB", not {raw!r}')
    if value < 0:
        raise ValueError("must not be negative")
    return value


def check(document: Document, settings: Settings) -> Iterator[Finding]:
    return RULE.report_problems(document)


RULE = Rule(
    code="PY000",
    name="parse-error",
    kind="python",
    summary="Python that cannot be parsed",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    options=(
        Option(
            "max-file-size",
            DEFAULT_MAX_FILE_SIZE,
            'the largest Python file parsed, in characters (or "2MB"); a larger one is '
            "reported as an info finding and not checked; 0 means no limit",
            _size,
        ),
    ),
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

A file larger than `max-file-size` (1,000,000 characters; generated code, mostly) is not
parsed at all: an `info` finding says so and names the setting, since analysing 20,000
stream calls costs seconds and hundreds of MB. Raise the limit (`0` turns it off) to check
such a file:

```toml
[tool.streamproof.rules.PY000]
max-file-size = "2MB"
```

## Fix safety
No fix.

## References
- PEP 263, source code encodings: https://peps.python.org/pep-0263/
""",
)
