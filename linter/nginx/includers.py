"""Who includes a fragment given alone.

pre-commit passes only the files that changed: `snippets/proxy.conf` or `conf.d/chat.conf`
without the `nginx.conf` that includes it. Linted alone, a snippet has no location, no
`proxy_pass`, no route: nothing it sets can be judged. So for a given file that looks like a
fragment and that no other given file includes, the linted tree is searched for the files that
include it (and for the files that include those), and it is linted through the outermost
ones, reporting only what lies in it.

Cheap first. A run resolves an include against the includer's folder (or the folder above, for
a fragment; `/etc/nginx/...` is mapped there too), so an includer can only sit in a folder that
holds the fragment, or directly in a subfolder of one: those folders are listed (the usual
folders skipped, NGINX-named files only), not the whole tree. Only with an `nginx-prefix`
setting, which may map an include anywhere, is the whole tree walked (once per run). Names
are matched first; only the files that pass are parsed, with the same include resolution a
run uses, so what is found here is what a run reaches.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from linter.document import Claim
from linter.nginx import detect
from linter.nginx.includes import WELL_KNOWN_PREFIXES
from linter.nginx.mounts import mount_includers

if TYPE_CHECKING:
    from linter.workspace import Workspace

# `include <path>;` as written (quoted or not), anywhere a statement may start: the start of
# the data or a byte of ``_BEFORE`` before it (tested in ``_includes_of``). A pattern that
# began with `(?:^|[\s;{}])` was tried at every byte of every file (8 ms of a pre-commit call
# over 42 files); one that begins with `include` is found by a fast scan for the word.
_INCLUDE = re.compile(rb"""include\s+(?:"([^"]*)"|'([^']*)'|([^\s;"'{}]+))""")
_BEFORE = frozenset(b" \t\n\r\x0b\x0c;{}")  # what `\s` is in a bytes pattern, and ; { }
_MEMO_KEY = ("nginx", "include-index")
_MAX_DEPTH = 16

Reachable = Callable[[str], set[str]]


def _skipped(folder: str, name: str) -> bool:
    from linter.discovery import never_entered

    return never_entered(folder, name)


def _includes_of(path: str, workspace: Workspace) -> tuple[str, ...]:
    """What a file includes (patterns, as written)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return ()
    if b"include" not in data:
        return ()
    found: list[str] = []
    position = 0
    while (match := _INCLUDE.search(data, position)) is not None:
        start = match.start()
        if start and data[start - 1] not in _BEFORE:
            position = start + 1  # inside a word (`xinclude`): look on from the next byte
            continue
        # (Exactly one of the three groups takes part in a match: the last one that did.)
        found.append(match[match.lastindex or 0].decode("utf-8", "replace"))
        # (A match never ends with a byte of _BEFORE, so the next one cannot share it.)
        position = match.end()
    return tuple(found)


def _nginx_named(prefix: str, name: str) -> bool:
    if detect.other_kind_extension(name.lower()):
        return False  # most files, without building their relative path
    return detect.claim_by_name(prefix + name) is not Claim.NO


def _plain_folder(entry: os.DirEntry[str]) -> bool:
    """A folder (not a link to one): never a file, whatever its name says. Tested first, from
    the listing alone: the folders above a fragment hold hundreds of subfolders (a package
    each) whose names, without an extension, pass the name test."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _folder_index(folder: str, workspace: Workspace) -> dict[str, tuple[str, ...]]:
    """The files directly in ``folder`` that include something (not its subfolders)."""
    key = ("nginx", "folder-includes", folder)
    cached = workspace.memo.get(key)
    if isinstance(cached, dict):
        return cached
    index: dict[str, tuple[str, ...]] = {}
    relative_dir = os.path.relpath(folder, workspace.root).replace(os.sep, "/")
    prefix = "" if relative_dir == "." else f"{relative_dir}/"
    try:
        # NGINX-named files only (the name first: a folder may hold thousands of others).
        names = sorted(
            entry.name
            for entry in os.scandir(folder)
            if not _plain_folder(entry) and _nginx_named(prefix, entry.name) and entry.is_file()
        )
    except OSError:
        names = []
    for name in names:
        patterns = _includes_of(os.path.join(folder, name), workspace)
        if patterns:
            index[os.path.join(folder, name)] = patterns
    workspace.memo[key] = index
    return index


def _subfolders(folder: str, workspace: Workspace) -> list[str]:
    """The folders directly in ``folder`` worth looking into (listed once per run: each
    fragment's search lists the same ancestors)."""
    key = ("nginx", "subfolders", folder)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    try:
        found = sorted(
            entry.path
            for entry in os.scandir(folder)
            if entry.is_dir(follow_symlinks=False) and not _skipped(folder, entry.name)
        )
    except OSError:
        found = []
    workspace.memo[key] = found
    return found


def include_index(workspace: Workspace) -> dict[str, tuple[str, ...]]:
    """Every NGINX-named file of the linted tree that has `include` lines, with what they
    include (patterns, as written): a walk of the whole tree, built once per run. Needed only
    when an `nginx-prefix` setting may map an include anywhere; see ``nearby_index``."""
    cached = workspace.memo.get(_MEMO_KEY)
    if isinstance(cached, dict):
        return cached
    index: dict[str, tuple[str, ...]] = {}
    for current, dirs, _files in os.walk(workspace.root):
        dirs[:] = sorted(d for d in dirs if not _skipped(current, d))
        index.update(_folder_index(current, workspace))
    workspace.memo[_MEMO_KEY] = index
    return index


def nearby_index(path: str, workspace: Workspace) -> dict[str, tuple[str, ...]]:
    """The files that can include ``path`` without an `nginx-prefix` mapping. A run resolves
    an include against the includer's folder, or the folder above it (for a fragment), with
    well-known prefixes such as `/etc/nginx` mapped there: so an includer lies in a folder
    that holds ``path`` (at any depth), or directly in a subfolder of such a folder. Those
    folders are listed, not the whole tree."""
    root = workspace.root.rstrip(os.sep)
    ancestors = []
    folder = os.path.dirname(path)
    while folder == root or folder.startswith(root + os.sep):
        ancestors.append(folder)
        if folder == root:
            break
        folder = os.path.dirname(folder)
    folders = set(ancestors)
    for ancestor in ancestors:
        folders.update(_subfolders(ancestor, workspace))
    index: dict[str, tuple[str, ...]] = {}
    for folder in sorted(folders):
        index.update(_folder_index(folder, workspace))
    return index


def _may_include(
    includer: str,
    patterns: tuple[str, ...],
    path: str,
    prefix_map: Sequence[tuple[str, str]] = (),
) -> bool:
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
    basenames = {os.path.basename(name) for name in names}
    for pattern in patterns:
        if "$" in pattern:
            continue
        pattern = pattern.replace("\\", "/")
        if (
            pattern[:1] == "/"
            and not _has_magic(pattern)
            and posixpath.basename(pattern) in basenames
        ):
            return True  # maybe through the same-name fallback (fallback.py); a run confirms
        if not near and pattern[:1] != "/":
            continue  # a relative include only reaches below the includer's folders
        if posixpath.isabs(pattern):
            mapped = next(
                (
                    os.path.join(local, pattern[len(absolute) :].lstrip("/"))
                    for absolute, local in prefix_map
                    if pattern == absolute or pattern.startswith(absolute.rstrip("/") + "/")
                ),
                None,
            )
            if mapped is not None:
                if any(fnmatchcase(name, mapped) for name in names):
                    return True
                continue
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
            for name in names:
                if _matches(name, base, pattern):
                    return True
    return False


def _has_magic(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _matches(name: str, base: str, pattern: str) -> bool:
    """``fnmatchcase(name, os.path.join(base, pattern))``, without compiling a pattern per
    base folder: a base with no wildcard only has to start the name."""
    prefix = os.path.join(base, "")
    if pattern.startswith("/") or _has_magic(prefix):
        return fnmatchcase(name, os.path.join(base, pattern))
    if not name.startswith(prefix):
        return False
    rest = name[len(prefix) :]
    if not _has_magic(pattern):
        return rest == pattern
    return fnmatchcase(rest, pattern)


def _parents(path: str, workspace: Workspace, prefix_map: tuple[tuple[str, str], ...]) -> list[str]:
    """Files whose `include` lines may name ``path`` (by name and place, nothing parsed).
    With an `nginx-prefix` mapping an include may name any folder: the whole tree is looked
    at then."""
    key = ("nginx", "parents", path, prefix_map)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    index = include_index(workspace) if prefix_map else nearby_index(path, workspace)
    found = [
        candidate
        for candidate, patterns in index.items()
        if candidate != path and _may_include(candidate, patterns, path, prefix_map)
    ]
    # A main config a compose service mounts beside the file, whose includes name the place
    # the service mounts the file at (mounts.py): whatever the file's name in the tree.
    found += [p for p in mount_includers(workspace, path) if p not in found]
    found.sort()
    workspace.memo[key] = found
    return found


def outermost_includers(
    path: str,
    workspace: Workspace,
    reachable: Reachable,
    prefix_map: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """The files to lint ``path`` through: the files that include it, the files that include
    those, ..., up to files nothing includes, each confirmed to reach ``path`` as a run would
    resolve its includes. Empty when nothing includes it (or only a cycle does)."""
    seen = {path}
    frontier = [(path, 0)]
    tops: list[str] = []
    direct = _parents(path, workspace, prefix_map)
    while frontier:
        current, depth = frontier.pop()
        above = _parents(current, workspace, prefix_map)
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
