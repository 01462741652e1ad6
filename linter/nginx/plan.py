"""Grouping: which files are units of their own (a main file and what it includes), which are
linted through the files that include them, and which units share a file (one worker group).
Nothing here builds an expanded configuration; outlines of the files are enough."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from linter.document import Claim, Unit
from linter.nginx import detect, dump
from linter.nginx.embedded import nginx_source
from linter.nginx.fragments import context_of_comments, context_of_names, settings_for
from linter.nginx.includers import outermost_includers
from linter.nginx.includes import DiskFiles, parsed_once, reachable_files
from linter.nginx.mounts import compose_mounts
from linter.nginx.outline import Outline, outline_of, scan
from linter.nginx.tree import ParsedFile
from linter.source import SourceText

if TYPE_CHECKING:
    from linter.workspace import Workspace

# A whole configuration (nginx.conf) has `http {}` or `events {}`: it is nobody's fragment.
_WHOLE_CONFIG = re.compile(rb"(?m)^[ \t]*(?:http|events)[ \t\r\n]*\{")


def plan(paths: Sequence[str], workspace: Workspace) -> list[Unit]:
    """One unit per file that no other linted file includes (a file reached through an
    include is linted in its includer's context)."""
    reached = {path: _reachable(path, workspace) for path in paths}
    return _plan(paths, reached, frozenset(), workspace)


def plan_undecided(paths: Sequence[tuple[str, bool]], workspace: Workspace) -> list[Unit]:
    """``plan`` for files whose kind is not yet decided: each path comes with whether it
    is NGINX for sure (its name says so). The content test (a parse) of the others is done
    here only where the answer changes the units: a file some sure file includes, and
    that includes nothing else, is never a unit of its own whatever it is; a file on its
    own (nothing includes it, it includes nothing) becomes a unit whose content is tested
    where it is checked (``Unit.unclaimed``, in a worker for large runs). So a run over
    a tree of configs parses nothing before its workers start."""
    order = [path for path, _ in paths]
    reached = {path: _reachable(path, workspace) for path in order}
    known = {path for path, sure in paths if sure}
    rejected: set[str] = set()
    while True:
        included: set[str] = set()
        reached_by_known: set[str] = set()
        for path in known:
            included |= reached[path] - {path}
            reached_by_known |= reached[path]
        covered: set[str] = set()
        for path in order:
            if path in known and path not in included:
                covered |= reached[path] | {path}
        deferred: set[str] = set()
        doubtful: list[str] = []
        for path in order:
            if path in known or path in rejected:
                continue
            own = reached[path] - {path}
            if path in included and own <= included and path in covered:
                continue  # never a unit, and what it includes is included anyway
            if not own and path not in reached_by_known and not _through(path, workspace):
                deferred.add(path)  # a unit of its own if it is NGINX
                continue
            doubtful.append(path)
        if not doubtful:
            break
        for path in doubtful:
            (known if _sniff_file(path, workspace) else rejected).add(path)
    given = [path for path in order if path in known or path in deferred]
    return _plan(given, reached, frozenset(deferred), workspace)


def _plan(
    paths: Sequence[str],
    reached: dict[str, set[str]],
    unclaimed: frozenset[str],
    workspace: Workspace,
) -> list[Unit]:
    included = set()
    for path in paths:
        included |= {p for p in reached[path] if p != path}
    units = []
    covered: set[str] = set()
    for path in paths:
        if path not in included:
            units.append(Unit("nginx", path, unclaimed=path in unclaimed))
            covered |= reached[path] | {path}
    # Files that only include each other (a cycle): lint the first of each group.
    for path in paths:
        if path not in covered:
            units.append(Unit("nginx", path, unclaimed=path in unclaimed))
            covered |= reached[path] | {path}
    return _grouped(_through_includers(units, workspace, reached), workspace, reached)


def _reachable(path: str, workspace: Workspace) -> set[str]:
    """Files a file pulls in through includes, as a main file (for grouping only); computed
    once per run and file, from outlines (see outline.py), without expanding anything."""
    key = ("nginx", "reachable", path)
    cached = workspace.memo.get(key)
    if isinstance(cached, set):
        return cached
    found: set[str] = set()
    try:
        source = nginx_source(workspace.read_source(path, bytes_as_text=True))
    except Exception:
        source = None
    if source is not None and "include" in source.text and not dump.is_dump(source.text):
        settings = settings_for(path, workspace)
        main = _outline(workspace, source)
        context = context_of_comments(main.comments) or context_of_names(
            main.top_names, os.path.relpath(source.path, workspace.root)
        )
        if context != "main" and settings.nginx_context:
            context = settings.nginx_context
        files = DiskFiles(
            workspace,
            source.path,
            settings.nginx_prefix,
            fragment=context != "main",
            mounts=compose_mounts(workspace, source.path),
        )
        found = reachable_files(
            files,
            source.path,
            main.includes,
            lambda key: (
                _outline(
                    workspace, nginx_source(workspace.read_source(key, bytes_as_text=True))
                ).includes
            ),
        )
    workspace.memo[key] = found
    return found


def _outline(workspace: Workspace, source: SourceText) -> Outline:
    """The file's outline: from its tree if it was parsed already, else from its tokens, else
    (a file the tokens alone cannot say) from a parse, kept for the load that follows."""
    key = ("nginx", "outline", source.path)
    cached = workspace.memo.get(key)
    if isinstance(cached, tuple) and cached[0] == source.text:
        return cached[1]
    parsed = workspace.trees.get(("nginx", source.path))
    if isinstance(parsed, ParsedFile) and parsed.source.text == source.text:
        outline = outline_of(parsed)
    else:
        outline = scan(source.text) or outline_of(parsed_once(workspace, source))
    workspace.memo[key] = (source.text, outline)
    return outline


def _sniff_file(path: str, workspace: Workspace) -> bool:
    """The content test of a file whose name leaves its kind open (as ``detect.claim``)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return False
    from linter.pathmatch import relative_posix

    relpath = relative_posix(path, workspace.root)
    return detect.claim_cached(relpath, data, Claim.MAYBE, path, workspace.trees)


def _through(path: str, workspace: Workspace) -> list[str]:
    """The files ``path``, as a unit, would be linted through (see ``_through_includers``)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return []
    if not _fragment(data):
        return []
    return outermost_includers(
        path,
        workspace,
        lambda p: _reachable(p, workspace),
        settings_for(path, workspace).nginx_prefix,
    )


def _fragment(data: bytes) -> bool:
    """Content that may be a fragment (not a whole configuration, nor an `nginx -T` dump)."""
    return (
        bool(data)
        and _WHOLE_CONFIG.search(data) is None
        and not dump.is_dump(data.decode("utf-8", "replace"))
    )


def _grouped(units: list[Unit], workspace: Workspace, reached: dict[str, set[str]]) -> list[Unit]:
    """Units that share a file (a snippet included by two main files) form one group, so that
    worker processes never fix one file from two places; the others spread freely."""
    parent = list(range(len(units)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, unit in enumerate(units):
        files = reached.get(unit.path)
        if files is None:
            files = _reachable(unit.path, workspace)
        for path in files | {unit.path}:
            if path in owner:
                parent[find(index)] = find(owner[path])
            else:
                owner[path] = index
    return [replace(unit, group=f"nginx:{units[find(i)].path}") for i, unit in enumerate(units)]


def _through_includers(
    units: list[Unit], workspace: Workspace, reached: dict[str, set[str]]
) -> list[Unit]:
    """A fragment given alone (pre-commit passes only what changed) is linted through the
    files of the tree that include it, reporting only what lies in it; see includers.py."""
    kept: list[Unit] = []
    through: dict[str, list[str]] = {}
    for unit in units:
        roots = _through(unit.path, workspace)
        if not roots:
            kept.append(unit)
        for root in roots:
            through.setdefault(root, []).append(unit.path)
    for root, fragments in sorted(through.items()):
        # The fragments this root's unit covers, and any given file they include.
        report = set(fragments)
        for fragment in fragments:
            report |= reached.get(fragment, set())
        kept.append(Unit("nginx", root, report=tuple(sorted(report))))
    return kept
