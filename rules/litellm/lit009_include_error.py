"""LIT009 include-error: `include:` that LiteLLM refuses, or that silently drops a section."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.litellm.loading import severity_of
from linter.litellm.model import LiteLLMDocument
from linter.model import Finding, Severity
from linter.registry import Rule


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    for issue in document.include_issues:
        source = document.sources.get(issue.path, document.source)
        yield RULE.report(
            source, issue.start, issue.end, issue.message, severity=severity_of(issue)
        )


RULE = Rule(
    code="LIT009",
    name="include-error",
    kind="litellm",
    summary="an `include:` LiteLLM refuses, or one that replaces a section instead of merging it",
    severity=Severity.ERROR,
    fix=None,
    doc="""\
## What it does
Follows `include:` as LiteLLM does (each path relative to the file that declares it, or else
to the main config; nested includes; each file read once) and reports: an `include` that is
not a list of paths, an included file that does not exist, cannot be read, or is not a
mapping of sections; and a section given both in the config and in an included file (or in
two included files) when it is not a list on both sides: LiteLLM appends included lists
(`model_list`) but *replaces* anything else, so the earlier `litellm_settings` or
`router_settings` is dropped as a whole (a warning). An included file outside the checked
tree is not followed, and said so (info).

## Why is this bad
An `include` that is not a list, or a missing file, stops the proxy at start-up. A section
that is replaced rather than merged silently loses every setting of the first one:
timeouts, retries and callbacks written in the main file stop applying once an included file
has a section of the same name.

## Fix safety
No fix: moving settings between files is for the author to decide.

## References
- LiteLLM `proxy/common_utils/config_includes.py` (1.106), `proxy/proxy_server.py`,
  `_process_includes`
- LiteLLM docs, `proxy/config_management.md`
""",
    check=check,
)
