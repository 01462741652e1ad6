"""docker-compose services as the stack sees them: names a proxy may use, ports, the command,
mounted files and environment, each with its place. ``${VAR:-default}`` reads as its default;
a value that stays unknown (``${VAR}``) is left out rather than guessed."""

from __future__ import annotations

import os
import re
import shlex

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.source import SourceText
from linter.stack.model import Service, Where

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def resolved(text: str) -> str | None:
    """The value with ``${VAR:-default}`` replaced by its default; None when a variable has
    none (its value is not in the repository)."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        if match.group(2) is not None:
            return match.group(2)
        unknown = True
        return ""

    value = _VARIABLE.sub(replace, text.replace("$$", "\0")).replace("\0", "$")
    return None if unknown else value


def _where(source: SourceText, node: Node) -> Where:
    start, end = node.start_mark.index, max(node.start_mark.index, node.end_mark.index)
    return Where(source.path, start, end, node.start_mark.line + 1)


def _pairs(node: Node) -> list[tuple[str, Node, Node]]:
    if not isinstance(node, MappingNode):
        return []
    return [(str(k.value), k, v) for k, v in node.value if isinstance(k, ScalarNode)]


def _scalar(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode):
        return resolved(str(node.value))
    return None


def _words(source: SourceText, node: Node) -> list[tuple[str, Where]]:
    """A command as words: a list of scalars, or a string split as a shell would."""
    if isinstance(node, SequenceNode):
        found: list[tuple[str, Where]] = []
        for item in node.value:
            value = _scalar(item)
            if value is None:
                return found
            found.append((value, _where(source, item)))
        return found
    value = _scalar(node)
    if value is None:
        return []
    try:
        parts = shlex.split(value)
    except ValueError:
        return []
    place = _where(source, node)
    return [(part, place) for part in parts]


def _ports(source: SourceText, node: Node) -> list[tuple[str, str, Where]]:
    found: list[tuple[str, str, Where]] = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        place = _where(source, item)
        if isinstance(item, MappingNode):  # long syntax: target / published
            fields = {name: _scalar(value) for name, _, value in _pairs(item)}
            target = fields.get("target")
            if target:
                found.append((fields.get("published") or "", target, place))
            continue
        value = _scalar(item)
        if not value:
            continue
        value = value.split("/", 1)[0]
        parts = value.rsplit(":", 2)
        container = parts[-1]
        published = parts[-2] if len(parts) >= 2 else ""
        if "-" in container or "-" in published:  # ranges: not followed
            continue
        found.append((published, container, place))
    return found


def _volumes(source: SourceText, node: Node, folder: str) -> list[tuple[str, str, Where]]:
    found = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        if isinstance(item, MappingNode):
            fields = {name: _scalar(value) for name, _, value in _pairs(item)}
            local, target = fields.get("source"), fields.get("target")
        else:
            value = _scalar(item)
            if not value or ":" not in value:
                continue
            local, target = value.split(":")[:2]
        if not local or not target or not local.startswith((".", "/")):
            continue  # a named volume
        if local.startswith("/"):
            continue  # outside the repository
        found.append((os.path.normpath(os.path.join(folder, local)), target, _where(source, item)))
    return found


def _environment(source: SourceText, node: Node) -> list[tuple[str, str, Where]]:
    found = []
    if isinstance(node, MappingNode):
        for name, _, value in _pairs(node):
            text = _scalar(value)
            if text is not None:
                found.append((name, text, _where(source, value)))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            text = _scalar(item)
            if text is not None and "=" in text:
                key, assigned = text.split("=", 1)
                found.append((key, assigned, _where(source, item)))
    return found


def services(source: SourceText, roots: list[Node]) -> list[Service]:
    folder = os.path.dirname(source.path)
    found = []
    for root in roots:
        section = next((v for name, _, v in _pairs(root) if name == "services"), None)
        if section is None:
            continue
        for name, key, body in _pairs(section):
            fields = {field: value for field, _, value in _pairs(body)}
            command: list[tuple[str, Where]] = []
            for part in ("entrypoint", "command"):
                if part in fields:
                    command += _words(source, fields[part])
            found.append(
                Service(
                    path=source.path,
                    name=name,
                    anchor=_where(source, key),
                    container_name=_scalar(fields.get("container_name")),
                    hostname=_scalar(fields.get("hostname")),
                    ports=tuple(_ports(source, fields["ports"])) if "ports" in fields else (),
                    expose=tuple(
                        (str(value), _where(source, item))
                        for item in getattr(fields.get("expose"), "value", [])
                        if isinstance(item, ScalarNode) and (value := _scalar(item))
                    ),
                    image=_scalar(fields.get("image")),
                    command=tuple(command),
                    volumes=tuple(_volumes(source, fields["volumes"], folder))
                    if "volumes" in fields
                    else (),
                    environment=tuple(_environment(source, fields["environment"]))
                    if "environment" in fields
                    else (),
                )
            )
    return found


def read(source: SourceText) -> list[Service]:
    from linter.litellm.yamltree import compose as compose_yaml

    composed = compose_yaml(source.text)
    if composed.error is not None:
        return []
    return services(source, composed.documents)
