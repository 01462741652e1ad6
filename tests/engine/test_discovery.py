"""Which files a run looks at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import in_ci, lint

pytestmark = pytest.mark.usefixtures("toy_kind")


def names(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {Path(f.path).name for f in result.findings}


def test_walk_skips_vcs_virtualenvs_and_node_modules(tmp_path: Path) -> None:
    for folder in (".git", "node_modules", "env", "src"):
        (tmp_path / folder).mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    for folder, name in (
        (".git", "a.toy"),
        ("node_modules", "b.toy"),
        ("env", "c.toy"),
        ("src", "d.toy"),
    ):
        (tmp_path / folder / name).write_text("timeout = 1\ncap = 1\n")
    assert names(lint([tmp_path], cwd=tmp_path)) == {"d.toy"}


def test_in_a_git_tree_only_files_git_knows_are_checked(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        if in_ci():
            pytest.fail("git is required in CI")
        pytest.skip("git not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored.toy\n")
    for name in ("tracked.toy", "untracked.toy", "ignored.toy"):
        (tmp_path / name).write_text("timeout = 1\ncap = 1\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.toy", ".gitignore"], check=True)
    assert names(lint([tmp_path], cwd=tmp_path)) == {"tracked.toy", "untracked.toy"}
    # An explicitly named file is checked even when git ignores it.
    assert names(lint([tmp_path / "ignored.toy"], cwd=tmp_path)) == {"ignored.toy"}


def test_files_of_no_known_kind_are_skipped_quietly(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("timeout = 1\n")
    result = lint([tmp_path, tmp_path / "notes.txt"], cwd=tmp_path)
    assert result.findings == [] and result.errors == []


def test_missing_path_is_an_error_but_the_others_are_checked(tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = lint([tmp_path / "nope.toy", tmp_path / "a.toy"], cwd=tmp_path)
    assert any("no such file" in e for e in result.errors)
    assert names(result) == {"a.toy"}


def test_unreadable_and_special_files_become_findings(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.toy"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.toy"
    loop.symlink_to(loop)
    (tmp_path / "ok.toy").write_text("timeout = 1\ncap = 1\n")
    result = lint([fifo, loop, tmp_path / "ok.toy"], cwd=tmp_path)
    by_name = {Path(f.path).name: f for f in result.findings}
    assert (
        by_name["pipe.toy"].code == "TOY000" and "not a regular file" in by_name["pipe.toy"].message
    )
    assert by_name["loop.toy"].fatal
    assert by_name["ok.toy"].code == "TOY001"
