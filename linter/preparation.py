"""Work every worker of a run would do alike (the server kind's launch files read by others,
the NGINX upstreams in front of app servers), done once for all of them: in a short-lived
forked child when the run writes nothing, so that what the parsing leaves behind is not
inherited by every worker. The workers start meanwhile (``start``), and wait for it only when a
unit needs what it makes (``await_prepared``, called by those readers): waited for before they
started, it was serial work of two-worker runs only (0.5 s of the benchmark's whole corpus,
where one process does it within its units)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter import kinds

if TYPE_CHECKING:
    from linter.workspace import Workspace


def prepare_here(present: Sequence[str], workspace: Workspace) -> None:
    for kind in present:
        prepare = getattr(kinds.handler(kind), "prepare", None)
        if prepare is not None:
            prepare(workspace)


def prepare(present: Sequence[str], workspace: Workspace, writes: bool) -> None:
    """What every worker would work out alike for the whole run (the server kind's launch
    files read by others, the NGINX upstreams in front of app servers: all those files
    parsed), worked out once before the workers start."""
    if not any(hasattr(kinds.handler(kind), "prepare") for kind in present):
        return
    from linter import pool

    # A run that writes keeps what it read (see Workspace.release): prepared here. So is
    # one on a system that cannot fork (Windows).
    if not writes and pool.available() and _prepared_in_child(present, workspace):
        return
    mark = workspace.mark()
    prepare_here(present, workspace)
    if not writes:
        workspace.release(mark)  # the files read for it: the workers read their own


def _prepared_in_child(present: Sequence[str], workspace: Workspace) -> bool:
    """Prepare in a short-lived forked child and take back only the results (the entries it
    added to workspace.memo, pickled): what the parsing leaves in this process (20 MB of
    freed memory on the benchmark) would otherwise be inherited, and copied, by every
    worker. False when that did not work out (nothing is left half done)."""
    import pickle

    before = set(workspace.memo)
    try:
        read, write = os.pipe()
    except OSError:
        return False
    sys.stdout.flush()  # (a buffered line must not be written twice)
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return False
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read)
            _write_prepared(present, workspace, before, write)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as received:
        data = received.read()
    _, status = os.waitpid(pid, 0)
    if status == 0 and data:
        try:
            for key, value in pickle.loads(data).items():
                workspace.memo[key] = pickle.loads(value)
            return True
        except Exception:
            pass
    for key in [key for key in workspace.memo if key not in before]:
        del workspace.memo[key]
    return False


@dataclass
class _Pending:
    """A preparing child started and not yet waited for."""

    pid: int
    done: int  # the read end of a pipe only the child holds open: end of file once it exits
    path: str  # where it writes the memo entries it made (pickled)


# The child preparing for this run's workers (inherited by them: they fork after it started).
_pending: _Pending | None = None
_started: _Pending | None = None  # the same, for the parent to reap


def start(present: Sequence[str], workspace: Workspace, writes: bool) -> None:
    """``prepare``, without waiting for the child that does it when it can run in one."""
    global _pending, _started
    if not any(hasattr(kinds.handler(kind), "prepare") for kind in present):
        return
    from linter import pool

    if writes or not pool.available():
        prepare(present, workspace, writes)
        return
    before = set(workspace.memo)
    try:
        handle, path = tempfile.mkstemp(prefix="streamproof-prepared-")
    except OSError:
        prepare(present, workspace, writes)
        return
    try:
        read, write = os.pipe()
        sys.stdout.flush()  # (a buffered line must not be written twice)
        sys.stderr.flush()
        pid = os.fork()
    except OSError:
        os.close(handle)
        with contextlib.suppress(OSError):
            os.unlink(path)
        prepare(present, workspace, writes)
        return
    if pid == 0:  # the child: never returns
        global _in_child
        _in_child = True
        status = 1
        try:
            os.close(read)
            _write_prepared(present, workspace, before, handle)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    os.close(handle)
    _pending = _started = _Pending(pid, read, path)


def _write_prepared(
    present: Sequence[str], workspace: Workspace, before: set[object], handle: int
) -> None:
    import pickle

    prepare_here(present, workspace)
    found = {}
    for key, value in workspace.memo.items():
        if key not in before:
            # An entry that does not pickle is worked out by each worker instead.
            with contextlib.suppress(Exception):
                found[key] = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    with os.fdopen(handle, "wb") as out:
        out.write(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))


# True in the preparing child: it sends back only what it adds to the memo.
_in_child = False


def preparing() -> bool:
    """Whether this process is a preparing child (what it reads need not be kept)."""
    return _in_child


def await_prepared(workspace: Workspace) -> None:
    """Wait for the preparing child (once per process) and take what it made into the memo.
    When it failed, nothing is taken: the caller works it out itself, as one process does."""
    global _pending
    pending = _pending
    if pending is None:
        # After the workers (see ``finish``): taken by the first pass of this process that asks.
        unread = workspace.memo.pop(_UNREAD, None)
        if isinstance(unread, bytes):
            _take(workspace, unread)
        return
    _pending = None
    try:
        while os.read(pending.done, 1):
            pass
        with open(pending.path, "rb") as handle:
            data = handle.read()
    except Exception:  # (a child that died mid-write: no data)
        return
    _take(workspace, data)


def _take(workspace: Workspace, data: bytes) -> None:
    import pickle

    try:
        for key, value in pickle.loads(data).items():
            if key not in workspace.memo:
                workspace.memo[key] = pickle.loads(value)
    except Exception:  # (a child that died mid-write: truncated data)
        pass


# Where ``finish`` leaves the child's results, unread, for this process's later passes.
_UNREAD = ("preparation", "unread")


def finish(workspace: Workspace) -> None:
    """After the workers: keep what the child made for this process's later passes (read
    when one asks, ``await_prepared``: most runs never do, and reading it all was serial
    work, 0.15 s of the benchmark's whole-corpus run), reap it, and remove its file."""
    global _pending, _started
    started = _started
    if started is None:
        return
    try:
        if _pending is not None:
            _pending = None
            with contextlib.suppress(Exception):
                while os.read(started.done, 1):
                    pass
                with open(started.path, "rb") as handle:
                    workspace.memo[_UNREAD] = handle.read()
    finally:
        _pending = _started = None
        with contextlib.suppress(OSError):
            os.waitpid(started.pid, 0)
        with contextlib.suppress(OSError):
            os.close(started.done)
        with contextlib.suppress(OSError):
            os.unlink(started.path)


def abandon() -> None:
    """The run was interrupted (Ctrl-C): the preparing child stops with it (``finish`` then
    only reaps it)."""
    global _pending
    started = _started
    _pending = None
    if started is not None:
        with contextlib.suppress(OSError):
            os.kill(started.pid, signal.SIGKILL)
