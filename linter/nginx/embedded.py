"""An NGINX config held in a Kubernetes ConfigMap (``data: nginx.conf: |``), read as an NGINX
document of the YAML file itself.

The YAML text is *masked*: every character outside the literal block scalars of ``*.conf``
keys becomes a space (line breaks kept), so the config keeps the exact offsets, lines and
columns it has in the YAML file. NGINX ignores the indentation, findings land on the YAML
line, and a fix's edits apply to the YAML file at the same offsets (an inserted line copies
its neighbours' indentation, so it stays inside the block). Only literal blocks (``|``,
``|-``, ``|+``) are read: a folded (``>``) or quoted value's text is not its bytes.
"""

from __future__ import annotations

import re

from linter.source import SourceText

_YAML = (".yaml", ".yml")
_CONFIGMAP = re.compile(r"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?ConfigMap[\"']?[ \t]*(?:#.*)?\r?$")
_CONFIGMAP_BYTES = re.compile(
    rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?ConfigMap[\"']?[ \t]*(?:#.*)?\r?$"
)
# A data key naming an NGINX config file, holding a literal block.
_CONF_KEY = re.compile(
    r"(?m)^([ \t]+)[\"']?[\w.-]*\.conf[\"']?[ \t]*:[ \t]*\|[-+]?[1-9]?[ \t]*(?:#.*)?\r?$"
)
_CONF_KEY_BYTES = re.compile(
    rb"(?m)^[ \t]+[\"']?[\w.-]*\.conf[\"']?[ \t]*:[ \t]*\|[-+]?[1-9]?[ \t]*(?:#.*)?\r?$"
)


def is_yaml(path: str) -> bool:
    return path.lower().endswith(_YAML)


def may_hold(data: bytes) -> bool:
    """A byte search: a ConfigMap with a ``*.conf`` literal block."""
    return _CONFIGMAP_BYTES.search(data) is not None and _CONF_KEY_BYTES.search(data) is not None


def mask(text: str) -> str | None:
    """The text with everything but the ``*.conf`` blocks blanked (same length and line
    breaks); None when the file holds no such block."""
    if _CONFIGMAP.search(text) is None:
        return None
    keep: list[tuple[int, int]] = []
    for match in _CONF_KEY.finditer(text):
        indent = len(match.group(1).expandtabs())
        start = text.find("\n", match.end())
        if start < 0:
            continue
        start += 1
        cursor = start
        end = start
        while cursor < len(text):
            line_end = text.find("\n", cursor)
            line_end = len(text) if line_end < 0 else line_end + 1
            line = text[cursor:line_end]
            stripped = line.strip()
            if stripped and len(line) - len(line.lstrip(" ")) <= indent:
                break
            if "\t" in line[: len(line) - len(line.lstrip(" \t"))] and stripped:
                break  # a tab in a block's indentation is not YAML: not read
            cursor = line_end
            if stripped:
                end = line_end
        if end > start:
            keep.append((start, end))
    if not keep:
        return None
    out = [c if c in "\r\n" else " " for c in text]
    for start, end in keep:
        out[start:end] = text[start:end]
    return "".join(out)


def masked_bytes(path: str, data: bytes) -> bytes | None:
    """``mask`` on bytes, for sniffing a YAML file's content (None: no config in it)."""
    if not is_yaml(path) or not may_hold(data):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    masked = mask(text)
    return masked.encode("utf-8") if masked is not None else None


def nginx_source(source: SourceText) -> SourceText:
    """The source the NGINX kind reads: a YAML file's configs masked, any other file as is."""
    if not is_yaml(source.path):
        return source
    masked = mask(source.text)
    return (
        source.with_text(masked)
        if masked is not None
        else source.with_text("".join(c if c in "\r\n" else " " for c in source.text))
    )
