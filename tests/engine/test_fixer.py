"""Fixing: to a fixed point, byte-exact, refused when unsafe to write, never losing a file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import codes_and_lines, lint

from linter import fixer
from linter.fixer import apply_edits
from linter.model import Edit

pytestmark = pytest.mark.usefixtures("toy_kind")


def test_apply_edits_splices_from_the_end() -> None:
    edits = [Edit("f", 0, 1, "AB"), Edit("f", 3, 3, "-"), Edit("f", 5, 6, "")]
    assert apply_edits("abcdef", edits) == "ABbc-de"


def test_overlap_rules() -> None:
    assert Edit("f", 0, 2, "").overlaps(Edit("f", 1, 3, ""))
    assert not Edit("f", 0, 2, "").overlaps(Edit("f", 2, 3, ""))
    assert Edit("f", 2, 2, "x").overlaps(Edit("f", 2, 2, "y"))
    assert not Edit("f", 0, 2, "").overlaps(Edit("g", 0, 2, ""))


def test_safe_fix_applies_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    first = lint([path], fix=True)
    assert path.read_text() == "timeout = 10\ncap = 1\n"
    assert codes_and_lines(first.findings) == []
    mtime = path.stat().st_mtime_ns
    second = lint([path], fix=True)
    assert second.changes == [] and path.stat().st_mtime_ns == mtime


def test_unsafe_fix_needs_unsafe_fixes(tmp_path: Path) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 20\n")
    lint([path], fix=True)
    assert path.read_text() == "timeout = 20\n"
    lint([path], fix=True, unsafe=True)
    assert path.read_text() == "timeout = 20\ncap = 5\n"


def test_bom_crlf_and_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.toy"
    path.write_bytes(b"\xef\xbb\xbftimeout = 1\r\ncap = 1\r\n")
    path.chmod(0o640)
    lint([path], fix=True)
    assert path.read_bytes() == b"\xef\xbb\xbftimeout = 10\r\ncap = 1\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_untouched_files_keep_bytes_and_mtime(tmp_path: Path) -> None:
    clean = tmp_path / "clean.toy"
    clean.write_text("timeout = 30\ncap = 1\n")
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    dirty = tmp_path / "dirty.toy"
    dirty.write_text("timeout = 1\ncap = 1\n")
    lint([tmp_path], fix=True)
    assert clean.stat().st_mtime_ns == 1_000_000_000
    assert dirty.read_text() == "timeout = 10\ncap = 1\n"


def test_fix_that_would_break_the_tree_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.handler import ToyHandler

    # On the class: undoing a patch of the instance would leave the original method bound on
    # it, hiding any later test's patch of the class.
    monkeypatch.setattr(
        ToyHandler, "verify_fix", lambda self, before, after, edits: "the tree changed elsewhere"
    )
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    [finding] = result.findings
    assert finding.code == "TOY001"
    assert "fix not applied: the tree changed elsewhere" in finding.fix_note


def test_fix_whose_result_does_not_parse_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.rules import toy001

    monkeypatch.setattr(
        toy001, "Edit", lambda path, start, end, content: Edit(path, start, end, content + "\n!!")
    )
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    assert "does not parse" in result.findings[0].fix_note


def test_read_only_file_is_reported_not_forced(tmp_path: Path) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    path.chmod(0o444)
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    assert any("read-only" in e for e in result.errors)
    assert codes_and_lines(result.findings) == [("TOY001", 1)]


def test_file_changed_during_the_run_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    real_write = fixer.write_change

    def racing_write(change, expected):  # type: ignore[no-untyped-def]
        path.write_text("timeout = 2\ncap = 1\n")  # someone else edits the file meanwhile
        return real_write(change, expected)

    monkeypatch.setattr(
        "linter.fixer.write_change", racing_write
    )  # (runner imports it when writing)
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 2\ncap = 1\n"
    assert any("changed while" in e for e in result.errors)


def test_failure_between_write_and_rename_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")

    def disk_full(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fixer.os, "replace", disk_full)
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toy"], "no temporary file may be left behind"
    assert result.errors


def test_diff_writes_nothing(tmp_path: Path) -> None:
    from linter.config import SettingsResolver
    from linter.runner import RunOptions, run

    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    result = run([str(path)], SettingsResolver(cwd=str(tmp_path)), RunOptions(diff=True))
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    [change] = result.changes
    assert "+timeout = 10" in change.unified_diff("a.toy")


def test_parallel_run_gives_the_same_findings_as_a_serial_one(tmp_path: Path) -> None:
    from linter.parallel import PARALLEL_THRESHOLD

    for index in range(PARALLEL_THRESHOLD + 10):
        (tmp_path / f"f{index:03}.toy").write_text(f"timeout = {index % 12}\ncap = 1\n")
    serial = lint([tmp_path], cwd=tmp_path, fix=False)
    from linter.config import SettingsResolver
    from linter.runner import RunOptions, run

    resolver = SettingsResolver(cwd=str(tmp_path))
    parallel = run([str(tmp_path)], resolver, RunOptions(jobs=2))
    single = run([str(tmp_path)], resolver, RunOptions(jobs=1))
    assert parallel.findings == single.findings == serial.findings
    assert len(parallel.findings) == sum(1 for i in range(PARALLEL_THRESHOLD + 10) if i % 12 < 10)
    fixed = run([str(tmp_path)], resolver, RunOptions(jobs=2, fix=True))
    assert not fixed.errors and len(fixed.changes) == len(parallel.findings)
    assert (tmp_path / "f001.toy").read_text() == "timeout = 10\ncap = 1\n"


def test_fix_that_only_rewords_its_finding_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.rules import toy001

    # A broken fix: it changes the value but not enough, so the finding stays with a new message.
    monkeypatch.setattr(
        toy001, "Edit", lambda path, start, end, content: Edit(path, start, end, "5")
    )
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ncap = 1\n")
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 1\ncap = 1\n"
    [finding] = result.findings
    assert "did not make the finding go away" in finding.fix_note


def test_coding_cookie_counts_on_line_two_only_after_a_comment_or_blank_line() -> None:
    from linter.source import python_coding_cookie

    assert python_coding_cookie(b"# -*- coding: latin-1 -*-\nx = 1\n") == "latin-1"
    assert python_coding_cookie(b"#!/usr/bin/env python\n# coding: latin-1\n") == "latin-1"
    assert python_coding_cookie(b"\n# coding: latin-1\n") == "latin-1"
    assert python_coding_cookie(b"x = 1\n# coding: latin-1\n") is None
    assert python_coding_cookie(b"x = 1\ny = 2\n# coding: latin-1\n") is None
