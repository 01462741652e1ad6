"""Which gateway serves a Gateway API route, as the repository says: whether its Gateway is
an Envoy-based one (whose route timeout defaults to Envoy's 15 s on the whole answer), whether
a policy sets that timeout, and why a route rule carries LLM traffic. Read by KUB004 and by the
stack's gateway hops (linter/stack/gateways.py)."""

from __future__ import annotations

from linter.k8s.model import HTTPRoute, K8sDocument, RouteRule
from linter.k8s.signals import route_rule_evidence

# GatewayClass controllers built on Envoy whose route timeout defaults to Envoy's 15 s total.
ENVOY_CONTROLLERS = {
    "gateway.envoyproxy.io/gatewayclass-controller": "Envoy Gateway",
    "kgateway.dev/kgateway": "kgateway",
}
# Envoy's route timeout when nothing sets one: a cap on the whole response.
ENVOY_ROUTE_DEFAULT = 15.0
# The namespaces the Envoy-based controllers install into by their own docs (Envoy Gateway's
# `helm install eg ... -n envoy-gateway-system`; kgateway's `kgateway-system`): a Gateway kept
# there, outside the repository, is one of that controller's (a Gateway is usually created
# beside the controller that serves it).
ENVOY_NAMESPACES = {
    "envoy-gateway-system": "Envoy Gateway",
    "kgateway-system": "kgateway",
}


def policy_timeout(document: K8sDocument, route: HTTPRoute) -> bool:
    """A BackendTrafficPolicy with a `timeout` attached to the route or its Gateway sets the
    route timeout itself: Envoy's default is then not what applies."""
    attached = {("HTTPRoute", route.name)} | {("Gateway", parent) for parent in route.parents}
    return any(
        policy.sets_timeout and attached.intersection(policy.targets)
        for policy in document.all_envoy_policies()
    )


def envoy_class(document: K8sDocument, route: HTTPRoute) -> tuple[str, str] | None:
    """(product, evidence) when a parent Gateway's class is an Envoy-based controller, or,
    its class not being in the repository, when an Envoy Gateway policy is attached to it."""
    gateways = {g.name: g for g in document.all_gateways()}
    classes = {c.name: c for c in document.all_classes()}
    for parent in route.parents:
        gateway = gateways.get(parent)
        if gateway is None or gateway.class_name is None:
            found = _envoy_namespace(route, parent) if gateway is None else None
            if found is not None:
                return found
            continue
        gateway_class = classes.get(gateway.class_name)
        if gateway_class is None:
            policy = next(
                (p for p in document.all_envoy_policies() if ("Gateway", parent) in p.targets),
                None,
            )
            if policy is not None:
                return "Envoy Gateway", (
                    f"its Gateway `{gateway.name}` has class `{gateway.class_name}`, not in the "
                    f"repository, but the {policy.kind} at "
                    f"{document.display(policy.file)}:{policy.line} is attached to it, and only "
                    f"Envoy Gateway reads that policy"
                )
            continue
        if gateway_class.controller is None:
            continue
        product = ENVOY_CONTROLLERS.get(gateway_class.controller)
        if product:
            return product, (
                f"its Gateway `{gateway.name}` has class `{gateway_class.name}`, whose controller "
                f"is {gateway_class.controller} ({document.display(gateway_class.file)})"
            )
    return None


def _envoy_namespace(route: HTTPRoute, parent: str) -> tuple[str, str] | None:
    """(product, evidence) for a parent Gateway that is not in the repository but that the
    route names in an Envoy-based controller's own namespace."""
    namespace = route.parent_namespaces.get(parent)
    product = ENVOY_NAMESPACES.get(namespace or "")
    if product is None:
        return None
    return product, (
        f"its Gateway `{parent}` is not in the repository, but the route names it in namespace "
        f"`{namespace}`, the one {product} is installed into"
    )


def rule_evidence(
    document: K8sDocument, rule: RouteRule, route: HTTPRoute
) -> tuple[str, float] | None:
    """Why the rule is a streaming route, and the longest a cap may be: the stream budget for an
    LLM or SSE backend, or, for a backend Service of the repository whose app answers only
    after an LLM call of its own (the k8s kind's evidence, as KUB002 reads it), that call's
    own wait: a total cap shorter than it cuts the answer before the app gives up."""
    found = route_rule_evidence(rule, route.hostnames)
    if found is not None:
        return found, float("inf")
    for service, port in rule.backends:
        address = (service.lower(), port)
        if address in document.llm_callers:
            said, wait = document.llm_callers[address]
            return f"its backend is Service `{service}` port {port}: {said}", wait
        if address in document.app_backends:
            return (
                f"its backend is Service `{service}` port {port}: {document.app_backends[address]}",
                float("inf"),
            )
    return None
