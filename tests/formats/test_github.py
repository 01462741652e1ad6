"""GitHub Actions workflow commands, checked line by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_support import github_parse, make_project, run_format

from linter.model import Finding, Severity
from linter.reporters import ReportContext
from linter.reporters.github import annotation, render

pytestmark = pytest.mark.usefixtures("toy_kind")


def finding(**changes: object) -> Finding:
    values: dict[str, object] = {
        "code": "TOY001",
        "name": "toy-timeout",
        "severity": Severity.WARNING,
        "message": "m",
        "path": "/repo/a.toy",
        "line": 3,
        "column": 5,
        "end_line": 3,
        "end_column": 9,
    }
    values.update(changes)
    return Finding(**values)  # type: ignore[arg-type]


CONTEXT = ReportContext(cwd="/repo", root="/repo", source_for=lambda path: None)


def test_one_line_range_has_columns_and_the_title() -> None:
    assert annotation(finding(), CONTEXT) == (
        "::warning file=a.toy,line=3,endLine=3,col=5,endColumn=9,title=TOY001 toy-timeout::m"
    )


def test_multi_line_range_has_no_columns() -> None:
    assert annotation(finding(end_line=5, end_column=2), CONTEXT) == (
        "::warning file=a.toy,line=3,endLine=5,title=TOY001 toy-timeout::m"
    )


def test_command_by_severity() -> None:
    commands = [annotation(finding(severity=s), CONTEXT).split(" ", 1)[0] for s in Severity]
    assert commands == ["::error", "::warning", "::notice"]


def test_message_escapes_percent_cr_lf_but_keeps_colons_and_commas() -> None:
    line = annotation(finding(message="100% sure:\r\nyes, really"), CONTEXT)
    assert line.endswith("::100%25 sure:%0D%0Ayes, really")
    assert "\n" not in line and "\r" not in line


def test_properties_escape_colon_comma_percent_and_line_breaks() -> None:
    line = annotation(finding(path="/repo/we:ird, 100%\ndir/a.toy"), CONTEXT)
    assert line.startswith("::warning file=we%3Aird%2C 100%25%0Adir/a.toy,line=3,")
    _, properties, _ = github_parse(line)
    assert properties["file"] == "we:ird, 100%\ndir/a.toy"


def test_paths_are_relative_to_the_root_not_the_current_folder() -> None:
    context = ReportContext(cwd="/repo/sub", root="/repo", source_for=lambda path: None)
    assert annotation(finding(path="/repo/sub/a.toy"), context).startswith(
        "::warning file=sub/a.toy,"
    )


def test_empty_run_prints_nothing() -> None:
    assert render([], CONTEXT) == ""


def test_cli_github_output_line_by_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_project(tmp_path)
    result = run_format("github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[3] == (
        "::error file=we%3Aird%2C dir/f%251 é.toy,line=2,endLine=2,col=9,endColumn=29,"
        'title=TOY003 toy-label::label <a&b> "q" é%25 50, x:y is shown as-is,%0Asee: 100%25'
    )
    assert (
        lines[4] == "::notice file=we%3Aird%2C dir/f%251 é.toy,line=3,endLine=4,"
        "title=TOY004 toy-span::span reaches the next entry"
    )


def test_cli_github_output_is_empty_when_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toy").write_text("cap = 1\n")
    result = run_format("github")
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_real_finding_with_colon_comma_percent_and_newline_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LiteLLM deployment whose name holds `:` `,` `%` and a line break, in a folder whose
    name holds `:` `,` `%`: the annotation stays on one line and reads back to the json
    format's path and message."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "a:b, 100%"
    folder.mkdir()
    (folder / "config.yaml").write_text(
        "model_list:\n"
        '  - model_name: "gpt:4o, 100%\\nnext"\n'
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "      max_tokens: 100\n"
        "      stream_timeout: 10\n"
    )
    [reference] = json.loads(run_format("json").stdout)
    assert reference["code"] == "LIT001" and "gpt:4o, 100%\nnext" in reference["message"]
    output = run_format("github").stdout
    [line] = output.splitlines()
    assert line.startswith(
        "::warning file=a%3Ab%2C 100%25/config.yaml,line=6,endLine=6,col=23,endColumn=25,"
        "title=LIT001 stream-timeout-short::"
    )
    assert "deployment `gpt:4o, 100%25%0Anext`: " in line
    command, properties, message = github_parse(line)
    assert command == "warning"
    assert properties["file"] == reference["path"] == "a:b, 100%/config.yaml"
    assert message == reference["message"]
