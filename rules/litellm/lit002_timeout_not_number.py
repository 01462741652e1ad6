"""LIT002 timeout-not-number: a timeout LiteLLM cannot read as a number of seconds."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import ScalarNode

from linter.config import Settings
from linter.litellm.model import Entry, LiteLLMDocument, ValueKind, format_number, value_of
from linter.model import Applicability, Finding, Severity
from linter.registry import Rule
from rules.litellm._common import can_edit, duration_seconds, plain_replacement, report

DEPLOYMENT_KEYS = ("timeout", "stream_timeout", "request_timeout")
ROUTER_KEYS = ("timeout", "stream_timeout")


def _timeouts(document: LiteLLMDocument) -> Iterator[tuple[Entry, str]]:
    for deployment in document.deployments:
        for key in DEPLOYMENT_KEYS:
            entry = deployment.params.get(key)
            if entry is not None:
                yield entry, f"deployment `{deployment.name}`"
    router = document.section_items("router_settings")
    for key in ROUTER_KEYS:
        if key in router:
            yield router[key], "router_settings"
    defaults = router.get("default_litellm_params")
    if defaults is not None:
        items = document.files[defaults.path].items(defaults.value)
        for key in ROUTER_KEYS:
            if key in items:
                yield items[key], "router_settings.default_litellm_params"
    general = document.section_items("litellm_settings")
    if "request_timeout" in general:
        yield general["request_timeout"], "litellm_settings"


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    reported: set[int] = set()
    for entry, where in _timeouts(document):
        node = entry.value
        if id(node) in reported:
            continue
        value = value_of(node)
        if value.kind in (ValueKind.NUMBER, ValueKind.ENV, ValueKind.NULL):
            continue
        reported.add(id(node))
        yaml_file = document.files[entry.path]
        fix = None
        hint = "write a number of seconds"
        if value.kind is ValueKind.TEXT and isinstance(node, ScalarNode):
            parsed = duration_seconds(value.text)
            if parsed is not None and parsed[1]:
                seconds = format_number(parsed[0])
                hint = f"write `{seconds}` (seconds)"
                if can_edit(yaml_file, node):
                    fix = RULE.make_fix(
                        [plain_replacement(yaml_file, node, seconds)],
                        f"write {entry.name} as {seconds} seconds",
                    )
        if value.kind is ValueKind.TEXT:
            shown = f'"{value.text}"'
        elif value.kind is ValueKind.COLLECTION:
            shown = "a list or mapping"
        else:
            shown = f"`{value.text}`"
        message = (
            f"`{entry.name}` of {where} is {shown}, not a number of seconds: LiteLLM converts "
            f'timeouts with float(), so requests fail ("could not convert string to float"); '
            f"{hint}"
        )
        yield report(RULE, document, entry.path, node, message, fix=fix)


RULE = Rule(
    code="LIT002",
    name="timeout-not-number",
    kind="litellm",
    summary='a timeout that is not a number of seconds (`"30s"`, `"2m"`)',
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
    doc="""\
## What it does
Checks every timeout LiteLLM's proxy reads: `timeout`, `stream_timeout` and
`request_timeout` under a deployment's `litellm_params`, `router_settings.timeout` and
`stream_timeout` (also inside `default_litellm_params`), and `litellm_settings.request_timeout`.
Each must be a number, a numeric string (`"600"` works), `null`, or an `os.environ/NAME`
reference. A duration with a unit (`"30s"`, `"2m"`, `"1h"`), a boolean or a list is reported.

## Why is this bad
LiteLLM turns the value into seconds with Python's `float()`. `float("30s")` raises, so every
request that uses the value fails with "could not convert string to float" (and a bad
`request_timeout` can stop the proxy from starting). The unit syntax people know from NGINX
or Kubernetes does not exist here.

## Fix safety
Safe: a number with one unit (`ms`, `s`, `m`, `h`, or their long names) is rewritten as the
plain number of seconds it means (`"30s"` -> `30`, `"2m"` -> `120`). Anything else (`"1h30m"`,
`"soon"`, `true`) has no fix. The new number may then be short enough for LIT001.

## References
- LiteLLM `main.py`, `completion()`: `timeout = float(timeout)`
""",
    check=check,
)
