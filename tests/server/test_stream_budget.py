"""The stream budget (`max-silence`, `max-stream`): defaults, units, and errors that name the
key and its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.config import SettingsResolver
from linter.config_files import ConfigError


def settings_from(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "streamproof.toml").write_text(text)
    return SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "Dockerfile"))


def test_defaults_are_two_minutes_of_silence_and_fifteen_of_stream(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "")
    assert (settings.max_silence, settings.max_stream) == (120.0, 900.0)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("300", 300.0), ('"45s"', 45.0), ('"20m"', 1200.0), ('"1h"', 3600.0), ("90.5", 90.5)],
)
def test_seconds_or_a_unit(tmp_path: Path, written: str, seconds: float) -> None:
    settings = settings_from(tmp_path, f"max-stream = {written}\nmax-silence = 30\n")
    assert settings.max_stream == seconds


@pytest.mark.parametrize("written", ['"soon"', "0", "-5", "true", '"1h30m"'])
def test_a_bad_budget_is_an_error_naming_the_key_and_line(tmp_path: Path, written: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from(tmp_path, f"# budget\nmax-stream = {written}\n")
    assert "'max-stream'" in str(info.value)
    assert info.value.line == 2


def test_silence_longer_than_the_whole_stream_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from(tmp_path, 'max-stream = "2m"\nmax-silence = "5m"\n')
    assert "'max-silence' (300s) is longer than 'max-stream' (120s)" in str(info.value)
    assert info.value.line == 2
