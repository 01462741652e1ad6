"""The compose project around the files a run was given (pre-commit): where the stack pass
reads the rest of the repository's stack from. Apart from run.py so that a run that finds no
project (the units then take no stack facts: step.facts_unread) does not import the stack's
model."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.workspace import Workspace


def _compose_named_or_written(folder: str, name: str) -> bool:
    """A compose file by its name, or a YAML file of the folder by its content."""
    from linter.server import detect
    from linter.workspace import ReadFailure, read_regular_file

    if detect.shape(name) == "compose":
        return True
    if not name.lower().endswith(detect.YAML_SUFFIXES):
        return False
    try:
        data = read_regular_file(os.path.join(folder, name), 1024 * 1024)
    except (ReadFailure, OSError):
        return False
    return detect.compose_by_content(data)


def project_of(files: Iterable[str], root: str) -> str | None:
    """The folder of the compose project around the given files: the highest folder, up to
    the root, that holds a compose file and contains them all (the compose file is the hub
    that mounts the NGINX and LiteLLM configs). None when there is none: a run given files
    outside any compose project has no stack to read."""
    found: str | None = None
    folders = {os.path.dirname(path) for path in files}
    if not folders:
        return None
    common = os.path.commonpath(sorted(folders))
    top = os.path.normpath(root)
    current = os.path.normpath(common)
    while True:
        try:
            names = os.listdir(current)
        except OSError:
            names = []
        if any(_compose_named_or_written(current, name) for name in names):
            found = current
        if current == top or not current.startswith(top + os.sep):
            break
        current = os.path.dirname(current)
    return found


def project_around(workspace: Workspace, files: Iterable[str]) -> str | None:
    """``project_of`` the given files, worked out once per run: the units ask it
    (step.facts_unread) before the stack pass asks it again for the same files."""
    given = frozenset(files)
    key = ("stack", "project-of", given)
    if key not in workspace.memo:
        workspace.memo[key] = project_of(given, workspace.root)
    found = workspace.memo[key]
    return found if isinstance(found, str) else None
