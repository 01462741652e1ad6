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

from linter.config import SettingsResolver
from linter.reporters import FORMATS
from linter.runner import RunOptions, run

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


# -- an NGINX file read from stdin whose finding lies in (or whose fix edits) an included file --

SNIPPET = """\
location /v1/chat/completions {
    proxy_pass http://127.0.0.1:4000;
    proxy_read_timeout 600s;
}
"""
MAIN = "http {\n    server {\n        listen 8080;\n        include snippet.conf;\n    }\n}\n"


@pytest.mark.parametrize("mode", ["--fix", "--add-ignore"])
def test_stdin_fix_gives_back_the_stdin_text_never_an_included_file(here: Path, mode: str) -> None:
    (here / "snippet.conf").write_text(SNIPPET)
    (here / "nginx.conf").write_text(MAIN)
    # Edited in the buffer: the buffer's text is what comes back, even unfixed.
    buffer = MAIN.replace("listen 8080;", "listen 8081;")
    result = run_format("concise", "--stdin-filename", "nginx.conf", mode, input=buffer)
    # The stdin text, unchanged: the only fix (NGX002) belongs in snippet.conf, which an editor
    # did not hand in; printing the snippet's fixed text would replace the buffer with it.
    assert result.stdout == buffer
    assert "snippet.conf:1:1: NGX002" in result.stderr
    assert result.exit_code == 1
    assert (here / "snippet.conf").read_text() == SNIPPET
    assert (here / "nginx.conf").read_text() == MAIN


def test_stdin_fix_refuses_a_fix_that_edits_another_file_and_says_why(here: Path) -> None:
    (here / "snippet.conf").write_text(SNIPPET)
    (here / "nginx.conf").write_text(MAIN)
    result = run_format(
        "json", "--stdin-filename", "nginx.conf", "--diff", input=MAIN.encode("utf-8")
    )
    assert (result.exit_code, result.stdout) == (0, "")
    result = run_format("json", "--stdin-filename", "nginx.conf", input=MAIN.encode("utf-8"))
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "NGX002" and finding["path"] == "snippet.conf"
    outcome = run(
        ["nginx.conf"],
        SettingsResolver(cwd=str(here)),
        RunOptions(fix=True, stdin_filename="nginx.conf", stdin_data=MAIN.encode("utf-8")),
    )
    [left] = outcome.findings
    assert left.code == "NGX002" and outcome.changes == []
    assert left.fix_note == (
        "fix not applied: it edits snippet.conf, and only the text read from stdin is given back"
    )


def test_stdin_fix_of_the_included_file_itself_fixes_it(here: Path) -> None:
    (here / "snippet.conf").write_text(SNIPPET)
    (here / "nginx.conf").write_text(MAIN)
    result = run_format("concise", "--stdin-filename", "snippet.conf", "--fix", input=SNIPPET)
    assert result.stdout == SNIPPET.replace("4000;\n", "4000;\n    proxy_buffering off;\n")
    assert (result.exit_code, result.stderr) == (0, "")
    assert (here / "snippet.conf").read_text() == SNIPPET
