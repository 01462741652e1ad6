"""The benchmark's verdicts say what was measured: a ratio just under its limit is not shown as
the limit itself (the README quotes these lines)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("streamproof_bench", HERE / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_a_ratio_that_two_decimals_would_round_onto_its_limit_gets_a_third() -> None:
    bench = _bench()
    assert bench.shown(1.5989, 1.6) == "1.599"
    assert bench.shown(1.6, 1.6) == "1.60"
    assert bench.shown(1.62, 1.6) == "1.62"
    assert bench.shown(2.004, 2.0) == "2.004"


def test_two_workers_just_under_the_target_fail_and_say_so() -> None:
    bench = _bench()

    def command(tool: str, wall: float) -> object:
        found = bench.Command(tool=tool, argv=[], files=5300, cwd=".", env={})
        found.samples.append(bench.Sample(wall=wall, cpu=wall, maxrss_mb=50.0, returncode=1))
        return found

    groups = [
        bench.Group(
            "all",
            "whole corpus",
            [command("streamproof -j 1", 3.2278), command("streamproof -j 2", 2.0188)],
        )
    ]
    verdicts = {target.name: target for target in bench.evaluate(groups)}
    workers = verdicts["2 workers: >= 1.6x faster than 1"]
    assert (workers.measured, workers.verdict) == ("1.599x", "FAIL")
    assert verdicts["one NGINX file: < 150 ms"].verdict == "n/a"
