"""Compose services that run an nginx of their own with a config of the tree: the inner proxy
of a two-tier chain (an outer TLS proxy in front of a frontend container whose nginx routes
`/api/` to the app). The image is nginx's (or OpenResty's) with the config bind-mounted under
`/etc/nginx/`, or a build whose last stage starts from such an image and copies the config
there. Evidence only: a Dockerfile or compose file that cannot be read gives nothing."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server import dockerfile as dockerfile_syntax
from linter.server.nearcompose import (
    compose_files,
    compose_path,
    mounting_compose_files,
    near_or_mounting,
    read_evidence,
)
from linter.server.shell import split_commands

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.workspace import Workspace

_NGINX_IMAGES = ("nginx", "openresty", "nginx-unprivileged")
_CONFIG_HOME = "/etc/nginx"
_CONFIG_SUFFIXES = (".conf", ".template", ".conf.template")
# How many files of a mounted or copied folder are read as configs.
_MAX_FOLDER_CONFIGS = 20


@dataclass(frozen=True)
class InnerNginx:
    """A compose service running nginx with configs of the tree, and how, for messages."""

    hosts: tuple[str, ...]  # its names on the compose network (lower case)
    configs: tuple[str, ...]  # absolute paths of the tree's configs it runs
    said: str  # "compose service `frontend` (docker-compose.yml:12) runs nginx with ..."


def inner_nginx_services(workspace: Workspace, nginx_file: str) -> list[InnerNginx]:
    """The compose services of ``nginx_file``'s project (near it, or in a compose file that
    mounts it) that run an nginx with configs of the tree other than ``nginx_file``."""
    mounting = mounting_compose_files(workspace, nginx_file)
    composes = near_or_mounting(
        workspace, compose_files(workspace, nginx_file), compose_path, nginx_file, mounting
    )
    found: list[InnerNginx] = []
    for compose in composes:
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            configs, how = _service_configs(workspace, service)
            configs = [c for c in configs if os.path.abspath(c) != os.path.abspath(nginx_file)]
            if not configs:
                continue
            hosts = tuple(
                dict.fromkeys(
                    name.lower()
                    for name in (service.name, service.container_name, service.hostname)
                    if name
                )
            )
            said = f"compose service `{service.name}` ({shown}:{service.key.line}) runs nginx {how}"
            found.append(InnerNginx(hosts, tuple(configs), said))
    return found


def _nginx_image(image: str) -> bool:
    """`nginx:1.27-alpine`, `nginxinc/nginx-unprivileged`, `openresty/openresty:alpine`."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return name in _NGINX_IMAGES


def _service_configs(workspace: Workspace, service: ComposeService) -> tuple[list[str], str]:
    """The tree's configs the service's nginx runs, and how it gets them (for messages)."""
    if service.image and _nginx_image(service.image):
        mounted = [
            (local, container)
            for local, container, _ in service.volumes
            if posixpath.normpath(container).startswith(_CONFIG_HOME + "/")
        ]
        configs = [c for local, _ in mounted for c in _configs_at(workspace, local)]
        if configs:
            shown = ", ".join(relative_posix(c, workspace.root) for c in configs[:2])
            return configs, f"({service.image}) with {shown} mounted under {_CONFIG_HOME}"
    if service.context_dir and service.dockerfile:
        configs, shown_file = _copied_configs(workspace, service.context_dir, service.dockerfile)
        if configs:
            shown = ", ".join(relative_posix(c, workspace.root) for c in configs[:2])
            return configs, f"with {shown}, which {shown_file} copies under {_CONFIG_HOME}"
    return [], ""


def _copied_configs(workspace: Workspace, context: str, dockerfile: str) -> tuple[list[str], str]:
    """The tree's files the last stage of a Dockerfile starting from an nginx image copies
    under /etc/nginx (not from another stage)."""
    source = read_evidence(workspace, dockerfile)
    if source is None:
        return [], ""
    try:
        parsed = dockerfile_syntax.parse(source.text)
    except Exception:  # evidence only
        return [], ""
    if not parsed.stages or not _nginx_image(parsed.stages[-1].base):
        return [], ""
    text = source.text
    configs: list[str] = []
    for instruction in parsed.stages[-1].instructions:
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        start, end = instruction.args_start, instruction.args_end
        listed = dockerfile_syntax.exec_form(text, start, end)
        words = (
            listed
            if listed is not None
            else [w for c in split_commands(text, start, end) for w in c]
        )
        if any(w.text.startswith("--from") for w in words):
            continue
        words = [w for w in words if not w.text.startswith("--")]
        if len(words) < 2 or not all(w.known for w in words):
            continue
        if not posixpath.normpath(words[-1].text).startswith(_CONFIG_HOME + "/"):
            continue
        for item in words[:-1]:
            local = os.path.normpath(os.path.join(context, item.text))
            configs.extend(_configs_at(workspace, local))
    return configs, relative_posix(dockerfile, workspace.root)


def _configs_at(workspace: Workspace, local: str) -> list[str]:
    """A config file, or the config files at the top of a folder (sorted, a few)."""
    if not workspace.inside(local):
        return []
    if os.path.isfile(local):
        return [local]
    if not os.path.isdir(local):
        return []
    try:
        names = sorted(os.listdir(local))
    except OSError:
        return []
    found = [
        os.path.join(local, n)
        for n in names
        if n.endswith(_CONFIG_SUFFIXES) and os.path.isfile(os.path.join(local, n))
    ]
    return found[:_MAX_FOLDER_CONFIGS]
