"""What the Kubernetes rules look at: the routes a manifest declares and the settings that
apply to them, each value with the file and span it is written at (or unknown).

A value from a Helm chart points at ``values.yaml`` when that is where it is written, so a
finding and its fix land where the user changes it. A template expression that cannot be
resolved is *unknown*: rules stay silent on it rather than assume a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

from linter.document import Document
from linter.litellm.model import YamlFile

if TYPE_CHECKING:
    from linter.server.kubefronts import FrontRoute

# Annotation prefixes of the two NGINX-based controllers: they read different keys with
# different value syntax and different defaults, and must never be confused.
COMMUNITY = "nginx.ingress.kubernetes.io/"
NGINX_INC = "nginx.org/"


@dataclass(frozen=True)
class Value:
    """A setting as written: ``text`` is None when it is a template expression we could not
    resolve. ``node`` is the scalar holding it (for fixes), in the file at ``path``."""

    text: str | None
    path: str
    start: int
    end: int
    node: Node | None = None
    # Where it comes from, for messages: "set at values.yaml:12", "the template's default".
    origin: str = ""
    # An edit may rewrite it in place (a plain scalar of a manifest or of values.yaml).
    editable: bool = False
    line: int = 0  # 1-based line of ``start`` in its file

    def _replace_origin(self, origin: str) -> Value:
        return replace(self, origin=origin)

    @property
    def known(self) -> bool:
        return self.text is not None

    @property
    def scalar(self) -> ScalarNode | None:
        return self.node if isinstance(self.node, ScalarNode) else None


@dataclass
class IngressPath:
    """One ``spec.rules[].http.paths[]`` entry (or the default backend)."""

    path: Value | None
    service: Value | None
    port: Value | None
    # Where to report about the route as a whole: the path entry.
    where: Value


@dataclass
class Ingress:
    name: str
    file: str
    where: Value  # metadata.name (or the document start)
    annotations: dict[str, tuple[Value, Value]]  # name -> (key, value)
    # An annotation block we could not resolve (an unresolved `toYaml`): any annotation may
    # be set there, so an absent one is unknown, not the default.
    annotations_unknown: bool
    class_name: Value | None
    hosts: list[str]
    paths: list[IngressPath]
    # Helm: the chart's name, which the release's resource names usually carry.
    chart: str = ""
    # Helm: the values key of the map the annotations are written from (`ingress.annotations`
    # in values.yaml), where an annotation the Ingress lacks is added.
    annotations_from: Value | None = None
    # A kustomize patch merged over its base Ingress (linter/k8s/kustomize.py): the base's file.
    patched_from: str = ""
    # The values of a chart that is not in the tree, whose known template renders this
    # Ingress (linter/k8s/remotecharts.py): which chart, and how the values say so.
    rendered_by: str = ""

    def annotation(self, name: str) -> tuple[Value, Value] | None:
        return self.annotations.get(name)

    def served_by_nginx(self, configs_in_repository: bool) -> str | None:
        """Why an NGINX-based controller serves this Ingress (its class names nginx, it
        carries either controller's annotations, or the repository configures ingress-nginx),
        or None: another controller (Traefik, ALB, GCE) has other timeouts and buffering, so
        nginx's defaults must not be assumed."""
        class_name = self.class_name.text if self.class_name is not None else None
        if class_name and "nginx" in class_name.lower():
            return f"its class is `{class_name}`"
        for key in self.annotations:
            if key.startswith((COMMUNITY, NGINX_INC)):
                return f"it carries `{key}`"
        if configs_in_repository:
            return "the repository configures the ingress-nginx controller"
        return None

    @property
    def controller(self) -> str:
        """ "nginx-inc" when any nginx.org/ annotation is present, "community" when any
        nginx.ingress.kubernetes.io/ one is (or neither: the common default)."""
        if any(key.startswith(NGINX_INC) for key in self.annotations) and not any(
            key.startswith(COMMUNITY) for key in self.annotations
        ):
            return "nginx-inc"
        return "community"


@dataclass
class ControllerConfig:
    """The ingress-nginx controller ConfigMap (or a chart's ``controller.config`` values):
    defaults for every Ingress the controller serves."""

    name: str
    file: str
    data: dict[str, tuple[Value, Value]]  # key -> (key, value)


@dataclass
class RouteRule:
    """One ``spec.rules[]`` entry of an HTTPRoute."""

    where: Value
    paths: list[str]
    backends: list[tuple[str, str]]  # (service name, port)
    request_timeout: Value | None
    backend_timeout: Value | None
    # backendRefs of kind InferencePool (Gateway API Inference Extension): pools of model
    # servers, by name.
    pools: list[str] = field(default_factory=list)
    # Header matches on the model a request asks for (header name, value), as the Inference
    # Extension's body-based router writes it from the request body's `model`.
    model_headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class HTTPRoute:
    name: str
    file: str
    where: Value
    parents: list[str]  # Gateway names of parentRefs
    hostnames: list[str]
    rules: list[RouteRule]
    # "AIGatewayRoute": Envoy AI Gateway's route (aigateway.envoyproxy.io), from which its
    # controller generates an HTTPRoute of the same name; its rules have the same `timeouts`.
    kind: str = "HTTPRoute"
    # parentRef name -> the namespace it names (`parentRefs[].namespace`), where written: a
    # Gateway outside the repository is still known by the namespace its controller runs in.
    parent_namespaces: dict[str, str] = field(default_factory=dict)


@dataclass
class Gateway:
    name: str
    file: str
    class_name: str | None


@dataclass
class GatewayClass:
    name: str
    file: str
    controller: str | None


@dataclass
class EnvoyPolicy:
    """A policy of Envoy Gateway's own API (``gateway.envoyproxy.io``: EnvoyPatchPolicy,
    BackendTrafficPolicy, ...) attached to a Gateway or a route: only Envoy Gateway reads it."""

    kind: str
    file: str
    line: int
    targets: list[tuple[str, str]]  # (target kind, target name)
    # A BackendTrafficPolicy's `spec.timeout`: it sets the route timeout of what it targets.
    sets_timeout: bool


@dataclass
class ChartContainer:
    """A container of a Helm chart's workload (Deployment, StatefulSet, ...), as the chart's
    values render it: what says which app it runs, and the ports a route may reach it on."""

    workload: str  # "Deployment `api`"
    file: str
    line: int  # 1-based line of the container entry
    image: str  # as rendered for evidence (values resolved, the rest left out)
    ports: list[Value]  # its `containerPort`s
    env: list[tuple[str, int]]  # (variable name, 1-based line)


@dataclass
class ManifestSet:
    """What one file (or one Helm chart) declares."""

    ingresses: list[Ingress] = field(default_factory=list)
    configs: list[ControllerConfig] = field(default_factory=list)
    routes: list[HTTPRoute] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    classes: list[GatewayClass] = field(default_factory=list)
    containers: list[ChartContainer] = field(default_factory=list)
    envoy_policies: list[EnvoyPolicy] = field(default_factory=list)

    def extend(self, other: ManifestSet) -> None:
        self.ingresses += other.ingresses
        self.configs += other.configs
        self.routes += other.routes
        self.gateways += other.gateways
        self.classes += other.classes
        self.containers += other.containers
        self.envoy_policies += other.envoy_policies


@dataclass
class K8sDocument(Document):
    """The manifests of one unit, plus the controller ConfigMaps, gateways and gateway classes
    found in the other manifests of the run (the context they are served in)."""

    files: dict[str, YamlFile] = field(default_factory=dict)
    own: ManifestSet = field(default_factory=ManifestSet)
    context: ManifestSet = field(default_factory=ManifestSet)
    # Helm templates: the original text is in ``sources``; these files were read after a
    # static rendering and cannot be edited by a fix.
    templates: frozenset[str] = frozenset()
    cache: dict[str, object] = field(default_factory=dict)
    # Services of the cluster around the manifest whose app streams (linter/server/
    # kubebackends.py): (name, port) -> why; and those whose every stream sends
    # `X-Accel-Buffering: no` itself.
    app_backends: dict[tuple[str, str], str] = field(default_factory=dict)
    unbuffered_backends: set[tuple[str, str]] = field(default_factory=set)
    # Helm: the values a chart's container ports are written from, (values file, offset) of
    # the scalar -> why the app of that container streams (linter/k8s/chartapps.py).
    chart_apps: dict[tuple[str, int], str] = field(default_factory=dict)
    # Services whose app does not stream but answers only after an LLM call of its own
    # (kubebackends.kubernetes_llm_callers): a read timeout in front counts, buffering does not.
    # (name, port) -> (why, how long the app waits on its call, in seconds).
    llm_callers: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    # (Service name, port) -> the locations of the nginx its workload runs that proxy to an
    # LLM backend of the cluster (linter/server/kubefronts.py): a route to it reaches them.
    front_backends: dict[tuple[str, str], tuple[FrontRoute, ...]] = field(default_factory=dict)

    def all_configs(self) -> list[ControllerConfig]:
        return self.own.configs + self.context.configs

    def all_gateways(self) -> list[Gateway]:
        return self.own.gateways + self.context.gateways

    def all_classes(self) -> list[GatewayClass]:
        return self.own.classes + self.context.classes

    def all_envoy_policies(self) -> list[EnvoyPolicy]:
        return self.own.envoy_policies + self.context.envoy_policies

    def display(self, path: str) -> str:
        """A path for messages: relative to the main file's folder when below it."""
        import os

        base = os.path.dirname(self.source.path)
        relative = os.path.relpath(path, base)
        return path if relative.startswith("..") else relative

    def line_of(self, value: Value) -> int:
        if value.line:
            return value.line
        source = self.sources.get(value.path)
        return source.position(value.start)[0] if source is not None else 0
