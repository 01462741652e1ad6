"""The launch files a proxy config's evidence comes from: those the run discovered, and the
compose files, Dockerfiles, Procfiles and gunicorn configs of the tree that belong to the
config's project (``front.near``: in a folder above it, or in its parent's folder and below),
found by name (and compose files named otherwise by their content). So a pre-commit call on one NGINX config sees the app behind a route, and its
keep-alive, as a whole-tree run does, reading only the folders around it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.discovery import project_folder
from linter.server import detect

if TYPE_CHECKING:
    from linter.workspace import Workspace

# How many folder entries the walk below a config's parent looks at (a huge tree: what was
# found so far).
_MAX_ENTRIES = 20_000
_BY_NAME = frozenset({"compose", "dockerfile", "procfile", "gunicorn-config", "systemd"})


class Paths(tuple[str, ...]):
    """A tuple of paths that computes its hash once: the run's launch files key several
    memos asked for once per config and route, and hashing thousands of paths on each
    question made a run's time grow with the square of the tree's size. Equal to, and
    hashing as, the plain tuple (a worker's memo gets it pickled, with the hash made anew)."""

    _hash: int | None = None

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = tuple.__hash__(self)
        return self._hash

    def __reduce__(self) -> tuple[type[Paths], tuple[tuple[str, ...]]]:
        return (Paths, (tuple(self),))


def discovered_launch_files(workspace: Workspace) -> Paths:
    """The run's discovered launch files, one object per run (see ``Paths``)."""
    found = workspace.discovered.get("server", ())
    key = ("server", "discovered-paths")
    known = workspace.memo.get(key)
    if (
        isinstance(known, Paths)
        and len(known) == len(found)
        and (not found or (known[0] == found[0] and known[-1] == found[-1]))
    ):
        return known
    known = Paths(found)
    workspace.memo[key] = known
    return known


def launch_files(workspace: Workspace, anchor: str | None = None) -> tuple[str, ...]:
    """The run's discovered launch files; with ``anchor`` (a proxy config), also the launch
    files of the tree around it (once per run and folder)."""
    discovered = discovered_launch_files(workspace)
    if anchor is None or workspace.whole_tree:
        return discovered  # a run over the whole tree discovered them all
    below = project_folder(os.path.abspath(anchor))
    if not workspace.inside(below):  # (a layout folder at the tree's root)
        below = os.path.dirname(os.path.dirname(os.path.abspath(anchor)))
    if not workspace.inside(below):  # (a config at the tree's root: the tree is its project)
        below = workspace.root
    key = ("server", "tree-launch-files", below)
    known = workspace.memo.get(key)
    if not isinstance(known, tuple):
        seen = _real_paths(workspace, discovered)
        extra = [
            path
            for path in _around(workspace, os.path.abspath(anchor), below)
            if os.path.realpath(path) not in seen
        ]
        known = Paths(discovered + tuple(extra))
        workspace.memo[key] = known
    return known


def _real_paths(workspace: Workspace, paths: tuple[str, ...]) -> frozenset[str]:
    """The real paths of the run's discovered launch files, once per run and process (every
    folder with a proxy config asks: resolved again each time, that was configs x launch files
    calls of realpath)."""
    key = ("server", "discovered-real", paths)
    known = workspace.memo.get(key)
    if not isinstance(known, frozenset):
        known = frozenset(os.path.realpath(p) for p in paths)
        workspace.memo[key] = known
    return known


def _around(workspace: Workspace, anchor: str, below: str) -> list[str]:
    """Launch files in the folders above ``anchor`` up to the tree's root (those folders'
    own files only), and in ``below`` and its subfolders."""
    found: list[str] = []
    if workspace.inside(below):
        found.extend(_walk(workspace.root, below))
    folder = below
    while workspace.inside(folder) and folder != os.path.dirname(folder):
        folder = os.path.dirname(folder)
        if not workspace.inside(folder):
            break
        found.extend(_files_in(workspace.root, folder))
        found.extend(_mounting_compose_beside(workspace, folder, anchor, below))
    return found


def _mounting_compose_beside(
    workspace: Workspace, folder: str, anchor: str, below: str
) -> list[str]:
    """Compose files one or two folders down from ``folder`` (not in the walked ``below``)
    that write the relative path of the config's folder (`docker/docker-compose.yml`
    mounting `../deploy/nginx/nginx.conf`, `docker/compose/docker-compose.yml` mounting
    `../../enterprise/nginx/nginx.conf`; nearcompose.py keeps those whose service mounts it).
    Only those: another project's compose file would cost a read of its launches for
    nothing."""
    found: list[str] = []
    config_folder = _config_folder(anchor)  # (once here, not for each of 100 folders)
    for sub in _subfolders(folder):
        if sub == below or below.startswith(sub + os.sep):
            continue
        found.extend(_compose_writing(sub, config_folder))
        for deeper in _subfolders(sub)[:_MAX_SUBFOLDERS]:
            found.extend(_compose_writing(deeper, config_folder))
    return found


# How many folders below one of the first level the look two folders down visits (a tree's
# top may hold a folder of many: those are not where a deployment keeps its compose file).
_MAX_SUBFOLDERS = 40
# Folders no compose file of the project lies in.
_NOT_DEPLOYMENT = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "dist"})


def _subfolders(folder: str) -> list[str]:
    try:
        return sorted(
            e.path
            for e in os.scandir(folder)
            if e.is_dir(follow_symlinks=False)
            and not e.name.startswith(".")
            and e.name not in _NOT_DEPLOYMENT
        )
    except OSError:
        return []


def _config_folder(anchor: str) -> str:
    """The config's folder; for a vhost of a layout folder, the NGINX folder above it (a
    compose file that mounts its main config, nearcompose.py's `_mounts_main_config`)."""
    from linter.discovery import in_layout_folder

    config_folder = os.path.dirname(anchor)
    if in_layout_folder(anchor):
        config_folder = os.path.dirname(config_folder)
    return config_folder


def _compose_writing(folder: str, config_folder: str) -> list[str]:
    """The compose files of ``folder`` (its own files) that write the path of
    ``config_folder`` (``_config_folder``) relative to it."""
    from linter.workspace import ReadFailure, read_regular_file

    found: list[str] = []
    written = os.path.relpath(config_folder, folder).replace(os.sep, "/").encode()
    for path in _yaml_files_in(folder):
        name = os.path.basename(path).lower()
        try:
            data = read_regular_file(path, 1024 * 1024)
        except (ReadFailure, OSError):
            continue
        if written in data and detect.is_compose(name, data):
            found.append(path)
    return found


def _yaml_files_in(folder: str) -> list[str]:
    """The YAML files of ``folder`` (every compose name is one), by name: the look two folders
    down meets hundreds of folders, and a compose file is read once, below, not twice."""
    try:
        with os.scandir(folder) as entries:
            found = [
                e.path
                for e in entries
                if e.name.lower().endswith(detect.YAML_SUFFIXES)
                and e.is_file(follow_symlinks=False)
            ]
    except OSError:
        return []
    return sorted(found)


def _files_in(root: str, folder: str) -> list[str]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [e.path for e in entries if e.is_file(follow_symlinks=False) and _wanted(root, e)]


def _walk(root: str, top: str) -> list[str]:
    from linter.discovery import walk_files

    return walk_files(top, lambda entry: _wanted(root, entry), _MAX_ENTRIES)


def _wanted(root: str, entry: os.DirEntry[str]) -> bool:
    # The shape is decided by the file's name alone: no relative path to build for each of
    # the hundreds of entries a walk below a main config's folder meets.
    shape = detect.shape(entry.name)
    if shape is None and entry.name.lower().endswith(detect.YAML_SUFFIXES):
        return _compose_by_content(entry.path)
    if shape not in _BY_NAME:
        return False
    # Only the config names gunicorn and its users give (any `*gunicorn*.py` is read by
    # content, by the server kind, when the run holds it).
    return shape != "gunicorn-config" or entry.name.lower() in detect.GUNICORN_CONFIG_NAMES


def _compose_by_content(path: str) -> bool:
    """A YAML file of the walk that is a compose file by its content (a read of the file: the
    walk meets few YAML files that are not named for what they are)."""
    from linter.workspace import ReadFailure, read_regular_file

    try:
        data = read_regular_file(path, 1024 * 1024)
    except (ReadFailure, OSError):
        return False
    return detect.compose_by_content(data)
