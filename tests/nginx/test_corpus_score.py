"""The labelled corpus (../shared/corpus) scored by its own tool, ../shared/tools/corpus-score,
with this checkout's streamproof: every NGX rule with labels keeps a precision of at least 0.9,
and no corpus file makes streamproof crash or exit 2.

NGX006 has no labels in the corpus (its labels only judge streaming routes; the rule looks at
every route), so its findings there are not scored as a precision here: see the issue note.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from helpers import SHARED, in_ci

TOOL = SHARED / "tools" / "corpus-score"
ROW = re.compile(
    r"^(?P<rule>NGX\d{3})\s+(?P<tp>\d+)\s+(?P<fp>\d+)\s+(?P<fn>\d+)\s+(?P<precision>\S+)", re.M
)


def test_nginx_corpus_precision_and_no_failures() -> None:
    if not TOOL.is_file():
        if in_ci():
            pytest.fail(f"{TOOL} is missing: CI has ../shared beside the checkout")
        pytest.skip(f"{TOOL} not found")
    command = shlex.join([sys.executable, "-m", "linter"])
    run = subprocess.run(
        [sys.executable, str(TOOL), "--kind", "nginx", "--cmd", command],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr
    summary = re.search(r"files scored: (\d+), errors: (\d+)", run.stdout)
    assert summary is not None, run.stdout
    assert int(summary.group(1)) >= 20 and int(summary.group(2)) == 0, run.stdout
    labelled = 0
    for row in ROW.finditer(run.stdout):
        tp, fp, fn = int(row["tp"]), int(row["fp"]), int(row["fn"])
        if tp + fn == 0:
            continue  # no labels for this rule
        labelled += 1
        assert tp / (tp + fp) >= 0.9, f"{row['rule']} precision below 0.9:\n{run.stdout}"
    assert labelled >= 4, run.stdout
