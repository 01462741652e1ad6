"""Worker processes across files for large runs, none for small ones, and never a process per
file: a pool of at most --jobs workers, each handed chunks of units."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
from pathlib import Path

import pytest

from linter import pool, preparation, runner
from linter.parallel import PARALLEL_THRESHOLD

LOCATION = (
    "server {{\n"
    "    listen {port};\n"
    "    location /v1/chat/completions {{\n"
    "        proxy_pass http://127.0.0.1:4000;\n"
    "    }}\n"
    "}}\n"
)


def _sites(folder: Path, count: int) -> None:
    (folder / "conf.d").mkdir()
    for number in range(count):
        (folder / "conf.d" / f"s{number:03}.conf").write_text(LOCATION.format(port=8000 + number))


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    """Every pool created (its max_workers), process forked and program started."""
    seen: dict[str, list[object]] = {"pools": [], "forks": [], "programs": []}
    real_pool, real_fork, real_popen = (
        concurrent.futures.ProcessPoolExecutor,
        os.fork,
        subprocess.Popen,
    )

    def pool(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["pools"].append(kwargs.get("max_workers"))
        return real_pool(*args, **kwargs)

    def fork() -> int:
        pid = real_fork()
        if pid:
            seen["forks"].append(pid)
        return pid

    def popen(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen["programs"].append(args[0] if args else kwargs.get("args"))
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(subprocess, "Popen", popen)
    return seen


def _found(result: runner.RunResult) -> list[tuple[str, str, int]]:
    return [(os.path.basename(f.path), f.code, f.line) for f in result.findings]


def test_a_small_run_starts_no_process(tmp_path: Path, processes: dict[str, list[object]]) -> None:
    _sites(tmp_path, 5)
    result = runner.run(
        [str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=2)
    )  # jobs asked for, but five files are not worth a pool
    assert len(_found(result)) == 10  # NGX001 and NGX002 on each
    assert processes == {"pools": [], "forks": [], "programs": []}


def test_a_large_run_uses_one_pool_of_jobs_workers_not_a_process_per_file(
    tmp_path: Path, processes: dict[str, list[object]]
) -> None:
    count = PARALLEL_THRESHOLD + 36
    _sites(tmp_path, count)
    parallel = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=2))
    # Two forked workers, whatever the number of files (concurrent.futures is for systems
    # that cannot fork).
    assert processes == {"pools": [], "forks": processes["forks"], "programs": []}
    assert len(processes["forks"]) == 2
    serial = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=1))
    assert len(_found(parallel)) == 2 * count
    assert _found(parallel) == _found(serial)


def test_jobs_1_never_starts_a_pool(tmp_path: Path, processes: dict[str, list[object]]) -> None:
    _sites(tmp_path, PARALLEL_THRESHOLD + 4)
    runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=1))
    assert processes == {"pools": [], "forks": [], "programs": []}


def _resolver(folder: Path):  # type: ignore[no-untyped-def]
    from linter.config import SettingsResolver

    return SettingsResolver(cwd=str(folder))


def test_chunks_put_groups_first_and_thin_so_no_worker_is_left_with_the_costly_tail() -> None:
    """A group is a main file and what it includes: packed 32 to an item after the single files
    (as before), 24 NGINX groups made the last item, and one worker ran it alone for 0.7 s."""
    from linter.document import Unit

    units = [Unit("python", f"/r/p{number}.py", unclaimed=True) for number in range(500)]
    units += [Unit("nginx", f"/r/n{number}.conf", group=f"g{number}") for number in range(24)]
    units += [Unit("nginx", f"/r/s{number}.conf", group="shared") for number in range(3)]
    chunks = pool.chunks(units, jobs=2)

    assert sorted(index for chunk in chunks for index in chunk) == list(range(len(units)))
    grouped = [chunk for chunk in chunks if any(units[i].group for i in chunk)]
    # Groups come before any single file, and no item holds more than 32 // 8 = 4 of them...
    assert chunks[: len(grouped)] == grouped
    assert all(len({units[i].group for i in chunk}) <= 4 for chunk in grouped)
    # ...while the units of one group are never split (they share files that a fix may write).
    shared = [chunk for chunk in chunks if any(units[i].group == "shared" for i in chunk)]
    assert len(shared) == 1 and chunks[0] == shared[0]
    assert all(not units[i].group for chunk in chunks[len(grouped) :] for i in chunk)
    assert max(len(chunk) for chunk in chunks) == 32


def test_chunks_that_read_the_prepared_results_come_last() -> None:
    """Units of a kind that reads what the preparing process makes (linter.preparation) come
    after all others, thin as before, so the workers start on the rest while it runs; a unit
    still to be sniffed (unclaimed) does not count."""
    from linter.document import Unit

    units = [Unit("python", f"/r/p{number}.py", unclaimed=True) for number in range(300)]
    units += [Unit("server", f"/r/p{number}.py", unclaimed=True) for number in range(300)]
    units += [Unit("nginx", f"/r/n{number}.conf", group=f"g{number}") for number in range(12)]
    units += [Unit("server", f"/r/d{number}/Dockerfile") for number in range(40)]
    chunks = pool.chunks(units, jobs=2, late=frozenset({"nginx", "server"}))

    assert sorted(index for chunk in chunks for index in chunk) == list(range(len(units)))
    late = [any(units[i].kind != "python" and not units[i].unclaimed for i in c) for c in chunks]
    assert late == sorted(late) and 0 < late.count(True) < len(chunks)
    assert all(
        len({units[i].group for i in c}) <= 4
        for c, is_late in zip(chunks, late, strict=True)
        if is_late
    )
    assert pool.chunks(units, jobs=2) != chunks  # (without it, groups first as before)


def test_grouped_units_still_to_be_sniffed_come_last_too() -> None:
    """An NGINX file on its own whose content decides (unclaimed, in a group of its own) is
    NGINX most of the time and then reads the prepared results: first, such items kept both
    workers of the benchmark's whole-corpus run waiting for the preparing process."""
    from linter.document import Unit

    units = [Unit("python", f"/r/p{number}.py", unclaimed=True) for number in range(300)]
    units += [Unit("server", f"/r/p{number}.py", unclaimed=True) for number in range(300)]
    units += [
        Unit("nginx", f"/r/d{number}/nginx/static.conf", group=f"g{number}", unclaimed=True)
        for number in range(12)
    ]
    chunks = pool.chunks(units, jobs=2, late=frozenset({"nginx", "server"}))

    assert sorted(index for chunk in chunks for index in chunk) == list(range(len(units)))
    late = [any(units[i].kind == "nginx" for i in c) for c in chunks]
    assert late == sorted(late) and 0 < late.count(True) < len(chunks)
    # (Without the late kinds, as groups, they would come first.)
    assert any(units[i].kind == "nginx" for i in pool.chunks(units, jobs=2)[0])


COMPOSE = (
    "services:\n"
    "  api:\n"
    "    build: .\n"
    "    command: uvicorn main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 30\n"
)
UPSTREAM = (
    "events {}\n"
    "http {\n"
    "    upstream backend {\n"
    "        server api:8000;\n"
    "        keepalive 16;\n"
    "        keepalive_timeout 45s;\n"
    "    }\n"
    "    server {\n"
    "        listen 80;\n"
    "        location /v1/ {\n"
    "            proxy_pass http://backend;\n"
    "            proxy_http_version 1.1;\n"
    '            proxy_set_header Connection "";\n'
    "        }\n"
    "    }\n"
    "}\n"
)


def _launched_behind_nginx(folder: Path) -> None:
    """An app server launched by compose behind an NGINX upstream that outlives its keep-alive
    (NGX007 needs the launches, worked out before the workers start), and enough sites for
    a pool."""
    _sites(folder, PARALLEL_THRESHOLD + 4)
    (folder / "docker-compose.yml").write_text(COMPOSE)
    (folder / "nginx.conf").write_text(UPSTREAM)


def test_the_work_every_worker_shares_is_prepared_in_one_short_lived_process(
    tmp_path: Path, processes: dict[str, list[object]]
) -> None:
    _launched_behind_nginx(tmp_path)
    parallel = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=2))
    # The two workers and the one that prepared; what it worked out came back to this process,
    # taken when a pass after the workers asks for it (none did here).
    assert len(processes["forks"]) == 3
    assert parallel.workspace is not None
    assert not any(
        isinstance(key, tuple) and key[:2] == ("server", "nginx-upstreams")
        for key in parallel.workspace.memo
    )
    preparation.await_prepared(parallel.workspace)
    upstreams = [
        value
        for key, value in parallel.workspace.memo.items()
        if isinstance(key, tuple) and key[:2] == ("server", "nginx-upstreams")
    ]
    assert [
        [(address, proxy.upstream, proxy.seconds) for address, proxy, _ in found]
        for found in upstreams
    ] == [[(("api", "8000"), "backend", 45.0)]]
    serial = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=1))
    assert ("nginx.conf", "NGX007", 6) in _found(parallel)
    assert _found(parallel) == _found(serial)


def test_a_preparing_process_that_fails_leaves_the_work_to_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _launched_behind_nginx(tmp_path)
    here = os.getpid()
    real = preparation.prepare_here

    def prepare_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != here:
            raise RuntimeError("the preparing process fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(preparation, "prepare_here", prepare_here)
    parallel = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=2))
    serial = runner.run([str(tmp_path)], _resolver(tmp_path), runner.RunOptions(jobs=1))
    assert ("nginx.conf", "NGX007", 6) in _found(parallel)
    assert _found(parallel) == _found(serial)


@pytest.mark.parametrize(("child", "keeps_reads"), [(True, False), (True, True), (False, False)])
def test_the_upstreams_are_taken_without_keeping_the_configs_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: bool, keeps_reads: bool
) -> None:
    """The preparing process sends back only what it adds to the memo, and a run that writes
    nothing forgets what it read for a unit once the unit is done: the upstreams taken from the
    NGINX configs are the same, and their files and trees are not kept meanwhile (kept, they
    raised the peak memory of the benchmark's two-worker run above its limit, and that of its
    one-process run by 33 MB). A run that writes keeps them."""
    from linter.discovery import discover
    from linter.server.front import nginx_upstreams
    from linter.workspace import Workspace

    _launched_behind_nginx(tmp_path)
    candidates, _ = discover([str(tmp_path)], str(tmp_path), _resolver(tmp_path))
    found = {}
    kept = {}
    for keeping in (True, False):
        monkeypatch.setattr(preparation, "_in_child", child and not keeping)
        workspace = Workspace(root=str(tmp_path), cwd=str(tmp_path))
        workspace.keeps_reads = keeping or keeps_reads
        workspace.discovered = {
            "nginx": [c.path for c in candidates if c.path.endswith(".conf")],
            "server": [str(tmp_path / "docker-compose.yml")],
        }
        found[keeping] = [
            (address, proxy.upstream, proxy.seconds)
            for address, proxy, _ in nginx_upstreams(workspace)
        ]
        kept[keeping] = len(workspace.trees)
    assert found[True] == found[False] and (("api", "8000"), "backend", 45.0) in found[True]
    assert kept[True] > 1 and kept[False] <= 1  # (the last group's, at most)
