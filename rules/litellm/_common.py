"""What the LiteLLM rules share: reporting on a node of any file of the config, reading
second counts, and the byte-exact edits their fixes are made of."""

from __future__ import annotations

import re
from collections.abc import Iterable

from yaml.nodes import MappingNode, Node, ScalarNode

from linter.litellm.model import LiteLLMDocument, YamlFile
from linter.model import Edit, Finding, Fix, Severity
from linter.registry import Rule

_DURATION = re.compile(
    r"^\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>ms|msec|s|sec|secs|second|seconds|m|min|mins|"
    r"minute|minutes|h|hr|hrs|hour|hours)?\s*$",
    re.IGNORECASE,
)
_UNIT_SECONDS = {
    "ms": 0.001,
    "msec": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
}


def duration_seconds(text: str) -> tuple[float, bool] | None:
    """Seconds in ``"30s"``, ``"2m"``, ``"1.5 h"``, ``"600"``; and whether a unit was written.
    None when the text is not one number with at most one unit (``"1h30m"``, ``"soon"``)."""
    match = _DURATION.match(text)
    if match is None:
        return None
    number = float(match.group("number"))
    unit = match.group("unit")
    if unit is None:
        return number, False
    if unit == "M":  # months in nginx, minutes nowhere: not a certain intent
        return None
    return number * _UNIT_SECONDS[unit.lower()], True


def seconds_option(raw: object) -> float:
    """A threshold in seconds from config: ``30``, ``30.5`` or ``"30s"`` / ``"2m"``."""
    if isinstance(raw, bool):
        raise ValueError('expected a number of seconds such as 30 or "30s"')
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str) and (parsed := duration_seconds(raw)) is not None:
        value = parsed[0]
    else:
        raise ValueError(f'expected a number of seconds such as 30 or "30s", not {raw!r}')
    if value <= 0:
        raise ValueError("must be more than 0 seconds")
    return value


def positive_int_option(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise ValueError(f"expected a positive whole number, not {raw!r}")
    return raw


def report(
    rule: Rule,
    document: LiteLLMDocument,
    path: str,
    node: Node,
    message: str,
    *,
    fix: Fix | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding on a node's own text (after its anchor and tag), in the file holding it."""
    yaml_file = document.files[path]
    start, end = yaml_file.span(node)
    if isinstance(node, (MappingNode,)) and node.value:
        # A whole mapping: point at its first key, not at every line below.
        start, end = yaml_file.span(node.value[0][0])
    return rule.report(yaml_file.source, start, end, message, fix=fix, severity=severity)


def quoted_replacement(yaml_file: YamlFile, node: ScalarNode, new_value: str) -> Edit:
    """Replace a scalar's value, keeping its quotes when it has them."""
    start, end = yaml_file.span(node)
    text = yaml_file.text
    if node.style in ("'", '"') and end - start >= 2 and text[start] == node.style:
        return Edit(yaml_file.path, start + 1, end - 1, new_value)
    return Edit(yaml_file.path, start, end, new_value)


def plain_replacement(yaml_file: YamlFile, node: ScalarNode, new_value: str) -> Edit:
    """Replace a scalar, quotes and all, by plain text (a number)."""
    start, end = yaml_file.span(node)
    return Edit(yaml_file.path, start, end, new_value)


def can_edit(yaml_file: YamlFile, *nodes: Node) -> bool:
    """Safe to edit in place: single-line scalars that no alias shares."""
    for node in nodes:
        if yaml_file.is_shared(node):
            return False
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                return False
            start, end = yaml_file.span(node)
            if "\n" in yaml_file.text[start:end]:
                return False
    return True


def names(items: Iterable[str], limit: int = 4) -> str:
    """`a`, `b`, `c` and 2 more."""
    listed = list(dict.fromkeys(items))
    shown = ", ".join(f"`{item}`" for item in listed[:limit])
    if len(listed) > limit:
        shown += f" and {len(listed) - limit} more"
    return shown


def comment_kept_in_place(yaml_file: YamlFile, node: ScalarNode, edit: Edit) -> Edit:
    """``edit`` (which replaces ``node``'s value) widened over the blanks before a comment
    that ends the line, so that the comment keeps its column: a shorter value gets more
    blanks, a longer one fewer (at least one: YAML needs it before ``#``). Tabs in the gap
    or anything but a comment after the value leave the edit as it is."""
    text = yaml_file.text
    _, node_end = yaml_file.span(node)
    gap_end = node_end
    while gap_end < len(text) and text[gap_end] == " ":
        gap_end += 1
    if gap_end == node_end or gap_end >= len(text) or text[gap_end] != "#":
        return edit
    grown = len(edit.content) - (edit.end - edit.start)
    blanks = max(1, gap_end - node_end - grown)
    closing = text[edit.end : node_end]  # the closing quote when the edit keeps the quotes
    return Edit(edit.path, edit.start, gap_end, edit.content + closing + " " * blanks)


def trailing_comment(yaml_file: YamlFile, node: Node) -> str:
    """The comment that ends the line of ``node``'s value ("" when there is none)."""
    text = yaml_file.text
    _, end = yaml_file.span(node)
    line_end = len(text)
    for newline in ("\n", "\r"):
        found = text.find(newline, end)
        if 0 <= found < line_end:
            line_end = found
    rest = text[end:line_end]
    stripped = rest.lstrip(" \t")
    return stripped if stripped.startswith("#") and len(stripped) < len(rest) else ""
