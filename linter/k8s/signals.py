"""Which Kubernetes routes carry LLM or SSE traffic, and why we think so: the same evidence an
admin would read in an NGINX config (a streaming path, a backend named or numbered like an LLM
server, SSE already acknowledged), read from an Ingress or an HTTPRoute. No evidence, no
finding."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from linter.k8s.model import COMMUNITY, NGINX_INC, Ingress, IngressPath, RouteRule
from linter.llmservers import llm_name, llm_port, not_streaming_path, streaming_path

if TYPE_CHECKING:
    from linter.server.kubefronts import FrontRoute


def backend_evidence(service: str | None, port: str | None) -> str | None:
    if service:
        product = llm_name(service)
        if product:
            return f"its backend service `{service}` is an LLM server ({product})"
    if port:
        known = llm_port(port)
        if known:
            return f"its backend port {port} is {known}"
    return None


def _acknowledged(ingress: Ingress) -> str | None:
    for key in (COMMUNITY + "proxy-buffering", NGINX_INC + "proxy-buffering"):
        found = ingress.annotation(key)
        if found is not None and (found[1].text or "").strip().lower() in ("off", "false"):
            return f"`{key}` is already turned off for it (SSE acknowledged)"
    for key, (_, value) in ingress.annotations.items():
        text = (value.text or "").lower()
        if key.endswith(("-snippet", "/server-snippets", "/location-snippets")) and (
            "text/event-stream" in text or "x-accel-buffering" in text
        ):
            return f"its `{key}` mentions event streams (SSE acknowledged)"
    return None


def caller_wait(
    item: IngressPath, callers: dict[tuple[str, str], tuple[str, float]]
) -> float | None:
    """How long the app behind the path waits on its own LLM call (None: not such an app)."""
    address = app_address(item)
    found = callers.get(address) if address is not None else None
    return found[1] if found is not None else None


def app_address(item: IngressPath) -> tuple[str, str] | None:
    """The backend Service and port an Ingress path names, as the app evidence is keyed."""
    service = item.service.text if item.service is not None else None
    port = item.port.text if item.port is not None else None
    if not service or not port:
        return None
    return service.lower(), port


def ingress_path_evidence(
    ingress: Ingress,
    item: IngressPath,
    apps: dict[tuple[str, str], str] | None = None,
    chart_apps: dict[tuple[str, int], str] | None = None,
    callers: dict[tuple[str, str], tuple[str, float]] | None = None,
    fronts: dict[tuple[str, str], tuple[FrontRoute, ...]] | None = None,
) -> str | None:
    """Why this path of the Ingress is a streaming route, or None. ``apps``: the Services of
    the manifests around it whose app streams (``K8sDocument.app_backends``); ``chart_apps``:
    the container ports of its chart whose app streams (``K8sDocument.chart_apps``);
    ``callers``: the Services whose app answers after its own LLM call
    (``K8sDocument.llm_callers``), given only where a read timeout is judged (a plain
    answer is not buffered stream); ``fronts``: the Services whose nginx (a web front)
    proxies some locations to an LLM backend (``K8sDocument.front_backends``), reached when
    the path the front sees is under such a location."""
    path = item.path.text if item.path is not None and item.path.known else ""
    acknowledged = _acknowledged(ingress)
    if path and not_streaming_path(path):
        return None
    if path and streaming_path(path):
        return f"its path {path} is a streaming endpoint"
    if acknowledged:
        return acknowledged
    service = item.service.text if item.service is not None else None
    port = item.port.text if item.port is not None else None
    found = backend_evidence(service, port)
    if found:
        return found
    if ingress.chart and (service is None or service == "") and llm_name(ingress.chart):
        return f"its chart `{ingress.chart}` deploys an LLM server ({llm_name(ingress.chart)})"
    address = app_address(item)
    if apps and address is not None and address in apps:
        return f"its backend is Service `{address[0]}` port {address[1]}: {apps[address]}"
    port_value = item.port
    if chart_apps and port_value is not None and port_value.node is not None:
        found = chart_apps.get((port_value.path, port_value.start))
        if found:
            return found
    if callers and address is not None and address in callers:
        return f"its backend is Service `{address[0]}` port {address[1]}: {callers[address][0]}"
    route = front_route(ingress, item, fronts)
    if route is not None and address is not None:
        return f"its backend is Service `{address[0]}` port {address[1]}: {route.said}"
    if path in ("", "/"):
        for host in ingress.hosts:
            product = llm_name(host)
            if product:
                return f"it is the catch-all of host {host}, an LLM app ({product})"
    return None


def front_route(
    ingress: Ingress,
    item: IngressPath,
    fronts: dict[tuple[str, str], tuple[FrontRoute, ...]] | None,
) -> FrontRoute | None:
    """The first location of the nginx its backend Service runs (``K8sDocument.front_backends``)
    that this path reaches and that proxies to an LLM backend."""
    address = app_address(item)
    seen = _path_the_backend_sees(ingress, item)
    if not fronts or address is None or address not in fronts or seen is None:
        return None
    from linter.server.kubefronts import reaches

    return next((route for route in fronts[address] if reaches(seen, route)), None)


# Characters of a regular expression: a path written so is not a plain prefix.
_REGEX = re.compile(r"[()\\[\]*+?|^$]")


def _path_the_backend_sees(ingress: Ingress, item: IngressPath) -> str | None:
    """The path prefix the backend sees requests of this Ingress path under: the path itself,
    unless the controller rewrites it (`rewrite-target` other than the path itself, which
    ingress-nginx leaves alone, or `nginx.org/rewrites`) or it is a regular expression."""
    if item.path is not None and not item.path.known:
        return None
    path = item.path.text or "/" if item.path is not None else "/"
    if _REGEX.search(path):
        return None
    rewrite = ingress.annotation(COMMUNITY + "rewrite-target")
    if rewrite is not None and (rewrite[1].text or "") != path:
        return None
    if ingress.annotation(NGINX_INC + "rewrites") is not None:
        return None
    return path


# A word of a path or backend name that says the backend is a test double (`/v1-mock`,
# `fake-openai`): it answers canned replies at once, whatever API it imitates.
_TEST_DOUBLE = re.compile(r"(?:^|[^a-z0-9])(?:mock|mocks|fake|stub)(?:$|[^a-z0-9])", re.IGNORECASE)


def route_rule_evidence(rule: RouteRule, hostnames: list[str]) -> str | None:
    names = rule.paths + [service for service, _ in rule.backends]
    if any(_TEST_DOUBLE.search(name) for name in names if name):
        return None
    for path in rule.paths:
        if not_streaming_path(path):
            return None
        if streaming_path(path):
            return f"its path {path} is a streaming endpoint"
    for service, port in rule.backends:
        found = backend_evidence(service, port)
        if found:
            return found
    if rule.pools:
        return (
            f"its backend is the InferencePool `{rule.pools[0]}` (Gateway API Inference "
            "Extension: a pool of model servers)"
        )
    if rule.model_headers:
        header, value = rule.model_headers[0]
        model = f" `{value}`" if value else ""
        return (
            f"it matches requests by the model they ask for{model} (header `{header}`, which "
            "the Inference Extension's body-based router sets from the request body's `model`)"
        )
    if not rule.paths or rule.paths == ["/"]:
        for host in hostnames:
            product = llm_name(host)
            if product:
                return f"it is the catch-all of host {host}, an LLM app ({product})"
    return None
