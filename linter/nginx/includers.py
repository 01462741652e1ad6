"""Who includes a fragment given alone.

pre-commit passes only the files that changed: `snippets/proxy.conf` or `conf.d/chat.conf`
without the `nginx.conf` that includes it. Linted alone, a snippet has no location, no
`proxy_pass`, no route: nothing it sets can be judged. So for a given file that looks like a
fragment and that no other given file includes, the linted tree is searched for the files that
include it (and for the files that include those), and it is linted through the outermost
ones, reporting only what lies in it.

Cheap first: one walk of the tree per run (the usual folders skipped), NGINX-named files only,
and only files whose `include` lines name something the fragment's name can match are parsed
(with the same include resolution a run uses, so what is found here is what a run reaches).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from linter.document import Claim
from linter.nginx import detect
from linter.nginx.includes import WELL_KNOWN_PREFIXES

if TYPE_CHECKING:
    from linter.workspace import Workspace

# `include <path>;` as written (quoted or not), anywhere a statement may start.
_INCLUDE = re.compile(rb"""(?:^|[\s;{}])include\s+(?:"([^"]*)"|'([^']*)'|([^\s;"'{}]+))""")
# A whole configuration (nginx.conf): it is nobody's fragment.
_MAIN = re.compile(rb"(?m)^[ \t]*(?:http|events)[ \t\r\n]*\{")
_MEMO_KEY = ("nginx", "include-index")
_MAX_DEPTH = 16

Reachable = Callable[[str], set[str]]


def looks_like_fragment(data: bytes) -> bool:
    """Not a whole configuration (no `http {}` or `events {}` at the start of a line)."""
    return _MAIN.search(data) is None


def include_index(workspace: Workspace) -> dict[str, tuple[str, ...]]:
    """Every NGINX-named file of the linted tree that has `include` lines, with what they
    include (patterns, as written). Built once per run."""
    cached = workspace.memo.get(_MEMO_KEY)
    if isinstance(cached, dict):
        return cached
    from linter.discovery import SKIPPED_DIRS

    index: dict[str, tuple[str, ...]] = {}
    root = workspace.root
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS and not os.path.isfile(os.path.join(current, d, "pyvenv.cfg"))
        )
        relative_dir = os.path.relpath(current, root).replace(os.sep, "/")
        for name in files:
            relpath = name if relative_dir == "." else f"{relative_dir}/{name}"
            if detect.claim_by_name(relpath) is Claim.NO:
                continue
            path = os.path.join(current, name)
            try:
                data = workspace.read_bytes(path)
            except Exception:
                continue
            if b"include" not in data:
                continue
            names = []
            for match in _INCLUDE.finditer(data):
                raw = next(group for group in match.groups() if group is not None)
                names.append(raw.decode("utf-8", "replace"))
            if names:
                index[path] = tuple(names)
    workspace.memo[_MEMO_KEY] = index
    return index


def _may_include(includer: str, patterns: tuple[str, ...], path: str) -> bool:
    """Could one of the includer's `include` patterns name ``path``? Judged on names only, at
    the places a run looks (includes.DiskFiles: the includer's folder and the one above,
    well-known prefixes such as `/etc/nginx` mapped there); an absolute path under no known
    prefix (an `nginx-prefix` mapping) is judged by its last two parts. A run's own
    resolution confirms what this lets through."""
    folder = os.path.dirname(includer)
    above = os.path.dirname(folder)
    near = path.startswith(above.rstrip(os.sep) + os.sep)
    names = [path]
    if path.endswith(".template"):
        # The docker image renders `templates/x.conf.template` into `/etc/nginx/conf.d/x.conf`.
        names.append(path[: -len(".template")])
    for pattern in patterns:
        if not near and pattern[:1] != "/":
            continue  # a relative include only reaches below the includer's folders
        if "$" in pattern:
            continue
        pattern = pattern.replace("\\", "/")
        if posixpath.isabs(pattern):
            known = next((p for p in WELL_KNOWN_PREFIXES if pattern.startswith(p + "/")), None)
            if known is None:
                tail = "*/" + "/".join(pattern.split("/")[-2:])
                if any(fnmatchcase(n, pattern) or fnmatchcase(n, tail) for n in names):
                    return True
                continue
            pattern = pattern[len(known) + 1 :]
        if not near:
            continue
        for base in (folder, above):
            full = os.path.join(base, pattern)
            if any(fnmatchcase(name, full) for name in names):
                return True
    return False


def _parents(path: str, workspace: Workspace) -> list[str]:
    """Files whose `include` lines may name ``path`` (by name and place, nothing parsed)."""
    key = ("nginx", "parents", path)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    found = [
        candidate
        for candidate, patterns in include_index(workspace).items()
        if candidate != path and _may_include(candidate, patterns, path)
    ]
    found.sort()
    workspace.memo[key] = found
    return found


def outermost_includers(path: str, workspace: Workspace, reachable: Reachable) -> list[str]:
    """The files to lint ``path`` through: the files that include it, the files that include
    those, ..., up to files nothing includes, each confirmed to reach ``path`` as a run would
    resolve its includes. Empty when nothing includes it (or only a cycle does)."""
    seen = {path}
    frontier = [(path, 0)]
    tops: list[str] = []
    direct = _parents(path, workspace)
    while frontier:
        current, depth = frontier.pop()
        above = _parents(current, workspace)
        if current != path and not [p for p in above if p != path]:
            tops.append(current)
        if depth >= _MAX_DEPTH:
            continue
        for parent in above:
            if parent not in seen:
                seen.add(parent)
                frontier.append((parent, depth + 1))
    # The walk above only read names: a top that does not really reach the file is dropped,
    # and when no top does, the direct includers that do are used instead.
    roots = [top for top in sorted(set(tops)) if path in reachable(top)]
    if not roots:
        roots = [parent for parent in direct if path in reachable(parent)]
    return roots
