"""Every output format reports the same findings: each is parsed back and compared with the
json format's, on one project with special characters in its paths and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_support import (
    GITLAB_SEVERITY,
    LABEL,
    WEIRD_PATH,
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


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    make_project(tmp_path)
    return tmp_path


def expected_rows() -> list[tuple[str, str, int, int, int, int, str, str]]:
    label_message = f"label {LABEL} is shown as-is,\nsee: 100%"
    return [
        ("TOY002", WEIRD_PATH, 1, 1, 1, 1, "warning", "no cap"),
        ("TOY001", WEIRD_PATH, 1, 11, 1, 12, "warning", "timeout 1 is below 10"),
        ("TOY003", WEIRD_PATH, 2, 9, 2, 9 + len(LABEL), "error", label_message),
        ("TOY004", WEIRD_PATH, 3, 8, 4, 9, "info", "span reaches the next entry"),
        ("TOY001", "plain.toy", 2, 11, 2, 12, "warning", "timeout 3 is below 10"),
    ]


def sort(rows):  # type: ignore[no-untyped-def]
    return sorted(rows, key=lambda row: (row[1], row[2], row[3], row[0]))


def test_json_is_the_reference_and_is_right(project: Path) -> None:
    result = run_format("json")
    assert result.exit_code == 1
    assert sort(json_rows(result.stdout)) == sort(expected_rows())


def test_json_lines_holds_the_json_objects_one_per_line(project: Path) -> None:
    import json

    array = json.loads(run_format("json").stdout)
    lines = run_format("json-lines").stdout.splitlines()
    assert [json.loads(line) for line in lines] == array
    assert json_lines_rows("\n".join(lines)) == json_rows(run_format("json").stdout)


def test_sarif_reports_the_same_findings(project: Path) -> None:
    assert sarif_rows(run_format("sarif").stdout) == json_rows(run_format("json").stdout)


def test_github_reports_the_same_findings_columns_only_on_one_line_ranges(project: Path) -> None:
    reference = json_rows(run_format("json").stdout)
    expected = [
        (
            code,
            path,
            line,
            column if end_line == line else 0,
            end_line,
            end_column if end_line == line else 0,
            sev,
            msg,
        )
        for code, path, line, column, end_line, end_column, sev, msg in reference
    ]
    assert github_rows(run_format("github").stdout) == expected


def test_concise_reports_the_same_findings_one_line_each(project: Path) -> None:
    reference = json_rows(run_format("json").stdout)
    rows = concise_rows(run_format("concise", "-q").stdout)
    assert rows == [
        (code, path, line, column, msg.replace("\n", "\\n"))
        for code, path, line, column, _, _, _, msg in reference
    ]


def test_gitlab_reports_the_same_findings(project: Path) -> None:
    reference = json_rows(run_format("json").stdout)
    issues = gitlab_issues(run_format("gitlab").stdout)
    rows = [
        (
            issue["check_name"],
            issue["location"]["path"],
            issue["location"]["lines"]["begin"],
            issue["location"]["lines"]["end"],
            GITLAB_SEVERITY[issue["severity"]],
            issue["description"],
        )
        for issue in issues
    ]
    assert rows == [
        (code, path, line, end_line, sev, f"{code} {msg}")
        for code, path, line, _, end_line, _, sev, msg in reference
    ]


def test_junit_reports_the_same_findings(project: Path) -> None:
    reference = json_rows(run_format("json").stdout)
    _, cases = junit_cases(run_format("junit").stdout)
    rows = []
    for case in cases:
        outcome = case.find("failure")
        body = outcome.text if outcome is not None else case.findtext("system-out")
        assert body is not None
        code = body.split(": ", 1)[1].split(" ", 1)[0]
        message = outcome.get("message") if outcome is not None else body.split(f": {code} ", 1)[1]
        rows.append((code, case.get("file"), int(case.get("line", "0")), message))
    assert rows == [(code, path, line, msg) for code, path, line, _, _, _, _, msg in reference]


def test_full_shows_every_finding_with_its_header(project: Path) -> None:
    output = run_format("full").stdout
    for code, path, line, column, *_ in json_rows(run_format("json").stdout):
        assert f"{path}:{line}:{column}: {code}" in output


def test_every_format_is_covered_here() -> None:
    assert set(FORMATS) == {
        "full",
        "concise",
        "json",
        "json-lines",
        "sarif",
        "github",
        "gitlab",
        "junit",
    }


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["sarif", "full"])
def test_reports_after_fix_describe_the_files_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, fmt: str
) -> None:
    from linter.parallel import PARALLEL_THRESHOLD

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    for number in range(PARALLEL_THRESHOLD + 1):
        (tmp_path / f"f{number:03}.toy").write_text("timeout = 1\nlabel = x\n")
    fixed = run_format(fmt, "--fix", "-j", jobs, ".").stdout
    assert (tmp_path / "f000.toy").read_text() == "timeout = 10\nlabel = x\n"
    # The same report as a fresh check of the written files (excerpts, fingerprints).
    fresh = run_format(fmt, "-j", "1", ".").stdout
    if fmt == "full":  # "Found 130 ..." follows a check's findings; --fix says "Fixed 65,
        # 130 remaining." on stderr, where --diff says what it would fix
        fresh = fresh.rsplit("\n\n", 1)[0] + "\n"
    assert fixed == fresh
