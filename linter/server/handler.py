"""App-server launch files as a kind: Dockerfiles, compose files, Procfiles, gunicorn config
files and shell entry scripts, read without running anything (linter/server/launches.py).

Each launch file is a unit. A file another launch file of the run reads (the Dockerfile a
compose service builds, the entry script a Dockerfile runs, the config file ``-c`` names) is
judged as that launcher runs it, with its environment, and not a second time on its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter import preparation
from linter.document import AuditRow, Claim, Comment, Document, Unit, hash_comments
from linter.model import Edit
from linter.pathmatch import relative_posix
from linter.server import appmodules, apps, detect
from linter.server.launches import Reader
from linter.server.model import Launch, ServerDocument
from linter.server.treefiles import discovered_launch_files
from linter.source import DecodeFailure, SourceText
from linter.workspace import ReadFailure

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace


def _referenced(workspace: Workspace) -> frozenset[str]:
    """Launch files of this run that another launch file reads (once per process and run)."""
    key = ("server", "referenced", discovered_launch_files(workspace))
    known = workspace.memo.get(key)
    if isinstance(known, frozenset):
        return known
    preparation.await_prepared(workspace)  # (a worker: made by the preparing child)
    known = workspace.memo.get(key)
    if isinstance(known, frozenset):
        return known
    found: set[str] = set()
    for path in workspace.discovered.get("server", ()):
        try:
            source = workspace.read_source(path)
        except (ReadFailure, DecodeFailure):
            continue
        scratch = ServerDocument(kind="server", source=source)
        reader = Reader(scratch, workspace)
        try:
            reader.read(path)
        except Exception:  # evidence only: a file that cannot be read is judged on its own
            continue
        # A Dockerfile whose CMD a compose service replaces with its own command is still the
        # image's launch line (``docker run``, other deployments): it is judged on its own.
        overridden = reader.image_only - reader.image_launched
        found.update(
            other for other in scratch.sources if other != path and other not in overridden
        )
    result = frozenset(found)
    workspace.memo[key] = result
    return result


def _test_file(path: str, workspace: Workspace) -> bool:
    """A script under a ``tests`` folder (or named ``test_*.py``) starts a server for tests."""
    parts = relative_posix(path, workspace.root).split("/")
    return parts[-1].startswith("test_") or any(part in ("tests", "test") for part in parts[:-1])


def _launched_nearby(path: str, workspace: Workspace) -> frozenset[str]:
    """Python files that the launch files in ``path``'s folder and the folders above it (up
    to the root) run or serve, whether or not this run names those launch files: a pre-commit
    run on one script decides as a run over the tree does (once per folder and process)."""
    folder = os.path.dirname(path)
    key = ("server", "launched-nearby", folder)
    known = workspace.memo.get(key)
    if isinstance(known, frozenset):
        return known
    parent = os.path.dirname(folder)
    found: set[str] = set()
    if workspace.inside(parent) and parent != folder:
        found.update(_launched_nearby(os.path.join(parent, "x.py"), workspace))
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    for name in names:
        launch_file = os.path.join(folder, name)
        shape = detect.shape(name)
        by_content = shape is None and name.lower().endswith(detect.YAML_SUFFIXES)
        if (shape in (None, "script") and not by_content) or not os.path.isfile(launch_file):
            continue
        try:
            source = workspace.read_source(launch_file)
            if by_content and not detect.compose_by_content(source.text):
                continue  # YAML, not a compose file
            scratch = ServerDocument(kind="server", source=source)
            launches = Reader(scratch, workspace).read(launch_file)
        except Exception:  # evidence only
            continue
        found.update(
            other for other in scratch.sources if other.endswith(".py") and other != launch_file
        )
        found.update(_app_files(launches, workspace))
    result = frozenset(found)
    workspace.memo[key] = result
    return result


def _app_files(launches: Iterable[Launch], workspace: Workspace) -> set[str]:
    """The app module files the launches serve, those that are files of the tree."""
    return {local for launch in launches if (local := _app_file(launch, workspace)) is not None}


def _app_file(launch: Launch, workspace: Workspace) -> str | None:
    app = launch.app
    if not app:
        return None
    if app.endswith("::"):
        return app[:-2]
    return appmodules.module_file(
        app.split(":", 1)[0].strip(), launch.search_dirs, workspace.inside, launch.packages
    )


def _served_apps(workspace: Workspace) -> frozenset[str]:
    """App module files that a launch line of this run serves (``uvicorn main:app``): the
    ``uvicorn.run`` of their ``__main__`` block is the development launch of the same app,
    not a second server (once per process and run)."""
    key = ("server", "served-apps", discovered_launch_files(workspace))
    known = workspace.memo.get(key)
    if isinstance(known, frozenset):
        return known
    from linter.server.front import server_launches

    result = frozenset(_app_files((launch for _, launch in server_launches(workspace)), workspace))
    workspace.memo[key] = result
    return result


def _unless_served(launches: list[Launch], path: str, workspace: Workspace) -> list[Launch]:
    """Launches read from a gunicorn.conf.py for the app beside it, unless a launch line of
    another file serves that app (``uvicorn app:app`` in a Dockerfile): the repository says
    how it runs, and the config is not what runs it."""
    if not any(launch.beside for launch in launches):
        return launches
    from linter.server.front import server_launches

    served = {
        local
        for home, other in server_launches(workspace)
        if home != path and (local := _app_file(other, workspace)) is not None
    }
    return [
        launch
        for launch in launches
        if not launch.beside or _app_file(launch, workspace) not in served
    ]


class ServerHandler:
    name = "server"
    parse_error_code = "SRV000"
    # Its units read what a run's preparing process makes (the launch files others read, the NGINX upstreams in front):
    # the workers take them last (linter.preparation, linter.pool.chunks).
    reads_prepared = True

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        return [Unit(self.name, path) for path in paths]

    def prepare(self, workspace: Workspace) -> None:
        """Before a run's workers start: the launch files others read, once for all of them
        (each worker read every launch file of the run for it), and with NGINX configs in the
        run, their upstreams (the app servers' rules) and the launches (NGX007's): each
        worker loaded every NGINX config and launch file for them, about 30 MB each."""
        _referenced(workspace)
        if workspace.discovered.get("nginx") or workspace.discovered.get("nginx-undecided"):
            from linter.server.front import nginx_upstreams, server_launches
            from linter.server.nearcompose import compose_files
            from linter.server.streamlaunches import streaming_launches

            nginx_upstreams(workspace)
            server_launches(workspace)
            # What NGINX routes take as evidence (linter/server/proxied.py), once for all.
            streaming_launches(workspace)
            compose_files(workspace)

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> ServerDocument:
        source = workspace.read_source(unit.path)
        document = ServerDocument(kind=self.name, source=source, workspace_root=workspace.root)
        document.proxy_configs = tuple(
            [
                *workspace.discovered.get("nginx", ()),
                *workspace.discovered.get("nginx-undecided", ()),
            ]
        )
        if unit.path in _referenced(workspace):
            return document  # judged where it is launched from
        if detect.per_file(relative_posix(unit.path, workspace.root)) and (
            _test_file(unit.path, workspace)
            or unit.path in _served_apps(workspace)
            or unit.path in _launched_nearby(unit.path, workspace)
        ):
            return document  # its app is served by a launch line: that launch is judged
        document.launches = _unless_served(
            Reader(document, workspace).read(unit.path), unit.path, workspace
        )
        if any(launch.foreign_image is not None for launch in document.launches):
            from linter.server.front import server_launches
            from linter.server.twins import borrow_app_files

            pool = [launch for _, launch in server_launches(workspace)]
            borrow_app_files(document.launches, pool, workspace.inside)

        def read(path: str) -> SourceText | None:
            try:
                return workspace.read_source(path)
            except (ReadFailure, DecodeFailure):
                return None

        # The app modules' facts, per run: an app launched from several files is read once.
        # (In a worker, those the preparing process read first: made here, the empty table
        # kept its out, and every worker parsed the app modules again.)
        preparation.await_prepared(workspace)
        memo = workspace.memo.setdefault(("server", "app-modules"), {})
        for launch in document.launches:
            apps.find_evidence(
                launch,
                read,
                workspace.inside,
                lambda p: relative_posix(p, workspace.root),
                memo,  # type: ignore[arg-type]
            )
        if document.proxy_configs and document.launches:
            from linter.server.front import proxies_in_front

            for launch in document.launches:
                try:
                    launch.proxies = proxies_in_front(launch, workspace, unit.path)
                except Exception:  # evidence only: no proxy known
                    launch.proxies = []
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        """The same servers launched the same way; a setting may change only where an edit
        is."""
        assert isinstance(before, ServerDocument) and isinstance(after, ServerDocument)
        if len(before.launches) != len(after.launches) or after.problems != before.problems:
            return "the fix changed which servers are launched, or how the file reads"
        for old, new in zip(before.launches, after.launches, strict=True):
            if (old.server, old.app, old.launcher) != (new.server, new.app, new.launcher):
                return f"the fix changed the launch of {old.server} {old.app}"
            for name in set(old.settings) | set(new.settings):
                was, now = old.setting(name), new.setting(name)
                if was.value == now.value:
                    continue
                edited = was.place is not None and any(
                    edit.path == was.place.path
                    and edit.start < was.place.end
                    and edit.end > was.place.start
                    for edit in edits
                )
                if not edited:
                    return (
                        f"the fix changed {name} of {old.server} {old.app}, which it did not edit"
                    )
        return None

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        return hash_comments(document.sources[path])

    def audit(self, document: Document, settings: Settings) -> Iterable[AuditRow]:
        assert isinstance(document, ServerDocument)
        from linter.server.audit import audit_rows

        return list(audit_rows(document, settings))


def display(document: ServerDocument, path: str) -> str:
    return relative_posix(path, document.workspace_root) if os.path.isabs(path) else path


HANDLER = ServerHandler()
