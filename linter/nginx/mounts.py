"""Where a compose service puts the repository's NGINX files in its container.

`./nginx/nginx.conf:/etc/nginx/nginx.conf` beside `./nginx/api.conf:/etc/nginx/conf.d/default.conf`:
the main config's `include /etc/nginx/conf.d/*.conf;` then takes `nginx/api.conf`, whatever
its name in the repository. A run resolves an absolute include through the bind mounts of the
services that mount the file it starts from (``compose_mounts``), and a site file given alone
finds the main config that the same service mounts and whose includes name the site's place
in the container (``mount_includers``). Evidence only: a compose file that cannot be read
adds nothing.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.workspace import Workspace

# (path in the container, local path): a service's bind mounts of the repository's files.
Mounts = tuple[tuple[str, str], ...]
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# `include <absolute path>;` as written, anywhere a statement may start.
_ABSOLUTE_INCLUDE = functools.cache(
    lambda: re.compile(r"""(?:^|[\s;{}])include\s+["']?(/[^\s;"'{}]+)""")
)


def _services(workspace: Workspace, path: str) -> list[ComposeService]:
    """The compose services that bind-mount ``path`` (the file, or a folder holding it)."""
    from linter.server.nearcompose import compose_files

    try:
        composes = compose_files(workspace, path)
    except Exception:  # evidence only
        return []
    return [
        service
        for compose in composes
        for service in compose.services
        if any(
            path == local or path.startswith(local.rstrip(os.sep) + os.sep)
            for local, _, _ in service.volumes
        )
    ]


def compose_mounts(workspace: Workspace, path: str) -> Mounts:
    """The bind mounts of every compose service that mounts ``path``: the first mount of a
    container path wins (two compose files, a development one and a production one, may put
    different files there). Once per run and file."""
    key = ("nginx", "compose-mounts", path)
    cached = workspace.memo.get(key)
    if isinstance(cached, tuple):
        return cached
    found: dict[str, str] = {}
    for service in _services(workspace, path):
        for local, container, _ in service.volumes:
            if posixpath.isabs(container):
                found.setdefault(posixpath.normpath(container), local)
    mounts = tuple(found.items())
    workspace.memo[key] = mounts
    return mounts


def mounted_files(pattern: str, mounts: Mounts) -> list[str]:
    """The local files an absolute include pattern names in the container, through the bind
    mounts: a mounted file whose container path it matches, the files of a mounted folder it
    reaches into. Sorted as nginx sorts a glob's matches (by the path in the container)."""
    found: list[tuple[str, str]] = []
    pattern = posixpath.normpath(pattern)
    for container, local in mounts:
        if os.path.isfile(local):
            if fnmatchcase(container, pattern):
                found.append((container, local))
            continue
        prefix = container.rstrip("/") + "/"
        if not pattern.startswith(prefix) or not os.path.isdir(local):
            continue
        rest = pattern[len(prefix) :]
        import glob

        for match in glob.glob(os.path.join(local, rest)):
            if os.path.isfile(match):
                inside = prefix + os.path.relpath(match, local).replace(os.sep, "/")
                found.append((inside, match))
    found.sort()
    return list(dict.fromkeys(local for _, local in found))


def mount_includers(workspace: Workspace, path: str) -> list[str]:
    """The files a compose service mounts beside ``path`` whose absolute `include` lines name
    the place it mounts ``path`` at (a main config's `/etc/nginx/conf.d/*.conf` and a site
    mounted as `/etc/nginx/conf.d/default.conf`). Names only: a run confirms them."""
    found: list[str] = []
    for service in _services(workspace, path):
        places = [
            posixpath.normpath(container)
            for local, container, _ in service.volumes
            if local == path and posixpath.isabs(container)
        ]
        if not places:
            continue
        for local, _, _ in service.volumes:
            if local == path or local in found or not os.path.isfile(local):
                continue
            if not workspace.inside(local):
                continue
            try:
                text = workspace.read_bytes(local).decode("utf-8", "replace")
            except Exception:
                continue
            patterns = _ABSOLUTE_INCLUDE().findall(text) if "include" in text else []
            if any(fnmatchcase(place, posixpath.normpath(p)) for p in patterns for place in places):
                found.append(local)
    return found
