"""Where a repository keeps an included file whose deployed path is not its own layout.

`include /etc/nginx/upstreams/pool.conf;` while the repository keeps `nginx/pool.conf` beside
the includer (a Dockerfile or a README step copies it into place). When the mapped path is
missing, the file of the same name next to the including file is used, else the only file of
that name in the linted tree; the run says which file it used (an `info` finding).
"""

from __future__ import annotations

import os
import posixpath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.workspace import Workspace

_MEMO_KEY = ("nginx", "files-by-name")


def fallback_for(pattern: str, includer_dir: str | None, workspace: Workspace) -> tuple[str, str]:
    """(path, why) of the file to read for a missing explicit include, or ("", "")."""
    name = posixpath.basename(pattern.replace("\\", "/"))
    if not name or name in (".", ".."):
        return "", ""
    if includer_dir is not None:
        beside = os.path.join(includer_dir, name)
        if os.path.isfile(beside) and workspace.inside(beside):
            return os.path.abspath(beside), "the file of that name beside the including file"
    found = [path for path in _files_by_name(workspace).get(name, ()) if workspace.inside(path)]
    if len(found) == 1:
        return found[0], "the only file of that name in the linted tree"
    return "", ""


def _files_by_name(workspace: Workspace) -> dict[str, list[str]]:
    """Every file of the linted tree by its name: one walk per run, made on the first miss."""
    cached = workspace.memo.get(_MEMO_KEY)
    if isinstance(cached, dict):
        return cached
    from linter.discovery import never_entered

    index: dict[str, list[str]] = {}
    for current, dirs, files in os.walk(workspace.root):
        dirs[:] = sorted(d for d in dirs if not never_entered(current, d))
        for name in files:
            index.setdefault(name, []).append(os.path.abspath(os.path.join(current, name)))
    workspace.memo[_MEMO_KEY] = index
    return index
