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
from collections.abc import Callable, Iterator
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
        "null",
        "bool",
        "int",
        "float",
        "binary",
        "timestamp",
        "omap",
        "pairs",
        "set",
        "str",
        "seq",
        "map",
        "merge",
    )
)
_PROPERTY = re.compile(r"(?:&[^\s,\[\]{}]+|!<[^>]*>|![^\s,\[\]{}]*)")
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


# Deeper nesting than this is refused before composing: PyYAML's pure loader (LiteLLM's) gives
# up with RecursionError far earlier, and libyaml's composer recurses in C, so a file nested
# 100,000 levels deep would crash the interpreter instead of raising.
MAX_DEPTH = 1000
# Above this size an error is reported as libyaml gives it: re-reading a large file with the
# pure-Python loader only to word the message as LiteLLM would costs seconds per megabyte.
PURE_RETRY_LIMIT = 256 * 1024


def compose(text: str) -> Composed:
    """Compose all documents of ``text``; never raises for bad content."""
    result = Composed()
    enabled = gc.isenabled()
    # Composing allocates one object per node and mark and frees none: the cyclic collector
    # would walk the growing heap again and again (6 s instead of 0.8 s for 8 MB).
    gc.disable()
    try:
        result.documents, result.error = _compose_safely(text)
        if result.error is None:
            _survey(result, text)
        # Move what was just built to the oldest generation in one step (no traversal), so
        # later young collections do not walk the whole tree again and again.
        gc.freeze()
        gc.unfreeze()
    finally:
        if enabled:
            gc.enable()
    return result


def _compose_safely(text: str) -> tuple[list[Node], YamlError | None]:
    if not _libyaml_refuses_deep_nesting():
        deep = _too_deep(text)
        if deep is not None:
            return [], _nesting_error(deep)
    try:
        return _compose_all(text, FastLoader), None
    except yaml.YAMLError as exc:
        deep = _nesting_refused(exc)
        if deep is not None:
            return [], _nesting_error(deep)
        fast_error = exc
    except (RecursionError, MemoryError) as exc:
        return [], YamlError(0, f"invalid YAML for LiteLLM: {type(exc).__name__} while reading it")
    if len(text) > PURE_RETRY_LIMIT or FastLoader is yaml.SafeLoader:
        return [], _error_of(fast_error, text)
    # libyaml and PyYAML disagree on a few edge cases; LiteLLM loads with PyYAML's pure
    # loader, so its verdict (and its message) is the one that counts.
    try:
        return _compose_all(text, yaml.SafeLoader), None
    except yaml.YAMLError as exc:
        return [], _error_of(exc, text)
    except (RecursionError, MemoryError):
        return [], _error_of(fast_error, text)


def _nesting_error(offset: int) -> YamlError:
    return YamlError(
        offset,
        f"invalid YAML for LiteLLM: nested more than {MAX_DEPTH} levels deep, which "
        "yaml.safe_load cannot read (RecursionError)",
    )


def _nesting_refused(exc: yaml.YAMLError) -> int | None:
    """Where libyaml refused a level past its limit (libyaml 0.2.6, in PyYAML 6.0.4 wheels:
    "exceeded maximum nesting depth", from its scanner, before the composer recurses)."""
    mark = getattr(exc, "problem_mark", None)
    if "maximum nesting depth" in str(getattr(exc, "problem", "")) and mark is not None:
        return int(mark.index)
    return None


# Whether each loader refuses nesting past MAX_DEPTH by itself (asked once per loader).
_REFUSES_DEEP: dict[type, bool] = {}


def _libyaml_refuses_deep_nesting() -> bool:
    """Does the C loader refuse nesting past MAX_DEPTH itself? Then composing is safe as it
    is, and the separate pass over the events (a second parse: a third of the time for an
    8 MB flow-style file) is not needed. Asked of the loader itself, not of version numbers."""
    refuses = _REFUSES_DEEP.get(FastLoader)
    if refuses is None:
        refuses = False
        if FastLoader is not yaml.SafeLoader:
            probe = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
            try:
                _compose_all(probe, FastLoader)
            except yaml.YAMLError as exc:
                refuses = _nesting_refused(exc) is not None
        _REFUSES_DEEP[FastLoader] = refuses
    return refuses


def _too_deep(text: str) -> int | None:
    """Where nesting first goes deeper than MAX_DEPTH, or None. A cheap bound first (each
    level needs a bracket or at least one more column on some line), events only past it."""
    brackets = text.count("[") + text.count("{")
    if brackets + max(map(len, text.split("\n"))) <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=FastLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.index)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        return _nesting_refused(exc)  # any other error: composing reports it
    return None


class _CachingResolver:
    """Resolves each distinct plain scalar once (a config repeats its values a lot); the safe
    loader has no path resolvers, so the tag depends on the value and the style alone."""

    def __init__(self, resolve: Callable[[type, str, tuple[bool, bool]], str]) -> None:
        self._resolve = resolve
        self._tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def __call__(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return self._resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = self._resolve(kind, value, implicit)
        return tag


def _compose_all(text: str, loader_class: type) -> list[Node]:
    loader = loader_class(text)
    loader.resolve = _CachingResolver(loader.resolve)
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
        problem, context = exc.problem_mark, exc.context_mark
        if problem is not None and context is not None and problem.index >= len(text.rstrip()):
            # "found unexpected end of stream": where the unfinished thing starts says more.
            return YamlError(
                context.index,
                f"invalid YAML: {exc.context} here: {exc.problem} at line {problem.line + 1}",
            )
        mark = problem or context
        offset = mark.index if mark is not None else 0
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and context is not None:
            message = f"{message} ({exc.context} at line {context.line + 1})"
        return YamlError(offset, f"invalid YAML: {message}")
    return YamlError(0, f"invalid YAML: {exc}")


def _survey(result: Composed, text: str) -> None:
    """One pass over every node (each once, however many aliases point at it). Written for
    speed: an 8 MB config has over a million nodes."""
    seen: set[int] = set()
    aliased: list[Node] = []
    check_tags = "!" in text
    check_env = "$" in text or "os.environ" in text
    secretish: dict[str, bool] = {}
    odd_tags = result.odd_tags
    hash_scalars = result.hash_scalars
    env_candidates = result.env_candidates
    # Nodes to visit, with whether they sit directly in a list (mapping keys are checked
    # with their mapping, never pushed).
    stack: list[tuple[Node, bool]] = [(doc, False) for doc in reversed(result.documents)]
    count = 0
    while stack:
        node, in_list = stack.pop()
        node_id = id(node)
        if node_id in seen:
            aliased.append(node)
            continue
        seen.add(node_id)
        count += 1
        if check_tags and node.tag not in STANDARD_TAGS:
            odd_tags.append(node)
        if isinstance(node, ScalarNode):
            value = node.value
            style = node.style
            if style and style in "\"'|>" and "#" in value:
                hash_scalars.append((node.start_mark.index, node.end_mark.index))
            if check_env and ("$" in value or "os.environ" in value):
                env_candidates.append((node, in_list))
        elif isinstance(node, MappingNode):
            pairs = node.value
            if len(pairs) > 1:
                names = [key.value for key, _ in pairs if key.__class__ is ScalarNode]
                if len(set(names)) != len(names):
                    _duplicates(result, node)
            for key, value in pairs:
                if not isinstance(key, ScalarNode):
                    stack.append((key, False))  # a complex key: rare, visited as a node
                    continue
                count += 1
                tag = key.tag
                if check_tags and tag not in STANDARD_TAGS:
                    odd_tags.append(key)
                name = key.value
                if key.style and "#" in name:
                    hash_scalars.append((key.start_mark.index, key.end_mark.index))
                if tag == MERGE_TAG:
                    if not _mergeable(value):
                        result.bad_merges.append(key)
                else:
                    hit = secretish.get(name)
                    if hit is None:
                        hit = secretish[name] = _SECRETISH_KEY.search(name) is not None
                    if hit:
                        result.secret_candidates.append((key, value))
            for _, value in reversed(pairs):
                stack.append((value, False))
        elif isinstance(node, SequenceNode):
            for item in reversed(node.value):
                stack.append((item, True))
    result.node_count = count
    if aliased:
        result.shared = _below(aliased)


def _duplicates(result: Composed, mapping: MappingNode) -> None:
    first_of: dict[tuple[str, str], Node] = {}
    for key, _ in mapping.value:
        if key.__class__ is not ScalarNode or key.tag == MERGE_TAG:
            continue
        ident = (key.tag, key.value)
        first = first_of.get(ident)
        if first is None:
            first_of[ident] = key
        else:
            result.duplicates.append((mapping, first, key))


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
    for key, _ in node.value:
        if key.tag == MERGE_TAG:
            return _flatten(node, set(), {})
    return list(node.value)


def _flatten(
    node: MappingNode, active: set[int], memo: dict[int, list[tuple[Node, Node]]]
) -> list[tuple[Node, Node]]:
    """Each mapping is flattened once and keeps one pair per key (the one a dict keeps): a
    chain of mappings that each merge the two before would otherwise double at every step
    (60 of them took minutes and gigabytes)."""
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in active:  # a mapping merged into itself: PyYAML would recurse forever
        return []
    active = active | {id(node)}
    merged: list[tuple[Node, Node]] = []
    explicit: list[tuple[Node, Node]] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == MERGE_TAG:
            if isinstance(value, MappingNode):
                merged.extend(_flatten(value, active, memo))
            elif isinstance(value, SequenceNode):
                parts = [
                    _flatten(item, active, memo)
                    for item in value.value
                    if isinstance(item, MappingNode)
                ]
                for part in reversed(parts):
                    merged.extend(part)
        else:
            explicit.append((key, value))
    winners: dict[object, tuple[Node, Node]] = {}
    for key, value in merged + explicit:
        name = key_text(key)
        marker: object = name if name is not None else id(key)
        winners.pop(marker, None)  # the order a dict gives: where the winning pair came
        winners[marker] = (key, value)
    memo[id(node)] = list(winners.values())
    return memo[id(node)]


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
