"""JUnit XML: valid XML (parsed back with xml.etree), escaped text, green when clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_support import LABEL, WEIRD_PATH, junit_cases, make_project, run_format

from linter.model import Finding, Severity
from linter.reporters import ReportContext
from linter.reporters.junit import render

pytestmark = pytest.mark.usefixtures("toy_kind")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_findings_are_failures_and_info_passes(here: Path) -> None:
    make_project(here)
    suite, cases = junit_cases(run_format("junit").stdout)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "4", "0")
    assert len(cases) == 5
    failed = [case for case in cases if case.find("failure") is not None]
    assert len(failed) == 4
    [info] = [case for case in cases if case.find("failure") is None]
    assert info.get("name") == "TOY004 toy-span at 3:8"
    assert info.findtext("system-out") == f"{WEIRD_PATH}:3:8: TOY004 span reaches the next entry"
    [label] = [case for case in failed if case.find("failure").get("type") == "TOY003"]  # type: ignore[union-attr]
    failure = label.find("failure")
    assert failure is not None
    message = f"label {LABEL} is shown as-is,\nsee: 100%"
    assert failure.get("message") == message
    assert failure.text == f"{WEIRD_PATH}:2:9: TOY003 {message}"
    assert (label.get("classname"), label.get("file"), label.get("line")) == (
        WEIRD_PATH,
        WEIRD_PATH,
        "2",
    )


def test_unparsable_file_is_an_error(here: Path) -> None:
    (here / "bad.toy").write_text("!!\n")
    result = run_format("junit")
    suite, [case] = junit_cases(result.stdout)
    assert (suite.get("failures"), suite.get("errors")) == ("0", "1")
    error = case.find("error")
    assert error is not None and error.get("type") == "TOY000"


def test_clean_run_is_one_passing_test(here: Path) -> None:
    (here / "a.toy").write_text("cap = 1\n")
    result = run_format("junit")
    assert result.exit_code == 0
    suite, [case] = junit_cases(result.stdout)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    assert case.find("failure") is None and case.find("error") is None


def test_characters_xml_cannot_hold_are_written_out_visibly() -> None:
    finding = Finding(
        "TOY001",
        "toy-timeout",
        Severity.WARNING,
        "bell\x07 esc\x1b ok\ttab ]]> &amp;",
        "/r/a\x01.toy",
        1,
        1,
        1,
        2,
    )
    text = render([finding], ReportContext(cwd="/r", root="/r", source_for=lambda path: None))
    _, [case] = junit_cases(text)
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "bell\\x07 esc\\x1b ok\ttab ]]> &amp;"
    assert case.get("file") == "a\\x01.toy"
