"""KUB002 ingress-stream-read-timeout: an Ingress route to an LLM backend whose proxy read
timeout (60 s unless set) is below the minimum."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.k8s.chartapps import WAITS_ON_LLM
from linter.k8s.model import COMMUNITY, Ingress, IngressPath, K8sDocument
from linter.k8s.signals import caller_wait, ingress_path_evidence
from linter.model import Finding, Severity
from linter.nginx.timevalue import parse_time
from linter.registry import Option, Rule
from rules.k8s._common import (
    community_seconds,
    effective,
    ingress_label,
    nginx_inc,
    nginx_seconds,
    report,
)
from rules.nginx._common import time_option


def streaming_paths(
    ingress: Ingress, document: K8sDocument | None = None, waiting: bool = False
) -> list[tuple[IngressPath, str]]:
    """The paths that stream (with ``waiting``, also those to an app that answers only after
    its own LLM call: a read timeout counts on them, buffering does not)."""
    found = []
    apps = document.app_backends if document is not None else None
    chart_apps = document.chart_apps if document is not None else None
    callers = document.llm_callers if document is not None and waiting else None
    fronts = document.front_backends if document is not None else None
    for item in ingress.paths:
        evidence = ingress_path_evidence(ingress, item, apps, chart_apps, callers, fronts)
        if evidence:
            found.append((item, evidence))
    return found


def _label(item: IngressPath) -> str:
    if item.path is not None and item.path.known:
        return f"path {item.path.text}"
    return "the default backend" if item.path is None else "its path"


def check(document: K8sDocument, settings: Settings) -> Iterator[Finding]:
    minimum_text = settings.option(RULE, "min-read-timeout")
    minimum = parse_time(minimum_text)
    assert minimum is not None
    for ingress in document.own.ingresses:
        routes = streaming_paths(ingress, document, waiting=True)
        served = ingress.served_by_nginx(bool(document.all_configs())) if routes else None
        if not routes or served is None:
            continue  # not a streaming route, or not a controller whose defaults we know
        item, evidence = routes[0]
        if ingress.controller == "nginx-inc":
            found = nginx_inc(document, ingress, "proxy-read-timeout", "60s")
            seconds = nginx_seconds(found.text) if found.text is not None else None
            advice = '`nginx.org/proxy-read-timeout: "300s"`'
        else:
            annotation = ingress.annotation(COMMUNITY + "proxy-read-timeout")
            if (
                annotation is not None
                and annotation[1].known
                and (community_seconds(annotation[1].text or "") is None)
            ):
                continue  # written with a unit: KUB001 reports it, with its fix
            found = effective(document, ingress, "proxy-read-timeout", "60")
            seconds = community_seconds(found.text) if found.text is not None else None
            advice = f'`{COMMUNITY}proxy-read-timeout: "300"`'
        if seconds is None or seconds * 1000 >= minimum.milliseconds:
            continue  # unknown (a template value, an unresolved block) or long enough
        # A backend that does not stream but answers after its own LLM call is cut when that
        # call may wait as long as the read timeout or longer (the controller's timer starts
        # before the app's own call does; a shorter call answers first).
        streaming = {id(i) for i, _ in streaming_paths(ingress, document)}
        routes = [
            (i, e)
            for i, e in routes
            if id(i) in streaming or (caller_wait(i, document.llm_callers) or 0) >= seconds
        ]
        if not routes:
            continue
        item, evidence = routes[0]
        if found.value is not None and found.value.path in document.files:
            where = found.value
        elif ingress.annotations_from is not None and found.value is None:
            where = ingress.annotations_from  # the values map the annotation belongs in
        else:
            where = item.where
        others = len(routes) - 1
        more = (
            f" (and {others} more streaming path{'s' if others > 1 else ''} of it)"
            if others
            else ""
        )
        yield report(
            RULE,
            document,
            where,
            f"{ingress_label(document, ingress)}: its proxy read timeout is {seconds:g} s, from "
            f"{found.origin}. The controller's nginx closes a stream whose backend stays silent "
            f"that long (a slow first token, a reasoning pause): a 504 before the first byte, a "
            f"body that just stops after it. Set {advice} or more. {_label(item)}{more} is a "
            f"{'streaming route' if id(item) in streaming and not evidence.endswith(WAITS_ON_LLM) else 'route to an LLM backend'} "
            f"because {evidence}"
            # A class-less Ingress is taken for ingress-nginx's on the evidence said here (the
            # community controller's annotations mean nothing to any other controller).
            + (
                f". The Ingress names no class; it is taken as one ingress-nginx serves because "
                f"{served}"
                if ingress.class_name is None
                else ""
            ),
        )


RULE = Rule(
    code="KUB002",
    name="ingress-stream-read-timeout",
    kind="k8s",
    summary="an Ingress route to an LLM backend whose proxy read timeout (60 s by default) is short",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    options=(
        Option(
            "min-read-timeout",
            "120s",
            "report a streaming Ingress whose read timeout is below this (an nginx time value)",
            time_option,
        ),
    ),
    doc="""\
## What it does
On an Ingress that routes to an LLM or SSE backend (a streaming path such as
`/v1/chat/completions`, a backend service or port of an LLM server, a chart that deploys one,
buffering already turned off for it, or a backend Service of the repository's manifests whose
workload runs, with the image's own command, the image a compose service builds from an app
that streams, or, in a Helm chart, a container whose `containerPort` is written from the same
value as the Ingress's backend port and whose image is an LLM server's or chat app's, or
whose environment points it at an LLM endpoint such as `INFERENCE_ENDPOINT` or
`OLLAMA_BASE_URL` (as is a plain manifest's Service whose workload's environment does, such as
`AZURE_OPENAI_ENDPOINT`: a route to an app that waits on a model); or from an app that answers only after an LLM call of its own, such as an
`OpenAI(...)` client with its 600 s default, which the 60 s cut comes before; or a Service
whose workload runs an nginx of the tree, a web front built on an nginx stage that copies its
config under `/etc/nginx`, with a location the path reaches that proxies to such a backend:
its template variables filled from the container's literal `env`, else the image's ENV, and a
path the controller rewrites, or a regular expression, not followed), finds the proxy read timeout in effect: the
`nginx.ingress.kubernetes.io/proxy-read-timeout` annotation, else the ingress-nginx
controller ConfigMap's `proxy-read-timeout` when the repository has it, else 60 seconds. For
the NGINX Inc. controller (`nginx.org/` annotations), `nginx.org/proxy-read-timeout`, else 60 s.
A value from a Helm chart is looked up in its `values.yaml`; one that cannot be resolved is
unknown and not reported. A chart of the repository installed by a Flux `HelmRelease`
(`spec.values`) or an Argo CD `Application` (`helm.valuesObject`, `helm.values`) is read with
the release's values over `values.yaml`, and its routes are reported in the release file, at
the values key they are built from (`ingress:`). A values file layered over a chart's
`values.yaml` (chart-testing's `ci/*-values.yaml`, an overlay beside it such as
`values-prod.yaml`) that writes `ingress:` is read the same way, for the Ingresses that
`values.yaml` alone leaves off (the others are reported in `values.yaml`). A chart Ingress whose annotations come from a
values map and lack the timeout is reported at that map (`ingress.annotations` in
`values.yaml`), where the annotation is added. The values of the Open WebUI chart installed
from its Helm repository (a values file that names its image `ghcr.io/open-webui/open-webui`
or sets `ollamaUrls`, an Argo CD `Application` of chart `open-webui` from helm.openwebui.com
with `helm.valuesObject`, a Flux `HelmRelease` of chart `open-webui` with `values`) give the
Ingress that chart renders when `ingress.enabled` is true: class `ingress.class`, annotations
`ingress.annotations`, path `/` to the Open WebUI Service.
An Ingress written as a kustomize patch (an
overlay's `patches` or `patchesStrategicMerge` file with annotations and no routes) is read
merged over the one base Ingress of its name that the kustomization's `resources` bring in,
and reported in the patch.

## Why is this bad
The read timeout is the longest silence nginx accepts between two reads from the backend. A
model that takes longer to send its first token, or pauses while it reasons, is cut: a 504
before the first byte, a truncated answer after it.

## Fix safety
No fix: the annotation is added to the Ingress by hand (or to the chart's values).

## References
- ingress-nginx annotations: `proxy-read-timeout` (default 60)
- NGINX Inc. Ingress controller: `nginx.org/proxy-read-timeout` (default 60s)
""",
)
