"""An NGINX config held in a Kubernetes ConfigMap (``data: nginx.conf: |``), read as an NGINX
document of the YAML file itself, masked as ``linter.configmap`` says: the config keeps the
exact offsets, lines and columns it has in the YAML file (NGINX ignores the indentation), so
findings land on the YAML line and fixes apply there.
"""

from __future__ import annotations

import re

from linter import configmap
from linter.source import SourceText

_YAML = (".yaml", ".yml")
# A data key naming an NGINX config file, or the template the nginx image renders into one at
# start (`default.conf.template` mounted in /etc/nginx/templates: `${VAR}`s stay unknown).
_CONF_KEY = r"[\w.-]*\.conf(?:\.template)?"
_CONF_KEY_BYTES = re.compile(
    rb"(?m)^[ \t]+[\"']?[\w.-]*\.conf(?:\.template)?[\"']?[ \t]*:[ \t]*\|[-+]?[1-9]?[ \t]*(?:#.*)?\r?$"
)


def is_yaml(path: str) -> bool:
    return path.lower().endswith(_YAML)


def may_hold(data: bytes) -> bool:
    """A byte search: a ConfigMap with a ``*.conf`` literal block."""
    return configmap.is_configmap(data) and _CONF_KEY_BYTES.search(data) is not None


def mask(text: str) -> str | None:
    """The text with everything but the ``*.conf`` blocks blanked (linter.configmap)."""
    return configmap.mask(text, _CONF_KEY)


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
