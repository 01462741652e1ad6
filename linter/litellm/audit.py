"""`streamproof audit` rows for a LiteLLM config: each deployment as the router will run it,
with the value of its stream timeout, timeout, retries and output cap, where each value comes
from (the deployment, router_settings, litellm_settings, or LiteLLM's default) and whether it
is a risk for a stream. The thresholds are those of the rules (LIT001's option)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from yaml.nodes import MappingNode, SequenceNode

from linter import registry
from linter.config import Settings
from linter.document import AuditRow, AuditValue
from linter.litellm import known
from linter.litellm.model import Deployment, Entry, LiteLLMDocument, ValueKind, value_of
from linter.litellm.timeouts import NEW, OLD, Chains, Link, deciding

SECTION = "LiteLLM deployments"


def audit_rows(document: LiteLLMDocument, settings: Settings) -> Iterator[AuditRow]:
    rule = registry.get_rule("LIT001")
    threshold = float(settings.option(rule, "min-stream-timeout")) if rule else 30.0
    chains = Chains(document)
    retries = _retries(document)
    cap_default = _router_cap(document)
    targets: list[Deployment | None] = list(document.deployments) or [None]
    for deployment in targets:
        if deployment is None:
            subject, path, line = "(every deployment: none listed here)", document.path, 1
            text_model = True
            values: list[tuple[str, AuditValue]] = []
        else:
            subject = deployment.name
            path, line = deployment.path, deployment.file.line(deployment.anchor)
            text_model = deployment.is_text
            values = [("generates", AuditValue(_mode(deployment), deployment.judged_by))]
        stream = chains.stream(deployment)
        if text_model:
            values.append(("stream timeout", _timeout(document, stream, threshold, True)))
        values.append(("timeout", _timeout(document, chains.non_stream(deployment), 0.0, False)))
        values.append(("retries", _own_retries(document, deployment) or retries))
        values.append(("max_tokens", _cap(document, deployment, cap_default, text_model)))
        yield AuditRow(SECTION, subject, path, line, tuple(values))


def _mode(deployment: Deployment) -> str:
    return "text" if deployment.is_text else deployment.mode


def _where(document: LiteLLMDocument, entry: Entry) -> str:
    yaml_file = document.files[entry.path]
    line = yaml_file.line(entry.key)
    if entry.path == document.path:
        return f"line {line}"
    return f"{os.path.relpath(entry.path, os.path.dirname(document.path))} line {line}"


def _timeout(
    document: LiteLLMDocument, chains: dict[str, list[Link]], threshold: float, stream: bool
) -> AuditValue:
    link = deciding(chains[NEW])
    older = deciding(chains[OLD])
    if link is None or link.entry is None:
        default = f"{known.DEFAULT_REQUEST_TIMEOUT:g}s"
        return AuditValue(default, "LiteLLM default (litellm.request_timeout)", "ok")
    value = value_of(link.entry.value)
    origin = f"{link.label}, {_where(document, link.entry)}"
    if older is not link and older is not None and older.entry is not None:
        origin += f" ({OLD}: {older.label})"
    if value.kind is ValueKind.ENV:
        return AuditValue(value.text, origin, "unknown")
    if value.kind is not ValueKind.NUMBER or value.number is None:
        return AuditValue(value.text or "?", origin + "; not a number (LIT002)", "risk")
    status = "risk" if stream and value.number < threshold else "ok"
    return AuditValue(f"{value.number:g}s", origin, status)


def _retries(document: LiteLLMDocument) -> AuditValue:
    router = document.section_items("router_settings")
    general = document.section_items("litellm_settings")
    entry, label = router.get("num_retries"), "router_settings.num_retries"
    if entry is None or value_of(entry.value).kind is ValueKind.NULL:
        entry, label = general.get("num_retries"), "litellm_settings.num_retries"
    fallbacks = any(
        isinstance(items[key].value, (SequenceNode, MappingNode)) and items[key].value.value
        for items in (router, general)
        for key in ("fallbacks", "default_fallbacks")
        if key in items
    )
    suffix = " + fallbacks" if fallbacks else ""
    if entry is None:
        return AuditValue(f"{known.DEFAULT_NUM_RETRIES}{suffix}", "LiteLLM default", "ok")
    value = value_of(entry.value)
    origin = f"{label}, {_where(document, entry)}"
    if value.kind is ValueKind.ENV:
        return AuditValue(value.text, origin, "unknown")
    if value.kind is ValueKind.NUMBER and value.number is not None:
        risky = value.number == 0 and not fallbacks
        return AuditValue(f"{value.number:g}{suffix}", origin, "risk" if risky else "ok")
    return AuditValue(value.text or "?", origin, "unknown")


def _own_retries(document: LiteLLMDocument, deployment: Deployment | None) -> AuditValue | None:
    """A deployment's `litellm_params.num_retries` replaces the router's; its `max_retries`
    is the provider client's own retries (LIT004 counts both)."""
    if deployment is None:
        return None
    for key in ("num_retries", "max_retries"):
        entry = deployment.params.get(key)
        if entry is None:
            continue
        value = value_of(entry.value)
        origin = f"{key}, {_where(document, entry)}"
        if key == "max_retries":
            origin += " (the provider client's retries)"
        if value.kind is ValueKind.ENV:
            return AuditValue(value.text, origin, "unknown")
        if value.kind is ValueKind.NUMBER and value.number is not None and value.number > 0:
            return AuditValue(f"{value.number:g}", origin, "ok")
    return None


def _router_cap(document: LiteLLMDocument) -> Entry | None:
    defaults = document.section_items("router_settings").get("default_litellm_params")
    if defaults is None:
        return None
    items = document.files[defaults.path].items(defaults.value)
    return next((items[key] for key in known.OUTPUT_CAP_KEYS if key in items), None)


def _cap(
    document: LiteLLMDocument, deployment: Deployment | None, default: Entry | None, text: bool
) -> AuditValue:
    params = deployment.params if deployment is not None else {}
    entry = next((params[key] for key in known.OUTPUT_CAP_KEYS if key in params), None)
    label = entry.name if entry is not None else ""
    if entry is None and default is not None:
        entry, label = default, f"router_settings.default_litellm_params.{default.name}"
    if entry is None:
        if not text:
            return AuditValue("-", "not a text model", "ok")
        if deployment is None:
            # No deployment to cap: LIT003 judges each deployment's own litellm_params, so
            # `check` says nothing here, and neither does the audit.
            return AuditValue("-", "no deployment listed (LIT003 judges each one)", "ok")
        return AuditValue("none", "no cap in litellm_params (LIT003)", "risk")
    value = value_of(entry.value)
    origin = f"{label}, {_where(document, entry)}"
    if value.kind is ValueKind.ENV:
        return AuditValue(value.text, origin, "unknown")
    if value.kind is ValueKind.NUMBER and value.number is not None:
        return AuditValue(f"{value.number:g}", origin, "ok")
    return AuditValue(value.text or "none", origin, "risk" if text else "ok")
