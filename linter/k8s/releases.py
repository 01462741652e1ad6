"""A chart of the tree installed by a release manifest: a Flux ``HelmRelease`` (``spec.chart.
spec.chart`` a path of the repository, ``spec.values``) or an Argo CD ``Application``
(``spec.source.path``, ``spec.source.helm.valuesObject`` or the ``helm.values`` string).

The chart's Ingress templates are rendered with the release's values merged over the chart's
``values.yaml`` (as Helm does), so a route the chart's own defaults turn off (``ingress.enabled:
false``) is read as the release makes it. The routes belong to the release: every place in
the templates is moved to the release's values key the Ingress is built from (``ingress:``),
where the user changes it; a value the release or values.yaml writes keeps its own place.
A chart that is not in the tree (a Helm repository's) is not read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from yaml.nodes import MappingNode, Node, ScalarNode

from linter.k8s.model import Ingress, IngressPath, ManifestSet, Value
from linter.litellm.model import YamlFile
from linter.source import SourceText

Read = Callable[[str], SourceText]
# The path given to an Argo CD ``helm.values`` string composed on its own: its places are not
# the file's, and are moved to the ``values:`` key.
STRING_VALUES = "::helm.values"


@dataclass(frozen=True)
class Release:
    kind: str  # "HelmRelease" or "Application"
    name: str
    chart_root: str
    values: Node | None  # the release's values mapping (None: none given)
    values_file: YamlFile | None  # the file the mapping is composed from
    key: Node  # where the release's values are written (the `values:` key), else its name


def _key(yaml_file: YamlFile, node: Node | None, name: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    entry = yaml_file.items(node).get(name)
    return entry.key if entry is not None else None


def _text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def chart_folder(written: str, release_path: str, root: str) -> str | None:
    """The chart a release names by path: from the repository's root (Flux's GitRepository
    and Argo CD's path are relative to it), else from the release's folder and those above."""
    if not written or "://" in written or written.startswith(("oci:", "/")):
        return None
    candidates = [os.path.join(root, written)]
    folder = os.path.dirname(release_path)
    while folder.startswith(root) and folder != os.path.dirname(folder):
        candidates.append(os.path.join(folder, written))
        if folder == root:
            break
        folder = os.path.dirname(folder)
    for candidate in candidates:
        candidate = os.path.normpath(candidate)
        if candidate.startswith(root) and os.path.isfile(os.path.join(candidate, "Chart.yaml")):
            return candidate
    return None


def releases(yaml_file: YamlFile, root: str) -> list[Release]:
    """The releases of a composed file whose chart is a folder of the tree."""
    from linter.litellm.yamltree import compose

    found: list[Release] = []
    for document in yaml_file.composed.documents:
        kind = _text(yaml_file.get(document, "kind"))
        api = _text(yaml_file.get(document, "apiVersion")) or ""
        name_node = yaml_file.get(document, "metadata", "name")
        name = _text(name_node) or "(unnamed)"
        spec = yaml_file.get(document, "spec")
        if kind == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io/"):
            written = _text(yaml_file.get(spec, "chart", "spec", "chart"))
            source_kind = _text(yaml_file.get(spec, "chart", "spec", "sourceRef", "kind"))
            if source_kind not in (None, "GitRepository", "Bucket") or not written:
                continue  # a HelmRepository's chart is not in the tree
            chart = chart_folder(written, yaml_file.path, root)
            if chart is None or yaml_file.get(spec, "valuesFrom") is not None:
                continue  # not in the tree, or values from a ConfigMap/Secret not read here
            values = yaml_file.get(spec, "values")
            key = _key(yaml_file, spec, "values")
            found.append(
                Release(kind, name, chart, values, yaml_file, key or name_node or document)
            )
        elif kind == "Application" and api.startswith("argoproj.io/"):
            sources = [yaml_file.get(spec, "source")]
            sequence = yaml_file.get(spec, "sources")
            if sequence is not None and hasattr(sequence, "value"):
                sources += list(sequence.value) if isinstance(sequence.value, list) else []
            for source in sources:
                written = _text(yaml_file.get(source, "path"))
                chart = chart_folder(written or "", yaml_file.path, root)
                if chart is None:
                    continue
                helm = yaml_file.get(source, "helm")
                values = yaml_file.get(helm, "valuesObject")
                key = _key(yaml_file, helm, "valuesObject")
                values_file: YamlFile | None = yaml_file
                text = _text(yaml_file.get(helm, "values"))
                if values is None and text:
                    # A YAML string: composed on its own, its places are the `values:` key's.
                    composed = compose(text)
                    if composed.error is not None or not composed.documents:
                        continue
                    inner = SourceText(path=yaml_file.path + STRING_VALUES, text=text)
                    values_file = YamlFile(inner, composed)
                    values = composed.documents[0]
                    key = _key(yaml_file, helm, "values")
                if any(yaml_file.get(helm, k) is not None for k in ("valueFiles", "parameters")):
                    continue  # values files or parameters chosen by the release: not merged here
                found.append(
                    Release(kind, name, chart, values, values_file, key or name_node or document)
                )
    return found


def overlay_release(yaml_file: YamlFile) -> Release | None:
    """A values overlay of a chart of the tree (linter/k8s/detect.py: chart-testing's
    ``ci/*-values.yaml``, ``values-prod.yaml`` beside values.yaml) as a release of that chart
    with the file's values, when it writes ``ingress:``."""
    from linter.k8s.detect import overlay_chart

    chart = overlay_chart(yaml_file.path)
    documents = yaml_file.composed.documents
    if chart is None or len(documents) != 1 or not isinstance(documents[0], MappingNode):
        return None
    key = _key(yaml_file, documents[0], "ingress")
    if key is None:
        return None
    name = os.path.relpath(yaml_file.path, chart)
    return Release(OVERLAY, name, chart, documents[0], yaml_file, key)


# The kind of an overlay's release: its routes are those the chart's values.yaml leaves off
# (the others are reported in values.yaml already).
OVERLAY = "values file"


def render(
    release: Release,
    yaml_file: YamlFile,
    read: Read,
    chart_values: Callable[[str], object],
    templates: Callable[[str], list[str]],
) -> tuple[ManifestSet, dict[str, YamlFile]]:
    """The Ingresses the release's chart renders with its values, placed in the release file.
    Returns them and the values files their values may point at (for the document)."""
    from linter.k8s.charts import chart_defines, chart_name
    from linter.k8s.helm import is_template
    from linter.k8s.helm import render as render_template
    from linter.k8s.loading import read_file
    from linter.k8s.values import Values
    from linter.server.kubechart import Template

    base = chart_values(release.chart_root)
    assert isinstance(base, Values)
    overlay = None
    own_values = release.values_file is yaml_file
    if isinstance(release.values, MappingNode) and release.values_file is not None:
        overlay = (release.values_file, release.values)
    values = Values(base.file, [other for other, _ in base.others], overlay)
    name = chart_name(release.chart_root, lambda p: read(p).text)
    named = chart_defines(release.chart_root, lambda p: read(p).text)
    shown = os.path.relpath(release.chart_root, os.path.dirname(yaml_file.path))
    found = ManifestSet()
    for path in templates(release.chart_root):
        try:
            source = read(path)
        except Exception:
            continue
        if "Ingress" not in source.text:
            continue
        _, manifests, _ = read_file(source, values, name, named)
        rendered = render_template(source.text, named) if is_template(source.text) else None
        template = Template(rendered.text if rendered else source.text, rendered, values)
        base_template = Template(template.text, rendered, base) if rendered else None
        for ingress in manifests.ingresses:
            if rendered is not None and _turned_off(template, ingress):
                continue
            if release.kind == OVERLAY and (
                base_template is None or not _turned_off(base_template, ingress)
            ):
                continue  # values.yaml renders it too: reported there
            anchor_node = _anchor(release, yaml_file, rendered, ingress, own_values)
            start, end = yaml_file.span(anchor_node)
            anchor = Value(None, yaml_file.path, start, end, None, line=yaml_file.line(anchor_node))
            moved = _moved(ingress, path, anchor)
            moved.name = (
                f"{name if ingress.name in ('', '(unnamed)') else ingress.name} (chart {shown} rendered with the values of "
                f"{release.kind} `{release.name}`)"
            )
            found.ingresses.append(moved)
    files = {f.path: f for f in (base.file, *(o for o, _ in base.others)) if f is not None}
    return found, files


def _turned_off(template: object, ingress: Ingress) -> bool:
    """The Ingress is inside an ``if``/``with`` the merged values turn off."""
    from linter.server.kubechart import Template

    assert isinstance(template, Template)
    node = ingress.where.node
    if node is None:
        return False
    return template.inactive(node)


def _anchor(
    release: Release,
    yaml_file: YamlFile,
    rendered: object,
    ingress: Ingress,
    own_values: bool,
) -> Node:
    """The release's values key the Ingress is built from (``ingress:``): the first section
    of the values that the template's conditions or values read, when the release sets it;
    else the release's ``values:`` key."""
    from linter.k8s.helm import Rendered

    if own_values and isinstance(release.values, MappingNode) and isinstance(rendered, Rendered):
        node = ingress.where.node
        offset = node.start_mark.index if node is not None else 0
        paths = [b.condition.values for b in rendered.enclosing(offset) if b.condition.values]
        paths += [a.resolved.values for a in rendered.actions if a.resolved.values]
        for path in paths:
            if path:
                key = _key(yaml_file, release.values, path[0])
                if key is not None:
                    return key
    return release.key


def _moved(ingress: Ingress, template: str, anchor: Value) -> Ingress:
    """The Ingress with every place in the template moved to ``anchor`` (values written in a
    values file keep theirs)."""

    def move(value: Value | None) -> Value | None:
        if value is None or (value.path != template and not value.path.endswith(STRING_VALUES)):
            return value
        return replace(
            value,
            path=anchor.path,
            start=anchor.start,
            end=anchor.end,
            node=None,
            editable=False,
            line=anchor.line,
        )

    def move_pair(pair: tuple[Value, Value]) -> tuple[Value, Value]:
        first, second = move(pair[0]), move(pair[1])
        assert first is not None and second is not None
        return first, second

    where = move(ingress.where)
    assert where is not None
    paths = []
    for item in ingress.paths:
        item_where = move(item.where)
        assert item_where is not None
        paths.append(IngressPath(move(item.path), move(item.service), move(item.port), item_where))
    moved = replace(
        ingress,
        file=anchor.path,
        where=where,
        annotations={k: move_pair(v) for k, v in ingress.annotations.items()},
        class_name=move(ingress.class_name),
        paths=paths,
        # A release's route is reported at its anchor, a missing annotation included.
        annotations_from=None,
    )
    # `_turned_off` reads the template node of the original; the moved one has none.
    return moved
