"""The ``python-target`` setting: package versions that change what the PY rules say.

A package name streamproof does not read, or a value that is not a version, is a config error
naming the file, line and column (unknown keys are errors everywhere else too); a valid one
decides the message and whether an SDK class counts as a guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint

from linter import config
from linter.config import SettingsResolver
from linter.config_files import ConfigError
from linter.python.clients import PINNED_PACKAGES

LOOP = (
    "import openai\n"
    "client = openai.OpenAI()\n"
    "try:\n"
    "    for c in client.chat.completions.create(model='m', messages=[], stream=True, max_tokens=5):\n"
    "        print(c)\n"
    "except openai.APIError:\n"
    "    print('cut')\n"
)


def _settings(tmp_path: Path, table: str) -> None:
    (tmp_path / "streamproof.toml").write_text(f"# versions\npython-target = {table}\n")
    SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "app.py"))


def test_the_config_knows_the_packages_the_rules_pin() -> None:
    assert config.PYTHON_TARGET_PACKAGES == PINNED_PACKAGES


@pytest.mark.parametrize(
    ("table", "words", "column"),
    [
        ('{opneai = "3.14"}', "unknown package 'opneai'", 18),
        ('{httpx = "0.28"}', "unknown package 'httpx'", 18),
        ('{openai = "latest"}', "openai = 'latest' is not a version", 18),
        ('{anthropic = "2.12.0", litellm = "new"}', "litellm = 'new' is not a version", 40),
    ],
)
def test_a_bad_python_target_is_an_error_with_its_position(
    tmp_path: Path, table: str, words: str, column: int
) -> None:
    with pytest.raises(ConfigError) as info:
        _settings(tmp_path, table)
    assert words in info.value.message
    assert (info.value.line, info.value.column) == (2, column)
    if "opneai" in table:
        assert "did you mean 'openai'?" in info.value.message


@pytest.mark.parametrize("value", ["3.14", "v3.14.1", ">=3.14", ">=3.14,<4", "~=3.14", "==3.20.0"])
def test_a_mapped_version_makes_the_sdk_class_a_guard(tmp_path: Path, value: str) -> None:
    (tmp_path / "app.py").write_text(LOOP)
    _settings(tmp_path, f'{{openai = "{value}"}}')
    assert lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY001", "PY003"]).findings == []


def test_an_older_version_makes_it_a_handler_that_misses(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(LOOP)
    (tmp_path / "streamproof.toml").write_text('[python-target]\nOpenAI = "2.54.0"\n')
    findings = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY001", "PY003"]).findings
    assert [(f.code, f.line) for f in findings] == [("PY003", 6)]
    assert "(openai 2.54.0, from python-target setting" in findings[0].message
    assert "raises httpx.RemoteProtocolError" in findings[0].message
