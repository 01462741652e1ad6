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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

if TYPE_CHECKING:
    from linter.source import SourceText

from linter.server import dotenv
from linter.server.dotenv import Variable
from linter.server.interpolation import NONE, interpolate
from linter.server.shell import Word, split_commands

SourceReader = Callable[[str], "SourceText | None"]


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
    # ``env_file:`` variables in order (lower precedence than ``environment:``), or a file's
    # (path as written, place) when it cannot be read (what it sets is unknown)
    env_files: list[Variable | tuple[str, Span]] = field(default_factory=list)
    # build: context folder (absolute), Dockerfile (absolute), target stage
    context_dir: str | None = None
    dockerfile: str | None = None
    target: str | None = None


@dataclass
class ComposeFile:
    path: str
    text: str
    services: list[ComposeService] = field(default_factory=list)
    # the project's ``.env`` (beside the compose file): compose's interpolation variables
    variables: dict[str, Variable] = field(default_factory=dict)
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


def interpolated(text: str, v: Mapping[str, Variable] = NONE) -> str | None:
    """The value with compose's interpolation applied (``.env`` variables ``v``, defaults);
    None when a variable's value is not in the repository."""
    return interpolate(text, v)


def scalar(node: Node | None, v: Mapping[str, Variable] = NONE) -> str | None:
    if isinstance(node, ScalarNode):
        return interpolated(str(node.value), v)
    return None


def read(path: str, text: str, read_source: SourceReader | None = None) -> ComposeFile:
    """Every service of every YAML document of a compose file; ``error`` when it is not YAML.
    With ``read_source`` (a file of the tree, or None), the ``.env`` beside the compose file
    gives the variables it interpolates, and each service's ``env_file:`` is read."""
    from linter.litellm.yamltree import compose as compose_yaml

    result = ComposeFile(path, text)
    folder = os.path.dirname(path)
    if read_source is not None:
        found = read_source(os.path.join(folder, ".env"))
        if found is not None:
            result.variables = dotenv.parse(found.path, found.text, _env_interpolation)
    composed = compose_yaml(text)
    if composed.error is not None:
        error = composed.error
        end = error.end if error.end >= 0 else error.offset
        result.error = (error.message, error.offset, end)
        return result
    for root in composed.documents:
        for name, key, body in pairs(value_of(root, "services")):
            if isinstance(body, MappingNode):
                service = _service(name, key, body, folder, result.variables)
                if read_source is not None:
                    service.env_files = _env_files(
                        fields_of(body).get("env_file"), folder, read_source, result.variables
                    )
                result.services.append(service)
    return result


def _env_interpolation(text: str, so_far: dict[str, Variable]) -> str | None:
    return interpolate(text, so_far)


def fields_of(body: MappingNode) -> dict[str, Node]:
    return {field_name: value for field_name, _, value in pairs(body)}


def _env_files(
    node: Node | None, folder: str, read_source: SourceReader, v: Mapping[str, Variable]
) -> list[dotenv.Variable | tuple[str, Span]]:
    """The variables of a service's ``env_file:`` files in order (a later file wins), or, for
    a file that cannot be read, (its path as written, its place): what it sets is unknown."""
    items = node.value if isinstance(node, SequenceNode) else [node] if node is not None else []
    found: list[dotenv.Variable | tuple[str, Span]] = []
    for item in items:
        target = value_of(item, "path") if isinstance(item, MappingNode) else item
        written = scalar(target, v)
        if written is None or target is None:
            continue
        local = os.path.normpath(os.path.join(folder, written))
        source = read_source(local)
        template = None
        if source is None:
            # A gitignored ``.env``: its committed template says which variables it holds.
            for candidate in dotenv.template_paths(local):
                source = read_source(candidate)
                if source is not None:
                    template = written
                    break
        if source is None:
            found.append((written, span(target)))
            continue
        variables = dotenv.parse(source.path, source.text, lambda t, s: interpolate(t, {**v, **s}))
        found.extend(
            replace(variable, template_of=template) if template else variable
            for variable in variables.values()
        )
    return found


def _service(
    name: str, key: Node, body: MappingNode, folder: str, v: Mapping[str, Variable]
) -> ComposeService:
    fields = fields_of(body)
    # (The service's YAML node is not kept: nothing reads it once the fields below are read,
    # and every compose file of a run stays in memory in each worker.)
    service = ComposeService(name, span(key))
    service.container_name = scalar(fields.get("container_name"), v)
    service.hostname = scalar(fields.get("hostname"), v)
    service.image = scalar(fields.get("image"), v)
    if service.image is not None:
        service.image_span = span(fields["image"])
    service.ports = _ports(fields.get("ports"), v)
    expose = fields.get("expose")
    if isinstance(expose, SequenceNode):
        for item in expose.value:
            value = scalar(item, v) if isinstance(item, ScalarNode) else None
            if value:
                service.expose.append((value, span(item)))
    service.volumes = _volumes(fields.get("volumes"), folder, v)
    service.environment = _environment(fields.get("environment"), v)
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


def _ports(node: Node | None, v: Mapping[str, Variable]) -> list[tuple[str, str, Span]]:
    found: list[tuple[str, str, Span]] = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        place = span(item)
        if isinstance(item, MappingNode):  # long syntax: target / published
            fields = {name: scalar(value, v) for name, _, value in pairs(item)}
            target = fields.get("target")
            if target:
                found.append((fields.get("published") or "", target, place))
            continue
        value = scalar(item, v)
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


def _volumes(
    node: Node | None, folder: str, v: Mapping[str, Variable]
) -> list[tuple[str, str, Span]]:
    found = []
    for item in node.value if isinstance(node, SequenceNode) else []:
        if isinstance(item, MappingNode):
            fields = {name: scalar(value, v) for name, _, value in pairs(item)}
            local, target = fields.get("source"), fields.get("target")
        else:
            value = scalar(item, v)
            if not value or ":" not in value:
                continue
            local, target = value.split(":")[:2]
        if not local or not target or not local.startswith((".", "/")):
            continue  # a named volume
        if local.startswith("/"):
            continue  # outside the repository
        found.append((os.path.normpath(os.path.join(folder, local)), target, span(item)))
    return found


def _environment(node: Node | None, v: Mapping[str, Variable]) -> list[EnvEntry]:
    found = []
    if isinstance(node, MappingNode):
        for name, _, value in pairs(node):
            if isinstance(value, ScalarNode):
                word = scalar_word(value, v)
                place = span(value)
                inner = Span(word.start, word.end, place.line)
                found.append(EnvEntry(name, scalar(value, v), inner, place))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if not isinstance(item, ScalarNode) or "=" not in str(item.value):
                continue
            name, _ = str(item.value).split("=", 1)
            word = scalar_word(item, v)
            value_span = span(item)
            text = interpolated(str(item.value), v)
            assigned = text.split("=", 1)[1] if text is not None and "=" in text else None
            if word.end - word.start == len(str(item.value)):
                # written in place (no escapes): the value's own span
                start = word.start + len(name) + 1
                value_span = Span(start, word.end, item.start_mark.line + 1)
            found.append(EnvEntry(name, assigned, value_span, span(item)))
    return found


def node_commands(
    text: str,
    node: Node,
    v: Mapping[str, Variable] = NONE,
    display: Callable[[str], str] = os.path.basename,
) -> list[list[Word]]:
    """A compose ``command``/``entrypoint`` as commands of words: a string split as words
    (newlines are blanks), a list item by item; nothing when it cannot be read in place.
    Compose interpolates ``$VAR`` with the shell's and the ``.env``'s variables (``v``), not
    with the container's environment."""
    if isinstance(node, ScalarNode):
        span_start, span_end = scalar_span(text, node)
        if span_start is None:
            return []
        env = {name: variable.value for name, variable in v.items() if variable.value is not None}
        commands = split_commands(text, span_start, span_end, env, newline_ends_command=False)
        if not v:
            return commands
        return [[_noted(text, word, v, display) for word in command] for command in commands]
    if isinstance(node, SequenceNode):
        words = [
            scalar_word(item, v, display) for item in node.value if isinstance(item, ScalarNode)
        ]
        if words:
            return [words]
    return []


def _noted(text: str, word: Word, v: Mapping[str, Variable], display: Callable[[str], str]) -> Word:
    """Say which ``.env`` variables a word's value comes from (file and line)."""
    raw = text[word.start : word.end]
    if "$" not in raw:
        return word
    names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", raw.replace("$$", ""))
    used = [v[name] for name in dict.fromkeys(names) if name in v and v[name].value is not None]
    if not used:
        return word
    return Word(word.text, word.start, word.end, word.known, _said(used, display))


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


def scalar_word(
    node: ScalarNode,
    v: Mapping[str, Variable] = NONE,
    display: Callable[[str], str] = os.path.basename,
) -> Word:
    """A list item as one word (compose list form: no shell splitting), with compose's
    interpolation applied (``.env`` variables ``v``, defaults)."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    value: str | None = str(node.value)
    used: list[Variable] = []
    if value is not None and "$" in value:
        value = interpolate(value, v, used)
    return Word(value or "", start, end, value is not None, note=_said(used, display))


def _said(used: list[Variable], display: Callable[[str], str] = os.path.basename) -> str:
    """How a word's value came from the project's ``.env``: the file and line."""
    return "; ".join(
        f"{display(variable.path)}:{variable.line} sets {variable.name} to {variable.value!r}"
        for variable in used
    )
