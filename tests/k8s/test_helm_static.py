"""Helm templates read without Helm (linter/k8s/helm.py): named templates resolved when their
body is one value, and the ``if``/``with`` blocks recorded with their conditions."""

from __future__ import annotations

from linter.k8s.helm import defines, render

HELPERS = """\
{{/* A comment. */}}
{{- define "app.port" -}}
{{ .Values.service.port }}
{{- end }}
{{- define "app.root" -}}{{ $.Values.service.port }}{{- end }}
{{- define "app.word" -}}gunicorn{{- end }}
{{- define "app.alias" -}}{{- include "app.port" . -}}{{- end }}
{{- define "app.choice" -}}
{{- if .Values.long }}3600{{ else }}60{{ end }}
{{- end }}
{{- define "app.mixed" -}}{{ .Values.a }}-{{ .Values.b }}{{- end }}
"""


def resolved(text: str) -> list[tuple[tuple[str, ...] | None, str | None]]:
    return [(a.resolved.values, a.resolved.literal) for a in render(text, defines(HELPERS)).actions]


def test_a_named_template_of_one_value_resolves_as_that_value() -> None:
    assert resolved('a: {{ include "app.port" . }}') == [(("service", "port"), None)]
    assert resolved('a: {{ include "app.port" $ }}') == [(("service", "port"), None)]
    assert resolved('a: {{ template "app.word" . }}') == [(None, "gunicorn")]
    assert resolved('a: {{ include "app.alias" . | quote }}') == [(("service", "port"), None)]


def test_a_named_template_that_is_not_one_value_is_unknown() -> None:
    found = defines(HELPERS)
    assert "app.choice" not in found  # a block inside: not modelled
    assert resolved('a: {{ include "app.choice" . }}') == [(None, None)]
    assert resolved('a: {{ include "app.mixed" . }}') == [(None, None)]
    assert resolved('a: {{ include "missing" . }}') == [(None, None)]
    # `.` bound to a dict is not the chart's root; `$` still is.
    assert resolved('a: {{ include "app.port" (dict "x" 1) }}') == [(None, None)]
    assert resolved('a: {{ include "app.root" (dict "x" 1) }}') == [(("service", "port"), None)]


def test_blocks_keep_their_conditions_and_else_branches() -> None:
    text = (
        "{{- if not .Values.a.off }}\n"
        "x: 1\n"
        "{{- else }}\n"
        "y: 2\n"
        "{{- end }}\n"
        "{{- with .Values.b }}\n"
        "z: {{ . }}\n"
        "{{- end }}\n"
    )
    rendered = render(text)
    first, second = rendered.blocks
    assert (first.keyword, first.negated, first.condition.values) == ("if", True, ("a", "off"))
    assert text[first.else_start :].startswith("{{- else }}")
    assert (second.keyword, second.condition.values, second.else_start) == ("with", ("b",), -1)
    assert [b.keyword for b in rendered.enclosing(text.index("z:"))] == ["with"]
    assert rendered.enclosing(text.index("y:")) == [first]
