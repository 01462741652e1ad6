"""docker-compose files read once for every layer: each service's keys with their places.

The server kind reads a service's ``command``/``entrypoint`` as launch lines (words that keep
their place in the YAML text, linter/server/launches.py); the stack reads the names a proxy
may use, ports, mounted files and environment (linter/stack/compose.py turns these records
into its facts). Compose's ``${VAR:-default}`` interpolation is resolved to the default; a
variable whose value is not in the repository leaves its value unknown, never guessed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.server.shell import Word, split_commands

_INTERPOLATION = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)


@dataclass(frozen=True)
class Span:
    """Character offsets into the compose file's text, and the 1-based line of the start."""

    start: int
    end: int
    line: int


@dataclass(frozen=True)
class EnvEntry:
    """One ``environment:`` entry: its value (None when it is not known), where the value is
    written (``value``) and the whole entry (``item``: the list item, or the value)."""

    name: str
    value: str | None
    value_span: Span
    item_span: Span


@dataclass
class ComposeService:
    """One service of a compose file, as written (nothing of its image is read here)."""

    name: str
    key: Span
    node: MappingNode
    container_name: str | None = None
    hostname: str | None = None
    image: str | None = None
    image_span: Span | None = None
    # (published host port, container port, place)
    ports: list[tuple[str, str, Span]] = field(default_factory=list)
    expose: list[tuple[str, Span]] = field(default_factory=list)
    # (absolute local path, path in the container, place): bind mounts of the repository
    volumes: list[tuple[str, str, Span]] = field(default_factory=list)
    environment: list[EnvEntry] = field(default_factory=list)
    command: Node | None = None
    entrypoint: Node | None = None
    # build: context folder (absolute), Dockerfile (absolute), target stage
    context_dir: str | None = None
    dockerfile: str | None = None
    target: str | None = None


@dataclass
class ComposeFile:
    path: str
    text: str
    services: list[ComposeService] = field(default_factory=list)
    # (message, start, end) when the file is not YAML
    error: tuple[str, int, int] | None = None


# Images whose entrypoint runs an LLM server with the service's ``command`` as its arguments
# (BerriAI/litellm: ``litellm`` via docker/prod_entrypoint.sh, CMD ``--port 4000``;
# vllm/vllm-openai: ``vllm serve``, before it ``python3 -m vllm.entrypoints.openai.api_server``).
LLM_IMAGES = {
    "berriai/litellm": ("litellm", ("--port", "4000")),
    "berriai/litellm-database": ("litellm", ("--port", "4000")),
    "berriai/litellm-non_root": ("litellm", ("--port", "4000")),
    "vllm/vllm-openai": ("vllm serve", ()),
}


def llm_image(image: str | None) -> tuple[str, tuple[str, ...]] | None:
    """(the program the image runs, its default arguments) for a known LLM server image."""
    if not image:
        return None
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    for registry in ("ghcr.io/", "docker.io/", "docker.litellm.ai/"):
        if name.startswith(registry):
            name = name[len(registry) :]
    return LLM_IMAGES.get(name.lower())


def span(node: Node) -> Span:
    start = node.start_mark.index
    return Span(start, max(start, node.end_mark.index), node.start_mark.line + 1)


def pairs(node: Node | None) -> list[tuple[str, Node, Node]]:
    """A mapping's (key text, key node, value) with YAML merge keys applied; nothing for any
    other node."""
    from linter.litellm.yamltree import flattened_pairs, key_text

    if not isinstance(node, MappingNode):
        return []
    found = []
    for key, value in flattened_pairs(node):
        name = key_text(key)
        if name is not None:
            found.append((name, key, value))
    return found


def value_of(mapping: Node | None, key: str) -> Node | None:
    found = None
    for name, _, value in pairs(mapping):
        if name == key:
            found = value
    return found


def interpolated(text: str) -> str | None:
    """The value with ``${VAR:-default}`` replaced by its default; None when a variable has
    none (its value is not in the repository)."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        if match.group(2) is not None:
            return match.group(2)
        unknown = True
        return ""

    value = _INTERPOLATION.sub(replace, text.replace("$$", "\0")).replace("\0", "$")
    return None if unknown else value


def scalar(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode):
        return interpolated(str(node.value))
    return None


def read(path: str, text: str) -> ComposeFile:
    """Every service of every YAML document of a compose file; ``error`` when it is not YAML."""
    from linter.litellm.yamltree import compose as compose_yaml

    result = ComposeFile(path, text)
    composed = compose_yaml(text)
    if composed.error is not None:
        error = composed.error
        end = error.end if error.end >= 0 else error.offset
        result.error = (error.message, error.offset, end)
        return result
    folder = os.path.dirname(path)
    for root in composed.documents:
        for name, key, body in pairs(value_of(root, "services")):
            if isinstance(body, MappingNode):
                result.services.append(_service(name, key, body, folder))
    return result


def _service(name: str, key: Node, body: MappingNode, folder: str) -> ComposeService:
    fields = {field_name: value for field_name, _, value in pairs(body)}
    service = ComposeService(name, span(key), body)
    service.container_name = scalar(fields.get("container_name"))
    service.hostname = scalar(fields.get("hostname"))
    service.image = scalar(fields.get("image"))
    if service.image is not None:
        service.image_span = span(fields["image"])
    service.ports = _ports(fields.get("ports"))
    expose = fields.get("expose")
    if isinstance(expose, SequenceNode):
        for item in expose.value:
            value = scalar(item) if isinstance(item, ScalarNode) else None
            if value:
                service.expose.append((value, span(item)))
    service.volumes = _volumes(fields.get("volumes"), folder)
    service.environment = _environment(fields.get("environment"))
    service.command = fields.get("command")
    service.entrypoint = fields.get("entrypoint")
    build = fields.get("build")
    if isinstance(build, ScalarNode):
        service.context_dir = os.path.normpath(os.path.join(folder, str(build.value)))
    elif isinstance(build, MappingNode):
        context = value_of(build, "context")
        service.context_dir = (
            os.path.normpath(os.path.join(folder, str(context.value)))
            if isinstance(context, ScalarNode)
            else folder
        )
        dockerfile = value_of(build, "dockerfile")
        if isinstance(dockerfile, ScalarNode):
            service.dockerfile = os.path.normpath(
                os.path.join(service.context_dir, str(dockerfile.value))
            )
        target = value_of(build, "target")
        if isinstance(target, ScalarNode):
            service.target = str(target.value)
    if service.context_dir is not None and service.dockerfile is None:
        service.dockerfile = os.path.join(service.context_dir, "Dockerfile")
    return service


def _ports(node: Node | None) -> list[tuple[str, str, Span]]:
    found: list[tuple[str, str, Span]] = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        place = span(item)
        if isinstance(item, MappingNode):  # long syntax: target / published
            fields = {name: scalar(value) for name, _, value in pairs(item)}
            target = fields.get("target")
            if target:
                found.append((fields.get("published") or "", target, place))
            continue
        value = scalar(item)
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


def _volumes(node: Node | None, folder: str) -> list[tuple[str, str, Span]]:
    found = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        if isinstance(item, MappingNode):
            fields = {name: scalar(value) for name, _, value in pairs(item)}
            local, target = fields.get("source"), fields.get("target")
        else:
            value = scalar(item)
            if not value or ":" not in value:
                continue
            local, target = value.split(":")[:2]
        if not local or not target or not local.startswith((".", "/")):
            continue  # a named volume
        if local.startswith("/"):
            continue  # outside the repository
        found.append((os.path.normpath(os.path.join(folder, local)), target, span(item)))
    return found


def _environment(node: Node | None) -> list[EnvEntry]:
    found = []
    if isinstance(node, MappingNode):
        for name, _, value in pairs(node):
            if isinstance(value, ScalarNode):
                word = scalar_word(value)
                place = span(value)
                inner = Span(word.start, word.end, place.line)
                found.append(EnvEntry(name, scalar(value), inner, place))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if not isinstance(item, ScalarNode) or "=" not in str(item.value):
                continue
            name, _ = str(item.value).split("=", 1)
            word = scalar_word(item)
            value_span = span(item)
            text = interpolated(str(item.value))
            assigned = text.split("=", 1)[1] if text is not None and "=" in text else None
            if word.end - word.start == len(str(item.value)):
                # written in place (no escapes): the value's own span
                start = word.start + len(name) + 1
                value_span = Span(start, word.end, item.start_mark.line + 1)
            found.append(EnvEntry(name, assigned, value_span, span(item)))
    return found


def node_commands(text: str, node: Node, env: Mapping[str, str]) -> list[list[Word]]:
    """A compose ``command``/``entrypoint`` as commands of words: a string split as words
    (newlines are blanks), a list item by item; nothing when it cannot be read in place."""
    if isinstance(node, ScalarNode):
        span_start, span_end = scalar_span(text, node)
        if span_start is None:
            return []
        return split_commands(text, span_start, span_end, env, newline_ends_command=False)
    if isinstance(node, SequenceNode):
        words = [scalar_word(item) for item in node.value if isinstance(item, ScalarNode)]
        if words:
            return [words]
    return []


def scalar_span(text: str, node: ScalarNode) -> tuple[int | None, int]:
    """Where a scalar's text can be split as shell words in place: plain and quoted scalars
    without escapes, and block scalars (their indentation is blank space to the shell)."""
    start, end = node.start_mark.index, node.end_mark.index
    raw = text[start:end]
    if node.style in ("|", ">"):
        newline = raw.find("\n")
        return (start + newline + 1, end) if newline >= 0 else (None, end)
    if node.style in ("'", '"'):
        if raw[1:-1] == node.value:
            return start + 1, end - 1
        return None, end
    if "\n" in raw:
        return None, end
    return start, end


def scalar_word(node: ScalarNode) -> Word:
    """A list item as one word (compose list form: no shell splitting), with compose's
    ``${VAR:-default}`` interpolation resolved to the default."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    value = str(node.value)
    known = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal known
        if match.group(2) is not None:
            return match.group(2)
        known = False
        return ""

    if "$" in value:
        value = _INTERPOLATION.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")
    return Word(value, start, end, known)
