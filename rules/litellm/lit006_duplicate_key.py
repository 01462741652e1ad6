"""LIT006 duplicate-key: a mapping that gives one key twice."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.litellm.model import LiteLLMDocument
from linter.model import Finding, Severity
from linter.registry import Rule
from rules.litellm._common import report


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    for yaml_file in document.files.values():
        for _mapping, first, repeated in yaml_file.composed.duplicates:
            line = yaml_file.line(first)
            yield report(
                RULE,
                document,
                yaml_file.path,
                repeated,
                f"`{repeated.value}` is given twice in this mapping (first at line {line}): "
                f"PyYAML silently keeps this later value and LiteLLM never sees the one at line "
                f"{line}; keep one",
            )


RULE = Rule(
    code="LIT006",
    name="duplicate-key",
    kind="litellm",
    summary="a mapping key given twice (PyYAML keeps the last, silently)",
    severity=Severity.WARNING,
    fix=None,
    doc="""\
## What it does
Reports a key that appears a second time in the same mapping, in the config or in a file it
includes, at the repeated key, naming the line of the first.

## Why is this bad
The YAML spec forbids duplicate keys, but `yaml.safe_load` (LiteLLM's loader) accepts them and
keeps the last value without a word. A `timeout` or `max_tokens` added at the top of a block
is then silently overridden by an old one further down, and a second `model_list:` drops every
deployment of the first.

## Fix safety
No fix: which of the two values was meant cannot be known.

## References
- YAML 1.2 spec, 3.2.1.1 (mapping keys are unique); PyYAML `SafeConstructor.construct_mapping`
""",
    check=check,
)
