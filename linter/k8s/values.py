"""Where the value of a manifest's scalar comes from: written literally, taken from the chart's
values files (or a release's values laid over them), or unknown.

``Values`` looks a path up in the values files; ``Reader`` gives each scalar of one file its
``Value``, pointing at the values key it comes from so findings and fixes land there.
"""

from __future__ import annotations

import os

from yaml.nodes import MappingNode, Node, ScalarNode

from linter.k8s.helm import Action, Rendered, Resolved
from linter.k8s.model import Value
from linter.litellm.model import YamlFile
from linter.litellm.yamltree import is_null


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
