"""concise and json-lines: one finding per line, whatever the path or message holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_support import concise_rows, run_format

pytestmark = pytest.mark.usefixtures("toy_kind")

NAME = "new\nline, 100%: é.toy"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_line_breaks_in_paths_and_messages_stay_on_the_finding_line(here: Path) -> None:
    (here / NAME).write_text("cap = 1\nlabel = x\n")
    lines = run_format("concise", "-q").stdout.splitlines()
    assert lines == ["new\\nline, 100%: é.toy:2:9: TOY003 label x is shown as-is,\\nsee: 100%"]
    assert concise_rows("\n".join(lines)) == [
        ("TOY003", "new\\nline, 100%: é.toy", 2, 9, "label x is shown as-is,\\nsee: 100%")
    ]


def test_json_lines_round_trips_paths_and_messages(here: Path) -> None:
    (here / NAME).write_text("cap = 1\nlabel = x\ntimeout = 2\n")
    lines = run_format("json-lines").stdout.splitlines()
    assert len(lines) == 2
    objects = [json.loads(line) for line in lines]
    assert [(o["code"], o["path"], o["line"]) for o in objects] == [
        ("TOY003", NAME, 2),
        ("TOY001", NAME, 3),
    ]
    assert objects[0]["message"] == "label x is shown as-is,\nsee: 100%"
    assert objects[1]["fix"]["edits"][0]["content"] == "10"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("full", ""),
        ("concise", ""),
        ("json", "[]\n"),
        ("json-lines", ""),
        ("github", ""),
        ("gitlab", "[]\n"),
    ],
)
def test_clean_run_output(here: Path, fmt: str, expected: str) -> None:
    (here / "a.toy").write_text("cap = 1\n")
    result = run_format(fmt)
    assert (result.exit_code, result.stdout) == (0, expected)
