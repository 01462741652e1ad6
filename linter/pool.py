"""Work items of a large run, done in forked worker processes with little for the parent to do.

The parent forks the workers, which inherit everything read so far, then hands out item
numbers through one pipe and reads each result from the pipe of the worker that made it.
concurrent.futures, used before, cost the parent 25 ms to import and a thread hand-off per
item (about 0.3 ms of CPU each, taken from the workers on a two-core machine).

A worker that dies (killed, out of memory) leaves only the item it was doing undone: the
others go on taking numbers, and the caller does what never came back.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linter.document import Unit

_NUMBER = struct.Struct("<I")
# Item numbers are written 512 bytes at a time at most: a pipe write no larger than POSIX's
# smallest PIPE_BUF is never split, so every read of 4 bytes gets one whole number.
_BATCH_BYTES = 512 // _NUMBER.size * _NUMBER.size
_LENGTH = struct.Struct("<Q")


def available() -> bool:
    """Whether this system can fork (not Windows)."""
    return hasattr(os, "fork")


def run(
    count: int,
    work: Callable[[int], Any],
    workers: int,
    on_result: Callable[[int, Any], None],
) -> set[int]:
    """Do ``work(0)`` ... ``work(count - 1)`` in up to ``workers`` forked processes and call
    ``on_result(index, result)`` here as each result arrives (in no set order). Returns the
    indices whose results arrived. Raises OSError when not even one worker could start."""
    numbers_read, numbers_write = os.pipe()
    pids: list[int] = []
    readers: list[int] = []  # the read end of each worker's result pipe
    done: set[int] = set()
    finished = False
    # What the workers inherit must not be written twice (a buffered line printed by both).
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for _ in range(max(1, min(workers, count))):
            result_read, result_write = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(result_read)
                os.close(result_write)
                if pids:
                    break  # fewer workers than asked: those that started do it all
                raise
            if pid == 0:  # the worker: never returns
                _worker(numbers_read, [numbers_write, result_read, *readers], result_write, work)
            os.close(result_write)
            pids.append(pid)
            readers.append(result_read)
        os.close(numbers_read)
        numbers_read = -1
        serving, numbers_write = numbers_write, -1  # closed by _serve
        _serve(count, serving, readers, on_result, done)
        finished = True
    finally:
        for fd in (numbers_read, numbers_write, *readers):
            if fd >= 0:
                os.close(fd)
        for pid in pids:
            if not finished:  # interrupted (Ctrl-C): the workers stop with the run
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return done


def _serve(
    count: int,
    numbers_write: int,
    readers: list[int],
    on_result: Callable[[int, Any], None],
    done: set[int],
) -> None:
    """Hand out the item numbers through ``numbers_write`` and read the results until every
    worker has ended. ``numbers_write`` is closed here: once every number is out (the workers
    then read its end), or on the way out."""
    numbers = b"".join(_NUMBER.pack(index) for index in range(count))
    given = 0
    closed = False
    os.set_blocking(numbers_write, False)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(numbers_write, selectors.EVENT_WRITE)
            for fd in readers:
                selector.register(fd, selectors.EVENT_READ)
            pending = {fd: bytearray() for fd in readers}
            while pending:
                for key, _ in selector.select():
                    if key.fd != numbers_write:
                        _receive(key.fd, pending, selector, on_result, done)
                        continue
                    try:
                        given += os.write(numbers_write, numbers[given : given + _BATCH_BYTES])
                    except BlockingIOError:
                        continue
                    if given == len(numbers):
                        selector.unregister(numbers_write)
                        os.close(numbers_write)
                        closed = True
    finally:
        if not closed:  # every worker ended first (they died), or this was interrupted
            os.close(numbers_write)


def _receive(
    fd: int,
    pending: dict[int, bytearray],
    selector: selectors.BaseSelector,
    on_result: Callable[[int, Any], None],
    done: set[int],
) -> None:
    """Read what a worker sent and pass on each whole result; at its end, stop watching it."""
    data = os.read(fd, 1 << 16)
    if not data:  # the worker ended (or died): what it sent has been read
        selector.unregister(fd)
        del pending[fd]
        return
    buffer = pending[fd]
    buffer += data
    while len(buffer) >= _LENGTH.size:
        (size,) = _LENGTH.unpack_from(buffer)
        if len(buffer) < _LENGTH.size + size:
            break
        index, result = pickle.loads(buffer[_LENGTH.size : _LENGTH.size + size])
        del buffer[: _LENGTH.size + size]
        done.add(index)
        on_result(index, result)


def _worker(
    numbers_read: int, inherited: list[int], result_write: int, work: Callable[[int], object]
) -> None:
    """The forked process: take numbers until there are none, send each result; then exit
    without running anything of the parent's (its atexit handlers, its buffered output)."""
    code = 1
    try:
        for fd in inherited:  # the parent's ends: held open here, no end of file would come
            os.close(fd)
        while True:
            number = os.read(numbers_read, _NUMBER.size)
            if len(number) < _NUMBER.size:
                break
            (index,) = _NUMBER.unpack(number)
            payload = pickle.dumps((index, work(index)), protocol=pickle.HIGHEST_PROTOCOL)
            message = memoryview(_LENGTH.pack(len(payload)) + payload)
            while message:
                message = message[os.write(result_write, message) :]
        code = 0
    except BaseException:
        pass  # the parent does the item itself
    finally:
        os._exit(code)


# Units per work item at most: enough to amortise sending an item, few enough to share out.
CHUNK_SIZE = 32


def chunks(
    units: Sequence[Unit], jobs: int = 2, late: frozenset[str] = frozenset()
) -> list[list[int]]:
    """Work items for the pool, as indices into ``units``: the units of a group (files they
    share) stay in one item; small items are packed up to CHUNK_SIZE units; the costliest go
    first so that the workers finish together. A group's unit reads a main file and what it
    includes (hundreds of lines each), a single unit one file that is often dropped after a
    look at its bytes: groups come first and are packed eight times thinner. (Packed last,
    the 26 NGINX groups of the benchmark made one item that kept a worker busy for 0.7 s
    after the other had finished.) Items with a unit of a kind in ``late`` (those that read
    what the run's preparing process makes, linter.preparation) come after all others, so
    that the workers do not wait for it."""
    groups: dict[str, list[int]] = {}
    singles: list[list[int]] = []
    for index, unit in enumerate(units):
        if unit.group is None:
            if singles and units[singles[-1][-1]].keep and units[singles[-1][-1]].path == unit.path:
                singles[-1].append(index)  # the units of one file, in one item (Unit.keep)
            else:
                singles.append([index])
        else:
            groups.setdefault(unit.group, []).append(index)
    # Several items per worker, so that one slow item does not leave the others idle.
    size = max(1, min(CHUNK_SIZE, -(-len(units) // (jobs * 4))))
    chunks: list[list[int]] = []
    for bundles, limit in (
        (sorted(groups.values(), key=len, reverse=True), max(1, size // 8)),
        (singles, size),
    ):
        current: list[int] = []
        for bundle in bundles:
            if len(bundle) >= limit:
                chunks.append(bundle)
                continue
            if len(current) + len(bundle) > limit:
                chunks.append(current)
                current = []
            current.extend(bundle)
        if current:
            chunks.append(current)
    if late:
        # (A stable sort: the order within each part is kept.)
        chunks.sort(key=lambda chunk: any(_reads_prepared(units[i], late) for i in chunk))
    return chunks


def _reads_prepared(unit: Unit, late: frozenset[str]) -> bool:
    # A unit whose kind must first look at the file does not: most of them are dropped then
    # (every Python file is a server unit of that kind). Those of a group do: NGINX files on
    # their own whose content decides (the benchmark's 50 `nginx/static.conf`), most of them
    # NGINX, went first and kept both workers waiting for the preparing process.
    return unit.kind in late and (not unit.unclaimed or unit.group is not None)
