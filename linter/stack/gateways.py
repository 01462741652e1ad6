"""Gateway API routes as the stack sees them: an ``HTTPRoute`` rule to an LLM backend (KUB004's
evidence) with the total cap its gateway puts on the answer (its ``timeouts.request``, else
Envoy's 15 s route timeout on an Envoy-based class) becomes an ingress fact that names its
backend Service. A total cap bounds any silence too, so it is a read limit as far as a front
that gives up first is concerned; heartbeats never lift it (the ``total_cap`` mark)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.stack.model import IngressRoute, Limit, Where

if TYPE_CHECKING:
    from linter.k8s.model import K8sDocument, Value


def gateway_routes(document: K8sDocument) -> list[IngressRoute]:
    from linter.k8s.gateways import (
        ENVOY_ROUTE_DEFAULT,
        envoy_class,
        policy_timeout,
        rule_evidence,
    )
    from rules.k8s._common import gateway_seconds

    found: list[IngressRoute] = []
    for route in document.own.routes:
        if route.kind != "HTTPRoute":
            continue
        envoy = None
        for rule in route.rules:
            if rule_evidence(document, rule, route) is None or len(rule.backends) != 1:
                continue
            value = rule.request_timeout
            if value is not None:
                seconds = gateway_seconds(value.text or "") if value.known else None
                if not seconds:
                    continue  # unknown, invalid, or "0s" (no cap)
                read = Limit(
                    seconds,
                    f"timeouts.request {value.text} (a cap on the whole answer)",
                    f"set at {document.display(value.path)}:{document.line_of(value)}",
                    _where(document, value),
                )
            else:
                envoy = envoy or envoy_class(document, route)
                if envoy is None or policy_timeout(document, route):
                    continue  # the class's default is unknown, or a policy sets it
                read = Limit(
                    ENVOY_ROUTE_DEFAULT,
                    f"Envoy route timeout {ENVOY_ROUTE_DEFAULT:g}s (a cap on the whole answer)",
                    f"{envoy[0]}'s default: the rule sets no timeouts.request ({envoy[1]})",
                )
            anchor = _where(document, rule.where)
            if anchor is None:
                continue
            service, port = rule.backends[0]
            label = f"HTTPRoute {route.name}" + (f", path {rule.paths[0]}" if rule.paths else "")
            found.append(
                IngressRoute(
                    path=anchor.path,
                    label=label,
                    anchor=anchor,
                    service=service or None,
                    port=port or None,
                    read=read,
                    total_cap=True,
                )
            )
    return found


def _where(document: K8sDocument, value: Value) -> Where | None:
    if not os.path.isabs(value.path):
        return None
    return Where(value.path, value.start, value.end, document.line_of(value))
