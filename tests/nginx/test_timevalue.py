"""Time values read as nginx's ngx_parse_time reads them (KNOWLEDGE.md §1)."""

from __future__ import annotations

import pytest

from linter.nginx.timevalue import parse_time

MS = 1
S = 1000
M = 60 * S
H = 60 * M
D = 24 * H


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [
        ("60", 60 * S),  # a bare number is seconds
        ("60s", 60 * S),
        ("500ms", 500 * MS),
        ("5m", 5 * M),
        ("1h", H),
        ("1h30", H + 30 * S),  # the trailing number is seconds, not minutes
        ("1h30m", H + 30 * M),
        ("1h 30m", H + 30 * M),  # spaces between parts (quoted in a config)
        ("1m30s", M + 30 * S),
        ("1d12h", D + 12 * H),
        ("2w", 14 * D),
        ("1s500ms", S + 500 * MS),
        ("0", 0),  # zero, not "unlimited"
    ],
)
def test_valid_timeouts(text: str, milliseconds: int) -> None:
    value = parse_time(text)
    assert value is not None
    assert value.milliseconds == milliseconds


@pytest.mark.parametrize(
    "text",
    [
        "1H",
        "60S",
        "1.5h",
        "30s1m",
        "1m1h",
        "5M",
        "1y",
        "1h1h",
        "",
        "s",
        "abc",
        "-5s",
        "1 h",
        "10ms5s",
    ],
)
def test_values_nginx_refuses_for_timeouts(text: str) -> None:
    assert parse_time(text) is None


def test_months_and_years_only_for_second_directives() -> None:
    assert parse_time("1M", is_sec=True) is not None
    assert parse_time("1y", is_sec=True) is not None
    assert parse_time("1y1M", is_sec=True).milliseconds == (365 + 30) * D  # type: ignore[union-attr]
    assert parse_time("500ms", is_sec=True) is None


def test_overflow_is_refused() -> None:
    assert parse_time("9" * 30) is None
    assert parse_time("999999999999999999w") is None


def test_bare_number_after_a_unit_is_flagged() -> None:
    value = parse_time("1h30")
    assert value is not None and value.bare_after_unit and value.parts == ((1, "h"), (30, ""))
    plain = parse_time("90")
    assert plain is not None and not plain.bare_after_unit
