"""The tree's Python files as modules: a dotted path of an import resolved to its file (as
Python's search path would find it), the files of a folder listed, each file's import
statements read from its bytes and kept, and the files that import a module found by them.
The base of the project index (``project``), which follows streams through these modules.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.imports import KEYWORDS, WORD, import_statements, imported, read

if TYPE_CHECKING:
    from linter.workspace import Workspace

# A folder's files are searched for a module's name this many times (a pre-commit run asks
# once or twice) before an index of all their import lines is built instead (a whole run).
_SEARCHES_BEFORE_INDEX = 8
# How deep below the tree's root a folder holding packages (a monorepo's ``packages/python``,
# a distribution's ``src``) is looked for when an import names no package of its own roots.
_HOME_DEPTH = 4
# What makes a folder a distribution's root (its packages are installed, importable anywhere).
_DIST_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
# Libraries: an import of one is never a module of the tree (no file system look-up).
_LIBRARIES = frozenset(
    {*K.MODULE_CLIENTS, *K.TRANSPORTS, *getattr(sys, "stdlib_module_names", ()), "__future__"}
)


class TreeModules:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.root = workspace.root
        self._is_file: dict[str, bool] = {}
        # By folder searched: word of an import statement -> the files whose imports hold it.
        self._import_words: dict[str, dict[bytes, list[str]]] = {}
        self._searches: dict[str, int] = {}
        self._files: dict[str, list[str]] = {}
        self._more: dict[tuple[str, int], bool] = {}
        # A listing stopped early: the files so far and the folders still to look at.
        self._partial: dict[str, tuple[list[str], list[str]]] = {}
        self._importers: dict[str, list[str]] = {}
        # A file's import statements that may name a module of the tree (not the standard
        # library's); each distinct statement's words and dotted paths, worked out once.
        self._file_statements: dict[str, tuple[bytes, ...]] = {}
        self._statement_words: dict[bytes, frozenset[bytes]] = {}
        self._parsed: dict[bytes, tuple[str, ...]] = {}
        self._interned: dict[bytes, bytes] = {}
        # Package folder name -> the folders (near the top of the tree) that hold one, and
        # which of those folders are distributions' roots (built on the first miss).
        self._homes: dict[str, list[str]] | None = None
        self._dist_roots: set[str] = set()
        self._reexports: dict[tuple[str, str], tuple[str, list[str]] | None] = {}
        self._definers: dict[tuple[str, str], str | None] = {}

    # -- files and modules -------------------------------------------------------------------

    def _file(self, path: str) -> bool:
        known = self._is_file.get(path)
        if known is None:
            known = os.path.isfile(path) and self.workspace.inside(path)
            self._is_file[path] = known
        return known

    def module_name(self, path: str) -> str:
        """The file's dotted name from its package root (``app/llm/providers.py`` in a
        package ``app``: ``app.llm.providers``); the file name alone outside a package."""
        folder, name = os.path.split(path)
        parts = [] if name == "__init__.py" else [name[:-3] if name.endswith(".py") else name]
        while self._file(os.path.join(folder, "__init__.py")) and folder != self.root:
            folder, package = os.path.split(folder)
            parts.append(package)
        return ".".join(reversed(parts)) or os.path.basename(folder)

    def _roots(self, importer: str, first: str) -> list[str]:
        """Where an absolute import whose first name is ``first`` may start, as Python's
        search path would hold it: the importer's package root, the folder above a folder of
        the importer's path named ``first`` (its top package, even a namespace one), the
        importer's folder (a script run from there), the tree's root and its ``src``."""
        folder = os.path.dirname(importer)
        top = folder
        while self._file(os.path.join(top, "__init__.py")) and top != self.root:
            top = os.path.dirname(top)
        found = [top]
        above = folder
        while above.startswith(self.root) and above != self.root:
            parent = os.path.dirname(above)
            if os.path.basename(above) == first:
                found.append(parent)
                break
            above = parent
        for root in (folder, self.root, os.path.join(self.root, "src")):
            if root not in found:
                found.append(root)
        # Namespace packages (folders without ``__init__.py``, run from a folder above):
        # the folders between the package root and the tree's root, nearest first.
        above = os.path.dirname(top)
        while above.startswith(self.root + os.sep) and above not in found:
            found.append(above)
            above = os.path.dirname(above)
        return found

    def _top_level(self, root: str, first: str) -> bool:
        """Whether ``first`` is a module or package (a namespace one too) directly in
        ``root``: an absolute import starts only there, never at a folder's ``__init__``."""
        key = os.path.join(root, first)
        known = self._is_file.get(key + os.sep)
        if known is None:
            known = self._file(key + ".py") or (os.path.isdir(key) and self.workspace.inside(key))
            self._is_file[key + os.sep] = known
        return known

    def resolve(self, importer: str, dotted: str, depth: int = 0) -> tuple[str, list[str]] | None:
        """The module file a dotted path (as an import binds it: ``.providers.f``,
        ``app.llm.f``) starts with, and the names after it; None outside the tree."""
        level = len(dotted) - len(dotted.lstrip("."))
        parts = [p for p in dotted[level:].split(".") if p]
        if not parts and level == 0:
            return None
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            roots = [base]
        else:
            if parts[0] in _LIBRARIES:
                return None
            roots = [r for r in self._roots(importer, parts[0]) if self._top_level(r, parts[0])]
            if not roots:
                # Installed from elsewhere in the tree (a monorepo's ``packages/python``).
                roots = self._home(parts[0])
        # An absolute import names at least its top module; a relative one may name only the
        # package (``from . import x``: x of the folder's ``__init__``). The longest prefix
        # that is a module, from any root: ``app.llm.f`` is f of app/llm.py (or of
        # app/llm/__init__.py), before a script ``app.py`` next to it.
        least = 0 if level else 1
        for size in range(len(parts), least - 1, -1):
            for root in roots:
                folder = os.path.join(root, *parts[:size])
                for candidate in (folder + ".py", os.path.join(folder, "__init__.py")):
                    if size == 0 and candidate.endswith(".py") and candidate == folder + ".py":
                        continue
                    if self._file(candidate) and os.path.abspath(candidate) != importer:
                        found = os.path.abspath(candidate), parts[size:]
                        if depth < 3 and found[1] and candidate.endswith("__init__.py"):
                            # ``from .core import Swarm`` in the package's ``__init__``.
                            return self._reexported(found[0], found[1], depth) or found
                        return found
        # A package folder without ``__init__.py`` in the tree (a partial checkout: the
        # ``__init__`` that re-exports is not there), a name imported from it: the one
        # module directly in it that defines that name.
        for size in range(len(parts) - 1, max(least, 1) - 1, -1):
            for root in roots:
                folder = os.path.join(root, *parts[:size])
                if self._file(os.path.join(folder, "__init__.py")) or not os.path.isdir(folder):
                    continue
                defining = self._defining(folder, parts[size])
                if defining is not None and defining != importer:
                    return defining, parts[size:]
        return None

    def _reexported(self, init: str, names: list[str], depth: int) -> tuple[str, list[str]] | None:
        """Where a package's ``__init__`` imports ``names[0]`` from (when it does not define
        it): the module it re-exports, and the names after it."""
        key = (init, names[0])
        if key not in self._reexports:
            self._reexports[key] = None  # (a cycle of re-exports gives nothing)
            self._reexports[key] = self._reexport(init, names[0], depth)
        found = self._reexports[key]
        return None if found is None else (found[0], found[1] + names[1:])

    def _reexport(self, init: str, name: str, depth: int) -> tuple[str, list[str]] | None:
        data = read(init)
        if re.search(
            rb"^(?:async\s+)?(?:def|class)\s+" + re.escape(name.encode()) + rb"\b", data, re.M
        ):
            return None
        for statement in import_statements(data):
            for dotted in imported(statement):
                if dotted.rsplit(".", 1)[-1] == name and dotted.strip(".") != name:
                    found = self.resolve(init, dotted, depth + 1)
                    if found is not None:
                        return found
        return None

    def _defining(self, folder: str, name: str) -> str | None:
        """The one module directly in ``folder`` that defines ``name`` at its top level."""
        key = (folder, name)
        if key not in self._definers:
            self._definers[key] = self._find_definer(folder, name)
        return self._definers[key]

    def _find_definer(self, folder: str, name: str) -> str | None:
        pattern = re.compile(
            rb"^(?:(?:async\s+)?def|class)\s+" + re.escape(name.encode()) + rb"\b", re.M
        )
        found = []
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return None
        for entry in entries:
            if (
                entry.name.endswith(".py")
                and entry.is_file(follow_symlinks=False)
                and pattern.search(read(entry.path))
            ):
                found.append(os.path.abspath(entry.path))
        return found[0] if len(found) == 1 and self.workspace.inside(found[0]) else None

    def _home(self, first: str) -> list[str]:
        """The folder of the tree that holds package ``first`` when no root of the importer
        does: installed from a monorepo's folder (``packages/python/reelix_core``) or a
        distribution's root (a folder with ``pyproject.toml``, ``setup.py`` or ``setup.cfg``;
        its ``src``). Only one: several folders of that name leave the import unresolved,
        unless only one of them is a distribution's."""
        if self._homes is None:
            self._homes = self._find_homes()
        found = self._homes.get(first, [])
        if len(found) > 1:
            found = [f for f in found if f in self._dist_roots]
        return found if len(found) == 1 else []

    def _find_homes(self) -> dict[str, list[str]]:
        """Package folders near the top of the tree (``_HOME_DEPTH`` deep at most), by name:
        the folders holding them. One listing of those folders, once per run and process."""
        from linter.discovery import never_entered

        homes: dict[str, list[str]] = {}
        marked: set[str] = set()
        stack = [(self.root, 0)]
        while stack:
            folder, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            names = {e.name for e in entries}
            parent = os.path.dirname(folder)
            if any(n in names for n in _DIST_FILES) or (
                os.path.basename(folder) == "src" and parent in self._dist_roots
            ):
                self._dist_roots.add(folder)
            if depth and (
                any(n.endswith(".py") for n in names)
                or (depth >= _HOME_DEPTH and any(e.is_dir(follow_symlinks=False) for e in entries))
            ):
                # A package, and each folder above it a namespace package (``reelix_agent/``
                # holding only ``explanation/``).
                above = folder
                while above != self.root and above not in marked:
                    marked.add(above)
                    homes.setdefault(os.path.basename(above), []).append(os.path.dirname(above))
                    above = os.path.dirname(above)
            if folder in self._dist_roots:
                for name in names:  # a distribution's top-level modules
                    if name.endswith(".py") and name != "setup.py":
                        homes.setdefault(name[:-3], []).append(folder)
            if depth >= _HOME_DEPTH:
                continue
            for entry in reversed(entries):
                if (
                    entry.name.isidentifier()
                    and entry.is_dir(follow_symlinks=False)
                    and not never_entered(folder, entry.name)
                ):
                    stack.append((entry.path, depth + 1))
        return homes

    # -- import statements and importers ----------------------------------------------------

    def _statements(self, path: str, data: bytes) -> tuple[bytes, ...]:
        """The file's import statements, kept per file (shared bytes: few are distinct)."""
        found = self._file_statements.get(path)
        if found is None:
            cache = self._statement_words
            statements = []
            for statement in import_statements(data):
                words = cache.get(statement)
                if words is None:
                    cache[statement] = frozenset(WORD.findall(statement)) - KEYWORDS
                    self._parsed[statement] = tuple(
                        d for d in imported(statement) if d.split(".", 1)[0] not in _LIBRARIES
                    )
                dotted = self._parsed[statement]
                if dotted:
                    # The cache's own copy: files share a few distinct statements.
                    statements.append(self._interned.setdefault(statement, statement))
            found = tuple(statements)
            self._file_statements[path] = found
        return found

    def _dotted(self, statement: bytes) -> tuple[str, ...]:
        return self._parsed.get(statement, ())

    def importers(self, path: str) -> list[str]:
        """Files of the tree whose import statements name the module (by its last name:
        ``providers`` for ``app/providers.py``, the package's for an ``__init__.py``; or the
        package that re-exports it, ``from swarm import Swarm`` through ``swarm/__init__``)
        and resolve to it. The first questions search the files' bytes for the name (a
        pre-commit run asks one or two); later ones use an index of the words of their
        import lines, built then."""
        known = self._importers.get(path)
        if known is not None:
            return known
        self._importers[path] = []  # (a cycle of re-exports gives nothing more)
        folder = os.path.dirname(path)
        name = os.path.basename(path)[:-3]
        if name == "__init__":
            name = os.path.basename(folder)
        names = [name]
        init = os.path.join(folder, "__init__.py")
        if path != init and not self._file(init):
            # Its folder has no ``__init__`` here: a name may be imported from the folder.
            names.append(os.path.basename(folder))
        found: list[str] = []
        for needle in names:  # (grows: a package re-exporting it adds its own name)
            for importer in self._named(needle.encode()):
                if importer == path or importer in found:
                    continue
                # Named: now resolved, still without parsing (``from .x import`` of another x).
                if not self._resolves_to(importer, path):
                    continue
                found.append(importer)
                package = os.path.basename(os.path.dirname(importer))
                if importer.endswith("__init__.py") and package not in names:
                    # ``from .core import Swarm`` in a package's ``__init__``: its importers
                    # may take the name through it (``from swarm import Swarm``).
                    names.append(package)
        self._importers[path] = found
        return found

    def _resolves_to(self, importer: str, path: str) -> bool:
        return any(
            (target := self.resolve(importer, dotted)) is not None and target[0] == path
            for statement in self._file_statements.get(importer, ())
            for dotted in self._dotted(statement)
        )

    def _named(self, needle: bytes) -> list[str]:
        """The files whose import statements hold the word ``needle``."""
        scope = self._scope("")
        index = self._import_words.get(scope)
        searches = self._searches.get(scope, 0)
        if index is None and (searches >= _SEARCHES_BEFORE_INDEX or self.workspace.many_files):
            # (A run over many files asks many questions: its first one builds the index, which
            # costs about what two searches do.)
            index = self._words(scope)
        self._searches[scope] = searches + 1
        return index.get(needle, []) if index is not None else self._search(scope, needle)

    def _scope(self, path: str) -> str:
        """The folder whose files may import ``path``: the whole tree. Not only the top-level
        folder its package sits in: a monorepo's packages (``packages/python/core``) are
        installed and imported from its apps (``apps/api``), and namespace folders above a
        package may be named by its importers (``khoj.processor.x`` where only ``x`` has an
        ``__init__``)."""
        return self.root

    def _search(self, scope: str, needle: bytes) -> list[str]:
        """Files below ``scope`` whose bytes hold ``needle`` in an import statement."""
        found = []
        again = self._searches.get(scope, 0) > 1
        for path in self._python_files(scope):
            statements = self._file_statements.get(path)
            if statements is None:
                data = read(path)
                if needle not in data and not again:
                    continue
                # From the second search on, every file's statements are kept once read: the
                # next searches of a whole run (up to _SEARCHES_BEFORE_INDEX) look them up
                # instead of reading the tree again (40,000 reads per worker on the 5,000
                # files of the benchmark). A pre-commit run searches once: bytes only.
                statements = self._statements(path, data)
            if any(needle in self._statement_words[s] for s in statements):
                found.append(path)
        return found

    def _words(self, scope: str) -> dict[bytes, list[str]]:
        index: dict[bytes, list[str]] = {}
        for path in self._python_files(scope):
            statements = self._file_statements.get(path)
            if statements is None:
                statements = self._statements(path, read(path))
            words: set[bytes] = set()
            for statement in statements:
                words.update(self._statement_words[statement])
            for word in words:
                index.setdefault(word, []).append(path)
        self._import_words[scope] = index
        return index

    def more_files_than(self, scope: str, limit: int) -> bool:
        """Whether ``scope`` holds more than ``limit`` Python files (as ``_python_files``
        lists them): a pre-commit run asks it of the whole tree, and learns it from the first
        ``limit + 1`` files instead of listing them all (5,000 in the benchmark tree)."""
        known = self._files.get(scope)
        if known is None:
            key = (scope, limit)
            answer = self._more.get(key)
            if answer is None:
                answer = len(self._python_files(scope, stop=limit + 1)) > limit
                self._more[key] = answer
            return answer
        return len(known) > limit

    def _python_files(self, scope: str, stop: int = 0) -> list[str]:
        """The regular ``.py`` files below ``scope`` (symbolic links not followed: nothing
        outside the tree, no FIFO or device), listed once per run and process. ``stop``:
        only the first ones, at least that many (a later listing goes on from there)."""
        known = self._files.get(scope)
        if known is not None:
            return known
        from linter.discovery import never_entered

        found, stack = self._partial.pop(scope, ([], [scope]))
        while stack and not (stop and len(found) >= stop):
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            folders = []
            for entry in entries:
                if entry.name.endswith(".py") and entry.is_file(follow_symlinks=False):
                    found.append(entry.path)
                elif entry.is_dir(follow_symlinks=False) and not never_entered(folder, entry.name):
                    folders.append(entry.path)
            stack.extend(reversed(folders))
        if stack:
            self._partial[scope] = (found, stack)
            return list(found)
        self._files[scope] = found
        return found
