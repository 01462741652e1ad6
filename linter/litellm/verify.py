"""Did a fix change the config only where its edits meant to?

The fixed file is composed again and compared, node by node, with the one before: mapping keys
as yaml.safe_load sees them (merge keys applied, the last duplicate winning), list items in
order, scalars by tag and value. Every difference must lie where an edit replaced text, or
consist of keys that an edit inserted. Pairs of nodes are compared once each, so aliases cost
nothing (a "billion laughs" file is compared in the time of its size).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Document
from linter.litellm.model import LiteLLMDocument, YamlFile
from linter.model import Edit

# The only keys a LiteLLM fix adds: a default under a deployment's `litellm_params` (LIT003),
# or that `litellm_params` itself when the deployment had none.
_INSERTABLE = re.compile(r"^model_list\[\d+\]\.litellm_params(?:\.[^.\[\]]+)?$")


def verify_fix(before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
    if not isinstance(before, LiteLLMDocument) or not isinstance(after, LiteLLMDocument):
        return "not a LiteLLM config"
    for path in after.files:
        if path not in before.files:
            return f"after the fix the config reads another file ({path})"
    for path, old in before.files.items():
        new = after.files.get(path)
        if new is None:
            return f"after the fix the config no longer reads {path}"
        reason = _compare_file(old, new, [e for e in edits if e.path == path])
        if reason:
            return reason
    return None


class _Edits:
    """Where the edits of one file lie, before and after they were applied."""

    def __init__(self, edits: Sequence[Edit]) -> None:
        self.before: list[tuple[int, int]] = []
        self.after: list[tuple[int, int]] = []
        shift = 0
        for edit in sorted(edits, key=lambda e: (e.start, e.end)):
            self.before.append((edit.start, edit.end))
            start = edit.start + shift
            self.after.append((start, start + len(edit.content)))
            shift += len(edit.content) - (edit.end - edit.start)

    def touches(self, start: int, end: int) -> bool:
        """An edit replaced text within [start, end] of the old text (or inserted at its edge)."""
        for edit_start, edit_end in self.before:
            if edit_start == edit_end:
                if start <= edit_start <= end:
                    return True
            elif edit_start < end and start < edit_end:
                return True
        return False

    def inserted(self, start: int, end: int) -> bool:
        """[start, end) of the new text lies wholly in text an edit put there."""
        return any(a <= start and end <= b for a, b in self.after)


def _compare_file(old: YamlFile, new: YamlFile, edits: Sequence[Edit]) -> str | None:
    old_docs = old.composed.documents
    new_docs = new.composed.documents
    if len(old_docs) != len(new_docs):
        return "the fix changed the number of YAML documents in the file"
    where = _Edits(edits)
    done: set[tuple[int, int]] = set()
    stack: list[tuple[Node, Node, str]] = [
        (a, b, "") for a, b in zip(old_docs, new_docs, strict=True)
    ]
    while stack:
        a, b, label = stack.pop()
        pair = (id(a), id(b))
        if pair in done:
            continue
        done.add(pair)
        a_start, a_end = a.start_mark.index, a.end_mark.index
        if type(a) is not type(b):
            return _changed(old, a, label)  # no fix turns a value into a list or a mapping
        if a.tag != b.tag:
            if isinstance(a, ScalarNode) and where.touches(a_start, a_end):
                continue  # "30s" (a string) rewritten as 30 (a number)
            return _changed(old, a, label)
        if isinstance(a, ScalarNode):
            if a.value != b.value and not where.touches(a_start, a_end):
                return _changed(old, a, label)
        elif isinstance(a, SequenceNode):
            assert isinstance(b, SequenceNode)
            if len(a.value) != len(b.value):
                if where.touches(a_start, a_end):
                    continue
                return _changed(old, a, label)
            for index, (x, y) in enumerate(zip(a.value, b.value, strict=True)):
                stack.append((x, y, f"{label}[{index}]"))
        elif isinstance(a, MappingNode):
            assert isinstance(b, MappingNode)
            a_items = old.items(a)
            b_items = new.items(b)
            for name, entry in a_items.items():
                other = b_items.get(name)
                child = f"{label}.{name}" if label else name
                if other is None:
                    if where.touches(entry.key.start_mark.index, entry.value.end_mark.index):
                        continue
                    return f"the fix removed `{child}` (line {old.line(entry.key)})"
                stack.append((entry.value, other.value, child))
            for name, entry in b_items.items():
                if name in a_items:
                    continue
                child = f"{label}.{name}" if label else name
                if not where.inserted(entry.key.start_mark.index, entry.value.start_mark.index):
                    return f"the fix added `{child}` where no edit inserted it"
                if not _INSERTABLE.match(child):
                    return (
                        f"the fix added `{child}`; fixes only add keys under a deployment's "
                        "`litellm_params`"
                    )
    return None


def _changed(old: YamlFile, node: Node, label: str) -> str:
    return (
        f"the fix changed `{label or 'the document'}` (line {old.line(node)}), which it was not "
        "meant to touch"
    )


def compare_yaml_file(old: YamlFile, new: YamlFile, edits: Sequence[Edit]) -> str | None:
    """The node-by-node comparison above, for other kinds that fix YAML in place (their
    fixes replace scalars and insert no keys)."""
    return _compare_file(old, new, edits)
