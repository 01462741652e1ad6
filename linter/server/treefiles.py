"""The launch files a run takes its evidence from: those it discovered, and, for a run given
single files (a pre-commit call on one NGINX config), the compose files, Dockerfiles, Procfiles
and gunicorn configs of the whole tree, found by name. So the app behind a route, and its
keep-alive, are the same whether the tree or one file of it is checked."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.server import detect

if TYPE_CHECKING:
    from linter.workspace import Workspace

_MEMO_KEY = ("server", "tree-launch-files")
# How many folder entries the walk looks at before it stops (a huge tree: what was found so far).
_MAX_ENTRIES = 50_000
_BY_NAME = frozenset({"compose", "dockerfile", "procfile", "gunicorn-config"})


def launch_files(workspace: Workspace) -> tuple[str, ...]:
    """The run's discovered launch files, then the tree's other ones by name (once per run)."""
    known = workspace.memo.get(_MEMO_KEY)
    if isinstance(known, tuple):
        return known
    discovered = list(workspace.discovered.get("server", ()))
    seen = {os.path.realpath(p) for p in discovered}
    extra = [p for p in _walk(workspace.root) if os.path.realpath(p) not in seen]
    result = tuple(discovered + extra)
    workspace.memo[_MEMO_KEY] = result
    return result


def _walk(root: str) -> list[str]:
    from linter.discovery import SKIPPED_DIRS

    found: list[str] = []
    stack = [root]
    entries_seen = 0
    while stack and entries_seen < _MAX_ENTRIES:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        folders = []
        for entry in entries:
            entries_seen += 1
            if entry.is_dir(follow_symlinks=False):
                if (
                    entry.name not in SKIPPED_DIRS
                    and not entry.name.startswith(".")
                    and not os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))
                ):
                    folders.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                relative = os.path.relpath(entry.path, root).replace(os.sep, "/")
                shape = detect.shape(relative)
                if shape in _BY_NAME and (shape != "gunicorn-config" or _named_config(entry.name)):
                    found.append(entry.path)
        stack.extend(reversed(folders))
    return found


def _named_config(name: str) -> bool:
    """Only the config names gunicorn and its users give (not any `*gunicorn*.py`, which the
    server kind reads by content)."""
    return name.lower() in detect.GUNICORN_CONFIG_NAMES
