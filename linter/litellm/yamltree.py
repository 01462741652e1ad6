"""YAML as PyYAML's safe loader composes it: a tree of nodes that keep their offsets.

Nothing here constructs Python objects from the file, so an alias is the very node its anchor
names (followed by identity, never expanded: a "billion laughs" file costs its size), a tag
PyYAML's safe loader does not know is only recorded, and duplicate keys stay visible.

Offsets: PyYAML's marks count characters of the decoded text, CRLF as two, and that is what
``SourceText.text`` holds (the BOM is stripped before), so ``mark.index`` is an offset into
``SourceText.text`` as it is. Only libyaml's reader errors count bytes; they are converted.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's composer is several times faster; the pure one gives LiteLLM's own messages
    from yaml import CSafeLoader as FastLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

TAG = "tag:yaml.org,2002:"
STR_TAG = TAG + "str"
MERGE_TAG = TAG + "merge"
VALUE_TAG = TAG + "value"
# What yaml.safe_load (LiteLLM's loader) can construct; anything else makes it fail.
STANDARD_TAGS = frozenset(
    TAG + name
    for name in (
        "null", "bool", "int", "float", "binary", "timestamp", "omap", "pairs", "set",
        "str", "seq", "map", "merge",
    )
)
_PROPERTY = re.compile(r"(?:&[^\s,\[\]{}]+|!<[^>]*>|![^\s,\[\]{}]*)")
_VALUE, _ITEM, _KEY = 0, 1, 2
_SECRETISH_KEY = re.compile(r"key|secret|password|token|url|credential", re.IGNORECASE)


@dataclass(frozen=True)
class YamlError:
    """Why the text is not YAML that ``yaml.safe_load`` accepts, and where."""

    offset: int
    message: str
    end: int = -1


@dataclass
class Composed:
    """Every document of one file, and what a single pass over its nodes noticed."""

    documents: list[Node] = field(default_factory=list)
    error: YamlError | None = None
    # Mappings holding a key twice: (mapping, first key, repeated key).
    duplicates: list[tuple[MappingNode, Node, Node]] = field(default_factory=list)
    # Nodes whose tag yaml.safe_load cannot construct.
    odd_tags: list[Node] = field(default_factory=list)
    # ``<<`` merge keys whose value is not a mapping nor a list of mappings.
    bad_merges: list[Node] = field(default_factory=list)
    # id() of every node reachable through an alias (the anchored node and all below it):
    # editing one of them changes every place that refers to it.
    shared: set[int] = field(default_factory=set)
    # Quoted and block scalars with a '#' inside: their text is no comment.
    hash_scalars: list[tuple[int, int]] = field(default_factory=list)
    # Scalar values that mention '$' or 'os.environ', with whether they sit directly in a list.
    env_candidates: list[tuple[ScalarNode, bool]] = field(default_factory=list)
    # (key, value) pairs whose key name looks like it holds a secret.
    secret_candidates: list[tuple[ScalarNode, Node]] = field(default_factory=list)
    node_count: int = 0


def compose(text: str) -> Composed:
    """Compose all documents of ``text``; never raises for bad content."""
    result = Composed()
    enabled = gc.isenabled()
    # Composing allocates one object per node and mark and frees none: the cyclic collector
    # would walk the growing heap again and again (6 s instead of 0.8 s for 8 MB).
    gc.disable()
    try:
        try:
            result.documents = _compose_all(text, FastLoader)
        except yaml.YAMLError:
            # libyaml and PyYAML disagree on a few edge cases; LiteLLM loads with PyYAML's
            # pure loader, so its verdict (and its message) is the one that counts.
            try:
                result.documents = _compose_all(text, yaml.SafeLoader)
            except yaml.YAMLError as exc:
                result.documents = []
                result.error = _error_of(exc, text)
        except (RecursionError, MemoryError) as exc:
            result.error = YamlError(0, f"YAML nested too deeply to read ({type(exc).__name__})")
        if result.error is None:
            _survey(result, text)
    finally:
        if enabled:
            gc.enable()
    return result


def _compose_all(text: str, loader_class: type) -> list[Node]:
    loader = loader_class(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(node)
        return documents
    finally:
        loader.dispose()


def _error_of(exc: yaml.YAMLError, text: str) -> YamlError:
    if isinstance(exc, yaml.reader.ReaderError):
        offset = exc.position
        if exc.encoding == "?":  # libyaml counts bytes of the UTF-8 input
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        return YamlError(
            offset, f"invalid YAML: character {exc.character!r} is not allowed in YAML", offset + 1
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context_mark is not None:
            message = f"{message} ({exc.context} at line {exc.context_mark.line + 1})"
        return YamlError(offset, f"invalid YAML: {message}")
    return YamlError(0, f"invalid YAML: {exc}")


def _survey(result: Composed, text: str) -> None:
    """One pass over every node (each once, however many aliases point at it)."""
    seen: set[int] = set()
    aliased: list[Node] = []
    check_tags = "!" in text
    check_env = "$" in text or "os.environ" in text
    # Each node comes with its role: _VALUE (a document or mapping value), _ITEM (directly in
    # a list) or _KEY (a mapping key).
    stack: list[tuple[Node, int]] = [(doc, _VALUE) for doc in reversed(result.documents)]
    count = 0
    while stack:
        node, role = stack.pop()
        node_id = id(node)
        if node_id in seen:
            aliased.append(node)
            continue
        seen.add(node_id)
        count += 1
        if check_tags and node.tag not in STANDARD_TAGS:
            result.odd_tags.append(node)
        if isinstance(node, ScalarNode):
            value = node.value
            if node.style and node.style in "\"'|>" and "#" in value:
                result.hash_scalars.append((node.start_mark.index, node.end_mark.index))
            if check_env and role != _KEY and ("$" in value or "os.environ" in value):
                result.env_candidates.append((node, role == _ITEM))
        elif isinstance(node, MappingNode):
            pairs = node.value
            names: dict[tuple[str, str], Node] = {}
            for key, value in pairs:
                if isinstance(key, ScalarNode):
                    if key.tag == MERGE_TAG:
                        if not _mergeable(value):
                            result.bad_merges.append(key)
                    else:
                        ident = (key.tag, key.value)
                        first = names.get(ident)
                        if first is not None:
                            result.duplicates.append((node, first, key))
                        else:
                            names[ident] = key
                        if _SECRETISH_KEY.search(key.value):
                            result.secret_candidates.append((key, value))
            for key, value in reversed(pairs):
                stack.append((value, _VALUE))
                stack.append((key, _KEY))
        elif isinstance(node, SequenceNode):
            for item in reversed(node.value):
                stack.append((item, _ITEM))
    result.node_count = count
    if aliased:
        result.shared = _below(aliased)


def _mergeable(node: Node) -> bool:
    if isinstance(node, MappingNode):
        return True
    return isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value)


def _below(roots: list[Node]) -> set[int]:
    found: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in found:
            continue
        found.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return found


# --- reading nodes -----------------------------------------------------------------------------


def key_text(node: Node) -> str | None:
    """A mapping key as LiteLLM sees it (a string), or None for a non-scalar key."""
    if isinstance(node, ScalarNode) and node.tag != MERGE_TAG:
        return str(node.value)
    return None


def flattened_pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """(key, value) pairs in the order SafeConstructor applies them: merged mappings first
    (the first of a merged list winning over the later ones), then the explicit keys. As
    in a dict, a later pair with the same key replaces an earlier one."""
    return _flatten(node, set())


def _flatten(node: MappingNode, active: set[int]) -> list[tuple[Node, Node]]:
    if id(node) in active:  # a mapping merged into itself: PyYAML would recurse forever
        return []
    active = active | {id(node)}
    merged: list[tuple[Node, Node]] = []
    explicit: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == MERGE_TAG:
            if isinstance(value, MappingNode):
                merged.extend(_flatten(value, active))
            elif isinstance(value, SequenceNode):
                parts = [_flatten(item, active) for item in value.value if isinstance(item, MappingNode)]
                for part in reversed(parts):
                    merged.extend(part)
        else:
            explicit.append((key, value))
    return merged + explicit


def content_start(text: str, node: Node) -> int:
    """Where a node's own text starts, after its anchor and tag (``&a !!str 10`` -> ``10``)."""
    position = node.start_mark.index
    end = max(position, node.end_mark.index)
    while position < end and text[position] in "&!":
        match = _PROPERTY.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        while position < end and text[position] in " \t\r\n":
            position += 1
    return position


def span(text: str, node: Node) -> tuple[int, int]:
    """The node's own text: from after its properties to its end."""
    start = content_start(text, node)
    return start, max(start, node.end_mark.index)


def walk(node: Node) -> Iterator[tuple[Node, Node | None, Node | None]]:
    """Every node once, with its parent and (for mapping values) its key."""
    seen: set[int] = set()
    stack: list[tuple[Node, Node | None, Node | None]] = [(node, None, None)]
    while stack:
        current, parent, key = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current, parent, key
        if isinstance(current, MappingNode):
            for k, v in reversed(current.value):
                stack.append((v, current, k))
        elif isinstance(current, SequenceNode):
            for item in reversed(current.value):
                stack.append((item, current, None))


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == TAG + "null"
