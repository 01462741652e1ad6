"""Kubernetes manifests as the stack reads them (linter.stack.kube): a Service joined with the
one workload its selector picks, DNS names, ConfigMap mounts, Traefik routes and the
Cloudflare edge only where the manifest says so."""

from __future__ import annotations

from linter.source import SourceText
from linter.stack.kube import read
from linter.stack.model import IngressRoute, Service

WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ai}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ghcr.io/berriai/litellm:main
          args: ["--config=/cfg/c.yaml"]
          volumeMounts: [{name: cfg, mountPath: /cfg}]
      volumes: [{name: cfg, configMap: {name: proxy}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: proxy, namespace: ai}
data:
  c.yaml: |
    model_list: []
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ai}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 4000}]
"""


def facts(*texts: str) -> list[Service | IngressRoute]:
    return read([SourceText(path=f"/repo/m{i}.yaml", text=t) for i, t in enumerate(texts)])


def test_a_service_takes_its_workload_names_ports_and_mounts() -> None:
    [service] = facts(WORKLOAD)
    assert isinstance(service, Service) and service.kubernetes and service.litellm
    assert service.aliases == ("api.ai", "api.ai.svc", "api.ai.svc.cluster.local")
    assert [p for p, _ in service.expose] == ["80", "4000"]
    assert [(local, target) for local, target, _ in service.volumes] == [
        ("/repo/m0.yaml", "/cfg/c.yaml")
    ]
    assert service.option("--config") is not None


def test_a_selector_picking_two_workloads_is_not_guessed() -> None:
    second = WORKLOAD.split("---")[0].replace("name: api, namespace", "name: api2, namespace")
    assert facts(WORKLOAD, second) == []


def test_traefik_routes_and_the_cloudflare_edge() -> None:
    route = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: pub
  annotations:
    external-dns.alpha.kubernetes.io/cloudflare-proxied: "true"
spec:
  routes:
    - match: Host(`a.example.org`)
      services: [{name: api, port: 80}]
"""
    [found] = facts(route)
    assert isinstance(found, IngressRoute)
    assert (found.service, found.port, found.read.none) == ("api", "80", True)
    assert found.edge is not None and found.edge.seconds == 100.0
    assert found.edge.place is not None and found.edge.place.line == 6
    off = facts(route.replace('"true"', '"false"'))
    assert isinstance(off[0], IngressRoute) and off[0].edge is None
    assert facts(route.replace("traefik.io/v1alpha1", "example.com/v1")) == []


def test_kustomize_namespaces_name_the_services_they_list() -> None:
    service = WORKLOAD.replace("namespace: ai", "namespace: ''")
    base = SourceText(
        path="/repo/base/kustomization.yaml", text="namespace: llm\nresources: [app.yaml]\n"
    )
    overlay = SourceText(
        path="/repo/overlays/dev/kustomization.yaml",
        text="namespace: llm-dev\nresources: [../../base]\n",
    )
    [found] = read([SourceText(path="/repo/base/app.yaml", text=service)], [base, overlay])
    assert isinstance(found, Service)
    assert "api.llm.svc.cluster.local" in found.aliases
    assert "api.llm-dev.svc.cluster.local" in found.aliases


def _deployment(image: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: ai}}
spec:
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers: [{{name: api, image: "{image}"}}]
"""


_SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ai}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8000}]
"""


def _at(*files: tuple[str, str]) -> list[Service]:
    found = read([SourceText(path=path, text=text) for path, text in files])
    return [f for f in found if isinstance(f, Service)]


def test_alternative_deployments_each_take_the_workload_beside_their_service() -> None:
    """k8s/, cloud/aks/ and cloud/gke/ deploy the same names (applied one at a time): each
    Service takes the workload of its own file, or else of its own folder."""
    services = _at(
        ("/repo/k8s/app.yaml", _deployment("api:latest") + "---\n" + _SERVICE),
        ("/repo/cloud/aks/deploy.yaml", _deployment("acr.io/api:1")),
        ("/repo/cloud/aks/service.yaml", _SERVICE),
        ("/repo/cloud/gke/app.yaml", _deployment("gcr.io/p/api:1") + "---\n" + _SERVICE),
    )
    assert {(s.path, s.image) for s in services} == {
        ("/repo/k8s/app.yaml", "api:latest"),
        ("/repo/cloud/aks/service.yaml", "acr.io/api:1"),
        ("/repo/cloud/gke/app.yaml", "gcr.io/p/api:1"),
    }


def test_two_workloads_beside_the_service_are_left_open() -> None:
    services = _at(
        ("/repo/k8s/service.yaml", _SERVICE),
        ("/repo/k8s/blue.yaml", _deployment("api:blue")),
        ("/repo/k8s/green.yaml", _deployment("api:green")),
    )
    assert services == []
    # Nor does a workload elsewhere decide it, when none is beside the Service.
    assert _at(("/repo/k8s/service.yaml", _SERVICE), ("/repo/a/d.yaml", _deployment("x")),
               ("/repo/b/d.yaml", _deployment("y"))) == []  # fmt: skip
