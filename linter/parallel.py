"""Checking every unit of a run: in this process for small runs, spread over worker
processes for large ones (forked where the platform can, else started), with what a dead
worker left done here.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from linter import kinds, registry
from linter.config import SettingsResolver
from linter.document import Unit
from linter.unit_check import UnitResult, process_unit
from linter.workspace import Workspace

if TYPE_CHECKING:
    from linter.runner import RunOptions

    # (For annotations only: the runner, where RunOptions lives, imports this module.)
    _WorkerState = tuple[Sequence[Unit], Workspace, SettingsResolver, RunOptions]


# Below this many units a pool costs more than it saves (fork, pickling, imports per worker).
PARALLEL_THRESHOLD = 64


def _init_worker(
    units: Sequence[Unit], workspace: Workspace, resolver: SettingsResolver, options: RunOptions
) -> None:
    # One state per worker process, set once by the pool initializer. With fork the units and
    # the workspace (and the bytes it already read) are inherited, not copied through a pipe:
    # work items are indices into the units.
    global _worker_state
    _worker_state = (units, workspace, resolver, options)


_worker_state: _WorkerState | None = None


def _work(indices: list[int], state: _WorkerState | None = None) -> list[UnitResult | None]:
    """The results of the units at ``indices``; None for a unit that was not of its kind
    after all (nothing to send back). ``state``: the run's (else the one a started worker
    was given)."""
    if state is None:
        state = _worker_state
    assert state is not None
    units, workspace, resolver, options = state
    results: list[UnitResult | None] = []
    for found in _in_turn([units[index] for index in indices], workspace, resolver, options):
        empty = not (
            found.checked
            or found.findings
            or found.changes
            or found.audit_rows
            or found.facts
            or found.covered
        )
        results.append(None if empty and not found.unwritable else found)
    return results


def _in_turn(
    units: Sequence[Unit], workspace: Workspace, resolver: SettingsResolver, options: RunOptions
) -> Iterator[UnitResult]:
    """Check the units one after the other. A run that writes nothing forgets what a unit read
    once it is done (with the next unit of its group, when that one follows): the memory a
    run needs stays that of its largest unit, not of the whole tree."""
    releasing = not (options.fix or options.diff or options.add_ignore is not None)
    mark = workspace.mark()
    for position, unit in enumerate(units):
        yield process_unit(unit, workspace, resolver.for_path(unit.path), options)
        following = units[position + 1] if position + 1 < len(units) else None
        together = following is not None and (
            (unit.group is not None and following.group == unit.group)
            or (unit.keep and following.path == unit.path)
        )
        if releasing and not together:
            workspace.release(mark)


def _spawned_pool(
    units: Sequence[Unit],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
    chunks: list[list[int]],
    jobs: int,
    take: Callable[[int, Sequence[UnitResult | None]], None],
) -> bool:
    """Where processes cannot fork (Windows): a pool of started ones, each handed the run's
    state once. False when a worker died (the caller then does it all itself)."""
    import concurrent.futures
    import multiprocessing

    try:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(jobs, len(chunks)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(units, workspace, resolver, options),
        ) as executor:
            for number, chunk_results in enumerate(executor.map(_work, chunks)):
                take(number, chunk_results)
        return True
    except concurrent.futures.process.BrokenProcessPool:
        return False


def process_all(
    units: Sequence[Unit],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
    files: int = 0,
) -> list[UnitResult]:
    """Check every unit: in this process for small runs, in worker processes for large ones
    (by files, not units: one NGINX unit can stand for hundreds of included files)."""
    jobs = options.jobs if options.jobs and options.jobs > 0 else (os.cpu_count() or 1)
    large = max(len(units), files) >= PARALLEL_THRESHOLD
    chunks: list[list[int]] = []
    if jobs > 1 and large and options.stdin_filename is None:
        from linter import pool  # (only large runs need it)

        late = frozenset(
            kind
            for kind in {unit.kind for unit in units}
            if getattr(kinds.handler(kind), "reads_prepared", False)
        )
        chunks = pool.chunks(units, jobs, late)
    if len(chunks) > 1:
        from linter import preparation

        # Settings of every folder now, once: the workers inherit the filled cache instead of
        # each looking up and reading the same config files again. Likewise the handlers and
        # rules of the kinds present: imported once here, not once per worker.
        for unit in units:
            resolver.for_path(unit.path)
        writes = options.fix or options.diff or options.add_ignore is not None
        present = sorted({unit.kind for unit in units})
        for kind in present:
            kinds.handler(kind)
            registry.rules_for_kind(kind)
        registry.rules_for_kind(registry.ENGINE_KIND)
        preparation.start(present, workspace, writes)
        results: list[UnitResult | None] = [None] * len(units)
        done = 0

        def take(
            number: int, chunk_results: Sequence[UnitResult | None], report: bool = True
        ) -> None:
            nonlocal done
            chunk = chunks[number]
            for index, unit_result in zip(chunk, chunk_results, strict=True):
                results[index] = unit_result or UnitResult([], checked=False)
            done += len(chunk)
            if report and options.progress is not None:
                options.progress(done, len(units))

        # What exists now is shared with the workers: kept out of the collector's sight, so
        # that a collection in a worker does not copy the pages it lies in (copy-on-write).
        # Garbage first (what the preparing left in cycles): frozen, it would never go.
        gc.collect()
        gc.freeze()
        try:
            if pool.available():
                import pickle

                state = (units, workspace, resolver, options)  # inherited by the fork
                # Results stay pickled here until the workers have ended: unpickled as they
                # came, the findings took 17 MB of this process while the workers were at
                # their largest (the benchmark's whole corpus; 6 MB pickled).
                packed: dict[int, bytes] = {}
                arrived_units = 0

                def arrived(number: int, data: bytes) -> None:
                    nonlocal arrived_units
                    packed[number] = data
                    arrived_units += len(chunks[number])
                    if options.progress is not None:
                        options.progress(arrived_units, len(units))

                finished = pool.run(
                    len(chunks),
                    lambda number: pickle.dumps(
                        _work(chunks[number], state), pickle.HIGHEST_PROTOCOL
                    ),
                    jobs,
                    arrived,
                )
                for number in sorted(packed):
                    take(number, pickle.loads(packed.pop(number)), report=False)
                # A worker that died left its chunk undone: done here.
                for number, chunk in enumerate(chunks):
                    if number not in finished:
                        picked = [units[index] for index in chunk]
                        take(number, list(_in_turn(picked, workspace, resolver, options)))
                return [r for r in results if r is not None]
            if _spawned_pool(units, workspace, resolver, options, chunks, jobs, take):
                return [r for r in results if r is not None]
        except OSError:
            pass  # no processes here: do it all in this process instead
        except BaseException:
            preparation.abandon()
            raise
        finally:
            gc.unfreeze()
            preparation.finish(workspace)
    serial = []
    for unit_result in _in_turn(units, workspace, resolver, options):
        serial.append(unit_result)
        if options.progress is not None:
            options.progress(len(serial), len(units))
    return serial
