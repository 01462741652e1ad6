"""KUB000 parse-error: a manifest that is not YAML, or a Helm template we cannot read."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.k8s.model import K8sDocument
from linter.model import Finding, Severity
from linter.registry import Rule


def check(document: K8sDocument, settings: Settings) -> Iterator[Finding]:
    return RULE.report_problems(document)


RULE = Rule(
    code="KUB000",
    name="parse-error",
    kind="k8s",
    summary="a Kubernetes manifest that is not valid YAML (or a Helm template read statically)",
    severity=Severity.ERROR,
    fix=None,
    doc="""\
## What it does
Reports a Kubernetes manifest (an Ingress, an HTTPRoute, a controller ConfigMap) that is not
valid YAML, with the line and column PyYAML gives. A Helm template is read without Helm: its
`{{ ... }}` actions are blanked and their values looked up in the chart's `values.yaml`; when
what is left is still not YAML (a template that builds YAML keys from loops, say), an `info`
finding says that its routes were not checked, and the exit status does not change.

## Why is this bad
A manifest that does not parse is refused by `kubectl apply`; for a Helm template it only means
streamproof could not look inside without rendering it.

## Fix safety
No fix.

## References
- Helm template guide: https://helm.sh/docs/chart_template_guide/
""",
    check=check,
)
