"""Kubernetes manifests as the stack sees them: a Service and the workload its selector picks
become one service fact (the names the cluster's DNS gives it, its ports, the container's
command and the ConfigMap files it mounts), and a Traefik ``IngressRoute`` becomes an ingress
fact (the Service it names, Traefik's read limit, and a Cloudflare edge in front when the
manifest says the hostname is proxied by Cloudflare). Read for the stack only: nothing here
is a rule's finding. What a manifest leaves open (a selector matching no workload, several
workloads) is left out, never guessed.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.source import SourceText
from linter.stack.model import IngressRoute, Limit, Service, Where

if TYPE_CHECKING:
    from collections.abc import Iterable

    from linter.workspace import Workspace

_KINDS = re.compile(
    rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?(?:Service|IngressRoute|Deployment|StatefulSet|DaemonSet"
    rb"|ReplicaSet|Pod|ConfigMap)[\"']?[ \t]*\r?$"
)
_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"})
# external-dns's annotation that turns Cloudflare's proxy on for the record it creates.
CLOUDFLARE_PROXIED = "external-dns.alpha.kubernetes.io/cloudflare-proxied"
# Cloudflare's "Proxy Read Timeout" between it and the origin: 100 s, HTTP 524 when hit;
# only Enterprise plans can change it (developers.cloudflare.com, fundamentals/reference/
# connection-limits).
CLOUDFLARE_READ = 100.0
_HOST = re.compile(r"Host(?:SNI)?\(\s*`([^`]+)`")


def may_hold(data: bytes) -> bool:
    return _KINDS.search(data) is not None


def manifest_sources(
    paths: Iterable[str], workspace: Workspace
) -> tuple[list[SourceText], list[SourceText]]:
    """The manifests among ``paths`` worth ``read``, and the kustomization files. A Helm
    template is not a manifest until rendered (the k8s kind reads those); a file that is not
    read is passed over (evidence only)."""
    sources: list[SourceText] = []
    kustomizations: list[SourceText] = []
    for path in paths:
        try:
            if os.path.basename(path).lower().startswith("kustomization."):
                kustomizations.append(workspace.read_source(path))
                continue
            data = workspace.read_bytes(path)
            if b"{{" in data or not may_hold(data):
                continue
            sources.append(workspace.read_source(path))
        except Exception:
            continue
    return sources, kustomizations


def _pairs(node: Node | None) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, ScalarNode)}


def _get(node: Node | None, *path: str) -> Node | None:
    for part in path:
        node = _pairs(node).get(part)
    return node


def _text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _where(source: SourceText, node: Node) -> Where:
    start, end = node.start_mark.index, max(node.start_mark.index, node.end_mark.index)
    return Where(source.path, start, end, node.start_mark.line + 1)


def _labels(node: Node | None) -> dict[str, str]:
    return {k: t for k, v in _pairs(node).items() if (t := _text(v)) is not None}


def read(
    sources: list[SourceText], kustomizations: list[SourceText] | None = None
) -> list[Service | IngressRoute]:
    """The facts of the manifests of a run (Services are matched with workloads across all
    of them: a kustomize base keeps them in separate files). ``kustomizations``: the run's
    kustomization files, whose ``namespace:`` names the DNS names of the Services they list."""
    from linter.litellm.yamltree import compose

    given = namespaces(kustomizations or [])

    services: list[tuple[SourceText, Node, str]] = []
    workloads: list[tuple[SourceText, Node, str]] = []
    routes: list[tuple[SourceText, Node, str]] = []
    # (namespace, name) -> (file, its data keys)
    configmaps: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for source in sources:
        composed = compose(source.text)
        if composed.error is not None:
            continue
        for document in composed.documents:
            kind = _text(_get(document, "kind"))
            namespace = _text(_get(document, "metadata", "namespace")) or ""
            if kind == "Service":
                services.append((source, document, namespace))
            elif kind in _WORKLOADS:
                workloads.append((source, document, namespace))
            elif kind == "IngressRoute":
                routes.append((source, document, namespace))
            elif kind == "ConfigMap":
                name = _text(_get(document, "metadata", "name"))
                if name:
                    keys = list(_pairs(_get(document, "data")))
                    configmaps.setdefault((namespace, name), (source.path, keys))
    found: list[Service | IngressRoute] = []
    for source, document, namespace in services:
        fact = _service(source, document, namespace, workloads, configmaps, given)
        if fact is not None:
            found.append(fact)
    for source, document, _ in routes:
        found.extend(_ingress_route(source, document))
    return found


def namespaces(kustomizations: list[SourceText]) -> dict[str, set[str]]:
    """The namespaces kustomizations give the manifests they list (``resources:`` files, and
    folders through their own kustomization), by manifest path."""
    from linter.litellm.yamltree import compose

    by_folder: dict[str, tuple[str, list[str]]] = {}
    for source in kustomizations:
        composed = compose(source.text)
        if composed.error is not None or not composed.documents:
            continue
        root = composed.documents[0]
        space = _text(_get(root, "namespace")) or ""
        resources = [t for item in _items(_get(root, "resources")) if (t := _text(item))]
        by_folder[os.path.dirname(source.path)] = (space, resources)

    def files(folder: str, seen: set[str]) -> list[str]:
        if folder in seen or folder not in by_folder:
            return []
        seen.add(folder)
        found = []
        for resource in by_folder[folder][1]:
            target = os.path.normpath(os.path.join(folder, resource))
            found.extend(files(target, seen) if target in by_folder else [target])
        return found

    given: dict[str, set[str]] = {}
    for folder, (space, _) in by_folder.items():
        if space:
            for path in files(folder, set()):
                given.setdefault(path, set()).add(space)
    return given


def _pod(document: Node) -> Node | None:
    kind = _text(_get(document, "kind"))
    return _get(document, "spec") if kind == "Pod" else _get(document, "spec", "template", "spec")


def _pod_labels(document: Node) -> dict[str, str]:
    if _text(_get(document, "kind")) == "Pod":
        return _labels(_get(document, "metadata", "labels"))
    return _labels(_get(document, "spec", "template", "metadata", "labels"))


def _service(
    source: SourceText,
    document: Node,
    namespace: str,
    workloads: list[tuple[SourceText, Node, str]],
    configmaps: dict[tuple[str, str], tuple[str, list[str]]],
    given: dict[str, set[str]],
) -> Service | None:
    name_node = _get(document, "metadata", "name")
    name = _text(name_node)
    selector = _labels(_get(document, "spec", "selector"))
    if not name or not selector or name_node is None:
        return None
    matched = [
        (s, w, ns)
        for s, w, ns in workloads
        if (ns == namespace or not ns or not namespace)
        and selector.items() <= _pod_labels(w).items()
    ]
    if len(matched) > 1:
        matched = _nearest_workloads(source.path, matched)
    if len(matched) != 1:
        return None  # none, or several: which one answers is not said
    workload_source, workload, _ = matched[0]
    pod = _pod(workload)
    containers = _items(_get(pod, "containers"))
    if len(containers) != 1:
        return None  # the Service's port decides among several: not followed
    container = containers[0]
    command: list[tuple[str, Where]] = []
    for part in ("command", "args"):
        for item in _items(_get(container, part)):
            word = _text(item)
            if word is not None:
                command.append((word, _where(workload_source, item)))
    ports: list[tuple[str, Where]] = []
    targets: list[tuple[str, str]] = []
    named: dict[str, str] = {}
    for item in _items(_get(container, "ports")):
        port_name, number = _text(_get(item, "name")), _text(_get(item, "containerPort"))
        if port_name and number:
            named[port_name] = number
    for item in _items(_get(document, "spec", "ports")):
        for field in ("port", "targetPort"):
            value = _text(_get(item, field))
            if value and value.isdigit():
                ports.append((value, _where(source, item)))
        port = _text(_get(item, "port"))
        target = _text(_get(item, "targetPort")) or port  # targetPort defaults to port
        target = named.get(target, target) if target else target
        if port and port.isdigit() and target and target.isdigit():
            targets.append((port, target))
            # An Ingress may name the Service's port instead of its number.
            port_name = _text(_get(item, "name"))
            if port_name:
                targets.append((port_name, target))
    volumes = _mounts(workload_source, pod, container, namespace, configmaps)
    env_names = tuple(
        (env_name, _where(workload_source, item))
        for item in _items(_get(container, "env"))
        if (env_name := _text(_get(item, "name")))
    )
    aliases: list[str] = []
    for space in sorted(
        {namespace} | given.get(source.path, set()) if namespace else given.get(source.path, set())
    ):
        aliases += [f"{name}.{space}", f"{name}.{space}.svc", f"{name}.{space}.svc.cluster.local"]
    return Service(
        path=source.path,
        name=name,
        anchor=_where(source, name_node),
        aliases=tuple(aliases),
        expose=tuple(ports),
        image=_text(_get(container, "image")),
        command=tuple(command),
        volumes=tuple(volumes),
        kubernetes=True,
        targets=tuple(targets),
        env_names=env_names,
        env_values=tuple(
            (env_name, value)
            for item in _items(_get(container, "env"))
            if (env_name := _text(_get(item, "name")))
            and (value := _text(_get(item, "value"))) is not None
        ),
    )


def _nearest_workloads(
    service_file: str, matched: list[tuple[SourceText, Node, str]]
) -> list[tuple[SourceText, Node, str]]:
    """Of several workloads a Service's selector picks, the one of its own file, else of its
    own folder, when every other one is the same object (kind, namespace, name) written
    elsewhere: alternative deployments of one app (``k8s/``, ``cloud/aks/``, ``cloud/gke/``)
    replace each other in a cluster, and the one beside the Service is deployed with it.
    Workloads that can run side by side (other names) are left open."""
    same_file = [m for m in matched if m[0].path == service_file]
    folder = os.path.dirname(service_file)
    near = same_file or [m for m in matched if os.path.dirname(m[0].path) == folder]
    if len(near) != 1:
        return matched
    identity = _identity(near[0][1], near[0][2])
    if all(_identity(w, ns) == identity for _, w, ns in matched):
        return near
    return matched


def _identity(workload: Node, namespace: str) -> tuple[str | None, str, str | None]:
    return _text(_get(workload, "kind")), namespace, _text(_get(workload, "metadata", "name"))


def _mounts(
    source: SourceText,
    pod: Node | None,
    container: Node,
    namespace: str,
    configmaps: dict[tuple[str, str], tuple[str, list[str]]],
) -> list[tuple[str, str, Where]]:
    """ConfigMap files the container mounts: (the manifest holding the ConfigMap, the path
    in the container, the mount); a directory mount gives ``<dir>/<key>`` for each key."""
    by_volume: dict[str, str] = {}
    for volume in _items(_get(pod, "volumes")):
        name = _text(_get(volume, "name"))
        config = _text(_get(volume, "configMap", "name"))
        if name and config:
            by_volume[name] = config
    found: list[tuple[str, str, Where]] = []
    for mount in _items(_get(container, "volumeMounts")):
        config = by_volume.get(_text(_get(mount, "name")) or "")
        target = _text(_get(mount, "mountPath"))
        if config is None or not target:
            continue
        held = configmaps.get((namespace, config)) or configmaps.get(("", config))
        if held is None:
            continue  # the ConfigMap is not in the repository
        manifest, keys = held
        place = _where(source, mount)
        if _text(_get(mount, "subPath")):
            found.append((manifest, target, place))
        else:
            found.extend((manifest, target.rstrip("/") + "/" + key, place) for key in keys)
    return found


def cloudflare_edge(source: SourceText, proxied: Node | None) -> Limit | None:
    """Cloudflare's read limit, when the manifest turns its proxy on for the hostname."""
    if proxied is None or (_text(proxied) or "").strip().lower() != "true":
        return None
    where = _where(source, proxied)
    return edge_limit(where, os.path.basename(source.path))


def edge_limit(where: Where, shown: str) -> Limit:
    return Limit(
        CLOUDFLARE_READ,
        f"Cloudflare proxy read timeout {CLOUDFLARE_READ:g}s",
        f"Cloudflare's fixed limit below the Enterprise plan; the hostname is proxied: "
        f'`{CLOUDFLARE_PROXIED}: "true"` at {shown}:{where.line}',
        where,
    )


def _ingress_route(source: SourceText, document: Node) -> list[IngressRoute]:
    api = _text(_get(document, "apiVersion")) or ""
    if not api.startswith(("traefik.io/", "traefik.containo.us/")):
        return []
    name = _text(_get(document, "metadata", "name")) or "(unnamed)"
    annotations = _pairs(_get(document, "metadata", "annotations"))
    edge = cloudflare_edge(source, annotations.get(CLOUDFLARE_PROXIED))
    found: list[IngressRoute] = []
    for route in _items(_get(document, "spec", "routes")):
        match = _text(_get(route, "match")) or ""
        hosts = _HOST.findall(match)
        for service in _items(_get(route, "services")):
            if (_text(_get(service, "kind")) or "Service") != "Service":
                continue
            label = f"Traefik IngressRoute {name}" + (f", host {hosts[0]}" if hosts else "")
            found.append(
                IngressRoute(
                    path=source.path,
                    label=label,
                    anchor=_where(source, service),
                    service=_text(_get(service, "name")),
                    port=_text(_get(service, "port")),
                    read=Limit(
                        None,
                        "no response timeout",
                        "Traefik's default (no forwarding response timeout)",
                        none=True,
                    ),
                    edge=edge,
                )
            )
    return found
