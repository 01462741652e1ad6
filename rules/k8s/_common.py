"""What the Kubernetes rules share: reading the controllers' time values, the effective value
of a setting for an Ingress (annotation, else the controller ConfigMap, else the default), and
reporting on a value wherever it is written (a manifest, a template, values.yaml)."""

from __future__ import annotations

import re
from typing import NamedTuple

from linter.k8s.model import COMMUNITY, NGINX_INC, Ingress, K8sDocument, Value
from linter.model import Edit, Finding, Fix, Severity
from linter.nginx.timevalue import parse_time
from linter.registry import Rule

COMMUNITY_DEFAULT_TIMEOUT = 60  # ingress-nginx proxy-read-timeout / proxy-send-timeout
NGINX_INC_DEFAULT_TIMEOUT = 60  # nginx.org/proxy-read-timeout: nginx's 60s
_GATEWAY_DURATION = re.compile(r"^(?:[0-9]{1,5}(?:h|m|s|ms)){1,4}$")
_GATEWAY_PART = re.compile(r"([0-9]{1,5})(h|ms|m|s)")


def community_seconds(text: str) -> int | None:
    """ingress-nginx reads its timeouts with strconv.Atoi: whole seconds, no unit."""
    stripped = text.strip()
    return int(stripped) if re.fullmatch(r"[0-9]+", stripped) else None


def seconds_with_unit(text: str) -> int | None:
    """Whole seconds in an nginx-style time with a unit (``600s``, ``10m``, ``1h``)."""
    parsed = parse_time(text.strip())
    if parsed is None or parsed.milliseconds % 1000 or not any(u for _, u in parsed.parts):
        return None
    return parsed.milliseconds // 1000


def nginx_seconds(text: str) -> float | None:
    parsed = parse_time(text.strip())
    return None if parsed is None else parsed.seconds


def gateway_seconds(text: str) -> float | None:
    """A Gateway API duration (GEP-2257: ``1h``, ``30s``, ``500ms``, combined); None if invalid."""
    stripped = text.strip()
    if not _GATEWAY_DURATION.match(stripped):
        return None
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(int(n) * factor[u] for n, u in _GATEWAY_PART.findall(stripped))


class Effective(NamedTuple):
    """A setting in effect for an Ingress: its value (None: unknown) and where it comes from."""

    text: str | None
    value: Value | None  # where it is written; None for a default
    origin: str


def effective(document: K8sDocument, ingress: Ingress, key: str, default: str) -> Effective:
    """Annotation, else the ingress-nginx ConfigMap (when the repository has one), else the
    default. Unknown when an unresolved annotation block or template value could set it."""
    found = ingress.annotation(COMMUNITY + key)
    if found is not None:
        value = found[1]
        if not value.known:
            return Effective(None, value, f"annotation `{COMMUNITY + key}` ({value.origin})")
        if not key.endswith("timeout") or community_seconds(value.text or "") is not None:
            return Effective(value.text, value, _annotation_origin(document, key, value))
        # An invalid timeout annotation is ignored: the ConfigMap's value or the default.
    elif ingress.annotations_unknown:
        return Effective(None, None, "an annotation block we could not resolve")
    for config in document.all_configs():
        entry = config.data.get(key)
        if entry is None:
            continue
        value = entry[1]
        if not value.known:
            return Effective(None, value, f"the controller ConfigMap {config.name}")
        if key.endswith("timeout") and community_seconds(value.text or "") is None:
            break
        return Effective(
            value.text,
            value,
            f"the controller ConfigMap {config.name} "
            f"({document.display(value.path)}:{document.line_of(value)})",
        )
    return Effective(default, None, f"ingress-nginx's default {default}")


def nginx_inc(document: K8sDocument, ingress: Ingress, key: str, default: str) -> Effective:
    found = ingress.annotation(NGINX_INC + key)
    if found is not None:
        value = found[1]
        origin = _annotation_origin(document, key, value, NGINX_INC)
        return Effective(value.text if value.known else None, value, origin)
    if ingress.annotations_unknown:
        return Effective(None, None, "an annotation block we could not resolve")
    return Effective(default, None, f"the NGINX Inc. controller's default {default}")


def _annotation_origin(
    document: K8sDocument, key: str, value: Value, prefix: str = COMMUNITY
) -> str:
    where = value.origin or f"{document.display(value.path)}:{document.line_of(value)}"
    return f"annotation `{prefix + key}` ({where})"


def report(
    rule: Rule,
    document: K8sDocument,
    value: Value,
    message: str,
    *,
    fix: Fix | None = None,
    severity: Severity | None = None,
) -> Finding:
    source = document.sources[value.path]
    return rule.report(source, value.start, value.end, message, fix=fix, severity=severity)


def string_edit(document: K8sDocument, value: Value, new: str) -> Edit | None:
    """``value`` rewritten in place as the string ``new``, keeping its quotes, or quoted when
    it was plain (annotations and ConfigMap data must be strings: an unquoted 600 is refused by
    the API server). None where no safe edit exists (a template, a block or multi-line scalar)."""
    node = value.scalar
    if not value.editable or node is None or node.style in ("|", ">"):
        return None
    text = document.files[value.path].text
    if "\n" in text[value.start : value.end]:
        return None
    if node.style in ("'", '"') and text[value.start] == node.style:
        return Edit(value.path, value.start + 1, value.end - 1, new)
    return Edit(value.path, value.start, value.end, f'"{new}"')


def ingress_label(document: K8sDocument, ingress: Ingress) -> str:
    """``Ingress `name```, saying when it is a kustomize patch merged over its base."""
    if ingress.rendered_by:
        return f"Ingress `{ingress.name}` ({ingress.rendered_by})"
    if not ingress.patched_from:
        return f"Ingress `{ingress.name}`"
    import os

    base = os.path.relpath(ingress.patched_from, os.path.dirname(ingress.file))
    return (
        f"Ingress `{ingress.name}` (this kustomize patch merged over the Ingress of "
        f"{base.replace(os.sep, '/')}, whose routes it keeps)"
    )
