"""An Ingress written as a kustomize patch: an overlay's ``patches`` (or
``patchesStrategicMerge``) file that names a base Ingress and sets some of its annotations,
without its rules. kustomize merges it over the Ingress of the same name that the
kustomization's ``resources`` bring in: the patch's annotations win, the base's routes stay.
The merged Ingress is judged in the patch file, where the overlay's values are written.

Evidence only, never a guess: a patch whose kustomization cannot be read, or that matches no
base Ingress or several, stays as written (an Ingress without routes, which no rule judges).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.k8s.model import Ingress, ManifestSet
from linter.source import SourceText

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# How many folders above the patch a kustomization naming it may be (an overlay's patches
# sit beside it, or in a `patches/` folder below it).
_UP = 3
# How deep ``resources`` folders are followed (base -> its own bases).
_DEPTH = 4

Reader = Callable[[str], "SourceText | None"]


def _text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _get(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _kustomization(folder: str, read: Reader) -> Node | None:
    from linter.litellm.yamltree import compose

    for name in NAMES:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        source = read(path)
        if source is None:
            return None
        composed = compose(source.text)
        if composed.error is not None or not composed.documents:
            return None
        return composed.documents[0]
    return None


def _patch_targets(root: Node, folder: str, patch: str) -> list[str | None] | None:
    """The names the kustomization patches with this file (None in the list: the patch's own
    name), or None when it does not list the file as a patch."""
    found: list[str | None] = []
    for entry in _items(_get(root, "patchesStrategicMerge")):
        if _text(entry) and os.path.normpath(os.path.join(folder, _text(entry) or "")) == patch:
            found.append(None)
    for entry in _items(_get(root, "patches")):
        path = _text(entry) if isinstance(entry, ScalarNode) else _text(_get(entry, "path"))
        if not path or os.path.normpath(os.path.join(folder, path)) != patch:
            continue
        target = _get(entry, "target")
        kind = _text(_get(target, "kind"))
        if kind is not None and kind != "Ingress":
            continue
        found.append(_text(_get(target, "name")))
    return found or None


def _resource_files(folder: str, root: Node, read: Reader, depth: int = 0) -> list[str]:
    """The manifest files the kustomization's ``resources`` (and ``bases``) bring in."""
    files: list[str] = []
    for key in ("resources", "bases"):
        for entry in _items(_get(root, key)):
            name = _text(entry)
            if not name or "://" in name:
                continue  # a remote base: not in the repository
            target = os.path.normpath(os.path.join(folder, name))
            if os.path.isdir(target):
                inner = _kustomization(target, read) if depth < _DEPTH else None
                if inner is not None:
                    files.extend(_resource_files(target, inner, read, depth + 1))
            elif os.path.isfile(target):
                files.append(target)
    return files


def merged(
    patch: Ingress,
    read: Reader,
    read_manifests: Callable[[str], ManifestSet | None],
    inside: Callable[[str], bool],
) -> Ingress | None:
    """The Ingress a kustomization makes of this patch and its base, or None."""
    if patch.paths:
        return None  # a whole Ingress (or a patch that rewrites the routes): judged as written
    folder = os.path.dirname(patch.file)
    for _ in range(_UP):
        if not inside(folder):
            return None
        root = _kustomization(folder, read)
        targets = _patch_targets(root, folder, patch.file) if root is not None else None
        if root is not None and targets is not None:
            names = {target or patch.name for target in targets}
            if len(names) != 1:
                return None
            name = names.pop()
            bases = []
            for path in _resource_files(folder, root, read):
                found = read_manifests(path)
                if found is not None:
                    bases += [i for i in found.ingresses if i.name == name and i.paths]
            if len(bases) != 1:
                return None
            return _merge(bases[0], patch)
        folder = os.path.dirname(folder)
    return None


def _merge(base: Ingress, patch: Ingress) -> Ingress:
    """A strategic merge of the patch's annotations and class over the base; the base's
    routes, reported at the patch's name (where the overlay is written)."""
    annotations = dict(base.annotations)
    annotations.update(patch.annotations)
    return replace(
        base,
        name=patch.name,
        file=patch.file,
        where=patch.where,
        annotations=annotations,
        annotations_unknown=base.annotations_unknown or patch.annotations_unknown,
        class_name=patch.class_name if patch.class_name is not None else base.class_name,
        paths=[replace(item, where=patch.where) for item in base.paths],
        patched_from=base.file,
    )
