"""KUB001 ingress-timeout-unit: an ingress-nginx timeout written with a unit, which the
controller cannot read and silently replaces with its default."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.k8s.model import COMMUNITY, K8sDocument, Value
from linter.model import Applicability, Finding, Severity
from linter.registry import Rule
from rules.k8s._common import community_seconds, report, seconds_with_unit, string_edit

KEYS = ("proxy-read-timeout", "proxy-send-timeout", "proxy-connect-timeout")


def check(document: K8sDocument, settings: Settings) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for ingress in document.own.ingresses:
        for key in KEYS:
            found = ingress.annotation(COMMUNITY + key)
            if found is None:
                continue
            value = found[1]
            if value.path not in document.sources:
                continue  # a kustomize base's own value: its own file's run reports it
            fallback = _configmap_fallback(document, key)
            finding = _judge(document, value, f"annotation `{COMMUNITY + key}`", fallback, seen)
            if finding is not None:
                yield finding
    for config in document.own.configs:
        for key in KEYS:
            entry = config.data.get(key)
            if entry is None:
                continue
            default = "5" if key == "proxy-connect-timeout" else "60"
            fallback = f"the controller's built-in default ({default} s)"
            finding = _judge(document, entry[1], f"ConfigMap key `{key}`", fallback, seen)
            if finding is not None:
                yield finding


def _configmap_fallback(document: K8sDocument, key: str) -> str:
    for config in document.all_configs():
        entry = config.data.get(key)
        if entry is not None and entry[1].known and community_seconds(entry[1].text or ""):
            return (
                f"the controller ConfigMap's {entry[1].text} s "
                f"({document.display(entry[1].path)}:{document.line_of(entry[1])})"
            )
    if key == "proxy-connect-timeout":
        return "the controller's default (5 s)"
    return "the controller's default (60 s, unless its ConfigMap, not in this repository, sets one)"


def _judge(
    document: K8sDocument, value: Value, what: str, fallback: str, seen: set[tuple[str, int]]
) -> Finding | None:
    if not value.known or (value.path, value.start) in seen:
        return None
    text = value.text or ""
    if community_seconds(text) is not None:
        return None
    seen.add((value.path, value.start))
    seconds = seconds_with_unit(text)
    fix = None
    hint = 'Write a whole number of seconds, quoted (`"600"`)'
    if seconds is not None:
        hint = f'Write `"{seconds}"`'
        edit = string_edit(document, value, str(seconds))
        if edit is not None:
            fix = RULE.make_fix([edit], f'write {what} as "{seconds}" (seconds)')
    origin = f" ({value.origin})" if value.origin else ""
    return report(
        RULE,
        document,
        value,
        f'{what} is "{text}"{origin}: ingress-nginx reads it as a whole number of seconds '
        f"(strconv.Atoi), fails on the unit and ignores the value without an error, so "
        f"{fallback} applies instead. A stream silent for longer is cut with a 504. {hint}",
        fix=fix,
    )


RULE = Rule(
    code="KUB001",
    name="ingress-timeout-unit",
    kind="k8s",
    summary='an ingress-nginx timeout with a unit (`"600s"`): ignored, and 60 s applies',
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
    doc="""\
## What it does
Checks the community ingress-nginx controller's timeouts, as `nginx.ingress.kubernetes.io/`
annotations on an Ingress and as keys of the controller's ConfigMap: `proxy-read-timeout`,
`proxy-send-timeout` and `proxy-connect-timeout` must be a whole number of seconds (`"600"`).
A value with a unit (`"600s"`, `"10m"`) is reported, wherever it is written: in the manifest,
or in the `values.yaml` a Helm chart takes it from.

## Why is this bad
The controller reads these values with Go's `strconv.Atoi`. `"600s"` fails to parse, the
annotation is dropped without an error or event, and the timeout falls back to the ConfigMap's
value or the built-in 60 seconds: the very timeout the user meant to raise stays at 60 s, and
streams that pause longer (a slow first token, a reasoning model thinking) end in a 504.
The NGINX Inc. controller's `nginx.org/` annotations are different: they take nginx time
values with units, and this rule never reports them.

## Fix safety
Safe: a value with one certain unit (`s`, `m`, `h`, `d`, or nginx-style combinations that make
whole seconds) is rewritten as the same number of seconds, quoted (`"600s"` -> `"600"`).
Values that make no whole number of seconds get no fix.

## References
- ingress-nginx `internal/ingress/annotations/proxy/main.go` (`GetIntAnnotation`, falling back
  to the ConfigMap's default backend values)
- ingress-nginx docs, annotations: "the timeout in seconds"
""",
    check=check,
)
