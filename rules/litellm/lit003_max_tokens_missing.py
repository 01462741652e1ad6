"""LIT003 max-tokens-missing: a text-generating deployment with no default output cap."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, ScalarNode

from linter.config import Settings
from linter.litellm import known
from linter.litellm.model import Deployment, Entry, LiteLLMDocument, ValueKind, value_of
from linter.model import Applicability, Finding, Severity
from linter.registry import Option, Rule
from rules.litellm._common import positive_int_option, report
from rules.litellm._insert import insert_key, insert_mapping


def _has_cap(items: dict[str, Entry]) -> bool:
    """Any output cap key present (even one whose value is unknown or null: never add a
    second one next to it)."""
    return any(key in items for key in known.OUTPUT_CAP_KEYS)


def _indent_step(document: LiteLLMDocument) -> int:
    """How far this file nests a deployment's `litellm_params` keys under the key (else 2)."""
    for deployment in document.deployments:
        entry = deployment.params_entry
        value = entry.value if entry is not None else None
        if isinstance(value, MappingNode) and value.value and not value.flow_style:
            assert entry is not None
            step = value.value[0][0].start_mark.column - entry.key.start_mark.column
            if step > 0:
                return step
    return 2


def legacy_completion_model(deployment: Deployment) -> str | None:
    """The `litellm_params.model` of a deployment served by OpenAI's legacy Completions API
    (default cap 16 tokens), else None."""
    entry = deployment.params.get("model")
    if entry is None or not isinstance(entry.value, ScalarNode):
        return None
    model = str(entry.value.value).strip()
    lowered = model.lower()
    provider, _, name = lowered.rpartition("/")
    if provider in known.LEGACY_COMPLETION_PROVIDERS:
        return model
    if not provider and name in known.LEGACY_COMPLETION_MODELS:
        return model
    if "ft:davinci-002" in lowered or "ft:babbage-002" in lowered:
        return model
    return None


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    cap: int = settings.option(RULE, "default-max-tokens")
    router = document.section_items("router_settings")
    defaults = router.get("default_litellm_params")
    if defaults is not None and _has_cap(document.files[defaults.path].items(defaults.value)):
        return  # the router adds it to every request
    for deployment in document.deployments:
        if not deployment.is_text or _has_cap(deployment.params):
            continue
        yield _finding(document, deployment, cap)


def _finding(document: LiteLLMDocument, deployment: Deployment, cap: int) -> Finding:
    yaml_file = deployment.file
    notes = []
    info_cap = deployment.info.get("max_tokens")
    if info_cap is not None:
        notes.append(
            f"`model_info.max_tokens` (line {yaml_file.line(info_cap.key)}) is metadata for "
            "cost and context checks, not a cap"
        )
    stray = [deployment.fields[k] for k in known.OUTPUT_CAP_KEYS if k in deployment.fields]
    for entry in stray:
        notes.append(
            f"`{entry.name}` at line {yaml_file.line(entry.key)} sits outside `litellm_params` "
            "and is not read"
        )
    params_entry = deployment.params_entry
    if params_entry is None:
        notes.append("it has no `litellm_params` at all, which LiteLLM needs")
    elif value_of(params_entry.value).kind is not ValueKind.COLLECTION:
        notes.append("its `litellm_params` is not a mapping")
    legacy = legacy_completion_model(deployment)
    if legacy is not None:
        default = known.LEGACY_COMPLETION_DEFAULT_CAP
        cap = min(cap, known.LEGACY_COMPLETION_FIX_CAP)
        message = (
            f"deployment `{deployment.name}` sets no `max_tokens` in `litellm_params`: "
            f"`{legacy}` is served by the legacy Completions API, whose `max_tokens` defaults "
            f"to {default}, so a request that sends no cap of its own gets an answer cut after "
            f"{default} tokens"
        )
    else:
        message = (
            f"deployment `{deployment.name}` sets no `max_tokens` in `litellm_params`: a "
            "request that sends no cap of its own generates until the model's limit, and a "
            "runaway answer streams on until a timeout cuts it (judged text-generating by "
            f"{deployment.judged_by})"
        )
    if notes:
        message += "; " + "; ".join(notes)
    edit = None
    if params_entry is not None and isinstance(params_entry.value, MappingNode):
        edit = insert_key(yaml_file, params_entry.value, "max_tokens", str(cap))
    elif params_entry is None and isinstance(deployment.node, MappingNode):
        edit = insert_mapping(
            yaml_file,
            deployment.node,
            "litellm_params",
            "max_tokens",
            str(cap),
            _indent_step(document),
        )
    fix = (
        RULE.make_fix([edit], f"add max_tokens: {cap} to litellm_params", unsafe=True)
        if edit is not None
        else None
    )
    return report(RULE, document, deployment.path, deployment.anchor, message, fix=fix)


RULE = Rule(
    code="LIT003",
    name="max-tokens-missing",
    kind="litellm",
    summary="a text-generating deployment whose `litellm_params` has no `max_tokens`",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    doc="""\
## What it does
Reports each deployment of `model_list` that generates text and whose `litellm_params` holds
no output cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, ...), unless
`router_settings.default_litellm_params` gives one to every request. `model_info.max_tokens`
does not count: it is metadata. A deployment generates text when its `model_info.mode` says
`chat`, `completion` or `responses`; embedding, image, speech, transcription, rerank and
moderation modes are left alone. Without a mode, the model names decide
(`text-embedding-*`, `*embed*`, `whisper*`, `*tts*`, `dall-e*`, `gpt-image*`, `*rerank*`, ...,
and providers such as `deepgram/` or `voyage/`). Each finding says how the deployment was
judged.

## Why is this bad
LiteLLM forwards the keys of `litellm_params` as defaults of every request to the
deployment (a request's own values win). Without a default cap, a client that sends none
lets the model generate up to its limit: slow, costly, and a runaway answer streams until a
timeout somewhere cuts it mid-answer.

Deployments served by OpenAI's legacy Completions API (`text-completion-openai/...`,
`azure_text/...`, `gpt-3.5-turbo-instruct`, `davinci-002`, `babbage-002`) miss a cap for the
opposite reason: that API's `max_tokens` defaults to 16, so an uncapped answer is cut after
16 tokens. The message says which of the two applies.

## Fix safety
Unsafe: the fix adds `max_tokens: <default-max-tokens>` as the last key of `litellm_params`
(at the indentation of its neighbours, or before the closing brace of a flow mapping), which
caps every request that does not send its own cap, on purpose. Pick a value that fits the
longest answers you serve. On a legacy completion model the context window holds the prompt
and the answer (4,097 tokens for `gpt-3.5-turbo-instruct`) and a request asking for more is
refused, so the fix adds at most 1024 there. When the deployment has no `litellm_params`, the fix creates it
only when that is unambiguous (a block mapping without merge keys); no fix is offered inside
a mapping shared through a YAML anchor.

## References
- LiteLLM `router.py` (deployment `litellm_params` are passed as request defaults)
- LiteLLM docs, `proxy/configs.md`
""",
    check=check,
    options=(
        Option(
            "default-max-tokens",
            4096,
            "the `max_tokens` the fix adds",
            positive_int_option,
        ),
    ),
)
