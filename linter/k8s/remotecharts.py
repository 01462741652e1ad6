"""The values of a well-known chart that is not in the tree (installed from its Helm
repository by an Argo CD or Flux release, or by hand): the Ingress its template renders from
them, read from the values as written. Only charts whose Ingress template is known are read,
and only when the values say which chart they are for.

The Open WebUI chart (helm.openwebui.com, `templates/ingress.yaml`): when `ingress.enabled`
is true it renders one Ingress named after the release, with `ingress.class` as its
`ingressClassName`, `ingress.annotations` as its annotations, and the path `/` (Prefix) of
`ingress.host` and each of `ingress.additionalHosts` to the chart's Service (named
`nameOverride`, else `open-webui`) on its port `http`.
"""

from __future__ import annotations

import os
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.k8s.model import Ingress, IngressPath, Value
from linter.k8s.values import Reader

OPEN_WEBUI = "the Open WebUI chart, helm.openwebui.com,"
_OPEN_WEBUI_IMAGE = "ghcr.io/open-webui/open-webui"
# Top-level keys of the Open WebUI chart's values that no other chart of the kind has.
_OPEN_WEBUI_KEYS = ("ollamaUrls", "openaiBaseApiUrl", "openaiBaseApiUrls")


def _in_chart_of_tree(path: str) -> bool:
    """The file is a chart's own values (its templates are read with it instead)."""
    folder = os.path.dirname(path)
    return any(os.path.isfile(os.path.join(folder, name)) for name in ("Chart.yaml", "Chart.yml"))


def _open_webui(reader: Reader, document: MappingNode) -> str | None:
    """Why the values are the Open WebUI chart's, or None."""
    yaml_file = reader.file
    repository = reader.value(yaml_file.get(document, "image", "repository"))
    if repository is not None and repository.text == _OPEN_WEBUI_IMAGE:
        return f"its image.repository is {_OPEN_WEBUI_IMAGE}, line {repository.line}"
    keys = yaml_file.items(document)
    for name in _OPEN_WEBUI_KEYS:
        entry = keys.get(name)
        if entry is not None:
            return (
                f"it sets `{name}`, line {yaml_file.line(entry.key)}, a key of that chart's values"
            )
    return None


def _key_value(reader: Reader, node: Node) -> Value:
    start, end = reader.file.span(node)
    return Value(None, reader.file.path, start, end, node, line=reader.file.line(node))


def chart_ingresses(
    reader: Reader, document: MappingNode, release: str | None = None
) -> list[Ingress]:
    """The Ingress a known remote chart renders from these values (none when the file is a
    chart of the tree's own, or no known chart's, or its ingress is not enabled).
    ``release``: the release manifest that installs the Open WebUI chart with them."""
    yaml_file = reader.file
    if release is None and (
        yaml_file.get(document, "kind") is not None or _in_chart_of_tree(yaml_file.path)
    ):
        return []
    entry = yaml_file.items(document).get("ingress")
    if entry is None or not isinstance(entry.value, MappingNode):
        return []
    why = release or _open_webui(reader, document)
    if why is None:
        return []
    block = entry.value
    enabled = reader.value(yaml_file.get(block, "enabled"))
    if enabled is None or (enabled.text or "").strip().lower() != "true":
        return []  # the chart's default is false
    annotations: dict[str, tuple[Value, Value]] = {}
    unknown = False
    annotations_from: Value | None = None
    items = yaml_file.items(block)
    written = items.get("annotations")
    if written is not None:
        annotations_from = _key_value(reader, written.key)
        if isinstance(written.value, MappingNode):
            for key, value in written.value.value:
                key_value, item = reader.value(key), reader.value(value)
                if key_value is None or key_value.text is None or item is None:
                    unknown = True
                    continue
                annotations[key_value.text] = (key_value, item)
        elif not (isinstance(written.value, ScalarNode) and written.value.value in ("", "null")):
            unknown = True
    class_name = reader.value(yaml_file.get(block, "class"))
    if class_name is not None and not (class_name.text or "").strip():
        class_name = None  # `with` skips an empty class
    if class_name is None:
        legacy = annotations.get("kubernetes.io/ingress.class")
        class_name = legacy[1] if legacy else None
    hosts = []
    host = reader.value(yaml_file.get(block, "host"))
    if host is not None and host.text:
        hosts.append(host.text)
    extra = yaml_file.get(block, "additionalHosts")
    if isinstance(extra, SequenceNode):
        hosts.extend(str(n.value) for n in extra.value if isinstance(n, ScalarNode) and n.value)
    name_override = reader.value(yaml_file.get(document, "nameOverride"))
    service_name = (name_override.text or "").strip() if name_override is not None else ""
    where = _key_value(reader, entry.key)
    service = Value(service_name or "open-webui", yaml_file.path, where.start, where.end)
    port = Value("http", yaml_file.path, where.start, where.end)
    path = Value("/", yaml_file.path, where.start, where.end)
    return [
        Ingress(
            service_name or "open-webui",
            yaml_file.path,
            where,
            annotations,
            unknown,
            class_name,
            hosts,
            [IngressPath(path, service, port, where)],
            "open-webui",
            annotations_from,
            rendered_by=f"rendered by {OPEN_WEBUI} from these values: {why}",
        )
    ]


def released_ingresses(reader: Reader) -> list[Ingress]:
    """The Ingresses the Open WebUI chart renders from the values written inline in the
    file's release manifests: an Argo CD `Application` whose source is that chart
    (`chart: open-webui` from its Helm repository) with `helm.valuesObject`, or a Flux
    `HelmRelease` of chart `open-webui` with `values`."""
    yaml_file = reader.file
    found: list[Ingress] = []
    for document in yaml_file.composed.documents:
        if not isinstance(document, MappingNode):
            continue
        kind = reader.value(yaml_file.get(document, "kind"))
        api = reader.value(yaml_file.get(document, "apiVersion"))
        kind_text, api_text = (kind.text if kind else None), (api.text if api else "") or ""
        spec = yaml_file.get(document, "spec")
        if kind_text == "Application" and api_text.startswith("argoproj.io/"):
            sources = [yaml_file.get(spec, "source")]
            listed = yaml_file.get(spec, "sources")
            if isinstance(listed, SequenceNode):
                sources.extend(listed.value)
            for source in sources:
                chart = reader.value(yaml_file.get(source, "chart"))
                repo = reader.value(yaml_file.get(source, "repoURL"))
                if chart is None or chart.text != "open-webui" or repo is None:
                    continue
                if not re.search(r"openwebui\.com|open-webui", repo.text or ""):
                    continue
                values = yaml_file.get(source, "helm", "valuesObject")
                if isinstance(values, MappingNode):
                    why = f"Application source chart open-webui from {repo.text}, line {chart.line}"
                    found.extend(chart_ingresses(reader, values, why))
        elif kind_text == "HelmRelease" and api_text.startswith("helm.toolkit.fluxcd.io/"):
            chart = reader.value(yaml_file.get(spec, "chart", "spec", "chart"))
            values = yaml_file.get(spec, "values")
            if chart is not None and chart.text == "open-webui" and isinstance(values, MappingNode):
                why = f"HelmRelease of chart open-webui, line {chart.line}"
                found.extend(chart_ingresses(reader, values, why))
    return found
