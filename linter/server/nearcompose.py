"""The compose files around an NGINX config: the run's compose files (read once per process
and run), those whose services take the config into their container (a bind mount, or a
build that copies it) wherever they lie, and the entries of files near the config or of
those. Reading a file of the tree as evidence: None when it cannot be read."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TypeVar

from linter.discovery import in_layout_folder
from linter.pathmatch import relative_posix
from linter.server import detect
from linter.server.treefiles import launch_files

if TYPE_CHECKING:
    from collections.abc import Callable

    from linter.server.composefile import ComposeFile, ComposeService
    from linter.server.model import Launch
    from linter.source import SourceText
    from linter.workspace import Workspace

_T = TypeVar("_T")


def read_evidence(workspace: Workspace, path: str) -> SourceText | None:
    """A file of the tree read as evidence: None when it is outside the tree, not a file, or
    cannot be read (evidence only: never an error)."""
    if not workspace.inside(path) or not os.path.isfile(path):
        return None
    try:
        return workspace.read_source(path)
    except Exception:
        return None


def compose_files(workspace: Workspace, anchor: str | None = None) -> list[ComposeFile]:
    """The run's compose files, read once per process and run."""
    files = launch_files(workspace, anchor)
    key = ("server", "compose-files", files)  # (a Paths: hashed once)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    found: list[ComposeFile] = []
    for path in files:
        relpath = relative_posix(path, workspace.root)
        if detect.shape(relpath) != "compose" and not relpath.lower().endswith(
            detect.YAML_SUFFIXES
        ):
            continue
        source = read_evidence(workspace, path)
        if source is None or not detect.is_compose(relpath, source.text):
            continue
        # (Here, once a compose file was found: a config with none never loads the YAML reader.)
        from linter.server import composefile

        try:
            parsed = composefile.read(path, source.text, lambda p: read_evidence(workspace, p))
        except Exception:  # evidence only
            continue
        if parsed.error is None:
            found.append(parsed)
    workspace.memo[key] = found
    return found


def provides(service: ComposeService, nginx_file: str, workspace: Workspace) -> str | None:
    """How the service gets the file into its container: a bind mount of the file or of a
    folder holding it, or a build whose Dockerfile copies it; None when it does not."""
    for local, container, _place in service.volumes:
        if nginx_file == local or nginx_file.startswith(local.rstrip(os.sep) + os.sep):
            return f"mounts it at {container}"
    context, dockerfile = service.context_dir, service.dockerfile
    if context and dockerfile and nginx_file.startswith(context.rstrip(os.sep) + os.sep):
        source = read_evidence(workspace, dockerfile)
        if source is not None and os.path.basename(nginx_file) in source.text:
            return f"builds {relative_posix(dockerfile, workspace.root)}, which copies it"
    return None


def mounting_compose_files(workspace: Workspace, nginx_file: str) -> frozenset[str]:
    """The compose files one of whose services takes ``nginx_file`` into its container (a
    bind mount, or a build that copies it): they belong to its project wherever they lie
    (`docker/docker-compose.yml` mounting `../deploy/nginx/nginx.conf`). For a config of a
    layout folder (`enterprise/nginx/conf.d/app.conf`), also those that mount a file of the
    NGINX folder above it (`enterprise/nginx/nginx.conf`): the vhost is written for the
    deployment that runs its main config, whose services are the backends it names."""
    files = launch_files(workspace, nginx_file)
    key = ("server", "mounting", files, nginx_file)
    known = workspace.memo.get(key)
    if isinstance(known, frozenset):
        return known
    index = _mount_index(workspace, files, compose_files(workspace, nginx_file))
    found: set[str] = set()
    # A bind mount of the file or of a folder above it; a build whose context holds it.
    folder = nginx_file
    while True:
        found.update(index.mounts.get(folder, ()))
        for compose_path, dockerfile in index.builds.get(folder, ()):
            if compose_path not in found and nginx_file != folder:
                source = read_evidence(workspace, dockerfile)
                if source is not None and os.path.basename(nginx_file) in source.text:
                    found.add(compose_path)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if in_layout_folder(nginx_file):
        found.update(index.mount_parents.get(os.path.dirname(os.path.dirname(nginx_file)), ()))
    result = frozenset(found)
    workspace.memo[key] = result
    return result


class _MountIndex:
    """Where the run's compose services take files from, by path: what ``provides`` asks
    of one service, asked of all of them at once (one pass per run, not per config)."""

    def __init__(self) -> None:
        self.mounts: dict[str, list[str]] = {}  # a bind mount's local path -> compose files
        self.mount_parents: dict[str, list[str]] = {}  # its folder -> compose files
        self.builds: dict[str, list[tuple[str, str]]] = {}  # context -> (compose, Dockerfile)


def _mount_index(
    workspace: Workspace, files: tuple[str, ...], composes: list[ComposeFile]
) -> _MountIndex:
    key = ("server", "mount-index", files)
    known = workspace.memo.get(key)
    if isinstance(known, _MountIndex):
        return known
    index = _MountIndex()
    for compose in composes:
        for service in compose.services:
            for local, _container, _place in service.volumes:
                index.mounts.setdefault(local.rstrip(os.sep) or local, []).append(compose.path)
                index.mount_parents.setdefault(os.path.dirname(local), []).append(compose.path)
            context, dockerfile = service.context_dir, service.dockerfile
            if context and dockerfile:
                entry = (compose.path, dockerfile)
                index.builds.setdefault(context.rstrip(os.sep) or context, []).append(entry)
    workspace.memo[key] = index
    return index


def launch_home(entry: tuple[str, Launch]) -> str:
    return entry[0]


def compose_path(compose: ComposeFile) -> str:
    return compose.path


def near_or_mounting(
    workspace: Workspace,
    entries: list[_T],
    file_of: Callable[[_T], str],
    nginx_file: str,
    mounting: frozenset[str],
) -> list[_T]:
    """The entries (in their order) ``near`` the config, and those of a compose file that
    mounts it wherever it is."""
    # (Here: front.py reads app servers' keep-alives, which a config with no launch near it
    # never needs.)
    from linter.server.front import near_ones

    near_entries = near_ones(workspace, entries, file_of, nginx_file)
    if not mounting:
        return near_entries
    kept = {id(entry) for entry in near_entries}
    return [e for e in entries if id(e) in kept or file_of(e) in mounting]
