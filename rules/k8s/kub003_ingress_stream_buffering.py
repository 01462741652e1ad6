"""KUB003 ingress-stream-buffering: response buffering on an Ingress route to an LLM backend."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.k8s.model import COMMUNITY, NGINX_INC, K8sDocument
from linter.k8s.signals import app_address
from linter.model import Applicability, Finding, Severity
from linter.registry import Rule
from rules.k8s._common import effective, ingress_label, nginx_inc, report, string_edit
from rules.k8s.kub002_ingress_stream_read_timeout import streaming_paths


def check(document: K8sDocument, settings: Settings) -> Iterator[Finding]:
    for ingress in document.own.ingresses:
        # An app that sends `X-Accel-Buffering: no` with every stream is not buffered.
        routes = [
            (item, evidence)
            for item, evidence in streaming_paths(ingress, document)
            if app_address(item) not in document.unbuffered_backends
        ]
        if not routes:
            continue
        item, evidence = routes[0]
        if ingress.controller == "nginx-inc":
            found = nginx_inc(document, ingress, "proxy-buffering", "True")
            if found.text is None or found.text.strip() in (
                "False",
                "false",
                "FALSE",
                "f",
                "F",
                "0",
            ):
                continue
            if found.text.strip() in ("True", "true", "TRUE", "t", "T", "1"):
                problem = f"buffering is on: {found.origin}"
            else:
                problem = (
                    f'`{NGINX_INC}proxy-buffering` is "{found.text}", which the NGINX Inc. '
                    'controller does not read as a boolean ("True"/"False"), so its default, '
                    "buffering on, stays"
                )
            replacement, key = "False", NGINX_INC + "proxy-buffering"
        else:
            found = effective(document, ingress, "proxy-buffering", "off")
            if found.text is None or found.text.strip().lower() != "on":
                continue
            problem = f"buffering is on: {found.origin}"
            replacement, key = "off", COMMUNITY + "proxy-buffering"
        value = found.value
        own = value is not None and value.path in document.files
        where = value if own and value is not None else item.where
        fix = None
        if own and value is not None and ingress.annotation(key) is not None:
            edit = string_edit(document, value, replacement)
            if edit is not None:
                fix = RULE.make_fix([edit], f'set {key} to "{replacement}"')
        yield report(
            RULE,
            document,
            where,
            f"{ingress_label(document, ingress)}: {problem}. The controller's nginx collects the "
            f"backend's response before passing it on, so a streamed answer arrives in one "
            f'burst at the end (unless the backend sends `X-Accel-Buffering: no`). Set `{key}: "'
            f'{replacement}"`. The route is a streaming route because {evidence}',
            fix=fix,
        )


RULE = Rule(
    code="KUB003",
    name="ingress-stream-buffering",
    kind="k8s",
    summary="response buffering on an Ingress route to an LLM backend",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
On an Ingress that routes to an LLM or SSE backend (see KUB002 for the evidence), reports
response buffering in effect. For the community ingress-nginx controller, buffering is off by
default: it is reported when the `nginx.ingress.kubernetes.io/proxy-buffering` annotation, or
the controller ConfigMap's `proxy-buffering` in the repository, says `"on"`. The NGINX Inc.
controller buffers by default: an Ingress with its `nginx.org/` annotations is reported unless
`nginx.org/proxy-buffering` is `"False"`, including when it holds a value that controller does
not read as a boolean (`"off"`). An Ingress with neither controller's annotations is judged as
the community controller's.

## Why is this bad
With buffering on, nginx reads the backend's response into its buffers before sending it on:
the tokens of a streamed answer reach the user in one piece at the end.

## Fix safety
Safe: an annotation the Ingress (or its chart's values) sets is rewritten in place (`"on"` ->
`"off"`, `nginx.org/proxy-buffering` -> `"False"`). A buffering default or a ConfigMap value
gets no fix here: turning it off for every Ingress of the controller is a wider change.

## References
- ingress-nginx annotations: `proxy-buffering` (default off)
- NGINX Inc. Ingress controller: `nginx.org/proxy-buffering` (default True)
""",
)
