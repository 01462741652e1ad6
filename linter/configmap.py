"""Files held in a Kubernetes ConfigMap (``data: <key>: |``), read by a kind as a document of
the YAML file itself.

The YAML text is *masked*: every character outside the chosen literal block scalars becomes
a space (line breaks kept), so the embedded file keeps the exact offsets, lines and columns
it has in the YAML file: findings land on the YAML line, and a fix's edits apply to the YAML
file at the same offsets (an inserted line copies its neighbours' indentation, so it stays
inside the block). Only literal blocks (``|``, ``|-``, ``|+``) are read: a folded (``>``) or
quoted value's text is not its bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
_CONFIGMAP = functools.cache(
    lambda: re.compile(r"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?ConfigMap[\"']?[ \t]*(?:#.*)?\r?$")
)
_CONFIGMAP_BYTES = functools.cache(
    lambda: re.compile(rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?ConfigMap[\"']?[ \t]*(?:#.*)?\r?$")
)
_BLOCK_KEY = r"(?m)^([ \t]+)[\"']?({key})[\"']?[ \t]*:[ \t]*\|[-+]?[1-9]?[ \t]*(?:#.*)?\r?$"


def is_configmap(data: bytes) -> bool:
    return _CONFIGMAP_BYTES().search(data) is not None


def blocks(text: str, key: str) -> list[tuple[str, int, int]]:
    """(key, start, end) of each literal block whose key matches the regex ``key``: the
    lines below the key indented deeper than it."""
    if _CONFIGMAP().search(text) is None:
        return []
    found: list[tuple[str, int, int]] = []
    for match in re.finditer(_BLOCK_KEY.format(key=key), text):
        indent = len(match.group(1).expandtabs())
        start = text.find("\n", match.end())
        if start < 0:
            continue
        start += 1
        cursor = end = start
        while cursor < len(text):
            line_end = text.find("\n", cursor)
            line_end = len(text) if line_end < 0 else line_end + 1
            line = text[cursor:line_end]
            stripped = line.strip()
            if stripped and len(line) - len(line.lstrip(" ")) <= indent:
                break
            if stripped and "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
                break  # a tab in a block's indentation is not YAML: not read
            cursor = line_end
            if stripped:
                end = line_end
        if end > start:
            found.append((match.group(2), start, end))
    return found


def mask(text: str, key: str, wanted: Callable[[str], bool] = lambda block: True) -> str | None:
    """The text with everything but the chosen blocks blanked (same length and line breaks);
    None when the file holds none."""
    keep = [(s, e) for _, s, e in blocks(text, key) if wanted(text[s:e])]
    if not keep:
        return None
    out = [c if c in "\r\n" else " " for c in text]
    for start, end in keep:
        out[start:end] = text[start:end]
    return "".join(out)
