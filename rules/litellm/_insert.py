"""Adding a key to a YAML mapping with a byte-exact edit: a new line at the indentation of its
neighbours in block style, `, key: value` before the closing brace in flow style. Nothing is
re-serialised, so comments, quoting and key order stay as they were."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.litellm.model import YamlFile
from linter.litellm.yamltree import MERGE_TAG
from linter.model import Edit

_ALIAS = re.compile(r"[ \t]*\*[^\s,\[\]{}]+")


def _pair_end(yaml_file: YamlFile, key: Node, value: Node) -> int | None:
    """Where the text of a key's value ends; None when that cannot be told for sure."""
    if value.start_mark.index < key.end_mark.index:
        # An alias: the node is its anchor's, whose marks point elsewhere; the text written
        # here is `*name` after the colon.
        colon = yaml_file.text.find(":", key.end_mark.index)
        match = _ALIAS.match(yaml_file.text, colon + 1) if colon >= 0 else None
        return match.end() if match else None
    return _node_end(yaml_file, value)


def _node_end(yaml_file: YamlFile, node: Node) -> int | None:
    """Where a value's text ends: down through the last entry of each block collection."""
    while True:
        if isinstance(node, ScalarNode):
            return None if node.style in ("|", ">") else node.end_mark.index
        if getattr(node, "flow_style", False):
            return node.end_mark.index
        if isinstance(node, MappingNode) and node.value:
            last_key, last_value = node.value[-1]
            if last_value.start_mark.index < last_key.end_mark.index:
                return _pair_end(yaml_file, last_key, last_value)  # an alias: its `*name`
            node = last_value
        elif isinstance(node, SequenceNode) and node.value:
            if yaml_file.is_shared(node.value[-1]):
                return None  # maybe an alias: its marks may point elsewhere
            node = node.value[-1]
        else:
            return None


def _block_layout(yaml_file: YamlFile, mapping: MappingNode) -> tuple[int, str] | None:
    """For a block mapping: the offset just after the line of its last value, and the
    indentation of its keys."""
    if not mapping.value:
        return None
    first_key = mapping.value[0][0]
    line_start = yaml_file.source.line_start(first_key.start_mark.index)
    if "\t" in yaml_file.text[line_start : first_key.start_mark.index]:
        return None
    # Keys of a block mapping share one column (the first may follow a `- `).
    indent = " " * first_key.start_mark.column
    last_key, last_value = mapping.value[-1]
    end = _pair_end(yaml_file, last_key, last_value)
    if end is None:
        return None
    line_end = yaml_file.text.find("\n", end)
    return (len(yaml_file.text) if line_end < 0 else line_end + 1), indent


def insert_key(yaml_file: YamlFile, mapping: MappingNode, key: str, value: str) -> Edit | None:
    """An edit adding ``key: value`` as the last key of ``mapping``; None when its layout
    makes the place uncertain, or an alias shares it."""
    text = yaml_file.text
    if yaml_file.is_shared(mapping):
        return None
    if mapping.flow_style:
        if not mapping.value:
            opening = text.find("{", mapping.start_mark.index, mapping.end_mark.index)
            return (
                None
                if opening < 0
                else Edit(yaml_file.path, opening + 1, opening + 1, f"{key}: {value}")
            )
        last_key, last_value = mapping.value[-1]
        end = _pair_end(yaml_file, last_key, last_value)
        return None if end is None else Edit(yaml_file.path, end, end, f", {key}: {value}")
    layout = _block_layout(yaml_file, mapping)
    if layout is None:
        return None
    offset, indent = layout
    newline = yaml_file.source.newline
    if offset == len(text) and not text.endswith("\n"):
        return Edit(yaml_file.path, offset, offset, f"{newline}{indent}{key}: {value}")
    return Edit(yaml_file.path, offset, offset, f"{indent}{key}: {value}{newline}")


def insert_mapping(
    yaml_file: YamlFile, mapping: MappingNode, key: str, child_key: str, child_value: str, step: int
) -> Edit | None:
    """An edit adding ``key:`` holding ``child_key: child_value`` to a block mapping without
    merge keys (so the new key cannot collide with a merged one)."""
    if mapping.flow_style or yaml_file.is_shared(mapping):
        return None
    if any(isinstance(k, ScalarNode) and k.tag == MERGE_TAG for k, _ in mapping.value):
        return None
    layout = _block_layout(yaml_file, mapping)
    if layout is None:
        return None
    offset, indent = layout
    newline = yaml_file.source.newline
    lines = f"{indent}{key}:{newline}{indent}{' ' * step}{child_key}: {child_value}"
    text = yaml_file.text
    if offset == len(text) and not text.endswith("\n"):
        return Edit(yaml_file.path, offset, offset, newline + lines)
    return Edit(yaml_file.path, offset, offset, lines + newline)
