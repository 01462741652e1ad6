"""Work every worker of a run would do alike (the server kind's launch files read by others,
the NGINX upstreams in front of app servers), done once before the workers start: in a
short-lived forked child when the run writes nothing, so that what the parsing leaves behind is
not inherited by every worker."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
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
            prepare_here(present, workspace)
            found = {}
            for key, value in workspace.memo.items():
                if key not in before:
                    # An entry that does not pickle is worked out by each worker instead.
                    with contextlib.suppress(Exception):
                        found[key] = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
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
