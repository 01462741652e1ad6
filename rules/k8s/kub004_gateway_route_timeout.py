"""KUB004 gateway-route-timeout: a Gateway API route to an LLM backend that an Envoy-based
gateway cuts after 15 s, or whose own timeout is below the stream budget."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.k8s.gateways import ENVOY_ROUTE_DEFAULT, envoy_class, policy_timeout, rule_evidence
from linter.k8s.model import K8sDocument
from linter.model import Finding, Severity
from linter.registry import Rule
from rules.k8s._common import gateway_seconds, report

# Envoy AI Gateway's own default for an AIGatewayRoute rule without `timeouts.request`
# (api/v1alpha1/ai_gateway_route.go, AIGatewayRouteRule.Timeouts: "defaults to set 60s for the
# request timeout as opposed to 15s of the Envoy Gateway's default value").
AI_GATEWAY_DEFAULT = 60.0
AI_GATEWAY_EVIDENCE = (
    "it is an Envoy AI Gateway AIGatewayRoute rule (it routes LLM requests by model to AI backends)"
)


def check(document: K8sDocument, settings: Settings) -> Iterator[Finding]:
    budget = settings.max_stream
    minimum_text = f"{budget:g}s"
    for route in document.own.routes:
        ai_route = route.kind == "AIGatewayRoute"
        for rule in route.rules:
            found = (
                (AI_GATEWAY_EVIDENCE, float("inf"))
                if ai_route
                else rule_evidence(document, rule, route)
            )
            if found is None:
                continue
            evidence, wait = found
            for value, field in (
                (rule.request_timeout, "request"),
                (rule.backend_timeout, "backendRequest"),
            ):
                if value is None or not value.known:
                    continue
                seconds = gateway_seconds(value.text or "")
                if seconds is None or seconds == 0 or seconds >= min(budget, wait):
                    continue  # invalid (the API server refuses it), disabled, or long enough
                yield report(
                    RULE,
                    document,
                    value,
                    f"{route.kind} `{route.name}`: `timeouts.{field}` is {value.text}, a cap on the "
                    f"whole exchange: an answer that streams for longer is cut at {seconds:g} s, "
                    f"whatever arrives meanwhile (the stream budget `max-stream` is {minimum_text}). Raise it, "
                    f'or set "0s" to disable it. The route is a streaming route because {evidence}',
                )
            if rule.request_timeout is not None:
                continue
            if ai_route:
                if budget > AI_GATEWAY_DEFAULT:
                    yield report(
                        RULE,
                        document,
                        rule.where,
                        f"AIGatewayRoute `{route.name}`: this rule sets no `timeouts.request`, so "
                        f"Envoy AI Gateway gives the HTTPRoute it generates a request timeout of "
                        f"{AI_GATEWAY_DEFAULT:g} s for the whole response (its default; Envoy "
                        f"Gateway's own would be 15 s): every answer that streams longer is cut. "
                        f'Set `timeouts: {{request: "0s"}}` (no cap) or a value above the stream '
                        f"budget ({minimum_text}). The route is a streaming route because "
                        f"{evidence}",
                    )
                continue
            envoy = envoy_class(document, route)
            if envoy is None:
                continue  # the gateway's class is not in the repository: its default is unknown
            if wait <= ENVOY_ROUTE_DEFAULT:
                continue  # the app behind gives up on its own LLM call first
            if policy_timeout(document, route):
                continue  # a BackendTrafficPolicy sets the route timeout
            product, how = envoy
            cut = (
                "every answer that streams longer is cut"
                if wait == float("inf")
                else f"an answer the app takes longer to give (it waits up to {wait:g} s on its "
                "model) is cut"
            )
            yield report(
                RULE,
                document,
                rule.where,
                f"HTTPRoute `{route.name}`: this rule sets no `timeouts.request`, so {product} "
                f"applies Envoy's route timeout, 15 s for the whole response: {cut}. "
                f'Set `timeouts: {{request: "0s"}}` (no cap) or a value '
                f"above the stream budget ({minimum_text}). {how}; the route is a streaming route "
                f"because {evidence}",
            )


RULE = Rule(
    code="KUB004",
    name="gateway-route-timeout",
    kind="k8s",
    summary="a Gateway API route to an LLM backend cut by a total timeout (15 s on Envoy-based gateways)",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    doc="""\
## What it does
On a Gateway API `HTTPRoute` rule that sends traffic to an LLM or SSE backend (a streaming
path, a backend named or numbered like an LLM server, an `InferencePool` of the Gateway API
Inference Extension, or a match on the model header its body-based router sets,
`X-Gateway-Model-Name` / `X-Gateway-Base-Model-Name`, a backend Service of the repository
whose app streams or answers only after an LLM call of its own, as KUB002 reads them; not a
rule whose path or backend says it is a test double, `mock`, `fake` or `stub`), and on every
rule of an Envoy AI Gateway
`AIGatewayRoute` (`aigateway.envoyproxy.io`: its controller generates an HTTPRoute from it),
reports:
- no `timeouts.request`, when the route's Gateway has a class whose controller is built on
  Envoy (Envoy Gateway, kgateway) and that class is in the repository, or, its class not being
  there, an Envoy Gateway policy (`gateway.envoyproxy.io`: `EnvoyPatchPolicy`,
  `ClientTrafficPolicy`, ...) is attached to the Gateway (only Envoy Gateway reads one), or,
  the Gateway not being there, the route names it in the namespace an Envoy-based controller
  installs into (`envoy-gateway-system`, `kgateway-system`), and no
  `BackendTrafficPolicy` with a `timeout` is attached to the route or its Gateway; on an
  `AIGatewayRoute` always, since Envoy AI Gateway then sets 60 s itself;
- a `timeouts.request` or `timeouts.backendRequest` below the stream budget `max-stream`
  (900 s by default, set once in the configuration), on any class.

For a route to an app that answers only after its own LLM call, the cap is judged against
that call's wait instead: a cap the app's own timeout comes before is not reported.

## Why is this bad
Gateway API timeouts bound the whole exchange, not the silence between chunks: a streamed
answer that takes longer is cut mid-stream. Envoy's route timeout defaults to 15 seconds, which
Envoy documents as "not compatible with streaming responses"; Envoy Gateway and kgateway apply
it to routes that set no `timeouts.request`.

## Fix safety
No fix: the right cap is a decision (`"0s"` disables it).

## References
- Gateway API GEP-1742 (HTTPRoute timeouts)
- Gateway API Inference Extension: `InferencePool`, body-based routing (`pkg/bbr`)
- Envoy route `timeout` (default 15s)
- Envoy AI Gateway API, `AIGatewayRouteRule.timeouts` (default 60s request timeout)
""",
)
