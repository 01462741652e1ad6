"""What the repository says around an NGINX config, for the NGINX kind's route evidence:

- the environment a template is rendered with: a compose service that mounts the file (or
  builds an image from a folder holding it) and sets the variable its placeholder names
  (``proxy_pass ${BACKEND_URL};`` with ``BACKEND_URL=http://backend:7860``), in the service's
  ``environment:`` (compose's ``${X:-default}`` read as its default) or its Dockerfile's ENV;
- the apps behind an address that stream: a launch line of the project (linter/server/front.py
  matches it by service name or loopback port) whose app, in this tree, has streaming endpoints
  (linter/server/apps.py), or a compose service whose image is a known LLM server or chat app.

Evidence only, never a guess: a variable two services set differently, or one whose value is
not in the repository, stays unknown; an address two apps answer is left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.llmservers import GENERIC_LLM_WORDS, gpt_app_word, llm_name
from linter.pathmatch import relative_posix
from linter.server import composefile, detect
from linter.server.front import LOOPBACK, near_ones, server_launches
from linter.server.treefiles import launch_files

if TYPE_CHECKING:
    from linter.server.composefile import ComposeFile, ComposeService
    from linter.server.model import Evidence, Launch
    from linter.source import SourceText
    from linter.workspace import Workspace


@dataclass(frozen=True)
class TemplateValue:
    """A template variable's value and where the repository sets it, for messages."""

    value: str
    said: str  # "the environment of compose service `frontend` at docker-compose.yml:9"


def compose_files(workspace: Workspace, anchor: str | None = None) -> list[ComposeFile]:
    """The run's compose files, read once per process and run."""
    files = launch_files(workspace, anchor)
    key = ("server", "compose-files", files)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    found: list[ComposeFile] = []
    for path in files:
        if detect.shape(relative_posix(path, workspace.root)) != "compose":
            continue
        source = _read(workspace, path)
        if source is None:
            continue
        try:
            parsed = composefile.read(path, source.text, lambda p: _read(workspace, p))
        except Exception:  # evidence only
            continue
        if parsed.error is None:
            found.append(parsed)
    workspace.memo[key] = found
    return found


def _read(workspace: Workspace, path: str) -> SourceText | None:
    if not workspace.inside(path) or not os.path.isfile(path):
        return None
    try:
        return workspace.read_source(path)
    except Exception:
        return None


def _provides(service: ComposeService, nginx_file: str, workspace: Workspace) -> str | None:
    """How the service gets the file into its container: a bind mount of the file or of a
    folder holding it, or a build whose Dockerfile copies it; None when it does not."""
    for local, container, _place in service.volumes:
        if nginx_file == local or nginx_file.startswith(local.rstrip(os.sep) + os.sep):
            return f"mounts it at {container}"
    context, dockerfile = service.context_dir, service.dockerfile
    if context and dockerfile and nginx_file.startswith(context.rstrip(os.sep) + os.sep):
        source = _read(workspace, dockerfile)
        if source is not None and os.path.basename(nginx_file) in source.text:
            return f"builds {relative_posix(dockerfile, workspace.root)}, which copies it"
    return None


def template_environment(workspace: Workspace, nginx_file: str) -> dict[str, TemplateValue]:
    """The variables the compose services that take ``nginx_file`` into their container set,
    each with where; a variable two of them set differently is left out."""
    found: dict[str, TemplateValue | None] = {}
    for compose in compose_files(workspace, nginx_file):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            how = _provides(service, nginx_file, workspace)
            if how is None:
                continue
            values = _dockerfile_env(service, workspace)
            for entry in service.environment:
                if entry.value is None:
                    values.pop(entry.name, None)  # set, but to what the tree does not say
                    continue
                values[entry.name] = TemplateValue(
                    entry.value,
                    f"the environment of compose service `{service.name}` at "
                    f"{shown}:{entry.item_span.line}, which {how}",
                )
            for name, value in values.items():
                previous = found.get(name, value)
                found[name] = (
                    value if previous is not None and previous.value == value.value else None
                )
    return {name: value for name, value in found.items() if value is not None}


def _dockerfile_env(service: ComposeService, workspace: Workspace) -> dict[str, TemplateValue]:
    """The ENV of the image the service builds (the file is in its build context)."""
    if not service.dockerfile or not workspace.inside(service.dockerfile):
        return {}
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument

    source = _read(workspace, service.dockerfile)
    if source is None:
        return {}
    try:
        reader = Reader(ServerDocument(kind="server", source=source), workspace)
        reader.document.sources[service.dockerfile] = source
        image = reader.image(service.dockerfile, service.context_dir, service.target)
    except Exception:  # evidence only
        return {}
    if image is None:
        return {}
    return {
        name: TemplateValue(value, f"{said}, the image of compose service `{service.name}`")
        for name, (value, _, said) in image.env.items()
    }


def streaming_backends(workspace: Workspace, nginx_file: str) -> dict[tuple[str, str], str]:
    """(host, port) an address of ``nginx_file`` may name -> why the app there streams, for
    the apps of its project (``front.near``). Port "" stands for any port of a compose
    service whose image is an LLM server or chat app (its port is the image's own)."""
    found: dict[tuple[str, str], str | None] = {}

    def add(address: tuple[str, str], said: str) -> None:
        previous = found.get(address, said)
        found[address] = said if previous == said else None

    launches = streaming_launches(workspace, nginx_file)
    for _, launch in near_ones(workspace, launches, _home, nginx_file):
        # An env_file not in the tree may set GUNICORN_CMD_ARGS: the port the tree gives is
        # still the address's best reading (a secrets file rarely moves the bind).
        port = launch.setting("port", caveated=True).value
        if port is None:
            continue
        said = f"{launch.launcher} serves {launch.app or 'an app'}, which streams ({_evidence(launch)})"
        for host in ({launch.service} if launch.service else set()) | set(LOOPBACK):
            add((host.lower(), port), said)
    composes = compose_files(workspace, nginx_file)
    for compose in near_ones(workspace, composes, _path, nginx_file):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            product = _image_product(service.image)
            if product is None:
                continue
            said = (
                f"compose service `{service.name}` ({shown}:{service.key.line}) runs the image "
                f"{service.image}, an LLM server or chat app that streams ({product})"
            )
            for name in (service.name, service.container_name, service.hostname):
                if name:
                    add((name.lower(), ""), said)
    return {address: said for address, said in found.items() if said is not None}


def _home(entry: tuple[str, Launch]) -> str:
    return entry[0]


def _path(compose: ComposeFile) -> str:
    return compose.path


def unbuffered_backends(workspace: Workspace, nginx_file: str) -> set[tuple[str, str]]:
    """The addresses (as ``streaming_backends`` gives them) of apps whose every streamed
    answer sends ``X-Accel-Buffering: no`` itself (sse_starlette's EventSourceResponse does):
    nginx's buffering is already off for them, whatever its config says."""
    found: dict[tuple[str, str], bool] = {}
    launches = streaming_launches(workspace)
    for _, launch in near_ones(workspace, launches, _home, nginx_file):
        if launch.llm_proxy is not None:
            continue
        port = launch.setting("port", caveated=True).value
        answers = [e for e in launch.evidence if _answer_stream(e)]
        if port is None or not answers:
            continue
        unbuffered = all(e.unbuffered for e in answers)
        for host in ({launch.service} if launch.service else set()) | set(LOOPBACK):
            address = (host.lower(), port)
            found[address] = found.get(address, True) and unbuffered
    return {address for address, unbuffered in found.items() if unbuffered}


def _image_product(image: str | None) -> str | None:
    """The LLM server or chat app an image is (``ghcr.io/open-webui/open-webui:main``), by
    its repository name (the registry and tag left out): a product or model name, or a word
    made with "gpt" (`chatgpt-web`, `fastgpt`); a generic `llm` word does not count."""
    if not image:
        return None
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1].split(":", 1)[0]
    owner = name.rsplit("/", 2)[-2] if name.count("/") >= 1 else ""
    product = llm_name(last) or (llm_name(owner) if owner else None) or gpt_app_word(last)
    return product if product and product not in GENERIC_LLM_WORDS else None


def streaming_launches(workspace: Workspace, anchor: str | None = None) -> list[tuple[str, Launch]]:
    """The run's launches whose app streams (its evidence looked up once per run)."""
    key = ("server", "streaming-launches", launch_files(workspace, anchor))
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    from linter.server import apps

    memo = workspace.memo.setdefault(("server", "app-modules"), {})
    found: list[tuple[str, Launch]] = []
    for home, launch in server_launches(workspace, anchor):
        if not launch.evidence and launch.llm_proxy is None:
            try:
                apps.find_evidence(
                    launch,
                    lambda p: _read(workspace, p),
                    workspace.inside,
                    lambda p: relative_posix(p, workspace.root),
                    memo,  # type: ignore[arg-type]
                )
            except Exception:  # evidence only
                continue
        if launch.llm_proxy is not None or any(_answer_stream(e) for e in launch.evidence):
            found.append((home, launch))
    workspace.memo[key] = found
    return found


# Media types of streamed answers (SSE, JSON lines, text), as opposed to a file download
# (`text/csv`, `application/pdf`, an image) that an app streams too but nobody reads live.
_ANSWER_MEDIA = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq",
     "application/stream+json", "text/plain", "text/markdown"}
)  # fmt: skip


def _answer_stream(evidence: Evidence) -> bool:
    return evidence.media is None or evidence.media in _ANSWER_MEDIA


def _evidence(launch: Launch) -> str:
    """What makes the launch's app a streaming one, for a message (file downloads left out)."""
    if launch.llm_proxy is not None:
        return launch.stream_evidence()
    kept = [e for e in launch.evidence if _answer_stream(e)]
    more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
    return f"{kept[0].what} at {kept[0].path}:{kept[0].line}{more}"
