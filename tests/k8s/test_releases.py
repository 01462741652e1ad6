"""A chart of the tree installed by a Flux HelmRelease or an Argo CD Application: its Ingresses
rendered with the release's values over values.yaml, and reported in the release file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint

CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: gateway\nversion: 1.0.0\n",
    "chart/values.yaml": (
        "service:\n  port: 8080\ningress:\n  enabled: false\n  className: ''\n"
        "  annotations:\n    team: llm\n"
    ),
    "chart/templates/ingress.yaml": """\
        {{- if .Values.ingress.enabled -}}
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: {{ .Release.Name }}
          {{- with .Values.ingress.annotations }}
          annotations:
            {{- toYaml . | nindent 4 }}
          {{- end }}
        spec:
          ingressClassName: {{ .Values.ingress.className }}
          rules:
            - http:
                paths:
                  - path: /v1/chat/completions
                    pathType: Prefix
                    backend:
                      service:
                        name: {{ .Release.Name }}
                        port:
                          number: {{ .Values.service.port }}
        {{- end }}
        """,
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_argo_values_string_is_read_and_reported_at_its_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "apps/app.yaml": """\
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata:
                  name: chat
                spec:
                  source:
                    path: chart
                    helm:
                      values: |
                        ingress:
                          enabled: true
                          className: nginx
            """,
        },
    )
    result = lint([tmp_path], cwd=tmp_path, select=["KUB002"])
    [finding] = result.findings
    assert (Path(finding.path).name, finding.line, finding.column) == ("app.yaml", 9, 7)
    assert finding.message.startswith(
        "Ingress `gateway (chart ../chart rendered with the values of Application `chat`)`: its "
        "proxy read timeout is 60 s, from ingress-nginx's default 60."
    )
    assert finding.message.endswith("because its path /v1/chat/completions is a streaming endpoint")


def test_annotations_merged_with_the_charts_are_unknown(tmp_path: Path) -> None:
    """The release and values.yaml both write annotations: Helm merges the two maps, which
    is not modelled, so the timeout is unknown and nothing is reported."""
    write(
        tmp_path,
        {
            **CHART,
            "release.yaml": """\
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata:
                  name: chat
                spec:
                  chart:
                    spec:
                      chart: ./chart
                  values:
                    ingress:
                      enabled: true
                      className: nginx
                      annotations:
                        owner: me
            """,
        },
    )
    assert lint([tmp_path], cwd=tmp_path, select=["KUB002"]).findings == []


def test_a_unit_in_the_release_values_is_fixed_there(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **{k: v for k, v in CHART.items() if k != "chart/values.yaml"},
            "chart/values.yaml": "ingress:\n  enabled: false\n",
            "release.yaml": """\
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata:
                  name: chat
                spec:
                  chart:
                    spec:
                      chart: ./chart
                  values:
                    ingress:
                      enabled: true
                      className: nginx
                      annotations:
                        nginx.ingress.kubernetes.io/proxy-read-timeout: "600s"
            """,
        },
    )
    [finding] = lint([tmp_path], cwd=tmp_path, select=["KUB001"]).findings
    assert (Path(finding.path).name, finding.line, finding.column) == ("release.yaml", 14, 57)
    assert finding.fix is not None
    lint([tmp_path], cwd=tmp_path, select=["KUB001"], fix=True)
    assert 'proxy-read-timeout: "600"\n' in (tmp_path / "release.yaml").read_text()
    assert lint([tmp_path], cwd=tmp_path, select=["KUB001", "KUB002"]).findings == []


def test_values_from_elsewhere_leave_the_release_unread(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "release.yaml": """\
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata:
                  name: chat
                spec:
                  chart:
                    spec:
                      chart: ./chart
                  valuesFrom:
                    - kind: ConfigMap
                      name: chat-values
                  values:
                    ingress:
                      enabled: true
                      className: nginx
            """,
        },
    )
    assert lint([tmp_path], cwd=tmp_path, select=["KUB002"]).findings == []


OVERLAY = "ingress:\n  enabled: true\n  className: nginx\n"


def test_a_values_overlay_of_a_chart_of_the_tree_is_read_over_values_yaml(tmp_path: Path) -> None:
    """chart-testing's ci/*-values.yaml and an overlay beside values.yaml turn the Ingress on:
    each is a release of the chart with its own values, reported at its `ingress:` key."""
    write(
        tmp_path,
        {**CHART, "chart/ci/public-values.yaml": OVERLAY, "chart/values-prod.yaml": OVERLAY},
    )
    result = lint([tmp_path], cwd=tmp_path, select=["KUB002"])
    assert sorted((Path(f.path).name, f.line) for f in result.findings) == [
        ("public-values.yaml", 1),
        ("values-prod.yaml", 1),
    ]
    # One file alone, as pre-commit passes it, gives the same.
    alone = lint([tmp_path / "chart/ci/public-values.yaml"], cwd=tmp_path, select=["KUB002"])
    assert [(Path(f.path).name, f.line) for f in alone.findings] == [("public-values.yaml", 1)]


def test_a_values_file_away_from_a_chart_is_not_read(tmp_path: Path) -> None:
    """A values file whose chart is elsewhere (a Helm repository's) names no chart of the
    tree; one named like no overlay is not taken for one."""
    write(
        tmp_path,
        {
            **CHART,
            "deploy/values-prod.yaml": OVERLAY,
            "chart/ingress-on.yaml": OVERLAY,
            "chart/other/ci/x-values.yaml": OVERLAY,
        },
    )
    assert lint([tmp_path], cwd=tmp_path, select=["KUB002"]).findings == []
