"""The forked workers of large runs (linter.pool): every item done once, in whatever order,
whatever the number of items; a worker that dies costs only the item it was doing; nothing the
parent had buffered is written twice."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from linter import parallel as checking
from linter import pool, runner

pytestmark = pytest.mark.skipif(not pool.available(), reason="this system cannot fork")


def _collect(count: int, work, workers: int = 2):  # type: ignore[no-untyped-def]
    seen: dict[int, object] = {}

    def take(index: int, result: object) -> None:
        assert index not in seen, f"item {index} came back twice"
        seen[index] = result

    finished = pool.run(count, work, workers, take)
    return finished, seen


def test_every_item_is_done_once_by_the_workers() -> None:
    parent = os.getpid()
    finished, seen = _collect(200, lambda index: (index * 3, os.getpid()))
    assert finished == set(range(200))
    assert {index: value for index, (value, _) in seen.items()} == {i: i * 3 for i in range(200)}
    pids = {pid for _, pid in seen.values()}
    assert parent not in pids and 1 <= len(pids) <= 2  # done in (at most two) workers


def test_more_item_numbers_than_a_pipe_holds() -> None:
    # 40,000 numbers are 160 KB: more than a pipe buffer (64 KiB), handed out as it drains.
    finished, seen = _collect(40_000, lambda index: index % 7)
    assert finished == set(range(40_000))
    assert all(seen[index] == index % 7 for index in range(40_000))


def test_large_results_arrive_whole() -> None:
    finished, seen = _collect(6, lambda index: bytes([index]) * 300_000)
    assert finished == set(range(6))
    assert all(seen[index] == bytes([index]) * 300_000 for index in range(6))


def test_a_worker_that_dies_leaves_only_its_item_undone() -> None:
    def work(index: int) -> int:
        if index == 5:
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        return index

    finished, seen = _collect(50, work)
    assert finished == set(range(50)) - {5}
    assert set(seen) == finished


def test_an_error_in_a_worker_leaves_only_its_item_undone() -> None:
    def work(index: int) -> object:
        if index == 7:
            return lambda: None  # cannot be pickled: the worker ends
        return index

    finished, _ = _collect(30, work)
    assert finished == set(range(30)) - {7}


def test_output_buffered_before_the_fork_is_written_once(capfd: pytest.CaptureFixture[str]) -> None:
    sys.stdout.write("said once")  # no newline: still in the buffer when the workers fork
    _collect(20, lambda index: index)
    sys.stdout.flush()
    assert capfd.readouterr().out == "said once"


STREAM = (
    "import openai\nc = openai.OpenAI()\n"
    "for x in c.chat.completions.create(model='m', messages=[], stream=True):\n"
    "    print(x)\n"
)


def _run(folder: Path, jobs: int) -> runner.RunResult:
    from linter.config import SettingsResolver

    return runner.run(
        [str(folder)], SettingsResolver(cwd=str(folder)), runner.RunOptions(jobs=jobs)
    )


def _streaming_files(folder: Path, count: int) -> runner.RunResult:
    """``count`` files with one unguarded stream loop each, and their serial run."""
    for number in range(count):
        (folder / f"m{number:03}.py").write_text(STREAM)
    serial = _run(folder, jobs=1)
    assert serial.files_checked == count and len(serial.findings) >= count
    return serial


def _found(result: runner.RunResult) -> list[tuple[str, str, int]]:
    return [(f.path, f.code, f.line) for f in result.findings]


def test_the_run_does_what_a_dead_worker_left_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _streaming_files(tmp_path, checking.PARALLEL_THRESHOLD + 20)
    real_work = checking._work
    parent = os.getpid()

    def dying(indices, state=None):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and 0 in indices:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_work(indices, state)

    monkeypatch.setattr(checking, "_work", dying)
    parallel = _run(tmp_path, jobs=2)
    assert parallel.files_checked == serial.files_checked
    assert _found(parallel) == _found(serial)


def test_where_processes_cannot_fork_a_spawned_pool_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _streaming_files(tmp_path, checking.PARALLEL_THRESHOLD + 4)
    monkeypatch.setattr(pool, "available", lambda: False)  # as on Windows
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    pools: list[bool] = []
    real_pool = checking._spawned_pool

    def spawned_pool(*args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(real_pool(*args, **kwargs))
        return pools[-1]

    monkeypatch.setattr(checking, "_spawned_pool", spawned_pool)
    spawned = _run(tmp_path, jobs=2)
    assert pools == [True]  # the started workers did the work (no serial fallback)
    assert forks == []  # started, not forked
    assert spawned.files_checked == serial.files_checked
    assert _found(spawned) == _found(serial)
