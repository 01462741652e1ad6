"""The summary counts exactly the findings printed, by severity (errors and warnings are
problems, `info` findings notes), and every format reports the same numbers."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from formats_support import (
    GITLAB_SEVERITY,
    concise_rows,
    github_rows,
    gitlab_issues,
    json_lines_rows,
    json_rows,
    junit_cases,
    make_project,
    run_format,
    sarif_rows,
)

from linter.reporters import FORMATS

pytestmark = pytest.mark.usefixtures("toy_kind")

# The toy project: TOY002 (warning, unsafe fix), TOY001 twice (warning, safe fix), TOY003
# (error), TOY004 (info): four problems and one note.
PROBLEMS, NOTES = 4, 1


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    make_project(tmp_path)
    return tmp_path


def by_severity(severities: list[str]) -> tuple[int, int]:
    counts = Counter("note" if s == "info" else "problem" for s in severities)
    return counts["problem"], counts["note"]


def counted(fmt: str, text: str) -> tuple[int, int]:
    """(problems, notes) as the output of ``fmt`` reports them."""
    if fmt in ("full", "concise"):
        summary = re.search(r"^Found (\d+) problems? and (\d+) notes?\b", text, re.M)
        assert summary, text
        return int(summary[1]), int(summary[2])
    if fmt == "gitlab":
        return by_severity([GITLAB_SEVERITY[i["severity"]] for i in gitlab_issues(text)])
    if fmt == "junit":
        suite, cases = junit_cases(text)
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        assert failed == sum(
            1 for c in cases if c.find("failure") is not None or c.find("error") is not None
        )
        return failed, len(cases) - failed
    parse = {"json": json_rows, "json-lines": json_lines_rows, "sarif": sarif_rows}
    rows = parse.get(fmt, github_rows)(text)
    return by_severity([row[6] for row in rows])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_reports_the_same_problems_and_notes(project: Path, fmt: str) -> None:
    assert counted(fmt, run_format(fmt).stdout) == (PROBLEMS, NOTES)


def test_the_summary_counts_every_line_printed(project: Path) -> None:
    out = run_format("concise").stdout
    *lines, summary = out.splitlines()
    assert len(concise_rows("\n".join(lines))) == PROBLEMS + NOTES
    assert summary == (
        "Found 4 problems and 1 note (2 fixable with --fix; 1 more with --unsafe-fixes)."
    )
    # `[*]` is shown on exactly the findings the summary counts as fixable.
    assert sum("[*]" in line for line in lines) == 2
    unsafe = run_format("concise", "--unsafe-fixes").stdout
    assert unsafe.splitlines()[-1] == "Found 4 problems and 1 note (3 fixable with --fix)."
    assert sum("[*]" in line for line in unsafe.splitlines()[:-1]) == 3


def test_statistics_lines_add_up_to_the_summary_and_say_which_are_notes(project: Path) -> None:
    out = run_format("full", "--statistics").stdout
    *lines, summary = out.splitlines()
    counts = {line.split()[1]: int(line.split()[0]) for line in lines}
    assert counts == {"TOY001": 2, "TOY002": 1, "TOY003": 1, "TOY004": 1}
    assert sum(counts.values()) == PROBLEMS + NOTES
    assert [line for line in lines if line.endswith("(note)")] == [
        "    1  TOY004      toy-span (note)"
    ]
    assert summary.startswith("Found 4 problems and 1 note ")


def test_one_hidden_fix_alone_is_fixable_with_unsafe_fixes(project: Path) -> None:
    """Not "(1 more with --unsafe-fixes)" when the one problem is that fixable one."""
    (project / "only.toy").write_text("timeout = 20\n")
    out = run_format("concise", "only.toy").stdout
    assert out.splitlines() == [
        "only.toy:1:1: TOY002 no cap",
        "Found 1 problem (1 fixable with --unsafe-fixes).",
    ]


def test_notes_alone_are_counted_and_exit_zero(project: Path) -> None:
    (project / "notes.toy").write_text("span = 1\nnext = 2\ncap = 1\n")
    result = run_format("concise", "notes.toy")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Found 1 note."
