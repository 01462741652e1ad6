"""LIT001 stream-timeout-short: the timeout that bounds each read of a stream is too short."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from yaml.nodes import ScalarNode

from linter.config import Settings
from linter.litellm.model import (
    Deployment,
    Entry,
    LiteLLMDocument,
    ValueKind,
    format_number,
    value_of,
)
from linter.model import Applicability, Finding, Severity
from linter.registry import Option, Rule
from rules.litellm._common import can_edit, names, quoted_replacement, report, seconds_option

ERROR_BELOW = 5.0
OLD = "older LiteLLM (1.74)"
NEW = "newer LiteLLM (1.106)"


@dataclass
class _Use:
    """A timeout value and the streams it bounds."""

    entry: Entry
    label: str  # how to name it in a message: `stream_timeout`, `router_settings.timeout`
    deployments: list[str] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    stands_in: bool = False  # a `timeout`/`request_timeout` used because no stream_timeout is set


@dataclass(frozen=True)
class _Link:
    entry: Entry | None
    label: str
    stands_in: bool


class _Chains:
    """Where LiteLLM's router takes a streaming request's timeout from, first set wins
    (``Router._get_stream_timeout`` then ``_get_non_stream_timeout``), per LiteLLM version.
    The router-wide links are read once; only the deployment's own ones vary."""

    def __init__(self, document: LiteLLMDocument) -> None:
        router = document.section_items("router_settings")
        general = document.section_items("litellm_settings")
        defaults_entry = router.get("default_litellm_params")
        defaults = (
            document.files[defaults_entry.path].items(defaults_entry.value)
            if defaults_entry
            else {}
        )
        self.router_stream = _Link(
            router.get("stream_timeout"), "router_settings.stream_timeout", False
        )
        self.default_stream = _Link(
            defaults.get("stream_timeout"),
            "router_settings.default_litellm_params.stream_timeout",
            False,
        )
        router_timeout = _Link(router.get("timeout"), "router_settings.timeout", True)
        global_request = _Link(
            general.get("request_timeout"), "litellm_settings.request_timeout", True
        )
        # Router.timeout = router_settings.timeout or litellm.request_timeout (default 6000s).
        self.router_or_global = [router_timeout, global_request]
        # 1.106: litellm_settings.request_timeout is also a per-attempt timeout, ahead of the
        # deployment's own `timeout`, but only when router_settings.timeout is given too.
        given = (
            router_timeout.entry is not None
            and value_of(router_timeout.entry.value).kind is not ValueKind.NULL
        )
        self.per_attempt = [global_request] if given else []

    def links(self, deployment: Deployment | None) -> dict[str, list[_Link]]:
        params = deployment.params if deployment is not None else {}
        own_stream = _Link(params.get("stream_timeout"), "stream_timeout", False)
        own_timeout = _Link(params.get("timeout"), "timeout", True)
        own_request = _Link(params.get("request_timeout"), "request_timeout", True)
        per_attempt = self.per_attempt
        old = [
            own_stream,
            self.router_stream,
            self.default_stream,
            own_timeout,
            own_request,
            *self.router_or_global,
        ]
        new = [
            own_stream,
            self.router_stream,
            *per_attempt,
            self.default_stream,
            own_timeout,
            own_request,
            *per_attempt,
            *self.router_or_global,
        ]
        return {OLD: old, NEW: new}


def _effective(chain: list[_Link]) -> _Link | None:
    """The link that decides, or None when nothing is set (6000s) or the value is unknown."""
    for link in chain:
        if link.entry is None:
            continue
        value = value_of(link.entry.value)
        if not value.is_set:
            continue  # 0, null, "" fall through to the next setting
        if value.kind is ValueKind.NUMBER:
            return link
        return None  # os.environ/NAME (unknown) or not a number (LIT002)
    return None


def stream_timeout_links(
    document: LiteLLMDocument,
) -> list[tuple[Deployment | None, dict[str, _Link | None]]]:
    """For each text-generating deployment (or, with no model_list, for any deployment), the
    setting whose value bounds a streaming request, per LiteLLM version; None when nothing
    is set (LiteLLM's 6000s) or the value is unknown."""
    targets: list[Deployment | None] = [d for d in document.deployments if d.is_text]
    if not document.deployments:
        # No model_list here (models kept in the database, or in a file not read): the
        # router-wide settings are what every deployment falls back to.
        targets = [None]
    chains = _Chains(document)
    return [
        (
            deployment,
            {version: _effective(chain) for version, chain in chains.links(deployment).items()},
        )
        for deployment in targets
    ]


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
        fix = RULE.make_fix(
            [quoted_replacement(yaml_file, node, format_number(threshold))],
            f"raise {use.label} to {format_number(threshold)}",
        )
    severity = Severity.ERROR if value.number < ERROR_BELOW else None
    return report(RULE, document, entry.path, node, message, fix=fix, severity=severity)


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
Safe: the value is raised to `min-stream-timeout` in place (quotes kept). A longer read
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
