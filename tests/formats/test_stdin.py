"""--stdin-filename: every format reports the content read from stdin under the given name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_support import (
    concise_rows,
    github_rows,
    gitlab_issues,
    json_lines_rows,
    json_rows,
    junit_cases,
    run_format,
    sarif_rows,
)

from linter.reporters import FORMATS

pytestmark = pytest.mark.usefixtures("toy_kind")

CONTENT = "cap = 1\ntimeout = 1\nlabel = <é>\n"
NAME = "sub/x.toy"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def stdin_run(fmt: str, *args: str, content: str = CONTENT, name: str = NAME):  # type: ignore[no-untyped-def]
    return run_format(fmt, "--stdin-filename", name, *args, input=content.encode("utf-8"))


def places(fmt: str, text: str) -> list[tuple[str, str, int]]:
    """(code, path, line) of each finding, read back from the format."""
    if fmt == "json":
        return [(r[0], r[1], r[2]) for r in json_rows(text)]
    if fmt == "json-lines":
        return [(r[0], r[1], r[2]) for r in json_lines_rows(text)]
    if fmt == "sarif":
        return [(r[0], r[1], r[2]) for r in sarif_rows(text)]
    if fmt == "github":
        return [(r[0], r[1], r[2]) for r in github_rows(text)]
    if fmt == "concise":
        findings = [line for line in text.splitlines() if not line.startswith("Found ")]
        return [(r[0], r[1], r[2]) for r in concise_rows("\n".join(findings))]
    if fmt == "gitlab":
        return [
            (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in gitlab_issues(text)
        ]
    if fmt == "junit":
        _, cases = junit_cases(text)
        return [(c.find("failure").get("type"), c.get("file"), int(c.get("line"))) for c in cases]  # type: ignore[union-attr,arg-type]
    assert fmt == "full"
    return [
        (line.split(": ")[1].split()[0], line.split(":")[0], int(line.split(":")[1]))
        for line in text.splitlines()
        if line.startswith(NAME)
    ]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_reports_stdin_under_the_given_name(here: Path, fmt: str) -> None:
    result = stdin_run(fmt)
    assert result.exit_code == 1
    assert places(fmt, result.stdout) == [("TOY001", NAME, 2), ("TOY003", NAME, 3)]
    assert not (here / "sub").exists()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_stdin_reports_as_the_file_on_disk_would(here: Path, fmt: str) -> None:
    from_stdin = stdin_run(fmt).stdout
    (here / "sub").mkdir()
    (here / NAME).write_text(CONTENT)
    # The same content on disk, checked by path: the same report (fingerprints included).
    assert run_format(fmt, NAME).stdout == from_stdin
    # And with the folder present, stdin still wins over the file's content.
    (here / NAME).write_text("cap = 1\n")
    assert stdin_run(fmt).stdout == from_stdin


def test_stdin_sarif_fingerprints_come_from_the_stdin_text(here: Path) -> None:
    log = json.loads(stdin_run("sarif").stdout)
    other = json.loads(stdin_run("sarif", content="cap = 1\n\ntimeout = 1\nlabel = <é>\n").stdout)
    hashes = [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]
    ]
    moved = [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in other["runs"][0]["results"]
    ]
    assert hashes == moved and all(not h.startswith("e3b0c44298fc1c14") for h in hashes)


def test_clean_stdin_is_quiet_or_an_empty_report(here: Path) -> None:
    assert stdin_run("concise", content="cap = 1\n").stdout == ""
    assert stdin_run("json", content="cap = 1\n").stdout == "[]\n"
    assert json.loads(stdin_run("sarif", content="cap = 1\n").stdout)["runs"][0]["results"] == []


def test_stdin_fix_prints_the_fixed_text_and_the_findings_left_on_stderr(here: Path) -> None:
    result = stdin_run("sarif", "--fix")
    assert result.stdout == "cap = 1\ntimeout = 10\nlabel = <é>\n"
    assert "sub/x.toy:3:9: TOY003" in result.stderr
    assert not (here / "sub").exists()
