"""Reading manifests (and Helm charts) into the model of ``linter.k8s.model``.

A plain manifest is composed as it is. A Helm template is rendered statically first
(``linter.k8s.helm``): its scalars that are template actions take their value from the chart's
``values.yaml`` (and point there), or are unknown.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Problem
from linter.k8s.helm import Action, Rendered, Resolved, is_template, render
from linter.k8s.model import (
    ChartContainer,
    ControllerConfig,
    Gateway,
    GatewayClass,
    HTTPRoute,
    Ingress,
    IngressPath,
    ManifestSet,
    RouteRule,
    Value,
)
from linter.litellm.model import YamlFile
from linter.litellm.yamltree import compose, is_null
from linter.model import Severity
from linter.source import SourceText


class Values:
    """A chart's values.yaml, looked up by path. A chart without values.yaml but with several
    values files (``values-production.yaml``, ``values-dev.yaml``: it is installed with one
    of them) gives a value only where every file agrees on it, and says so."""

    def __init__(
        self,
        yaml_file: YamlFile | None,
        others: list[YamlFile] | None = None,
        overlay: tuple[YamlFile, Node] | None = None,
    ) -> None:
        self.file = yaml_file
        self.root = _root(yaml_file)
        self.others = [(other, _root(other)) for other in others or []]
        # A release's values (a Flux HelmRelease's ``spec.values``, an Argo CD Application's
        # ``helm.valuesObject``): Helm merges them over the chart's values.
        self.overlay = overlay
        self._overlaid: set[int] = set()

    def lookup(self, path: tuple[str, ...]) -> Node | None:
        if self.overlay is not None:
            release, root = self.overlay
            found = _lookup(release, root, path)
            if found is not None:
                if isinstance(found, MappingNode):
                    below = self._lookup_chart(path)
                    if isinstance(below, MappingNode) and below.value:
                        return None  # two maps Helm would merge: not modelled
                self._overlaid.add(id(found))
                return found
        return self._lookup_chart(path)

    def key_of(self, path: tuple[str, ...], node: Node) -> tuple[YamlFile, Node] | None:
        """The key a node ``lookup(path)`` returned is written under, in its values file."""
        values_file = self.file_of(node)
        if values_file is None or not path:
            return None
        overlaid = self.overlay is not None and values_file is self.overlay[0]
        root = self.overlay[1] if self.overlay is not None and overlaid else _root(values_file)
        parent = _lookup(values_file, root, path[:-1])
        if not isinstance(parent, MappingNode):
            return None
        entry = values_file.items(parent).get(path[-1])
        return (values_file, entry.key) if entry is not None and entry.value is node else None

    def file_of(self, node: Node) -> YamlFile | None:
        """The values file a node returned by ``lookup`` is written in."""
        if self.overlay is not None and id(node) in self._overlaid:
            return self.overlay[0]
        return self.file

    def _lookup_chart(self, path: tuple[str, ...]) -> Node | None:
        node = _lookup(self.file, self.root, path)
        if not self.others or node is None:
            return node
        if not isinstance(node, ScalarNode):
            return None  # a subtree several files may set differently: not merged
        for other, root in self.others:
            found = _lookup(other, root, path)
            if not isinstance(found, ScalarNode) or found.value != node.value:
                return None
        return node

    def also(self, path: tuple[str, ...]) -> str:
        """For a message: the other values files that agree (empty with values.yaml)."""
        if not self.others:
            return ""
        places = []
        for other, root in self.others:
            found = _lookup(other, root, path)
            if found is not None:
                places.append(f"{os.path.basename(other.path)}:{other.line(found)}")
        return (
            f" and {', '.join(places)} (the chart has no values.yaml; every values file sets "
            "the same)"
        )

    def differs(self, path: tuple[str, ...]) -> str:
        if not self.others or self.file is None:
            return ""
        names = [os.path.basename(f.path) for f in [self.file, *(o for o, _ in self.others)]]
        return f" (not the same in {', '.join(names)}: which applies depends on the install)"


def _root(yaml_file: YamlFile | None) -> MappingNode | None:
    if yaml_file is None or not yaml_file.composed.documents:
        return None
    root = yaml_file.composed.documents[0]
    return root if isinstance(root, MappingNode) else None


def _lookup(yaml_file: YamlFile | None, root: Node | None, path: tuple[str, ...]) -> Node | None:
    node: Node | None = root
    for part in path:
        if yaml_file is None or not isinstance(node, MappingNode):
            return None
        entry = yaml_file.items(node).get(part)
        if entry is None:
            return None
        node = entry.value
    return node


class Reader:
    """Values of one file's scalars: literal, resolved from values.yaml, or unknown."""

    def __init__(
        self,
        yaml_file: YamlFile,
        rendered: Rendered | None,
        values: Values,
        display: str,
    ) -> None:
        self.file = yaml_file
        self.rendered = rendered
        self.values = values
        self.display = display
        # Values files a fix may edit (a release's values are its own unit's).
        self.editable_files: frozenset[str] = frozenset(
            f.path for f in (values.file, values.overlay[0] if values.overlay else None) if f
        )

    def actions(self, node: Node) -> list[Action]:
        if self.rendered is None:
            return []
        start, end = node.start_mark.index, node.end_mark.index
        return self.rendered.actions_in(start, end)

    def value(self, node: Node | None) -> Value | None:
        """The text of a scalar as the rendered manifest would have it (None: no scalar)."""
        if node is None or not isinstance(node, ScalarNode):
            return None
        start, end = self.file.span(node)
        actions = self.actions(node)
        if not actions:
            editable = self.rendered is None and not self.file.is_shared(node)
            line = self.file.line(node)
            return Value(node.value, self.file.path, start, end, node, "", editable, line)
        if len(actions) == 1 and self._whole(node, actions[0]):
            return self.resolved(actions[0].resolved, start, end)
        return Value(None, self.file.path, start, end, node, "a template expression")

    def text_for_evidence(self, node: Node | None) -> str:
        """A scalar's literal parts and resolved values, for naming evidence only
        (``{{ .Release.Name }}-litellm`` still says litellm)."""
        if node is None or not isinstance(node, ScalarNode):
            return ""
        actions = self.actions(node)
        if not actions:
            return str(node.value)
        raw = self.file.text[node.start_mark.index : node.end_mark.index]
        pieces = []
        cursor = node.start_mark.index
        for action in actions:
            pieces.append(
                raw[cursor - node.start_mark.index : action.start - node.start_mark.index]
            )
            resolved = self.resolved(action.resolved, action.start, action.end)
            pieces.append(resolved.text or "")
            cursor = action.end
        pieces.append(raw[cursor - node.start_mark.index :])
        return "".join(pieces).strip("\"' ")

    def _whole(self, node: ScalarNode, action: Action) -> bool:
        text = self.file.text
        inner = text[node.start_mark.index : node.end_mark.index].strip().strip("\"'")
        return inner == text[action.start : action.end]

    def resolved(self, resolved: Resolved, start: int, end: int) -> Value:
        path = self.file.path
        if resolved.values is not None:
            node = self.values.lookup(resolved.values)
            dotted = ".Values." + ".".join(resolved.values)
            values_file = self.values.file_of(node) if node is not None else self.values.file
            if isinstance(node, ScalarNode) and values_file is not None and not is_null(node):
                v_start, v_end = values_file.span(node)
                line = values_file.line(node)
                return Value(
                    str(node.value),
                    values_file.path,
                    v_start,
                    v_end,
                    node,
                    f"`{dotted}`, set at {os.path.basename(values_file.path)}:{line}"
                    + self.values.also(resolved.values),
                    editable=not values_file.is_shared(node)
                    and not self.values.others
                    and values_file.path in self.editable_files,
                    line=line,
                )
            if (node is None or is_null(node)) and resolved.default is not None:
                return Value(resolved.default, path, start, end, None, f"the default of `{dotted}`")
            return Value(
                None, path, start, end, None, f"`{dotted}`" + self.values.differs(resolved.values)
            )
        if resolved.literal is not None:
            return Value(resolved.literal, path, start, end, None, "the template")
        if resolved.chart_name:
            return Value(None, path, start, end, None, "the release name")
        return Value(None, path, start, end, None, "a template expression")


def _items(yaml_file: YamlFile, node: Node | None) -> dict[str, tuple[Node, Node]]:
    return {name: (entry.key, entry.value) for name, entry in yaml_file.items(node).items()}


def _seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def read_file(
    source: SourceText,
    values: Values,
    chart: str = "",
    named: dict[str, str] | None = None,
) -> tuple[YamlFile, ManifestSet, list[Problem]]:
    """Compose one manifest or template and read what it declares (``named``: the chart's
    named templates, see ``chart_defines``)."""
    rendered = render(source.text, named) if chart and is_template(source.text) else None
    text = rendered.text if rendered is not None else source.text
    composed = compose(text)
    yaml_file = YamlFile(source, composed)
    found = ManifestSet()
    problems: list[Problem] = []
    if composed.error is not None:
        end = composed.error.end if composed.error.end >= 0 else composed.error.offset
        if rendered is not None:
            problems.append(
                Problem(
                    source.path,
                    composed.error.offset,
                    end,
                    "this Helm template could not be read without rendering it "
                    f"({composed.error.message}); its routes are not checked",
                    severity=Severity.INFO,
                    fatal=False,
                )
            )
        else:
            problems.append(
                Problem(source.path, composed.error.offset, end, composed.error.message)
            )
        return yaml_file, found, problems
    reader = Reader(yaml_file, rendered, values, os.path.basename(source.path))
    for document in composed.documents:
        if not isinstance(document, MappingNode):
            continue
        chart_config = yaml_file.get(document, "controller", "config")
        if isinstance(chart_config, MappingNode) and yaml_file.get(document, "kind") is None:
            found.configs.append(
                ControllerConfig(
                    "ingress-nginx chart values `controller.config`",
                    yaml_file.path,
                    _data(reader, chart_config),
                )
            )
            continue
        kind = reader.value(yaml_file.get(document, "kind"))
        kind_text = kind.text if kind is not None else None
        if kind_text == "Ingress":
            found.ingresses.append(_ingress(reader, document, chart))
        elif kind_text == "ConfigMap":
            config = _controller_config(reader, document)
            if config is not None:
                found.configs.append(config)
        elif kind_text == "HTTPRoute":
            found.routes.append(_http_route(reader, document))
        elif kind_text == "AIGatewayRoute" and _api_group(reader, document) == AI_GATEWAY_GROUP:
            found.routes.append(_http_route(reader, document, kind_text))
        elif kind_text == "Gateway":
            name = reader.text_for_evidence(yaml_file.get(document, "metadata", "name"))
            class_name = reader.value(yaml_file.get(document, "spec", "gatewayClassName"))
            found.gateways.append(
                Gateway(name, source.path, class_name.text if class_name else None)
            )
        elif kind_text in CHART_WORKLOADS and rendered is not None:
            found.containers.extend(_containers(reader, document, kind_text))
        elif kind_text == "GatewayClass":
            name = reader.text_for_evidence(yaml_file.get(document, "metadata", "name"))
            controller = reader.value(yaml_file.get(document, "spec", "controllerName"))
            found.classes.append(
                GatewayClass(name, source.path, controller.text if controller else None)
            )
    return yaml_file, found, problems


AI_GATEWAY_GROUP = "aigateway.envoyproxy.io"
# Workloads whose containers a chart's Ingress may reach through its Service (a Job's or a
# CronJob's are not served).
CHART_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})


def _containers(reader: Reader, document: MappingNode, kind: str) -> list[ChartContainer]:
    """The containers of a chart's workload, unless values.yaml turns the workload off."""
    from linter.server.kubechart import Template

    yaml_file = reader.file
    assert reader.rendered is not None
    if Template(yaml_file.text, reader.rendered, reader.values).inactive(document):
        return []
    name, _ = _name_and_where(reader, document)
    workload = f"{kind} `{name}`" if name.strip("-") and name != "(unnamed)" else kind
    found = []
    pod = yaml_file.get(document, "spec", "template", "spec")
    for container in _seq(yaml_file.get(pod, "containers")):
        ports = [
            value
            for port in _seq(yaml_file.get(container, "ports"))
            if (value := reader.value(yaml_file.get(port, "containerPort"))) is not None
        ]
        env = []
        for variable in _seq(yaml_file.get(container, "env")):
            node = yaml_file.get(variable, "name")
            text = reader.text_for_evidence(node)
            if text and node is not None:
                env.append((text, yaml_file.line(node)))
        found.append(
            ChartContainer(
                workload,
                yaml_file.path,
                yaml_file.line(container),
                reader.text_for_evidence(yaml_file.get(container, "image")),
                ports,
                env,
            )
        )
    return found


def _api_group(reader: Reader, document: MappingNode) -> str | None:
    version = reader.value(reader.file.get(document, "apiVersion"))
    if version is None or version.text is None:
        return None
    return version.text.partition("/")[0]


def _where(reader: Reader, node: Node) -> Value:
    start, end = reader.file.span(node)
    if isinstance(node, MappingNode) and node.value:
        start, end = reader.file.span(node.value[0][0])
    return Value(None, reader.file.path, start, end, node)


def _name_and_where(reader: Reader, document: MappingNode) -> tuple[str, Value]:
    name_node = reader.file.get(document, "metadata", "name")
    name = reader.text_for_evidence(name_node) or "(unnamed)"
    return name, _where(reader, name_node if name_node is not None else document)


def _ingress(reader: Reader, document: MappingNode, chart: str) -> Ingress:
    yaml_file = reader.file
    name, where = _name_and_where(reader, document)
    annotations, unknown, annotations_from = _annotations(reader, document)
    spec = yaml_file.get(document, "spec")
    class_node = yaml_file.get(spec, "ingressClassName")
    class_name = reader.value(class_node)
    if class_name is None:
        legacy = annotations.get("kubernetes.io/ingress.class")
        class_name = legacy[1] if legacy else None
    hosts = []
    paths: list[IngressPath] = []
    spec_items = yaml_file.items(spec)
    default = spec_items.get("defaultBackend") or spec_items.get("backend")
    if default is not None:
        service, port = _backend(reader, default.value)
        paths.append(IngressPath(None, service, port, _where(reader, default.key)))
    for rule in _seq(yaml_file.get(spec, "rules")):
        host = reader.text_for_evidence(yaml_file.get(rule, "host"))
        if host:
            hosts.append(host)
        for item in _seq(yaml_file.get(rule, "http", "paths")):
            backend = yaml_file.get(item, "backend")
            service, port = _backend(reader, backend)
            path = reader.value(yaml_file.get(item, "path"))
            paths.append(IngressPath(path, service, port, _where(reader, item)))
    return Ingress(
        name,
        yaml_file.path,
        where,
        annotations,
        unknown,
        class_name,
        hosts,
        paths,
        chart,
        annotations_from,
    )


def _backend(reader: Reader, backend: Node | None) -> tuple[Value | None, Value | None]:
    yaml_file = reader.file
    if backend is None:
        return None, None
    service = yaml_file.get(backend, "service")
    if service is not None:
        name = yaml_file.get(service, "name")
        port = yaml_file.get(service, "port", "number") or yaml_file.get(service, "port", "name")
    else:  # extensions/v1beta1 and networking.k8s.io/v1beta1
        name = yaml_file.get(backend, "serviceName")
        port = yaml_file.get(backend, "servicePort")
    return _evidence_value(reader, name), _evidence_value(reader, port)


def _evidence_value(reader: Reader, node: Node | None) -> Value | None:
    value = reader.value(node)
    if value is None or value.known or node is None:
        return value
    text = reader.text_for_evidence(node)
    return Value(text or None, value.path, value.start, value.end, node, value.origin)


def _annotations(
    reader: Reader, document: MappingNode
) -> tuple[dict[str, tuple[Value, Value]], bool, Value | None]:
    """metadata.annotations as written, plus what a `toYaml .Values...` block (or a `range
    $k, $v` over a values map) puts there, and the values key of that map (where an
    annotation the Ingress lacks is added)."""
    yaml_file = reader.file
    metadata = yaml_file.get(document, "metadata")
    found: dict[str, tuple[Value, Value]] = {}
    unknown = False
    source: Value | None = None
    entry = yaml_file.items(metadata).get("annotations")
    if entry is None:
        return found, False, None
    node = entry.value
    if isinstance(node, MappingNode):
        for key, value in _items(yaml_file, node).values():
            if reader.rendered is not None and reader.rendered.in_map_range(key.start_mark.index):
                continue  # written by a `range $k, $v` over a values map: read below
            key_value = reader.value(key)
            item = reader.value(value)
            if key_value is None or key_value.text is None:
                unknown = True
                continue
            if item is not None:
                found[key_value.text] = (key_value, item)
    elif isinstance(node, ScalarNode) and not is_null(node) and not reader.actions(node):
        unknown = True
    if reader.rendered is not None:
        # `{{- toYaml .Values.x.annotations | nindent 4 }}` lines in (or as) the block.
        first = yaml_file.line(entry.key) - 1
        column = entry.key.start_mark.column
        last = _block_end(yaml_file.text, first, column)
        blocks = [
            a for a in reader.rendered.actions if first <= a.line <= last and a.resolved.to_yaml
        ]
        for action in blocks:
            mapping = (
                reader.values.lookup(action.resolved.values)
                if action.resolved.values is not None
                else None
            )
            values_file = reader.values.file_of(mapping) if mapping is not None else None
            if isinstance(mapping, MappingNode) and values_file is not None:
                assert action.resolved.values is not None
                keyed = reader.values.key_of(action.resolved.values, mapping)
                if source is None and keyed is not None:
                    key_file, key_node = keyed
                    key_start, key_end = key_file.span(key_node)
                    source = Value(
                        None, key_file.path, key_start, key_end, None, line=key_file.line(key_node)
                    )
                values_reader = Reader(values_file, None, reader.values, reader.display)
                for key, value in _items(values_file, mapping).values():
                    key_value = values_reader.value(key)
                    item = values_reader.value(value)
                    if key_value is not None and key_value.text and item is not None:
                        origin = (
                            f"set at {os.path.basename(values_file.path)}:{values_file.line(value)}"
                        )
                        item = item._replace_origin(origin)
                        found.setdefault(key_value.text, (key_value, item))
            elif mapping is None or not is_null(mapping):
                unknown = True
    return found, unknown, source


def _block_end(text: str, first_line: int, column: int) -> int:
    """The last line of the block below a key at ``column`` starting on ``first_line``."""
    lines = text.split("\n")
    last = first_line
    for number in range(first_line + 1, len(lines)):
        line = lines[number]
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            last = number if stripped.startswith("{{") or stripped.startswith("#") else last
            continue
        if len(line) - len(stripped) <= column and not stripped.startswith("{{"):
            break
        last = number
    return last


def _controller_config(reader: Reader, document: MappingNode) -> ControllerConfig | None:
    """An ingress-nginx controller ConfigMap, recognised by its name, namespace or labels
    (NGINX Inc.'s ConfigMap reads the same keys with other meanings: never guessed)."""
    yaml_file = reader.file
    metadata = yaml_file.get(document, "metadata")
    marks = [
        reader.text_for_evidence(yaml_file.get(metadata, "name")),
        reader.text_for_evidence(yaml_file.get(metadata, "namespace")),
    ]
    for _, value in _items(yaml_file, yaml_file.get(metadata, "labels")).values():
        marks.append(reader.text_for_evidence(value))
    if not any("ingress-nginx" in mark.lower() for mark in marks if mark):
        return None
    name, _ = _name_and_where(reader, document)
    return ControllerConfig(
        f"`{name}`", yaml_file.path, _data(reader, yaml_file.get(document, "data"))
    )


def _data(reader: Reader, mapping: Node | None) -> dict[str, tuple[Value, Value]]:
    data: dict[str, tuple[Value, Value]] = {}
    for key, value in _items(reader.file, mapping).values():
        key_value = reader.value(key)
        item = reader.value(value)
        if key_value is not None and key_value.text and item is not None:
            data[key_value.text] = (key_value, item)
    return data


# The headers the Gateway API Inference Extension's body-based router sets from the `model` of
# an OpenAI-style request body (pkg/bbr: the model, and the base model of a LoRA adapter):
# a route rule matching on one routes inference requests by the model they ask for.
MODEL_HEADERS = frozenset({"x-gateway-model-name", "x-gateway-base-model-name"})


def _http_route(reader: Reader, document: MappingNode, kind: str = "HTTPRoute") -> HTTPRoute:
    yaml_file = reader.file
    name, where = _name_and_where(reader, document)
    spec = yaml_file.get(document, "spec")
    parents = [
        reader.text_for_evidence(yaml_file.get(ref, "name"))
        for ref in _seq(yaml_file.get(spec, "parentRefs"))
    ]
    hostnames = [reader.text_for_evidence(h) for h in _seq(yaml_file.get(spec, "hostnames"))]
    rules = []
    for rule in _seq(yaml_file.get(spec, "rules")):
        paths = [
            reader.text_for_evidence(yaml_file.get(match, "path", "value"))
            for match in _seq(yaml_file.get(rule, "matches"))
        ]
        backends = [
            (
                reader.text_for_evidence(yaml_file.get(ref, "name")),
                reader.text_for_evidence(yaml_file.get(ref, "port")),
            )
            for ref in _seq(yaml_file.get(rule, "backendRefs"))
        ]
        pools = [
            reader.text_for_evidence(yaml_file.get(ref, "name"))
            for ref in _seq(yaml_file.get(rule, "backendRefs"))
            if reader.text_for_evidence(yaml_file.get(ref, "kind")) == "InferencePool"
        ]
        model_headers = []
        for match in _seq(yaml_file.get(rule, "matches")):
            for header in _seq(yaml_file.get(match, "headers")):
                header_name = reader.text_for_evidence(yaml_file.get(header, "name"))
                if header_name.lower() in MODEL_HEADERS:
                    value = reader.text_for_evidence(yaml_file.get(header, "value"))
                    model_headers.append((header_name, value))
        timeouts = yaml_file.get(rule, "timeouts")
        rules.append(
            RouteRule(
                _where(reader, rule),
                [p for p in paths if p],
                backends,
                reader.value(yaml_file.get(timeouts, "request")),
                reader.value(yaml_file.get(timeouts, "backendRequest")),
                [p for p in pools if p],
                model_headers,
            )
        )
    return HTTPRoute(name, yaml_file.path, where, [p for p in parents if p], hostnames, rules, kind)


def chart_root(path: str) -> str | None:
    """The chart folder of a template (``<chart>/templates/...`` with ``<chart>/Chart.yaml``,
    or with ``<chart>/values.yaml`` when Chart.yaml is not in the tree linted: a chart copied
    or vendored without it is still read with its values, not as broken YAML)."""
    parts = path.split(os.sep)
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] == "templates":
            root = os.sep.join(parts[:index])
            if os.path.isfile(os.path.join(root, "Chart.yaml")) or os.path.isfile(
                os.path.join(root, "values.yaml")
            ):
                return root
    return None


def chart_defines(root: str, read: Callable[[str], str]) -> dict[str, str]:
    """The named templates of a chart's partials (``templates/_*.tpl``, ``_helpers.tpl``):
    Helm renders none of them, and every template may ``include`` them."""
    from linter.k8s.helm import defines

    found: dict[str, str] = {}
    folder = os.path.join(root, "templates")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        if name.startswith("_") and name.endswith(".tpl"):
            try:
                found.update(defines(read(os.path.join(folder, name))))
            except Exception:  # an unreadable partial: its includes stay unknown
                continue
    return found


def chart_name(root: str, read: object) -> str:
    """The chart's `name:` from Chart.yaml (a line search: the file is small and flat)."""
    try:
        text = read(os.path.join(root, "Chart.yaml"))  # type: ignore[operator]
    except Exception:
        return os.path.basename(root)
    for line in str(text).splitlines():
        if line.startswith("name:"):
            return line.partition(":")[2].strip().strip("\"'")
    return os.path.basename(root)
