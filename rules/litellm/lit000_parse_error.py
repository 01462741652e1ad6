"""LIT000 parse-error: YAML that LiteLLM's loader cannot read."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.litellm.model import LiteLLMDocument
from linter.model import Finding, Severity
from linter.registry import Rule


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    return RULE.report_problems(document)


RULE = Rule(
    code="LIT000",
    name="parse-error",
    kind="litellm",
    summary="a LiteLLM config that yaml.safe_load cannot read",
    severity=Severity.ERROR,
    fix=None,
    doc="""\
## What it does
Reports a LiteLLM proxy config (or a file it includes) that LiteLLM's loader,
`yaml.safe_load`, refuses: invalid YAML (with the line and column PyYAML gives, e.g. a tab
used for indentation), a tag the safe loader cannot construct (`!Ref`, `!!python/object`), a
`<<` merge of something that is not a mapping, more than one YAML document in the file, an
empty file, or a top level that is a list or a single value instead of a mapping of sections.
A file that is not text at all (NUL bytes, invalid UTF-8) is reported here too.

## Why is this bad
The proxy reads its config once at start-up; any of these stops it from starting, so no
stream is served at all. streamproof never constructs anything from an unknown tag and never
expands aliases, so a hostile file costs no more than its size to check.

## Fix safety
No fix: what the file was meant to say cannot be known.

## References
- PyYAML `yaml.safe_load` (LiteLLM `proxy/proxy_server.py`, `_get_config_from_file`)
""",
    check=check,
)
