"""Which files are Kubernetes manifests streamproof reads: a ``*.yaml`` / ``*.yml`` file whose
content declares an Ingress, a Gateway API route (or an Envoy AI Gateway ``AIGatewayRoute``,
which its controller turns into one), gateway or gateway class, or an ingress controller
ConfigMap with proxy settings. A byte search decides; nothing is parsed here, so
other kinds' runs never import this kind's YAML code.

Helm templates (``templates/*.yaml`` of a chart) are not valid YAML before Helm renders them;
the same search works on them, and the handler renders them statically.
"""

from __future__ import annotations

import functools
import os
import re

from linter.document import Claim

# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
_KIND = functools.cache(
    lambda: re.compile(
        rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?(?:Ingress|HTTPRoute|AIGatewayRoute|Gateway|GatewayClass)[\"']?[ \t]*(?:#.*)?\r?$"
    )
)
# A release manifest that installs a chart with values (Flux, Argo CD).
_RELEASE = functools.cache(
    lambda: re.compile(
        rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?(?:HelmRelease|Application)[\"']?[ \t]*(?:#.*)?\r?$"
    )
)
_CONFIGMAP = functools.cache(
    lambda: re.compile(rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?ConfigMap[\"']?[ \t]*(?:#.*)?\r?$")
)
_PROXY_KEY = functools.cache(
    lambda: re.compile(
        rb"(?m)^[ \t]+[\"']?proxy-(?:read-timeout|send-timeout|buffering)[\"']?[ \t]*:"
    )
)
_API_VERSION = functools.cache(lambda: re.compile(rb"(?m)^[ \t]*apiVersion[ \t]*:"))
# The ingress-nginx chart's values (`controller: config: proxy-read-timeout: ...`): the way
# most clusters set the controller ConfigMap.
_CONTROLLER_AT_TOP = functools.cache(
    lambda: re.compile(rb"(?m)^controller[ \t]*:[ \t]*(?:#.*)?\r?$")
)
_TOP_INGRESS = functools.cache(lambda: re.compile(rb"(?m)^ingress[ \t]*:[ \t]*(?:#.*)?\r?$"))
# Top-level keys of the Open WebUI chart's values that no other chart of the kind has.
_OPEN_WEBUI_KEYS = functools.cache(
    lambda: re.compile(rb"(?m)^(?:ollamaUrls|openaiBaseApiUrls?)[ \t]*:")
)
_CONFIG_KEY = functools.cache(lambda: re.compile(rb"(?m)^[ \t]+config[ \t]*:[ \t]*(?:#.*)?\r?$"))


# A values file layered over a chart's values.yaml: chart-testing's `ci/*-values.yaml` (ct
# installs the chart once with each), or an overlay beside it (`values-prod.yaml`,
# `prod-values.yaml`, `values.dev.yaml`). Read only when it turns on an Ingress of the chart.
_OVERLAY_NAME = functools.cache(
    lambda: re.compile(
        r"(?:^|/)(?:ci/[^/]*values[^/]*|values[-.][^/]+|[^/]+[-.]values)\.ya?ml$", re.IGNORECASE
    )
)


def overlay_chart(path: str) -> str | None:
    """The chart folder a values overlay's name places it over (``<chart>/ci/x-values.yaml``,
    ``<chart>/values-prod.yaml``), when that folder has Chart.yaml and values.yaml."""
    if _OVERLAY_NAME().search(path.replace(os.sep, "/")) is None:
        return None
    folder = os.path.dirname(path)
    if os.path.basename(folder) == "ci" and "/ci/" in path.replace(os.sep, "/"):
        folder = os.path.dirname(folder)
    if all(os.path.isfile(os.path.join(folder, n)) for n in ("Chart.yaml", "values.yaml")):
        return folder
    return None


def claim_in_tree(relpath: str, data: bytes, by_name: Claim, path: str, workspace: object) -> bool:
    """A values overlay of a chart of the tree that writes `ingress:` (the chart's Ingress as
    the overlay makes it: linter/k8s/releases.py)."""
    if by_name is Claim.NO or _API_VERSION().search(data) is not None:
        return False
    return _TOP_INGRESS().search(data) is not None and overlay_chart(path) is not None


def claim_by_name(relpath: str) -> Claim:
    lowered = relpath.lower()
    if lowered.endswith((".yaml", ".yml")):
        return Claim.MAYBE
    # Helm renders every file of templates/ but those named `_*` (partials) and NOTES.txt:
    # some charts name their manifests `*.tpl`.
    if lowered.endswith(".tpl") and "templates/" in lowered:
        name = lowered.rsplit("/", 1)[-1]
        return Claim.NO if name.startswith("_") else Claim.MAYBE
    return Claim.NO


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    if (
        _CONTROLLER_AT_TOP().search(data)
        and _CONFIG_KEY().search(data)
        and _PROXY_KEY().search(data)
    ):
        return True
    if _API_VERSION().search(data) is None:
        # The values of a known chart installed from its Helm repository (its Ingress is read
        # by linter/k8s/remotecharts.py): an `ingress:` block and a sign of the Open WebUI chart.
        return _TOP_INGRESS().search(data) is not None and (
            b"ghcr.io/open-webui/open-webui" in data or _OPEN_WEBUI_KEYS().search(data) is not None
        )
    if _KIND().search(data) is not None:
        return True
    if _RELEASE().search(data) is not None and (
        b"helm.toolkit.fluxcd.io" in data or b"argoproj.io" in data
    ):
        return True  # a release of a chart: its chart's Ingresses, with its values
    return _CONFIGMAP().search(data) is not None and _PROXY_KEY().search(data) is not None
