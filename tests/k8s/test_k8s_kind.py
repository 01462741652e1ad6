"""The Kubernetes kind: Helm templates read without Helm, values resolved from values.yaml,
context from the manifests around a file, and no crash on odd shapes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import codes_and_lines, lint, streamproof

from linter.k8s.helm import Resolved, render, resolve


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_rendering_keeps_every_offset_and_line_break() -> None:
    template = (
        "metadata:\n"
        '  name: {{ include "x.fullname" . }}\n'
        "  {{- with .Values.ingress.annotations }}\n"
        "  annotations:\n"
        "    {{- toYaml . | nindent 4 }}\n"
        "  {{- end }}\n"
    )
    rendered = render(template)
    assert len(rendered.text) == len(template)
    assert [i for i, c in enumerate(rendered.text) if c == "\n"] == [
        i for i, c in enumerate(template) if c == "\n"
    ]
    assert "{{" not in rendered.text
    inline = [a for a in rendered.actions if a.inline]
    assert [a.expression for a in inline] == ['include "x.fullname" .']
    to_yaml = [a for a in rendered.actions if a.resolved.to_yaml]
    assert to_yaml[0].resolved.values == ("ingress", "annotations")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (".Values.ingress.readTimeout | quote", Resolved(values=("ingress", "readTimeout"))),
        ("$.Values.a.b", Resolved(values=("a", "b"))),
        (
            '.Values.a.timeout | default "600" | quote',
            Resolved(values=("a", "timeout"), default="600"),
        ),
        ('default "600" .Values.a.timeout', Resolved(values=("a", "timeout"), default="600")),
        ('"300"', Resolved(literal="300")),
        ('include "chart.fullname" .', Resolved(chart_name=True)),
        ('printf "%s-%s" .Release.Name .Chart.Name', Resolved()),
        (".Release.Name", Resolved()),
    ],
)
def test_pipelines_resolve_to_values_literals_or_unknown(
    expression: str, expected: Resolved
) -> None:
    assert resolve(expression, Resolved(values=()), {}) == expected


def test_with_scopes_and_variables_resolve_relative_names() -> None:
    rendered = render(
        "{{- $port := .Values.service.port -}}\n"
        "{{- with .Values.ingress }}\n"
        "a: {{ .timeout }}\n"
        "b: {{ $port }}\n"
        "{{- end }}\n"
        "c: {{ .timeout }}\n"
    )
    inline = {a.line: a.resolved.values for a in rendered.actions if a.inline}
    assert inline == {2: ("ingress", "timeout"), 3: ("service", "port"), 5: ("timeout",)}


def test_a_value_from_values_yaml_is_reported_and_fixed_there(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
            "chart/values.yaml": "ingress:\n  timeout: 600s\n",
            "chart/templates/ingress.yaml": """\
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: api
                  annotations:
                    nginx.ingress.kubernetes.io/proxy-read-timeout: {{ .Values.ingress.timeout | quote }}
                spec:
                  defaultBackend:
                    service:
                      name: litellm
                      port:
                        number: 4000
                """,
        },
    )
    result = lint([tmp_path], cwd=tmp_path)
    found = [(Path(f.path).name, f.code, f.line) for f in result.findings]
    assert found == [("values.yaml", "KUB001", 2)]
    assert "`.Values.ingress.timeout`, set at values.yaml:2" in result.findings[0].message
    lint([tmp_path], cwd=tmp_path, fix=True)
    assert (tmp_path / "chart/values.yaml").read_text() == 'ingress:\n  timeout: "600"\n'
    # The template itself is never edited.
    assert (
        "{{ .Values.ingress.timeout | quote }}"
        in (tmp_path / "chart/templates/ingress.yaml").read_text()
    )


def test_a_template_that_is_not_yaml_after_blanking_is_an_info_and_exit_zero(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
            "chart/templates/ingress.yaml": """\
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: x
                  annotations: {{ toYaml .Values.annotations }}
                    extra: value
                """,
        },
    )
    proc = streamproof("check", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"KUB000"' in proc.stdout and '"info"' in proc.stdout


INGRESS = """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: vllm
    spec:
      ingressClassName: nginx
      rules:
        - http:
            paths:
              - path: /v1/completions
                pathType: Prefix
                backend:
                  service:
                    name: vllm
                    port:
                      number: 8000
    """
CONTROLLER = """\
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: ingress-nginx-controller
      namespace: ingress-nginx
    data:
      proxy-read-timeout: "900"
    """


def test_one_file_run_sees_the_controller_configmap_beside_it(tmp_path: Path) -> None:
    _write(tmp_path, {"k8s/ingress.yaml": INGRESS, "k8s/controller.yaml": CONTROLLER})
    whole = lint([tmp_path], cwd=tmp_path)
    one = lint([tmp_path / "k8s/ingress.yaml"], cwd=tmp_path)
    assert codes_and_lines(whole.findings) == codes_and_lines(one.findings) == []
    (tmp_path / "k8s/controller.yaml").unlink()
    alone = lint([tmp_path / "k8s/ingress.yaml"], cwd=tmp_path)
    assert codes_and_lines(alone.findings) == [("KUB002", 10)]
    assert "ingress-nginx's default 60" in alone.findings[0].message


@pytest.mark.parametrize(
    "body",
    [
        "spec: []\n",
        "spec:\n  rules: 3\n",
        "spec:\n  rules:\n    - http:\n        paths: {a: b}\n",
        "metadata:\n  annotations: [a, b]\nspec: {}\n",
        "metadata:\n  annotations:\n    ? [x]\n    : y\nspec: {}\n",
        "metadata: &m\n  name: *m\n",
        "spec:\n  defaultBackend:\n    service: null\n",
    ],
)
def test_odd_shapes_never_crash(tmp_path: Path, body: str) -> None:
    (tmp_path / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n" + body
    )
    result = lint([tmp_path], cwd=tmp_path)
    assert not [f for f in result.findings if f.code.startswith("SP9")], result.findings


def test_other_yaml_is_not_claimed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
            "workflow.yml": "on: push\njobs: {}\n",
            "notes.yaml": "kind: Ingress\n",  # no apiVersion: not a manifest
        },
    )
    from linter import kinds

    for name in ("deploy.yaml", "workflow.yml", "notes.yaml"):
        data = (tmp_path / name).read_bytes()
        assert kinds.classify(name, data, kinds.claims_by_name(name)) != "k8s"


def test_an_ingress_of_another_controller_is_not_judged_by_nginx_defaults(
    tmp_path: Path,
) -> None:
    """No class, no nginx annotation, no ingress-nginx config: Traefik, ALB or GCE may serve
    it, with other timeouts; with the class named, nginx's 60 s default applies."""
    _write(tmp_path, {"ingress.yaml": INGRESS.replace("      ingressClassName: nginx\n", "")})
    assert lint([tmp_path], cwd=tmp_path).findings == []
    _write(
        tmp_path,
        {"ingress.yaml": INGRESS.replace("ingressClassName: nginx", "ingressClassName: traefik")},
    )
    assert lint([tmp_path], cwd=tmp_path).findings == []
    _write(tmp_path, {"ingress.yaml": INGRESS})
    found = lint([tmp_path], cwd=tmp_path).findings
    assert [f.code for f in found] == ["KUB002"]


def test_a_chart_template_named_tpl_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: x\nversion: 1.0.0\n",
            "chart/values.yaml": "timeout: 600s\n",
            "chart/templates/_helpers.tpl": '{{- define "x.name" -}}x{{- end }}\n',
            "chart/templates/ingress/llm.tpl": """\
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: llm
                  annotations:
                    nginx.ingress.kubernetes.io/proxy-read-timeout: {{ .Values.timeout | quote }}
                spec:
                  defaultBackend:
                    service:
                      name: ollama
                      port:
                        number: 11434
                """,
        },
    )
    found = lint([tmp_path], cwd=tmp_path).findings
    assert [(Path(f.path).name, f.code) for f in found] == [("values.yaml", "KUB001")]


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        ("{{ $k }}: {{ $v | quote }}", True),
        ("{{ $k }}: {{ quote $v }}", True),
        ("{{ $k }}: {{ tpl $v $ | quote }}", True),
        ("{{ $k }}: {{ $v }}", True),
        ('{{ $k }}: {{ printf "%s-x" $v | quote }}', False),
        ("{{ $v }}: {{ $k }}", False),
        ("{{ $k }}-x: {{ $v }}", False),
    ],
)
def test_a_range_over_a_values_map_writes_it_as_toyaml_only_when_it_writes_its_pairs(
    line: str, pairs: bool
) -> None:
    template = (
        "metadata:\n"
        "  annotations:\n"
        "    {{- range $k, $v := .Values.ingress.annotations }}\n"
        f"    {line}\n"
        "    {{- end }}\n"
    )
    rendered = render(template)
    opener = rendered.actions[0]
    assert opener.expression.startswith("range")
    if pairs:
        assert opener.resolved == Resolved(values=("ingress", "annotations"), to_yaml=True)
        assert rendered.in_map_range(template.index(line))
    else:
        assert opener.resolved.unknown
        assert not rendered.in_map_range(template.index(line))


def test_a_range_with_two_lines_in_its_body_is_not_a_map() -> None:
    template = (
        "  annotations:\n"
        "    {{- range $k, $v := .Values.a }}\n"
        "    {{ $k }}: {{ $v }}\n"
        "    x-{{ $k }}: {{ $v }}\n"
        "    {{- end }}\n"
    )
    assert render(template).map_ranges == []


GATEWAY_OF_UNKNOWN_CLASS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
spec:
  gatewayClassName: platform
"""
ENVOY_POLICY = """\
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: {kind}
metadata:
  name: edge-policy
spec:
  targetRef:
    group: gateway.networking.k8s.io
    kind: {target_kind}
    name: {target}
{body}"""
MODEL_ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: chat
spec:
  parentRefs:
    - name: edge
  rules:
    - backendRefs:
        - name: vllm
          port: 8000
"""


ROUTE_TO_NAMESPACED_GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: chat
spec:
  parentRefs:
    - name: edge
      namespace: {namespace}
  rules:
    - backendRefs:
        - name: vllm
          port: 8000
"""


@pytest.mark.parametrize(
    ("namespace", "gateway", "expected"),
    [
        ("envoy-gateway-system", None, [("KUB004", 10)]),
        ("kgateway-system", None, [("KUB004", 10)]),
        ("gateways", None, []),  # a namespace that names no controller: the class is unknown
        # The Gateway is in the repository with a class of unknown controller: what the
        # repository says of it wins over the namespace's name.
        ("envoy-gateway-system", GATEWAY_OF_UNKNOWN_CLASS, []),
    ],
)
def test_a_gateway_outside_the_repository_is_known_by_its_controllers_namespace(
    tmp_path: Path, namespace: str, gateway: str | None, expected: list
) -> None:
    files = {"gw/route.yaml": ROUTE_TO_NAMESPACED_GATEWAY.format(namespace=namespace)}
    if gateway is not None:
        files["gw/gateway.yaml"] = gateway
    _write(tmp_path, files)
    result = lint([tmp_path], cwd=tmp_path)
    assert codes_and_lines(result.findings) == expected


@pytest.mark.parametrize(
    ("kind", "target_kind", "target", "body", "expected"),
    [
        ("EnvoyPatchPolicy", "Gateway", "edge", "  type: JSONPatch\n", [("KUB004", 9)]),
        ("SecurityPolicy", "Gateway", "other", "  cors: {}\n", []),  # another Gateway's
        # A BackendTrafficPolicy's timeout replaces Envoy's 15 s, on the Gateway or the route.
        ("BackendTrafficPolicy", "Gateway", "edge", "  timeout:\n    http: {}\n", []),
        ("BackendTrafficPolicy", "HTTPRoute", "chat", "  timeout:\n    http: {}\n", []),
        ("BackendTrafficPolicy", "Gateway", "edge", "  retry: {}\n", [("KUB004", 9)]),
    ],
)
def test_an_envoy_gateway_policy_on_a_gateway_says_its_class_is_envoy_gateway(
    tmp_path: Path, kind: str, target_kind: str, target: str, body: str, expected: list
) -> None:
    """The GatewayClass is installed outside the repository: a policy of Envoy Gateway's own
    API attached to the Gateway (in a file beside the route) says who serves it."""
    policy = ENVOY_POLICY.format(kind=kind, target_kind=target_kind, target=target, body=body)
    _write(
        tmp_path,
        {
            "gw/gateway.yaml": GATEWAY_OF_UNKNOWN_CLASS,
            "gw/policy.yaml": policy,
            "gw/route.yaml": MODEL_ROUTE,
        },
    )
    whole = lint([tmp_path], cwd=tmp_path)
    one = lint([tmp_path / "gw/route.yaml"], cwd=tmp_path)
    assert codes_and_lines(whole.findings) == codes_and_lines(one.findings) == expected
    (tmp_path / "gw/policy.yaml").unlink()
    assert lint([tmp_path], cwd=tmp_path).findings == []
