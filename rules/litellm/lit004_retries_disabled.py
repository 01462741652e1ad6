"""LIT004 retries-disabled: retries switched off with nothing to fall back to, or asked for
with a key LiteLLM does not read."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, SequenceNode

from linter.config import Settings
from linter.litellm import known
from linter.litellm.model import Deployment, Entry, LiteLLMDocument, ValueKind, value_of
from linter.model import Finding, Severity
from linter.registry import Rule
from rules.litellm._common import names, report

FALLBACK_KEYS = ("fallbacks", "default_fallbacks")


def _has_items(entry: Entry | None) -> bool | None:
    """True for a non-empty list/mapping, None when unknown (an env reference)."""
    if entry is None:
        return False
    if isinstance(entry.value, (SequenceNode, MappingNode)):
        return bool(entry.value.value)
    return None if value_of(entry.value).kind is ValueKind.ENV else False


def _retries_on_its_own(deployment: Deployment) -> bool:
    """A deployment whose `litellm_params` retries anyway: its `num_retries` replaces the
    router's (Router._set_deployment_num_retries_on_exception), its `max_retries` is the
    provider client's own. An env reference may be anything: counted as retrying."""
    for key in ("num_retries", "max_retries"):
        entry = deployment.params.get(key)
        if entry is None:
            continue
        value = value_of(entry.value)
        if value.kind is ValueKind.ENV or (
            value.kind is ValueKind.NUMBER and value.number is not None and value.number > 0
        ):
            return True
    return False


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    router = document.section_items("router_settings")
    general = document.section_items("litellm_settings")
    # Router: num_retries if given (0 included), else litellm.num_retries, else 2.
    retries = router.get("num_retries")
    where = "router_settings"
    if retries is None or value_of(retries.value).kind is ValueKind.NULL:
        retries, where = general.get("num_retries"), "litellm_settings"
    if retries is not None and document.complete:  # an unread include may add fallbacks
        value = value_of(retries.value)
        if value.kind is ValueKind.NUMBER and value.number == 0:
            fallbacks = [
                _has_items(items.get(key)) for items in (router, general) for key in FALLBACK_KEYS
            ]
            unguarded = [d for d in document.deployments if not _retries_on_its_own(d)]
            whose = "a request"
            if len(unguarded) < len(document.deployments):
                whose = f"a request to {names(d.name for d in unguarded)}"
            if not any(f is None or f for f in fallbacks) and (
                unguarded or not document.deployments
            ):
                yield report(
                    RULE,
                    document,
                    retries.path,
                    retries.value,
                    f"`{where}.num_retries: 0` with no `fallbacks`: {whose} that fails (a "
                    "provider error, a rate limit, a refused connection) is never tried again "
                    f"(LiteLLM's default is {known.DEFAULT_NUM_RETRIES}); remove it or add "
                    "`fallbacks`",
                )
    for section in ("router_settings", "litellm_settings", "general_settings"):
        entry = document.section_items(section).get("max_retries")
        if entry is not None:
            yield report(
                RULE,
                document,
                entry.path,
                entry.key,
                f"`{section}.max_retries` is not read: the router retries "
                "`router_settings.num_retries` times (default "
                f"{known.DEFAULT_NUM_RETRIES}); `max_retries` only works per deployment, under "
                "`litellm_params`",
            )
    top = document.section("max_retries")
    if top is not None:
        yield report(
            RULE,
            document,
            top.path,
            top.key,
            "a top-level `max_retries` is not read: use `num_retries` under `router_settings`",
        )
    for deployment in document.deployments:
        entry = deployment.info.get("max_retries")
        if entry is not None:
            yield report(
                RULE,
                document,
                entry.path,
                entry.key,
                f"`model_info.max_retries` of deployment `{deployment.name}` is not read: put "
                "`max_retries` under `litellm_params`",
            )


RULE = Rule(
    code="LIT004",
    name="retries-disabled",
    kind="litellm",
    summary="retries switched off with no fallbacks, or `max_retries` where LiteLLM never reads it",
    severity=Severity.WARNING,
    fix=None,
    doc="""\
## What it does
Reports `num_retries: 0` where the router takes it from (`router_settings`, else
`litellm_settings`) when no `fallbacks` or `default_fallbacks` are configured and some
deployment does not retry on its own (its `litellm_params.num_retries`, which replaces the
router's, or `max_retries`, the provider client's retries), and
`max_retries` written where nothing reads it: in `router_settings` (not an argument of
LiteLLM's `Router`), `litellm_settings`, `general_settings`, the top level, or a deployment's
`model_info`. Only `litellm_params.max_retries` (the provider client's own retries) is read.

## Why is this bad
With retries off and nothing to fall back to, every transient provider error, rate limit or
refused connection goes straight to the user. A `max_retries` in the
wrong place looks like a retry policy and does nothing: LiteLLM keeps its default of 2
retries, or whatever `num_retries` says.

## Fix safety
No fix: whether to retry is a decision about cost and latency; the message says which key
LiteLLM reads. Retries never resume a stream that has started (see PY005).

## References
- LiteLLM `router.py`, `Router.__init__` (`num_retries`, `fallbacks`)
- LiteLLM docs, `proxy/reliability.md`
""",
    check=check,
)
