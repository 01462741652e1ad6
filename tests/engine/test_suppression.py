"""Inline suppressions: where they apply, what they report when they do nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import codes_and_lines, lint

pytestmark = pytest.mark.usefixtures("toy_kind")


def write(tmp_path: Path, text: str, name: str = "a.toy") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_trailing_comment_suppresses_its_own_line_only(tmp_path: Path) -> None:
    path = write(
        tmp_path, "timeout = 1  # streamproof: ignore[TOY001] -- test value\ntimeout = 2\ncap = 1\n"
    )
    assert codes_and_lines(lint([path]).findings) == [("TOY001", 2)]


def test_own_line_comment_suppresses_the_next_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "# streamproof: ignore[TOY001] -- reason\ntimeout = 1\ntimeout = 2\ncap = 1\n"
    )
    assert codes_and_lines(lint([path]).findings) == [("TOY001", 3)]


def test_suppression_by_rule_name_and_several_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "timeout = 1  # streamproof: ignore[toy-timeout, TOY002]\n")
    assert codes_and_lines(lint([path]).findings) == []


def test_ignore_file_covers_every_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "timeout = 1\n# streamproof: ignore-file[TOY001] -- legacy\ntimeout = 2\ncap = 1\n",
    )
    assert codes_and_lines(lint([path]).findings) == []


def test_unused_suppression_is_reported_with_a_fix_that_removes_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cap = 1\nname = x  # streamproof: ignore[TOY001]\n# streamproof: ignore[TOY001, TOY002]\ncap = 2\n",
    )
    result = lint([path])
    assert codes_and_lines(result.findings) == [("SP100", 2), ("SP100", 3)]
    assert "TOY001" in result.findings[0].message
    lint([path], fix=True)
    assert path.read_text() == "cap = 1\nname = x\ncap = 2\n"


def test_partly_used_suppression_loses_only_the_unused_code(tmp_path: Path) -> None:
    path = write(tmp_path, "timeout = 1  # streamproof: ignore[TOY001, TOY002] -- why\ncap = 1\n")
    result = lint([path])
    assert codes_and_lines(result.findings) == [("SP100", 1)]
    lint([path], fix=True)
    assert path.read_text() == "timeout = 1  # streamproof: ignore[TOY001] -- why\ncap = 1\n"


def test_suppression_of_a_rule_that_did_not_run_is_not_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "cap = 1\nname = x  # streamproof: ignore[TOY001]\n")
    assert codes_and_lines(lint([path], ignore=["TOY001"]).findings) == []


def test_unknown_code_is_reported_with_the_closest_code(tmp_path: Path) -> None:
    path = write(tmp_path, "cap = 1  # streamproof: ignore[TOY01]\n")
    findings = lint([path]).findings
    assert codes_and_lines(findings) == [("SP101", 1)]
    assert "did you mean 'TOY001'" in findings[0].message


def test_suppression_without_codes_is_invalid(tmp_path: Path) -> None:
    path = write(tmp_path, "cap = 1  # streamproof: ignore\n")
    findings = lint([path]).findings
    assert codes_and_lines(findings) == [("SP101", 1)]
    assert "needs the codes" in findings[0].message


def test_unknown_directive_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "cap = 1  # streamproof: ingore[TOY001]\n")
    findings = lint([path]).findings
    assert codes_and_lines(findings) == [("SP101", 1)]
    assert "did you mean 'ignore'" in findings[0].message


def test_fatal_parse_errors_cannot_be_suppressed(tmp_path: Path) -> None:
    path = write(tmp_path, "# streamproof: ignore-file[TOY000]\n!!\n")
    findings = lint([path]).findings
    assert [(f.code, f.fatal) for f in findings] == [("TOY000", True)]
