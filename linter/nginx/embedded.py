"""An NGINX config held in a Kubernetes ConfigMap (``data: nginx.conf: |``), read as an NGINX
document of the YAML file itself, masked as ``linter.configmap`` says: the config keeps the
exact offsets, lines and columns it has in the YAML file (NGINX ignores the indentation), so
findings land on the YAML line and fixes apply there.
"""

from __future__ import annotations

import functools
import re

from linter import configmap
from linter.nginx import heredoc
from linter.source import SourceText

_YAML = (".yaml", ".yml")
# A data key naming an NGINX config file, or the template the nginx image renders into one at
# start (`default.conf.template` mounted in /etc/nginx/templates: `${VAR}`s stay unknown).
_CONF_KEY = r"[\w.-]*\.conf(?:\.template)?"
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
_CONF_KEY_BYTES = functools.cache(
    lambda: re.compile(
        rb"(?m)^[ \t]+[\"']?[\w.-]*\.conf(?:\.template)?[\"']?[ \t]*:[ \t]*\|[-+]?[1-9]?[ \t]*(?:#.*)?\r?$"
    )
)


def is_guest(path: str) -> bool:
    """A file of another type that may hold a config: a ConfigMap's YAML, or a shell script
    writing one through a here-document (linter/nginx/heredoc.py)."""
    return is_yaml(path) or heredoc.is_shell(path)


def is_yaml(path: str) -> bool:
    return path.lower().endswith(_YAML)


def may_hold(data: bytes) -> bool:
    """A byte search: a ConfigMap with a ``*.conf`` literal block."""
    return configmap.is_configmap(data) and _CONF_KEY_BYTES().search(data) is not None


def mask(text: str) -> str | None:
    """The text with everything but the ``*.conf`` blocks blanked (linter.configmap)."""
    return configmap.mask(text, _CONF_KEY)


def guest_may_hold(path: str, data: bytes) -> bool:
    """A byte search on a guest file (``is_guest``) for a config it may hold."""
    return heredoc.may_hold(data) if heredoc.is_shell(path) else may_hold(data)


def masked_bytes(path: str, data: bytes) -> bytes | None:
    """``mask`` on bytes, for sniffing a guest file's content (None: no config in it)."""
    if not is_guest(path) or not guest_may_hold(path, data):
        return None
    if heredoc.is_shell(path):
        try:
            script = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        found = heredoc.mask(script)
        return found.encode("utf-8") if found is not None else None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    masked = mask(text)
    return masked.encode("utf-8") if masked is not None else None


def nginx_source(source: SourceText) -> SourceText:
    """The source the NGINX kind reads: a YAML file's configs and a shell script's
    here-document masked, any other file as is."""
    if heredoc.is_shell(source.path):
        masked = heredoc.mask(source.text)
    elif is_yaml(source.path):
        masked = mask(source.text)
    else:
        return source
    return (
        source.with_text(masked)
        if masked is not None
        else source.with_text("".join(c if c in "\r\n" else " " for c in source.text))
    )
