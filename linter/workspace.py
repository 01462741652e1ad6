"""The linted tree: where it starts, and every file read from it, read once.

Reads never block (FIFOs and devices are refused before anything waits on them), never leave
the tree, and are cached, so a file included from ten places is read one time. While fixes are
tried, an overlay holds the new text of changed files; nothing touches the disk until the
fixer writes.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field

from linter.source import DecodeFailure, SourceText

MAX_FILE_BYTES = 64 * 1024 * 1024
# Larger files are read (a byte scan decides their kind) but not parsed: parsing costs far more
# than the file's size (Python's own ``ast`` alone takes 300 MB and 1.7 s per MB of dense code,
# the NGINX reader about 5 s per MB of dense config), so a 50 MB file would take minutes and
# gigabytes. Real configs and modules that talk to LLMs are far smaller (an 8 MB LiteLLM config
# is checked in 2.5 s); a larger file is reported, never silently skipped.
MAX_PARSE_BYTES = 10 * 1024 * 1024


# A fix is written to `.streamproof-<pid>-<random>.tmp` beside the file, then renamed over it.
# A run killed in between leaves one behind: it is never linted (discovery skips the name), and a
# later write into the same folder removes it (linter.fixer).
TEMP_PREFIX = ".streamproof-"
TEMP_SUFFIX = ".tmp"


def is_fix_temporary(name: str) -> bool:
    """A temporary file the fixer writes (``name`` is a file name, not a path)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


class ReadFailure(Exception):
    """A file that could not be read; the message is for the user."""

    def __init__(self, path: str, message: str, *, outside: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        # A symlink out of the linted tree: not followed (an info finding, like an include).
        self.outside = outside


def read_regular_file(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file without ever blocking on a FIFO or device."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReadFailure(path, "symbolic link loop") from None
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO with no writer): open() refuses it
            raise ReadFailure(
                path, "not a regular file (FIFO, socket or device); not read"
            ) from None
        raise ReadFailure(path, f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL character in the name (an include read from a file)
        raise ReadFailure(path, "cannot read: the file name holds a NUL character") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadFailure(path, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ReadFailure(path, "not a regular file (FIFO, socket or device); not read")
        if info.st_size > limit:
            raise ReadFailure(
                path,
                f"file is {info.st_size / 1048576:.0f} MB, over the {limit // 1048576} MB limit; not linted",
            )
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            wanted = min(1 << 20, remaining)
            if not chunks:
                # The first read asks for the size fstat gave, and one byte more to see the
                # end: a 1 MB request allocated (and shrank) a 1 MB buffer per file, 4 times
                # the cost of reading a small file. A file that grew is read on in 1 MB reads.
                wanted = min(wanted, info.st_size + 1)
            chunk = os.read(fd, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            if len(chunk) == info.st_size < wanted:
                break  # the whole file in one read: no second read to learn it has ended
        data = b"".join(chunks)
        if len(data) > limit:
            raise ReadFailure(path, f"file is over the {limit // 1048576} MB limit; not linted")
        return data
    except OSError as exc:
        raise ReadFailure(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


@dataclass
class Workspace:
    """The files of one run as read (once), the fixes tried on them, and what kinds derive
    once per run."""

    root: str
    cwd: str = field(default_factory=os.getcwd)
    # New text of files while fixes are tried (absolute path -> text).
    overlay: dict[str, str] = field(default_factory=dict)
    _bytes: dict[str, bytes | ReadFailure] = field(default_factory=dict, repr=False)
    _sources: dict[tuple[str, bool, bool], SourceText | DecodeFailure] = field(
        default_factory=dict, repr=False
    )
    # Files found by discovery, by kind (other kinds' rules may use them as evidence).
    discovered: dict[str, list[str]] = field(default_factory=dict)
    # Content handed in instead of a file (--stdin-filename).
    stdin: dict[str, bytes] = field(default_factory=dict)
    # What a kind derives once per run and folder (e.g. the package pins a folder's
    # requirements files declare), keyed by the kind as it likes: cached here, not in modules.
    memo: dict[object, object] = field(default_factory=dict, repr=False)
    # A file's tree as a kind parsed it, keyed (kind, path): the parse of a content test kept
    # for the load that follows, a snippet's for the other files of its group that include
    # it. Dropped with the file (``forget``, ``release``).
    trees: dict[tuple[str, str], object] = field(default_factory=dict, repr=False)
    _inside: dict[str, bool] = field(default_factory=dict, repr=False)
    # Fixes will be written to disk (--fix): files this run may not write are not fixed.
    writing: bool = False
    # The run fixes, shows fixes or adds ignore comments: what it read is kept (``release``).
    keeps_reads: bool = False
    # The run was given a folder holding the whole tree (else single files or subfolders:
    # evidence elsewhere in the tree is looked up on demand, linter/server/treefiles.py).
    whole_tree: bool = False
    # The run has many files (not a pre-commit call on a few): what a search of the tree would
    # answer for one question is indexed for all at once (linter/python/analysis/modules.py).
    many_files: bool = False
    # What this process read (bytes), decoded (sources) or used of a file's tree, in order, as
    # (cache, key): see release.
    _touched: list[tuple[str, object]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.root = os.path.realpath(self.root)

    def inside(self, path: str) -> bool:
        """True when ``path`` (after resolving symlinks) lies within the linted tree."""
        known = self._inside.get(path)
        if known is None:
            try:
                real = os.path.realpath(path)
            except ValueError:  # a NUL character (from a file's text): no such path exists
                return False
            known = real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)
            self._inside[path] = known
        return known

    def read_bytes(self, path: str) -> bytes:
        path = os.path.abspath(path)
        if path in self.stdin:
            return self.stdin[path]
        cached = self._bytes.get(path)
        if cached is None:
            try:
                if os.path.islink(path) and not self.inside(path):
                    # `nginx.conf -> /root/.aws/credentials` in a tree: reading it would show
                    # another file's lines in findings (and --fix would write there).
                    raise ReadFailure(
                        path,
                        "a symlink to a file outside the linted tree; not followed",
                        outside=True,
                    )
                cached = read_regular_file(path)
            except ReadFailure as exc:
                cached = exc
            self._bytes[path] = cached
            self._touched.append(("bytes", path))
        if isinstance(cached, ReadFailure):
            raise cached
        return cached

    def read_source(
        self, path: str, *, honour_coding_cookie: bool = False, bytes_as_text: bool = False
    ) -> SourceText:
        """The decoded file (overlay first). Raises ReadFailure (unreadable, or too large to
        parse) or DecodeFailure. ``bytes_as_text``: see source.decode (NGINX)."""
        path = os.path.abspath(path)
        key = (path, honour_coding_cookie, bytes_as_text)
        cached = self._sources.get(key)
        if cached is None:
            data = self.read_bytes(path)
            if len(data) > MAX_PARSE_BYTES:
                raise ReadFailure(
                    path,
                    f"file is {len(data) / 1048576:.1f} MB, over the "
                    f"{MAX_PARSE_BYTES // 1048576} MB limit for parsing; not linted "
                    "(split it, or exclude it)",
                )
            try:
                cached = SourceText.from_bytes(
                    path,
                    data,
                    honour_coding_cookie=honour_coding_cookie,
                    bytes_as_text=bytes_as_text,
                )
            except DecodeFailure as exc:
                cached = exc
            self._sources[key] = cached
            self._touched.append(("sources", key))
        if isinstance(cached, DecodeFailure):
            raise cached
        if path in self.overlay:
            return cached.with_text(self.overlay[path])
        return cached

    def original_source(self, path: str) -> SourceText | None:
        for (cached_path, *_), value in self._sources.items():
            if cached_path == path and isinstance(value, SourceText):
                return value
        return None

    def touch(self, path: str) -> None:
        """Note that the file's tree was used since the last ``mark``."""
        self._touched.append(("trees", path))

    def mark(self) -> int:
        """Where ``release`` starts from."""
        return len(self._touched)

    def release(self, mark: int) -> None:
        """Forget what was read and decoded since ``mark``, and the trees used since: a unit
        (or a group of units that share files) is done, and keeping all it read would make a
        run's memory grow with the tree (reports read a file again if they show it). What was
        read before (to decide a file's kind, to group files) stays. Only for runs that write
        nothing: writing a fix compares the file with what was read."""
        touched = self._touched[mark:]
        del self._touched[mark:]
        trees = set()
        for cache, key in touched:
            if cache == "bytes":
                self._bytes.pop(key, None)  # type: ignore[call-overload]
            elif cache == "sources":
                self._sources.pop(key, None)  # type: ignore[call-overload]
            else:
                trees.add(key)
        if trees and self.trees:
            for tree in [tree for tree in self.trees if tree[1] in trees]:
                del self.trees[tree]

    def forget(self, path: str) -> None:
        """Drop what is cached for ``path`` (after it was written)."""
        path = os.path.abspath(path)
        self._bytes.pop(path, None)
        # (Each of the four ways a file is decoded: not a search of every decoded file, which
        # made forgetting each of a run's files cost as much as the files read before.)
        for coding in (False, True):
            for as_text in (False, True):
                self._sources.pop((path, coding, as_text), None)
        if self.trees:
            for tree in [key for key in self.trees if key[1] == path]:
                del self.trees[tree]
        self.overlay.pop(path, None)
