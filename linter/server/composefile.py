"""Compose files as launch lines: a service's ``command``/``entrypoint`` as words that keep
their place in the YAML text, with compose's ``${VAR:-default}`` interpolation resolved to the
default, and the lookup of a service's keys."""

from __future__ import annotations

import re
from collections.abc import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.server.shell import Word, split_commands

_INTERPOLATION = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)


def node_commands(text: str, node: Node, env: dict[str, str]) -> list[list[Word]]:
    """A compose ``command``/``entrypoint`` as commands of words: a string split as words
    (newlines are blanks), a list item by item; nothing when it cannot be read in place."""
    if isinstance(node, ScalarNode):
        span_start, span_end = scalar_span(text, node)
        if span_start is None:
            return []
        return split_commands(text, span_start, span_end, env, newline_ends_command=False)
    if isinstance(node, SequenceNode):
        words = [scalar_word(text, item) for item in node.value if isinstance(item, ScalarNode)]
        if words and all(word is not None for word in words):
            return [[w for w in words if w is not None]]
    return []


def value_of(
    mapping: MappingNode,
    key: str,
    pairs: Callable[[MappingNode], list[tuple[Node, Node]]],
    key_text: Callable[[Node], str | None],
) -> Node | None:
    for key_node, value in pairs(mapping):
        if key_text(key_node) == key:
            return value
    return None


def scalar_span(text: str, node: ScalarNode) -> tuple[int | None, int]:
    """Where a scalar's text can be split as shell words in place: plain and quoted scalars
    without escapes, and block scalars (their indentation is blank space to the shell)."""
    start, end = node.start_mark.index, node.end_mark.index
    raw = text[start:end]
    if node.style in ("|", ">"):
        newline = raw.find("\n")
        return (start + newline + 1, end) if newline >= 0 else (None, end)
    if node.style in ("'", '"'):
        if raw[1:-1] == node.value:
            return start + 1, end - 1
        return None, end
    if "\n" in raw:
        return None, end
    return start, end


def scalar_word(text: str, node: ScalarNode) -> Word | None:
    """A list item as one word (compose list form: no shell splitting), with compose's
    ``${VAR:-default}`` interpolation resolved to the default."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    value = str(node.value)
    known = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal known
        if match.group(2) is not None:
            return match.group(2)
        known = False
        return ""

    if "$" in value:
        value = _INTERPOLATION.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")
    return Word(value, start, end, known)
