"""The LiteLLM proxy config as the rules see it: files, sections, deployments and values.

Everything points back at a node of one file (``Entry.path``), so a finding lands on the exact
key or value, in the file that holds it, however the config was assembled from includes.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Document
from linter.litellm import known
from linter.litellm.yamltree import TAG, Composed, flattened_pairs, key_text, span
from linter.source import SourceText

ENV_PREFIX = "os.environ/"


@dataclass
class YamlFile:
    """One file of the config, composed."""

    source: SourceText
    composed: Composed
    # The document LiteLLM reads (yaml.safe_load reads exactly one) when it is a mapping.
    root: MappingNode | None = None
    _items: dict[int, dict[str, Entry]] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def text(self) -> str:
        return self.source.text

    def items(self, node: Node | None) -> dict[str, Entry]:
        """A mapping's keys as LiteLLM sees them (merge keys applied, the last duplicate
        winning); empty for anything that is not a mapping."""
        if not isinstance(node, MappingNode):
            return {}
        cached = self._items.get(id(node))
        if cached is None:
            cached = {}
            for key, value in flattened_pairs(node):
                name = key_text(key)
                if name is not None:
                    cached.pop(name, None)  # keep dict order = order of the winning pairs
                    cached[name] = Entry(self.path, key, value)
            self._items[id(node)] = cached
        return cached

    def get(self, node: Node | None, *path: str) -> Node | None:
        """The value at ``path`` of mapping keys below ``node`` (as ``items`` reads each
        mapping); None where a step is missing or not a mapping."""
        for part in path:
            if not isinstance(node, MappingNode):
                return None
            entry = self.items(node).get(part)
            node = entry.value if entry is not None else None
        return node

    def span(self, node: Node) -> tuple[int, int]:
        return span(self.text, node)

    def line(self, node: Node) -> int:
        return self.source.position(node.start_mark.index)[0]

    def is_shared(self, node: Node) -> bool:
        """True when an alias elsewhere refers to this node (or to a node around it)."""
        return id(node) in self.composed.shared


class Entry(NamedTuple):
    """A key and its value, in the file at ``path``. (A named tuple: an 8 MB config makes
    hundreds of thousands, and a frozen dataclass is several times slower to build.)"""

    path: str
    key: Node
    value: Node

    @property
    def name(self) -> str:
        return key_text(self.key) or ""


class ValueKind(enum.Enum):
    NUMBER = "number"
    ENV = "env"  # os.environ/NAME: known-unknown, never guessed
    NULL = "null"
    BOOL = "bool"
    TEXT = "text"  # a string that is not a number
    COLLECTION = "collection"
    OTHER = "other"


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    number: float | None = None
    text: str = ""
    # A number written as a string ("600"): LiteLLM's float() reads it all the same.
    quoted: bool = False

    @property
    def is_set(self) -> bool:
        """Truthy in LiteLLM's ``a or b`` fallback chains: 0, null, false and "" fall through
        to the next setting. An env reference counts as set (its value is unknown)."""
        if self.kind is ValueKind.NUMBER:
            return self.quoted or self.number != 0
        if self.kind is ValueKind.NULL:
            return False
        if self.kind is ValueKind.BOOL:
            return self.text.lower() in ("true", "yes", "on", "y")
        if self.kind is ValueKind.TEXT:
            return self.text != ""
        return True


_CONSTRUCTOR = yaml.constructor.SafeConstructor


def value_of(node: Node) -> Value:
    """What a scalar means to LiteLLM, which reads numbers with ``float()``."""
    if isinstance(node, (MappingNode, SequenceNode)):
        return Value(ValueKind.COLLECTION)
    if not isinstance(node, ScalarNode):
        return Value(ValueKind.OTHER)
    raw = str(node.value)
    tag = node.tag
    if tag == TAG + "null":
        return Value(ValueKind.NULL, text=raw)
    if tag == TAG + "bool":
        return Value(ValueKind.BOOL, text=raw)
    if tag in (TAG + "int", TAG + "float"):
        if raw.isdigit():  # the common case, without a constructor
            return Value(ValueKind.NUMBER, float(raw), raw)
        try:
            constructor = _CONSTRUCTOR()
            number = (
                constructor.construct_yaml_int(node)
                if tag == TAG + "int"
                else constructor.construct_yaml_float(node)
            )
        except (ValueError, TypeError, yaml.YAMLError):
            return Value(ValueKind.OTHER, text=raw)
        try:
            return Value(ValueKind.NUMBER, float(number), raw)
        except OverflowError:  # an int of 5,000 hex digits: past any float, so infinite
            return Value(ValueKind.NUMBER, math.inf if number > 0 else -math.inf, raw)
    if tag == TAG + "str":
        if raw.startswith(ENV_PREFIX):
            return Value(ValueKind.ENV, text=raw)
        try:
            return Value(ValueKind.NUMBER, float(raw), raw, quoted=True)
        except ValueError:
            return Value(ValueKind.TEXT, text=raw)
    return Value(ValueKind.OTHER, text=raw)


def format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


@dataclass
class Deployment:
    """One entry of ``model_list``."""

    file: YamlFile
    node: Node
    index: int
    fields: dict[str, Entry]
    params_entry: Entry | None
    params: dict[str, Entry]
    info: dict[str, Entry]
    # "text", a non-text mode ("embedding", ...), or "unknown", and how it was judged.
    mode: str = "unknown"
    judged_by: str = ""

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def is_text(self) -> bool:
        return self.mode == "text"

    @property
    def name(self) -> str:
        entry = self.fields.get("model_name")
        if entry is not None and isinstance(entry.value, ScalarNode):
            return str(entry.value.value)
        model = self.params.get("model")
        if model is not None and isinstance(model.value, ScalarNode):
            return str(model.value.value)
        return f"#{self.index + 1}"

    @property
    def anchor(self) -> Node:
        """Where findings about the whole deployment point: its ``litellm_params`` key, else
        its first key, else the entry."""
        if self.params_entry is not None:
            return self.params_entry.key
        if isinstance(self.node, MappingNode) and self.node.value:
            return self.node.value[0][0]
        return self.node


def judge_mode(
    params: dict[str, Entry], info: dict[str, Entry], fields: dict[str, Entry]
) -> tuple[str, str]:
    """Is a deployment text generation? By ``model_info.mode``, else by its model names."""
    mode_entry = info.get("mode")
    if mode_entry is not None and isinstance(mode_entry.value, ScalarNode):
        raw = str(mode_entry.value.value).strip()
        if raw.startswith(ENV_PREFIX):
            return "unknown", f"model_info.mode is `{raw}` (set at run time)"
        mode = raw.lower().replace("-", "_")
        mode = known.MODE_SYNONYMS.get(mode, mode)
        shown = f"`model_info.mode: {raw}`" + (f" (read as {mode})" if mode != raw else "")
        if mode in known.TEXT_MODES:
            return "text", shown
        if mode in known.NON_TEXT_MODES:
            return mode, shown
    names: list[tuple[str, str]] = []
    for label, source in (("model", params), ("base_model", info), ("model_name", fields)):
        entry = source.get(label)
        if (
            entry is not None
            and isinstance(entry.value, ScalarNode)
            and entry.value.tag == TAG + "str"
        ):
            text = str(entry.value.value)
            if text and not text.startswith(ENV_PREFIX):
                names.append((label, text))
    for label, text in names:
        lowered = text.lower()
        provider = lowered.split("/", 1)[0] if "/" in lowered else ""
        if provider in known.NON_TEXT_PROVIDERS:
            return known.NON_TEXT_PROVIDERS[provider], f"the provider of {label} `{text}`"
        if _ANY_NON_TEXT_NAME.search(lowered):  # one search for the common (text) case
            for pattern, mode in _NON_TEXT_NAMES:
                if pattern.search(lowered):
                    return mode, f"the {label} `{text}`"
    if not names:
        return "text", "default (no model_info.mode and no readable model name)"
    label, text = names[0]
    return "text", f"the {label} `{text}` (no model_info.mode)"


_NON_TEXT_NAMES = tuple((re.compile(p), mode) for p, mode in known.NON_TEXT_NAME_PATTERNS)
_ANY_NON_TEXT_NAME = re.compile("|".join(f"(?:{p})" for p, _ in known.NON_TEXT_NAME_PATTERNS))


@dataclass(frozen=True)
class IncludeIssue:
    """A trap of ``include:`` (LIT009), at a place in one file."""

    path: str
    start: int
    end: int
    message: str
    severity: str = "error"  # "error", "warning" or "info"


@dataclass
class LiteLLMDocument(Document):
    # Every file read for this unit (main first), composed.
    files: dict[str, YamlFile] = field(default_factory=dict)
    # The config LiteLLM assembles: top-level key -> its entries in the order they are merged
    # (several only for lists appended from included files; else the one that wins).
    config: dict[str, list[Entry]] = field(default_factory=dict)
    deployments: list[Deployment] = field(default_factory=list)
    include_issues: list[IncludeIssue] = field(default_factory=list)
    # False when part of the config could not be read (a missing or unparsable include):
    # rules that need the whole config stay silent rather than guess.
    complete: bool = True

    @property
    def main(self) -> YamlFile | None:
        return self.files.get(self.path)

    def file(self, path: str) -> YamlFile:
        return self.files[path]

    def section(self, name: str) -> Entry | None:
        """The entry that holds a top-level section (the last one when several are merged)."""
        entries = self.config.get(name)
        return entries[-1] if entries else None

    def section_items(self, name: str) -> dict[str, Entry]:
        """A mapping section's keys (``router_settings``, ``litellm_settings``, ...)."""
        entry = self.section(name)
        if entry is None:
            return {}
        return self.files[entry.path].items(entry.value)
