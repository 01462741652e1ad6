"""Reading one manifest (or Helm template) into the model of ``linter.k8s.model``.

A plain manifest is composed as it is. A Helm template is rendered statically first
(``linter.k8s.helm``): its scalars that are template actions take their value from the chart's
``values.yaml`` (``linter.k8s.values``), or are unknown. Finding the chart around a template is
``linter.k8s.charts``.
"""

from __future__ import annotations

import os

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Problem
from linter.k8s.helm import is_template, render
from linter.k8s.model import (
    ChartContainer,
    ControllerConfig,
    EnvoyPolicy,
    Gateway,
    GatewayClass,
    HTTPRoute,
    Ingress,
    IngressPath,
    ManifestSet,
    RouteRule,
    Value,
)
from linter.k8s.remotecharts import chart_ingresses
from linter.k8s.values import Reader, Values
from linter.litellm.model import YamlFile
from linter.litellm.yamltree import compose, is_null
from linter.model import Severity
from linter.source import SourceText


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
        if not chart and yaml_file.get(document, "apiVersion") is None:
            # The values of a known chart installed from its Helm repository.
            found.ingresses.extend(chart_ingresses(reader, document))
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
        elif kind_text in ENVOY_POLICIES and _api_group(reader, document) == ENVOY_GATEWAY_GROUP:
            found.envoy_policies.append(_envoy_policy(reader, document, kind_text))
        elif kind_text == "GatewayClass":
            name = reader.text_for_evidence(yaml_file.get(document, "metadata", "name"))
            controller = reader.value(yaml_file.get(document, "spec", "controllerName"))
            found.classes.append(
                GatewayClass(name, source.path, controller.text if controller else None)
            )
    return yaml_file, found, problems


AI_GATEWAY_GROUP = "aigateway.envoyproxy.io"
# Envoy Gateway's policy kinds, attached to a Gateway or route by `targetRef(s)`: a Gateway one
# targets is served by Envoy Gateway, whatever its class is called.
ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io"
ENVOY_POLICIES = frozenset(
    {
        "EnvoyPatchPolicy",
        "BackendTrafficPolicy",
        "ClientTrafficPolicy",
        "SecurityPolicy",
        "EnvoyExtensionPolicy",
    }
)


def _envoy_policy(reader: Reader, document: MappingNode, kind: str) -> EnvoyPolicy:
    yaml_file = reader.file
    spec = yaml_file.get(document, "spec")
    refs = _seq(yaml_file.get(spec, "targetRefs"))
    single = yaml_file.get(spec, "targetRef")
    if single is not None:
        refs.append(single)
    targets = [
        (
            reader.text_for_evidence(yaml_file.get(ref, "kind")),
            reader.text_for_evidence(yaml_file.get(ref, "name")),
        )
        for ref in refs
    ]
    sets_timeout = kind == "BackendTrafficPolicy" and yaml_file.get(spec, "timeout") is not None
    return EnvoyPolicy(
        kind, yaml_file.path, yaml_file.line(document), [t for t in targets if t[1]], sets_timeout
    )


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
    namespaces = {
        reader.text_for_evidence(yaml_file.get(ref, "name")): reader.text_for_evidence(
            yaml_file.get(ref, "namespace")
        )
        for ref in _seq(yaml_file.get(spec, "parentRefs"))
    }
    return HTTPRoute(
        name,
        yaml_file.path,
        where,
        [p for p in parents if p],
        hostnames,
        rules,
        kind,
        {parent: space for parent, space in namespaces.items() if parent and space},
    )
