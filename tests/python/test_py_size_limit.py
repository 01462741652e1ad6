"""A Python file over PY000's `max-file-size` is reported as an `info` finding naming the
setting and is never parsed; the setting raises (or lifts) the limit."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from helpers import lint, streamproof

from linter.python import handler
from linter.registry import get_rule

STREAM = (
    "from openai import OpenAI\n\nclient = OpenAI()\n\n"
    "def answer(p):\n"
    "    s = client.chat.completions.create(model='m', messages=p, stream=True, max_tokens=9)\n"
    "    for c in s:\n"
    "        print(c)\n"
)
PADDING = "# generated\n" * 200  # 2,400 characters


def _write(tmp_path: Path, limit: object | None) -> Path:
    (tmp_path / "gen.py").write_text(STREAM + PADDING)
    table = "" if limit is None else f"[tool.streamproof.rules.PY000]\nmax-file-size = {limit}\n"
    (tmp_path / "pyproject.toml").write_text(table)
    return tmp_path / "gen.py"


def test_a_file_over_the_limit_is_one_info_finding_naming_the_setting(tmp_path: Path) -> None:
    _write(tmp_path, 2000)
    result = streamproof("check", "--output-format", "json", "gen.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # info only: the exit status stays 0
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "PY000"
    assert finding["severity"] == "info"
    assert (finding["line"], finding["column"]) == (1, 1)
    size = len(STREAM + PADDING)
    assert f"holds {size:,} characters, over the 2,000 of" in finding["message"]
    assert "[tool.streamproof.rules.PY000] max-file-size" in finding["message"]


def test_the_file_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, '"2KB"')

    def refuse(*args: object, **kwargs: object) -> ast.Module:
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(handler.ast, "parse", refuse)
    result = lint([path], cwd=tmp_path)
    assert [(f.code, f.severity.value) for f in result.findings] == [("PY000", "info")]


@pytest.mark.parametrize("limit", ['"1MB"', "0", None])
def test_a_raised_or_lifted_limit_checks_the_file(tmp_path: Path, limit: str | None) -> None:
    path = _write(tmp_path, limit)
    result = lint([path], cwd=tmp_path)
    assert [f.code for f in result.findings] == ["PY001"]  # the loop is unguarded


def test_the_default_limit_is_a_million_characters() -> None:
    rule = get_rule("PY000")
    assert rule is not None
    assert rule.option("max-file-size").default == handler.DEFAULT_MAX_FILE_SIZE == 1_000_000


@pytest.mark.parametrize(("raw", "expected"), [(750, 750), ("2MB", 2_000_000), ("500 kb", 500_000)])
def test_the_setting_reads_sizes(raw: object, expected: int) -> None:
    rule = get_rule("PY000")
    assert rule is not None
    assert rule.option("max-file-size").value(raw) == expected


def test_a_bad_size_is_a_config_error_naming_the_option(tmp_path: Path) -> None:
    _write(tmp_path, '"2 GiB"')
    result = streamproof("check", "gen.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "max-file-size" in result.stderr and "unknown unit 'GiB'" in result.stderr
