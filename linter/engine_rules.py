"""Codes the engine itself reports: suppressions that do nothing, and rules that crashed.

They are not in RULES.md because no document check produces them; they live in the registry
so that users can select, ignore and look them up like any other code.
"""

from __future__ import annotations

from linter.model import Applicability, Severity
from linter.rule import ENGINE_KIND, Rule

UNUSED_SUPPRESSION = Rule(
    code="SP100",
    name="unused-suppression",
    kind=ENGINE_KIND,
    summary="a `# streamproof: ignore[...]` comment that suppresses nothing",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    doc="""\
## What it does
Reports an ignore comment (`# streamproof: ignore[CODE]` or `ignore-file[CODE]`) that
suppressed no finding in this run, for codes whose rule ran on the file.

## Why is this bad
A stale ignore comment hides the next real finding on that line. When the problem it was
written for is fixed, the comment should go too.

## Fix safety
Safe: the fix removes the code from the comment, or the whole comment when no code is left.
Codes of rules that did not run (not selected, or another kind of file) are never reported.
""",
)

INVALID_SUPPRESSION = Rule(
    code="SP101",
    name="invalid-suppression",
    kind=ENGINE_KIND,
    summary="an ignore comment that names an unknown code or is malformed",
    severity=Severity.WARNING,
    fix=None,
    doc="""\
## What it does
Reports a `# streamproof:` comment that streamproof cannot read: an unknown code, an empty
code list, or an unknown directive.

## Why is this bad
A misspelt code suppresses nothing, so the finding it was meant for still fires, or worse,
the comment looks like it protects a line it does not.

## Fix safety
No fix: the intended code cannot be known. The message names the closest known code.
""",
)

INTERNAL_ERROR = Rule(
    code="SP900",
    name="internal-error",
    kind=ENGINE_KIND,
    summary="a rule crashed on this file (a streamproof bug; the other files were checked)",
    severity=Severity.ERROR,
    fix=None,
    doc="""\
## What it does
Reports that a rule raised an exception on this file. The other rules and files were still
checked. The exit status is 2.

## Why is this bad
It is a bug in streamproof: please report it with the file (or a reduced copy).

## Fix safety
No fix.
""",
)

ENGINE_RULES = (UNUSED_SUPPRESSION, INVALID_SUPPRESSION, INTERNAL_ERROR)
