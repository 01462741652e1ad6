"""The labelled corpus (../shared/corpus) scored by its own tool, ../shared/tools/corpus-score,
with this checkout's streamproof: every NGX rule with labels keeps a precision of at least 0.9,
and no corpus file makes streamproof crash or exit 2.

A CI step, not a test: the corpus lives beside the checkout and may not be copied into the
repository, and nothing in tests/ reads outside it. Usage: python .ci/corpus_score.py SHARED

NGX006 has no labels in the corpus (its labels only judge streaming routes; the rule looks at
every route), so its findings there are not scored as a precision here.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROW = re.compile(
    r"^(?P<rule>NGX\d{3})\s+(?P<tp>\d+)\s+(?P<fp>\d+)\s+(?P<fn>\d+)\s+(?P<precision>\S+)", re.M
)
MIN_PRECISION = 0.9


def main(shared: Path) -> int:
    tool = shared / "tools" / "corpus-score"
    command = shlex.join([sys.executable, "-m", "linter"])
    run = subprocess.run(
        [sys.executable, str(tool), "--kind", "nginx", "--cmd", command],
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(run.stdout, end="")
    problems = []
    if run.returncode not in (0, 1):
        problems.append(f"corpus-score exited {run.returncode}:\n{run.stderr}")
    summary = re.search(r"files scored: (\d+), errors: (\d+)", run.stdout)
    if summary is None:
        problems.append("no 'files scored' line in corpus-score's output")
    elif int(summary.group(1)) < 20 or int(summary.group(2)) != 0:
        problems.append(f"{summary.group(0)}: at least 20 files and no errors expected")
    labelled = 0
    for row in ROW.finditer(run.stdout):
        tp, fp, fn = int(row["tp"]), int(row["fp"]), int(row["fn"])
        if tp + fn == 0:
            continue  # no labels for this rule
        labelled += 1
        if tp + fp and tp / (tp + fp) < MIN_PRECISION:  # no findings: no precision to judge
            problems.append(f"{row['rule']} precision {tp / (tp + fp):.2f} below {MIN_PRECISION}")
    if labelled < 4:
        problems.append(f"only {labelled} NGX rules with labels were scored (at least 4 expected)")
    for problem in problems:
        print(f"corpus: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
