"""Include resolution and the expanded configuration.

nginx resolves a relative ``include`` against its prefix (the folder of the main file), sorts
glob matches, ignores a glob with no match, and refuses a missing explicit file. Repositories
keep their configs elsewhere than ``/etc/nginx`` while the files name absolute paths, so:

- ``nginx-prefix`` maps an absolute prefix to a folder of the repository;
- without it, an absolute path under a well-known nginx prefix (``/etc/nginx/``, ...) is tried
  against the main file's folder;
- a path not found is tried as ``<path>.template`` (the docker image renders
  ``templates/*.template`` into the real names);
- a fragment's own prefix is unknown, so its folder and the folder above are both tried.

An include never reads outside the linted tree: it is reported (``info``) and not followed, and
what it may set is judged by unread.py (known content, or its name). The stock files
(``proxy_params``, ...) are known by content.
"""

from __future__ import annotations

import glob
import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from linter.document import Problem
from linter.model import Severity
from linter.nginx import dump
from linter.nginx.context import Stmt
from linter.nginx.embedded import nginx_source
from linter.nginx.fallback import fallback_for
from linter.nginx.mounts import Mounts, mounted_files
from linter.nginx.parser import parse_source
from linter.nginx.stock import stock_text
from linter.nginx.tree import Directive, ParsedFile
from linter.nginx.unread import reach_of
from linter.source import DecodeFailure, SourceText
from linter.workspace import ReadFailure

if TYPE_CHECKING:
    from linter.workspace import Workspace

WELL_KNOWN_PREFIXES = (
    "/etc/nginx",
    "/usr/local/nginx/conf",
    "/usr/local/etc/nginx",
    "/usr/local/openresty/nginx/conf",
    "/opt/homebrew/etc/nginx",
)
MAX_INCLUDE_DEPTH = 64
MAX_STATEMENTS = 200_000
STOCK_PREFIX = "<stock>/"
GLOB_CHARS = "*?["


def parsed_once(workspace: Workspace, source: SourceText) -> ParsedFile:
    """The file's tree, parsed once per run and text: a snippet included by ten files, or a
    file read for grouping and then linted, is parsed one time (trees are never changed
    after parsing; a fix's new text is parsed anew)."""
    key = ("nginx", source.path)
    workspace.touch(source.path)  # released with its unit's group (Workspace.release)
    cached = workspace.trees.get(key)
    if isinstance(cached, ParsedFile) and cached.source.text == source.text:
        return cached
    parsed = parse_source(source)
    workspace.trees[key] = parsed
    return parsed


@dataclass
class Resolution:
    """What an `include` pattern names: the files, or why none."""

    keys: list[str] = field(default_factory=list)  # files to read, in nginx's order
    stock: str | None = None  # a stock file's name
    missing: str = ""  # an explicit file inside the tree that does not exist
    outside: str = ""  # a path outside the linted tree (not followed)
    uncertain: bool = False  # missing, but the prefix is a guess (report as info)
    # Missing where mapped, but a file of the same name was used instead (see fallback.py):
    # where it was looked for first, and why this file.
    looked_for: str = ""
    fallback_why: str = ""


class DiskFiles:
    """Files on disk (through the workspace), resolved as nginx would from the main file."""

    def __init__(
        self,
        workspace: Workspace,
        main_path: str,
        prefix_map: Sequence[tuple[str, str]],
        fragment: bool,
        mounts: Mounts = (),
    ) -> None:
        self.workspace = workspace
        # The bind mounts of the compose services that mount the main file (mounts.py).
        self.mounts = mounts
        self.main_dir = os.path.dirname(main_path)
        self.prefix_map = sorted(prefix_map, key=lambda pair: -len(pair[0]))
        self.fragment = fragment
        parent = os.path.dirname(self.main_dir)
        self.bases = [self.main_dir]
        if fragment and parent != self.main_dir:
            self.bases.append(parent)

    def display(self, key: str) -> str:
        try:
            relative = os.path.relpath(key, self.workspace.root)
        except ValueError:
            return key
        return key if relative.startswith("..") else relative.replace(os.sep, "/")

    def _candidates(self, pattern: str) -> tuple[list[str], bool]:
        """Paths on disk the pattern may mean, best first; and whether they are a guess."""
        if posixpath.isabs(pattern):
            for absolute, local in self.prefix_map:
                if pattern == absolute or pattern.startswith(absolute.rstrip("/") + "/"):
                    rest = pattern[len(absolute) :].lstrip("/")
                    return [os.path.join(local, rest)], False
            for absolute in WELL_KNOWN_PREFIXES:
                if pattern.startswith(absolute + "/"):
                    rest = pattern[len(absolute) + 1 :]
                    return [os.path.join(base, rest) for base in self.bases], True
            return [pattern], False
        return [os.path.join(base, pattern) for base in self.bases], self.fragment

    def resolve(self, pattern: str, includer: str | None = None) -> Resolution:
        """The files ``pattern`` names, as included from the file ``includer`` (whose folder
        the fallback for a missing file looks in first)."""
        # Once per run for each pattern and base folders: a snippet is included from hundreds
        # of places, and grouping resolved the same includes before the load does.
        includer_dir = os.path.dirname(includer) if includer else None
        key = (
            "nginx",
            "resolve",
            tuple(self.bases),
            tuple(self.prefix_map),
            self.mounts,
            self.fragment,
            pattern,
            includer_dir,
        )
        cached = self.workspace.memo.get(key)
        if isinstance(cached, Resolution):
            return cached
        found = self._resolve(pattern)
        # Only for an absolute path (a deployed location): a relative one already tries the
        # folders a run may use as the prefix.
        if (
            (found.missing or (found.outside and not found.keys))
            and posixpath.isabs(pattern)
            and not any(char in pattern for char in GLOB_CHARS)
        ):
            path, why = fallback_for(pattern, includer_dir, self.workspace)
            if path:
                looked = self.display(found.missing) if found.missing else found.outside
                found = Resolution(keys=[path], looked_for=looked, fallback_why=why)
        self.workspace.memo[key] = found
        return found

    def _resolve(self, pattern: str) -> Resolution:
        if self.mounts and posixpath.isabs(pattern):
            # Where the compose service that runs this config puts the files, first.
            mounted = [p for p in mounted_files(pattern, self.mounts) if self.workspace.inside(p)]
            if mounted:
                return Resolution(keys=[os.path.abspath(p) for p in mounted])
        candidates, guessed = self._candidates(pattern)
        is_glob = any(char in pattern for char in GLOB_CHARS)
        outside = ""
        for candidate in candidates:
            for variant in (candidate, candidate + ".template"):
                if is_glob:
                    found = sorted(p for p in glob.glob(variant) if os.path.isfile(p))
                else:
                    # A FIFO, device or symlink loop is there but cannot be read: loading it
                    # says so (it is not "not found").
                    there = os.path.isfile(variant) or (
                        os.path.lexists(variant) and not os.path.isdir(variant)
                    )
                    found = [variant] if there else []
                if not found:
                    continue
                inside = [p for p in found if self.workspace.inside(p)]
                if len(inside) < len(found):
                    outside = outside or next(p for p in found if p not in inside)
                if inside:
                    return Resolution(keys=[os.path.abspath(p) for p in inside], outside=outside)
        if outside:
            return Resolution(outside=outside)
        if stock_text(pattern) is not None and not is_glob:
            return Resolution(stock=posixpath.basename(pattern))
        if is_glob:
            return Resolution()
        first = candidates[0]
        if not self.workspace.inside(first):
            return Resolution(outside=pattern)
        return Resolution(missing=first, uncertain=guessed)

    def load(self, key: str) -> ParsedFile:
        source = self.workspace.read_source(key, bytes_as_text=True)
        return parsed_once(self.workspace, nginx_source(source))


class DumpFiles:
    """The files of an ``nginx -T`` dump, by the absolute paths nginx printed."""

    def __init__(self, source: SourceText, sections: list[dump.Section]) -> None:
        self.source = source
        self.sections = {section.path: section for section in sections}
        self.prefix = posixpath.dirname(sections[0].path) if sections else "/etc/nginx"

    def key(self, path: str) -> str:
        return f"{self.source.path}::{path}"

    def display(self, key: str) -> str:
        return key.split("::", 1)[1] if "::" in key else key

    def resolve(self, pattern: str, includer: str | None = None) -> Resolution:
        absolute = pattern if posixpath.isabs(pattern) else posixpath.join(self.prefix, pattern)
        if any(char in pattern for char in GLOB_CHARS):
            return Resolution(
                keys=[self.key(p) for p in sorted(self.sections) if fnmatchcase(p, absolute)]
            )
        if absolute in self.sections:
            return Resolution(keys=[self.key(absolute)])
        if stock_text(pattern) is not None:
            return Resolution(stock=posixpath.basename(pattern))
        # nginx -T prints every file it read: a file missing from the dump was cut away.
        return Resolution(outside=absolute)

    def load(self, key: str) -> ParsedFile:
        section = self.sections[self.display(key)]
        text = dump.masked(self.source.text, section.start, section.end)
        return parse_source(self.source.with_text(text))

    def main(self) -> ParsedFile | None:
        if not self.sections:
            return None
        return self.load(self.key(next(iter(self.sections))))


FileSet = DiskFiles | DumpFiles


def reachable_files(
    files: DiskFiles,
    main_key: str,
    includes: Sequence[str],
    includes_of: Callable[[str], Sequence[str]],
) -> set[str]:
    """The files of the tree a main file pulls in through includes, as the Expander below
    resolves them, without building the expanded configuration (for grouping files into
    units: which files include which). ``includes`` are the file names the main file's
    `include` statements give (one argument, no placeholder), ``includes_of(key)`` those of
    another file (raising ReadFailure or DecodeFailure when it cannot be read)."""
    found = {main_key}
    pending: list[tuple[Sequence[str], str]] = [(includes, main_key)]
    while pending:
        patterns, includer = pending.pop()
        for pattern in patterns:
            for key in files.resolve(pattern, includer).keys:
                if key in found or len(found) > MAX_STATEMENTS:
                    continue
                found.add(key)
                try:
                    pending.append((includes_of(key), key))
                except (ReadFailure, DecodeFailure):
                    continue
    return found


@dataclass
class Expansion:
    """A file with its includes expanded: the statement tree and the files read."""

    root: Stmt
    files: dict[str, ParsedFile] = field(default_factory=dict)
    includers: dict[str, list[Stmt]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, SourceText] = field(default_factory=dict)


class Expander:
    def __init__(self, files: FileSet, root: Stmt) -> None:
        self.files = files
        self.result = Expansion(root=root)
        self.count = 0
        self.truncated = False

    def add_file(self, key: str, parsed: ParsedFile) -> None:
        if key in self.result.files:
            return
        self.result.files[key] = parsed
        if parsed.stock:
            return
        self.result.sources.setdefault(parsed.source.path, parsed.source)
        for problem in parsed.problems:
            self.result.problems.append(
                Problem(parsed.source.path, problem.start, problem.end, problem.message)
            )
        if parsed.source.bom and "::" not in key:  # (a dump's BOM is not its files')
            # nginx reads bytes: a byte-order mark becomes part of the first directive's name.
            encoding = parsed.source.encoding[:6].upper()
            what = (
                "starts with a UTF-8 byte-order mark" if encoding == "UTF-8" else f"is {encoding}"
            )
            self.result.problems.append(
                Problem(
                    parsed.source.path,
                    0,
                    0,
                    f'the file {what}: nginx reads bytes and refuses it ("unknown directive" at '
                    "the byte-order mark); save it as UTF-8 without a BOM",
                )
            )

    def expand_file(
        self, key: str, parsed: ParsedFile, parent: Stmt, via: Stmt | None, stack: tuple[str, ...]
    ) -> list[Stmt]:
        self.add_file(key, parsed)
        return [self._expand(d, parent, via, (*stack, key)) for d in parsed.directives]

    def _expand(
        self, directive: Directive, parent: Stmt, via: Stmt | None, stack: tuple[str, ...]
    ) -> Stmt:
        self.count += 1
        stmt = Stmt(directive, parent, via)
        if directive.placeholder:
            stmt.unknown = f"the template placeholder {directive.name.raw}"
        if directive.block is not None:
            stmt.children = [self._expand(child, stmt, via, stack) for child in directive.block]
        elif directive.name.value == "include" and not directive.placeholder:
            self._include(stmt, stack)
        return stmt

    def _problem(self, stmt: Stmt, message: str, severity: Severity = Severity.ERROR) -> None:
        directive = stmt.directive
        assert directive is not None
        target = directive.args[0] if directive.args else directive.name
        problem = Problem(directive.path, target.start, target.end, message, severity, fatal=False)
        if problem not in self.result.problems:
            self.result.problems.append(problem)

    def _include(self, stmt: Stmt, stack: tuple[str, ...]) -> None:
        directive = stmt.directive
        assert directive is not None
        stmt.included = []
        if len(directive.args) != 1:
            stmt.unknown = "an include with a wrong number of arguments"
            self._problem(stmt, f"include takes exactly one file name, not {len(directive.args)}")
            return
        word = directive.args[0]
        pattern = word.value
        if word.has_placeholder:
            stmt.unknown = f"the include of {word.raw} (a template placeholder)"
            return
        if "\x00" in pattern:  # a NUL character in the text (UTF-16, or past the first 8 KB)
            stmt.unknown = "an include of a file name with a NUL character"
            self._problem(
                stmt, "the included file name holds a NUL character: nginx cannot open it"
            )
            return
        if len(stack) >= MAX_INCLUDE_DEPTH or self.count > MAX_STATEMENTS:
            stmt.unknown = "an include nested too deep to follow"
            if not self.truncated:
                self.truncated = True
                self._problem(
                    stmt, "includes nested too deep (or too many statements); not followed further"
                )
            return
        resolution = self.files.resolve(pattern, directive.path)
        assert stmt.parent is not None
        if resolution.fallback_why:
            self._problem(
                stmt,
                f"include {pattern} is not at {resolution.looked_for}; using "
                f"{self.files.display(resolution.keys[0])} ({resolution.fallback_why}), as a "
                f"deployment that copies it into place would",
                Severity.INFO,
            )
        for key in resolution.keys:
            if key in stack:
                cycle = " -> ".join(
                    self.files.display(k) for k in (*stack[stack.index(key) :], key)
                )
                self._problem(stmt, f"include cycle: {cycle}; not followed")
                continue
            try:
                parsed = self.result.files.get(key) or self.files.load(key)
            except (ReadFailure, DecodeFailure) as exc:
                stmt.unknown = f"the include of {self.files.display(key)}, which cannot be read"
                stmt.reach = reach_of(pattern)
                self._problem(stmt, f"cannot read included file {self.files.display(key)}: {exc}")
                continue
            self.result.includers.setdefault(key, []).append(stmt)
            stmt.included.extend(self.expand_file(key, parsed, stmt.parent, stmt, stack))
        if resolution.stock is not None:
            key = STOCK_PREFIX + resolution.stock
            known = self.result.files.get(key)
            if known is None:
                text = stock_text(resolution.stock) or ""
                known = parse_source(SourceText.from_text(key, text), stock=True)
            parsed = known
            self.result.includers.setdefault(key, []).append(stmt)
            stmt.included.extend(self.expand_file(key, parsed, stmt.parent, stmt, stack))
        if resolution.outside:
            stmt.unknown = f"the include of {resolution.outside} (outside the linted tree)"
            stmt.reach = reach_of(pattern)
            reach = stmt.reach
            what = (
                f"{reach.basis}, so the rules look past it for anything else"
                if not reach.anything
                else "a finding on a value it could set is reported as info, with that caveat"
            )
            self._problem(
                stmt,
                f"include {pattern} is outside the linted tree; not followed: {what}"
                " (map its folder with the `nginx-prefix` setting)",
                Severity.INFO,
            )
        elif resolution.missing:
            stmt.unknown = f"the include of {pattern}, which does not exist"
            stmt.reach = reach_of(pattern)
            where = self.files.display(resolution.missing)
            if resolution.uncertain:
                self._problem(
                    stmt,
                    f"included file {pattern} not found (looked for {where}; the prefix nginx "
                    f"will use is"
                    " a guess here, set `nginx-prefix` to say it)",
                    Severity.INFO,
                )
            else:
                self._problem(stmt, f"included file {pattern} not found (looked for {where})")
