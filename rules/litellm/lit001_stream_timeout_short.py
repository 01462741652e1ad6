"""LIT001 stream-timeout-short: the timeout that bounds each read of a stream is too short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import ScalarNode

from linter.config import Settings
from linter.litellm.model import Entry, LiteLLMDocument, format_number, value_of
from linter.litellm.timeouts import stream_timeout_links
from linter.model import Applicability, Finding, Severity
from linter.registry import Option, Rule
from rules.litellm._common import (
    can_edit,
    comment_kept_in_place,
    names,
    quoted_replacement,
    report,
    seconds_option,
    trailing_comment,
)

ERROR_BELOW = 5.0


@dataclass
class _Use:
    """A timeout value and the streams it bounds."""

    entry: Entry
    label: str  # how to name it in a message: `stream_timeout`, `router_settings.timeout`
    deployments: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    stands_in: bool = False  # a `timeout`/`request_timeout` used because no stream_timeout is set


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    threshold: float = settings.option(RULE, "min-stream-timeout")
    uses: dict[int, _Use] = {}
    for deployment, links in stream_timeout_links(document):
        for version, link in links.items():
            if link is None or link.entry is None:
                continue
            if not document.complete and link.label != "stream_timeout":
                # An included file that could not be read may set router_settings or
                # litellm_settings (replacing these): only a deployment's own
                # stream_timeout is sure to apply.
                continue
            number = value_of(link.entry.value).number
            if number is None or number >= threshold:
                continue
            use = uses.setdefault(
                id(link.entry.value), _Use(link.entry, link.label, stands_in=link.stands_in)
            )
            if deployment is not None:
                use.deployments.append(deployment.name)
            use.versions.add(version)
    for use in uses.values():
        yield _finding(document, use, threshold)


def _finding(document: LiteLLMDocument, use: _Use, threshold: float) -> Finding:
    entry = use.entry
    value = value_of(entry.value)
    assert value.number is not None
    shown = format_number(value.number)
    yaml_file = document.files[entry.path]
    start, end = yaml_file.span(entry.value)
    written = f"`{use.label}: {yaml_file.text[start:end]}`"
    if use.deployments:
        whose = (
            f"deployment {names(use.deployments)}"
            if len(set(use.deployments)) == 1
            else f"deployments {names(use.deployments)}"
        )
    else:
        whose = "every deployment that sets no timeout of its own"
    if use.stands_in:
        role = f"{written} is the stream timeout of {whose}, as no `stream_timeout` applies"
    else:
        role = f"{written} is the stream timeout of {whose}"
    if len(use.versions) == 1:
        role += f" (in {next(iter(use.versions))})"
    message = (
        f"{role}: a stream is cut when its first chunk or any gap between chunks takes longer "
        f"than {shown}s (it limits each read, not the whole answer); raise it to at least "
        f"{format_number(threshold)}s"
    )
    fix = None
    node = entry.value
    if isinstance(node, ScalarNode) and can_edit(yaml_file, node):
        raised = format_number(threshold)
        edit = quoted_replacement(yaml_file, node, raised)
        description = f"raise {use.label} to {raised}"
        if _states_the_value(trailing_comment(yaml_file, node), node.value, shown):
            description += f"; the comment on this line still says {node.value}: update it by hand"
        fix = RULE.make_fix([comment_kept_in_place(yaml_file, node, edit)], description)
    severity = Severity.ERROR if value.number < ERROR_BELOW else None
    return report(RULE, document, entry.path, node, message, fix=fix, severity=severity)


def _states_the_value(comment: str, *written: str) -> bool:
    """The comment names the value as a number of its own (``# 0.5 second timeout`` for
    0.5; not ``# 10.5`` or ``# v0.55``)."""
    return any(
        re.search(r"(?<![\d.])" + re.escape(value) + r"(?!\d|\.\d)", comment)
        for value in dict.fromkeys(written)
        if value
    )


RULE = Rule(
    code="LIT001",
    name="stream-timeout-short",
    kind="litellm",
    summary="a stream timeout that cuts slow first tokens or pauses between chunks",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    doc="""\
## What it does
Finds the timeout LiteLLM's router applies to a *streaming* request of each text-generating
deployment, and reports it when it is below `min-stream-timeout` (30s; an error under 5s).
LiteLLM takes the first of these that is set, and this rule follows the same order:
the deployment's `litellm_params.stream_timeout`, `router_settings.stream_timeout`,
`router_settings.default_litellm_params.stream_timeout`, then, standing in for it, the
deployment's `timeout` / `request_timeout`, then `router_settings.timeout` or else
`litellm_settings.request_timeout` (6000s when nothing is set). Newer LiteLLM (1.106) also
puts `litellm_settings.request_timeout` ahead of the deployment's `timeout` when
`router_settings.timeout` is set; a value is reported when it is the one used in either
version, and the message says which. A value of `0` or `null` falls through to the next
setting, as in LiteLLM; an `os.environ/NAME` value is unknown and never guessed. When an
included file could not be read (it may replace `router_settings`), only a deployment's own
`stream_timeout` is judged.

## Why is this bad
`stream_timeout` (and a `timeout` standing in for it) is the HTTP read timeout of the call
to the provider: it bounds the wait for the first chunk *and every gap between two chunks*,
not the length of the answer. Long prompts, reasoning models and busy providers easily wait
30s or more before the first token or pause mid-answer, and the stream is then cut with a
timeout error. LiteLLM's docs once said "first chunk"; the maintainers corrected them after
`stream_timeout: 30` cut long Claude answers in production.

## Fix safety
Safe: the value is raised to `min-stream-timeout` in place (quotes kept; a comment after the
value keeps its column). When that comment states the old value (`# 0.5 second timeout`),
the fix description says so: the comment is yours to update. A longer read
timeout only lets slow streams finish. No fix is offered for a value shared through a YAML
anchor, since raising it there changes every place that uses the anchor.

## References
- LiteLLM `router.py`: `Router._get_stream_timeout`, `_get_non_stream_timeout`
- LiteLLM docs, `proxy/timeout.md`; litellm-docs PR #880
""",
    check=check,
    options=(
        Option(
            "min-stream-timeout",
            30,
            'shortest acceptable stream timeout, in seconds (a number or a string like "45s")',
            seconds_option,
        ),
    ),
)
