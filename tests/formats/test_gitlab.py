"""GitLab Code Quality report: parsed back, with stable and unique fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_support import WEIRD_PATH, gitlab_issues, make_project, run_format

pytestmark = pytest.mark.usefixtures("toy_kind")

REQUIRED = ("description", "check_name", "fingerprint", "severity", "location")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_issues_have_the_fields_gitlab_requires(here: Path) -> None:
    make_project(here)
    issues = gitlab_issues(run_format("gitlab").stdout)
    assert len(issues) == 5
    for issue in issues:
        assert all(issue[key] for key in REQUIRED), issue
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert not issue["location"]["path"].startswith(("/", "./"))
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    toy003 = next(issue for issue in issues if issue["check_name"] == "TOY003")
    assert toy003["description"] == 'TOY003 label <a&b> "q" é% 50, x:y is shown as-is,\nsee: 100%'
    assert toy003["location"] == {"path": WEIRD_PATH, "lines": {"begin": 2, "end": 2}}


def test_severity_mapping(here: Path) -> None:
    make_project(here)
    (here / "bad.toy").write_text("!!\n")
    result = run_format("gitlab")
    assert result.exit_code == 2
    severities = {(i["check_name"], i["severity"]) for i in gitlab_issues(result.stdout)}
    assert severities == {
        ("TOY000", "blocker"),  # the file could not be parsed
        ("TOY001", "major"),  # warning
        ("TOY002", "major"),
        ("TOY003", "critical"),  # error
        ("TOY004", "info"),
    }


def fingerprints(here: Path) -> list[tuple[str, str]]:
    return [
        (i["check_name"], i["fingerprint"])
        for i in gitlab_issues(run_format("gitlab", "a.toy").stdout)
    ]


def test_fingerprints_are_stable_when_lines_move_and_unique_for_twins(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("cap = 1\ntimeout = 1\ntimeout = 1\n")
    before = fingerprints(here)
    assert len(before) == 2 and before[0][1] != before[1][1]
    path.write_text("# new\nother = 2\ncap = 1\ntimeout = 1\ntimeout = 1\n")
    assert fingerprints(here) == before
    path.write_text("cap = 1\ntimeout = 2\ntimeout = 1\n")
    changed = fingerprints(here)
    assert changed[0] != before[0], "a changed line is a new finding"


def test_same_line_in_another_file_is_another_finding(here: Path) -> None:
    (here / "a.toy").write_text("cap = 1\ntimeout = 1\n")
    (here / "b.toy").write_text("cap = 1\ntimeout = 1\n")
    issues = gitlab_issues(run_format("gitlab").stdout)
    assert len({i["fingerprint"] for i in issues}) == 2


def test_clean_run_is_an_empty_array(here: Path) -> None:
    (here / "a.toy").write_text("cap = 1\n")
    result = run_format("gitlab")
    assert (result.exit_code, gitlab_issues(result.stdout)) == (0, [])
