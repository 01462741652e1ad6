"""Which files to look at: the paths given, the files git knows, or a walk of the tree."""

from __future__ import annotations

import errno
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence

from linter.config import SettingsResolver
from linter.config_files import CONFIG_FILES
from linter.pathmatch import relative_posix
from linter.record import record
from linter.workspace import is_fix_temporary

# Folders never worth walking into (as ruff skips them).
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".direnv",
        ".eggs",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".pytype",
        "node_modules",
        "__pypackages__",
        "site-packages",
        "_build",
        "buck-out",
    }
)


@record
class Candidate:
    path: str  # absolute
    relpath: str  # relative to the linted root, '/'-separated (what name rules look at)
    explicit: bool  # named on the command line


def git_toplevel(directory: str) -> str | None:
    """The work tree holding ``directory``: the nearest folder with a `.git` entry (a folder,
    or a file for worktrees and submodules). No subprocess: this runs on every invocation."""
    current = os.path.realpath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def find_root(paths: Sequence[str], cwd: str) -> str:
    """The linted tree: the git work tree of the paths, else the current folder when every
    path lies below it, else the project holding the paths' common folder (``project_above``)."""
    folders = [
        p if os.path.isdir(p) else os.path.dirname(p) or "." for p in map(os.path.abspath, paths)
    ]
    top = git_toplevel(folders[0]) if folders else None
    if top and all(os.path.realpath(f).startswith(top) for f in folders):
        return top
    cwd = os.path.realpath(cwd)
    real = [os.path.realpath(f) for f in folders]
    if all(r == cwd or r.startswith(cwd + os.sep) for r in real):
        return cwd
    if not real:
        return cwd
    common = os.path.commonpath(real)
    if _unbounded(common):
        # Paths of unrelated trees (`/tmp/x.conf` and `~/repo/a.py`): their common folder is the
        # filesystem's top or the home folder, which must never be walked for includers or
        # importers. The first path's own tree is the root; the others are linted as files
        # named from outside it.
        first = real[0]
        return git_toplevel(first) or project_above(first)
    return project_above(common)


# What marks an image's build context (its Dockerfile, a Node app's package.json, the image's
# nginx.conf) rather than a project's top.
_COMPONENT_MARKERS = frozenset({"Dockerfile", "package.json", "nginx.conf"})
_COMPOSE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


def _deployment_above(folder: str, home: str) -> str | None:
    """The folder above ``folder`` (within the search's levels) whose compose file names it
    (`build: ./frontend`, `./nginx/site.conf:/etc/nginx/...`), when ``folder`` is only an
    image's build context (`frontend/` with its Dockerfile and nginx.conf): the deployment
    that runs it, and the apps its proxy reaches, lie there. A folder holding its own compose
    file or a project file (pyproject.toml, requirements.txt, ...) stays the top."""
    names = {name for name in _PROJECT_MARKERS if os.path.isfile(os.path.join(folder, name))}
    if not names or not names <= _COMPONENT_MARKERS:
        return None
    current = os.path.dirname(folder)
    for _ in range(_PROJECT_LEVELS):
        if current == home or os.path.dirname(current) == current:
            return None
        relative = os.path.relpath(folder, current).replace(os.sep, "/")
        named = re.compile(r"(?<![\w.-])(?:\./)?" + re.escape(relative) + r"(?![\w.-])")
        for name in _COMPOSE_NAMES:
            try:
                with open(os.path.join(current, name), encoding="utf-8", errors="replace") as f:
                    text = f.read(200_000)
            except OSError:
                continue
            if named.search(text):
                return current
        if any(os.path.isfile(os.path.join(current, name)) for name in _PROJECT_MARKERS):
            return None  # (a project's top that does not run the folder: as before)
        current = os.path.dirname(current)
    return None


# A compose file's build context or bind-mount source above its own folder (`context: ../server`,
# `- ../nginx/site.conf:/etc/nginx/conf.d/default.conf`): how many levels up it reaches.
_UP_REFERENCE = re.compile(
    r"""^[ \t]*(?:-[ \t]+|(?:context|build)[ \t]*:[ \t]*)["']?((?:\.\./)+)""", re.M
)


def _compose_reaches_above(folder: str, home: str) -> str | None:
    """The folder a compose file of ``folder`` (`docker/docker-compose.yml`) builds or mounts
    from, when that lies above it (`context: ../server`): the deployment's tree, whose apps its
    proxy reaches, is there. Within the search's levels; never the home folder or the top."""
    levels = 0
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.is_file()]
    except OSError:
        return None
    for name in names:
        if name not in _COMPOSE_NAMES and not (
            _VARIANT_MARKER.match(name) and name.endswith((".yml", ".yaml"))
        ):
            continue
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                text = handle.read(200_000)
        except OSError:
            continue
        for match in _UP_REFERENCE.finditer(text):
            levels = max(levels, match.group(1).count("../"))
    if not levels or levels > _PROJECT_LEVELS:
        return None
    top = folder
    for _ in range(levels):
        top = os.path.dirname(top)
    if top == home or _unbounded(top):
        return None
    return top


def _unbounded(folder: str) -> bool:
    """The filesystem's top or a folder right below it (``/srv``), the home folder, or a folder
    holding it (``/home``)."""
    home = os.path.realpath(os.path.expanduser("~"))
    top = os.path.dirname(folder)
    return (
        top == folder
        or os.path.dirname(top) == top
        or home == folder
        or home.startswith(folder + os.sep)
    )


# Files that mark the top of a project (or of an NGINX prefix) when there is no git work tree:
# streamproof's own config files, and what a project keeps at its top.
_PROJECT_MARKERS = (
    *CONFIG_FILES,
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "package.json",
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "Chart.yaml",
    "nginx.conf",
)
_PROJECT_LEVELS = 4
# Compose files and Dockerfiles by their variant names too (`docker-compose.prod.yml`,
# `Dockerfile.backend`, `api.Dockerfile`): a repository's top often holds only those.
_VARIANT_MARKER = re.compile(
    r"^(?:(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml|Dockerfile(?:[.-][\w.-]+)?|[\w.-]+\.Dockerfile)$"
)


# Folders of NGINX's own layout (`/etc/nginx/sites-available`) a repository mirrors below its
# NGINX folder: a config there belongs to the project around that folder, as `nginx/nginx.conf`
# does (`nginx/sites-available/webai` beside `docker/openweb-dev1.yml`).
_NGINX_LAYOUT = frozenset(
    {"sites-available", "sites-enabled", "conf.d", "snippets", "http.d", "vhosts.d", "stream.d"}
)


def in_layout_folder(path: str) -> bool:
    """The file lies in one of NGINX's layout folders (`conf.d`, `sites-enabled`, ...)."""
    return os.path.basename(os.path.dirname(path)).lower() in _NGINX_LAYOUT


def project_folder(proxy_file: str) -> str:
    """The folder whose tree holds a proxy config's project: the folder above the config's
    own, or above its NGINX folder when the config lies in one of NGINX's layout folders."""
    folder = os.path.dirname(proxy_file)
    parent = os.path.dirname(folder)
    if os.path.basename(folder).lower() in _NGINX_LAYOUT and os.path.basename(parent):
        return os.path.dirname(parent)
    return parent


def project_above(folder: str) -> str:
    """The tree a file named from elsewhere (outside the current folder and any git work
    tree) belongs to: the nearest folder at or above its own, at most four levels up, that
    holds a project file (pyproject.toml, a compose file, a Dockerfile, ...; an `nginx.conf`
    only when no folder above it within reach holds another: ``_project_marker``). Its includer, its package's other modules and its compose file are found from there, so
    the verdict on a file does not depend on the folder the command runs in. Without such a
    folder, the folder above the NGINX folder of a config in a layout folder
    (``project_folder``), else the file's own folder; never the home folder or the
    filesystem's top."""
    home = os.path.realpath(os.path.expanduser("~"))
    current = folder
    nginx_folder = None
    for _ in range(_PROJECT_LEVELS + 1):
        if current == home or os.path.dirname(current) == current:
            break
        marker = _project_marker(current)
        if marker is not None and marker != "nginx.conf":
            # (An image's build folder, `frontend/` with its Dockerfile: the deployment above
            # that builds or mounts it.)
            return (
                _deployment_above(current, home) or _compose_reaches_above(current, home) or current
            )
        if marker is not None and nginx_folder is None:
            nginx_folder = current
        current = os.path.dirname(current)
    if nginx_folder is not None:
        # An NGINX folder (`nginx/nginx.conf` and its sites) with no project file above it
        # within reach: the folder is the tree, so a site still finds its includer.
        return nginx_folder
    # No project file: a file of an `nginx/` folder (`nginx/ai.conf`), or of a layout folder
    # below it (`nginx/sites-available/app`), belongs to the folder above that NGINX folder,
    # where the rest of the deployment lies.
    if os.path.basename(folder).lower() == "nginx":
        top = os.path.dirname(folder)
    else:
        top = project_folder(os.path.join(folder, "x"))
        if top == os.path.dirname(folder):
            return folder
    if top != home and os.path.dirname(top) != top:
        return top
    return folder


def _project_marker(folder: str) -> str | None:
    """The project file ``folder`` holds (a project file other than `nginx.conf` first), or
    None. `nginx.conf` alone marks an NGINX folder, which a project usually holds below its
    top (`nginx/nginx.conf` beside the compose file that mounts it): the search goes on above
    it, so a file named from elsewhere sees the compose file and the app a run from the
    repository's top would see."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries if entry.is_file()]
    except OSError:
        return None
    found = set(names)
    for name in _PROJECT_MARKERS:
        if name != "nginx.conf" and name in found:
            return name
    if any(_VARIANT_MARKER.match(name) for name in names):
        return "compose file or Dockerfile"
    return "nginx.conf" if "nginx.conf" in found else None


def _is_venv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def never_entered(parent: str, name: str) -> bool:
    """A folder no walk of the tree goes into: a skipped name (``node_modules``, ``.git``, ...)
    or a virtual environment."""
    return name in SKIPPED_DIRS or _is_venv(os.path.join(parent, name))


def walk_files(
    top: str,
    wanted: Callable[[os.DirEntry[str]], bool],
    limit: int,
    also_skipped: frozenset[str] = frozenset(),
) -> list[str]:
    """The regular files below ``top`` that ``wanted`` takes, depth first in name order: no
    symbolic link followed, no hidden folder, one ``never_entered`` or one named in
    ``also_skipped``, and at most ``limit`` entries looked at (a walk for evidence must not
    cost a large tree's whole listing)."""
    found: list[str] = []
    stack = [top]
    seen = 0
    while stack and seen < limit:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=_entry_name)
        except OSError:
            continue
        if folder is not top and _venv_listing(entries):
            # A virtual environment (``never_entered``), told by its own listing, which the
            # walk makes anyway: a stat of `pyvenv.cfg` in every folder met was a quarter of
            # a walk's time. Nothing of it is counted or taken, as when it was not listed.
            continue
        folders = []
        for entry in entries:
            seen += 1
            if entry.is_dir(follow_symlinks=False):
                name = entry.name
                if (
                    not name.startswith(".")
                    and name not in also_skipped
                    and name not in SKIPPED_DIRS
                ):
                    folders.append(entry.path)
            elif entry.is_file(follow_symlinks=False) and wanted(entry):
                found.append(entry.path)
        stack.extend(reversed(folders))
    return found


_entry_name = operator.attrgetter("name")


def _venv_listing(entries: list[os.DirEntry[str]]) -> bool:
    """``_is_venv`` of the folder these entries list (a `pyvenv.cfg` file, links followed)."""
    for entry in entries:
        if entry.name == "pyvenv.cfg":
            try:
                return entry.is_file()
            except OSError:
                return False  # (as os.path.isfile says of a file it cannot stat)
    return False


def _skipped(parts: Iterable[str]) -> bool:
    return not SKIPPED_DIRS.isdisjoint(parts)


def _git_files(directory: str) -> tuple[list[str], set[str]] | None:
    """The files git lists below ``directory`` (tracked or not ignored), and which of them are
    symbolic links."""
    import subprocess  # only when a folder is walked (not for files named one by one)

    try:
        result = subprocess.run(
            [
                "git",
                # A repository's own .git/config can name a command git runs when it reads the
                # index (core.fsmonitor): linting a tree must never run anything from it.
                "-c",
                "core.fsmonitor=false",
                "-C",
                directory,
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                ".",
            ],
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    found = set()
    links = set()
    for name in names:
        if not name:
            continue
        path = os.path.abspath(os.path.join(directory, name))
        # Tracked but deleted files are listed by git; gitlinks (submodules) are folders, and
        # so is what a listed symlink may point to.
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            if os.path.isdir(path):
                continue
            links.add(path)
        elif stat.S_ISDIR(mode):
            continue
        found.add(path)
    return sorted(found), links


def _walk(
    directory: str, problems: list[str] | None = None, shown: str = ""
) -> tuple[list[str], set[str]]:
    """Every file below ``directory``, and which of them are symbolic links (the folder
    listing says, with no stat per file); a folder that cannot be listed is said in
    ``problems`` (as ``shown``, the folder as the user named it, joined with the rest), not
    left out. A symlink to a folder is not followed (nor listed: it is no file)."""
    found: list[str] = []
    links: set[str] = set()
    pending = [directory]
    while pending:
        current = pending.pop()
        files: list[str] = []
        file_links: list[str] = []
        subfolders: list[str] = []
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        folder = entry.is_dir()
                    except OSError:
                        folder = False
                    if not folder:
                        files.append(entry.path)
                        if entry.is_symlink():
                            file_links.append(entry.path)
                    elif (
                        entry.name not in SKIPPED_DIRS
                        and not entry.is_symlink()
                        and not _is_venv(entry.path)
                    ):
                        subfolders.append(entry.path)
        except OSError as error:
            if problems is not None:
                where = error.filename if isinstance(error.filename, str) else current
                where = os.path.normpath(os.path.join(shown, os.path.relpath(where, directory)))
                problems.append(
                    f"{where}: cannot read this folder ({error.strerror or error}); "
                    "the files in it were not checked"
                )
            continue  # (a listing that fails half way gives none of its files)
        found.extend(files)
        links.update(file_links)
        # Depth first in name order, as the messages about unreadable folders are given.
        pending.extend(sorted(subfolders, reverse=True))
    found.sort()
    return found, links


class Exclusions:
    """What a walk from ``start`` leaves out. Each entry is judged where the walk meets it, by
    the settings in force in the folder holding it (as ruff does): an outer config's
    ``exclude`` covers a folder that has a config of its own, and a folder's config judges
    what lies in it. ``start`` itself is not judged: a folder named on the command line is
    checked, unless --force-exclude (see excluded_when_named)."""

    def __init__(self, resolver: SettingsResolver, start: str) -> None:
        self.resolver = resolver
        self._folders: dict[str, bool] = {start: False}

    def folder(self, folder: str) -> bool:
        """Is this absolute folder, below the start, left out (it or a folder above it)?"""
        on_the_way: list[str] = []
        current = folder
        while current not in self._folders:
            parent = os.path.dirname(current)
            if parent == current:  # not below the start: nothing above it is judged
                self._folders[current] = False
                break
            on_the_way.append(current)
            current = parent
        verdict = self._folders[current]
        for below in reversed(on_the_way):
            if not verdict:
                holder = self.resolver.for_folder(os.path.dirname(below))
                verdict = holder.excludes_entry(below, folder=True)
            self._folders[below] = verdict
        return verdict

    def file(self, path: str, folder: str) -> bool:
        """Is the file ``path`` in the absolute ``folder`` left out?"""
        # (for_file: the run asks for this file's settings again; they are kept by path.)
        return self.folder(folder) or self.resolver.for_file(path, folder).excludes_entry(
            path, folder=False
        )


def excluded_when_named(resolver: SettingsResolver, path: str, *, folder: bool) -> bool:
    """--force-exclude: is a path named on the command line excluded by the settings in force
    for it (a folder's own config, when it has one)? As in ruff: a named file in a folder that
    has its own config is judged by that config alone."""
    return resolver.for_path(path).is_excluded(path, folder=folder)


def discover(
    paths: Sequence[str],
    root: str,
    resolver: SettingsResolver,
    *,
    force_exclude: bool = False,
) -> tuple[list[Candidate], list[str]]:
    """Files under ``paths`` worth classifying, and messages for paths that do not exist."""
    seen: set[str] = set()
    found: list[Candidate] = []
    missing: list[str] = []
    links: set[str] = set()  # symlinks among the files of walked folders
    for given in paths:
        absolute = os.path.abspath(given)
        try:
            os.lstat(absolute)
        except OSError as exc:
            # Only a path that is not there is "no such file"; a folder on the way that this
            # user may not enter says so.
            reason = "no such file or directory" if exc.errno == errno.ENOENT else exc.strerror
            missing.append(f"{given}: {reason or exc}")
            continue
        if os.path.isdir(absolute):
            if force_exclude and excluded_when_named(resolver, absolute, folder=True):
                continue
            excluded = Exclusions(resolver, absolute)
            in_git = git_toplevel(absolute) is not None
            listed = _git_files(absolute) if in_git else None
            files, found_links = listed if listed is not None else _walk(absolute, missing, given)
            links.update(found_links)
            # Each path is ``absolute`` + separator + what lies below it: both relative paths
            # are made from that slice, not with a relpath each.
            to_root = relative_posix(absolute, root)
            to_root = "" if to_root == "." else to_root + "/"
            below = len(absolute) if absolute.endswith(os.sep) else len(absolute) + 1
            for path in files:
                rel_to_dir = path[below:]
                if os.sep != "/":
                    rel_to_dir = rel_to_dir.replace(os.sep, "/")
                if "/" in rel_to_dir and _skipped(rel_to_dir.split("/")[:-1]):
                    continue
                if is_fix_temporary(rel_to_dir.rpartition("/")[2]):
                    continue
                folder = path.rpartition(os.sep)[0] or os.sep  # (paths here are absolute)
                if excluded.file(path, folder):
                    continue
                if path not in seen:
                    seen.add(path)
                    found.append(Candidate(path, to_root + rel_to_dir, explicit=False))
        else:
            if force_exclude and excluded_when_named(resolver, absolute, folder=False):
                continue
            if is_fix_temporary(os.path.basename(absolute)):
                continue  # a fix that was never renamed into place is not the file
            if absolute not in seen:
                seen.add(absolute)
                if os.path.islink(absolute):
                    links.add(absolute)
                found.append(Candidate(absolute, relative_posix(absolute, root), explicit=True))
            else:  # also found by walking a folder given before it: named, all the same
                found = [
                    Candidate(c.path, c.relpath, True) if c.path == absolute else c for c in found
                ]
    return _one_per_file(found, links), missing


def _one_per_file(found: list[Candidate], links: set[str]) -> list[Candidate]:
    """A symlink to a file that is also a candidate (or to one another link already reached) is
    the same file: checked twice it gave every finding twice, and --fix wrote it twice (the
    second write refused, as the file had changed). The real file's path is kept."""
    if not links:
        return found
    # The real file -> the path kept for it (the real file's own path when it is a candidate).
    kept = {c.path: c.path for c in found if c.path not in links}
    drop: set[str] = set()
    named: set[str] = set()  # kept paths reached through a link named on the command line
    for candidate in found:
        if candidate.path not in links:
            continue
        real = os.path.realpath(candidate.path)
        if real == candidate.path:  # a loop: reading it reports that
            continue
        if real not in kept:
            kept[real] = candidate.path
            continue
        drop.add(candidate.path)
        if candidate.explicit:
            named.add(kept[real])
    return [
        Candidate(c.path, c.relpath, c.explicit or c.path in named)
        for c in found
        if c.path not in drop
    ]
