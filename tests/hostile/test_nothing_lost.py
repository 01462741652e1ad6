"""Nothing is lost: a failed or interrupted fix leaves the original file whole and no stray
temporary file behind a later run; concurrent runs leave a valid, fully fixed file; mode and
owner are kept; a read-only file or folder is reported, not forced; a hard-linked file is not
split from its other names; a symlink stays a symlink."""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import REPO, lint
from hostile_support import internal_errors

from linter.cli import exit_status

NGINX = (
    "http {\n"
    "    server {\n"
    "        location /v1/chat/completions {\n"
    "            proxy_pass http://127.0.0.1:4000;\n"
    "            proxy_read_timeout 30s;\n"
    "        }\n"
    "    }\n"
    "}\n"
)
NGINX_FIXED = NGINX.replace(
    "            proxy_read_timeout 30s;\n",
    "            proxy_buffering off;\n            proxy_read_timeout 300s;\n",
)
LITELLM = (
    "model_list:\n"
    "  - model_name: chat\n"
    "    litellm_params:\n"
    "      model: openai/gpt-4o\n"
    "      max_tokens: 1024\n"
    "      stream_timeout: 5\n"
)
LITELLM_FIXED = LITELLM.replace("stream_timeout: 5", "stream_timeout: 30")
PYTHON = (
    "import requests\n"
    "\n"
    "def fetch(url):\n"
    "    with requests.post(url, json={}, stream=True) as response:\n"
    "        for line in response.iter_lines():\n"
    "            yield line\n"
)


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob(".streamproof-*"))


def _fix_command(folder: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "linter",
        "check",
        "--fix",
        "--output-format",
        "json",
        *extra,
        str(folder),
    ]


def _env() -> dict[str, str]:
    return dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO))


# -- a write that fails ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["write", "fsync", "chmod", "replace"])
def test_a_failed_write_leaves_the_file_whole_and_no_temporary(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up (or the rename fails) half way through writing a fix."""
    config = tmp_path / "nginx.conf"
    config.write_text(NGINX)
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fail(*args: object, **kwargs: object) -> None:
        raise full

    if where == "write":
        real_fdopen = os.fdopen

        class HalfWritten:
            """A file object that writes half of what it gets, then finds the disk full."""

            def __init__(self, handle):  # type: ignore[no-untyped-def]
                self.handle = handle

            def write(self, data: bytes) -> int:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                raise full

            def __getattr__(self, name: str) -> object:
                return getattr(self.handle, name)

            def __enter__(self):  # type: ignore[no-untyped-def]
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWritten(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, where, fail)
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    monkeypatch.undo()

    assert config.read_text() == NGINX
    assert temporaries(tmp_path) == []
    assert any("No space left on device" in error for error in result.errors), result.errors
    assert exit_status(result.findings, result.errors, False) == 2
    # The fixes were not written, so their findings still stand.
    assert {f.code for f in result.findings} >= {"NGX001", "NGX002"}
    assert not internal_errors(result.findings)


def test_killed_between_writing_and_renaming(tmp_path: Path) -> None:
    """SIGKILL right before the rename: the original is whole; the temporary file left behind
    is never linted (not even in conf.d/, where any file may be NGINX), and the next --fix run
    fixes the file and removes it."""
    folder = tmp_path / "conf.d"
    folder.mkdir()
    config = folder / "app.conf"
    config.write_text(NGINX.replace("http {\n", "").replace("    }\n}\n", "    }\n"))
    original = config.read_bytes()
    killer = (
        "import os, signal, sys\n"
        "os.replace = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from linter.cli import main\n"
        "sys.argv = ['streamproof', 'check', '--fix', sys.argv[1]]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", killer, str(tmp_path)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert config.read_bytes() == original
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].parent == folder  # the kill came where it was meant to

    checked = lint([tmp_path], cwd=tmp_path)
    assert {Path(f.path).name for f in checked.findings} == {"app.conf"}

    fixed = lint([tmp_path], cwd=tmp_path, fix=True)
    assert not fixed.errors
    assert temporaries(tmp_path) == []
    assert "proxy_read_timeout 300s;" in config.read_text()


def test_a_leftover_of_a_running_process_is_kept(tmp_path: Path) -> None:
    """Another run may be writing its temporary file right now: only those of processes that
    are gone (or over an hour old) are removed."""
    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)
    mine = tmp_path / f".streamproof-{os.getppid()}-abc.tmp"  # a live process (our parent)
    mine.write_text("in progress")
    stale = tmp_path / ".streamproof-1-old.tmp"  # pid 1 lives, but the file is two hours old
    stale.write_text("old")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    lint([tmp_path], cwd=tmp_path, fix=True)
    assert config.read_text() == LITELLM_FIXED
    assert temporaries(tmp_path) == [mine]


@pytest.mark.slow
def test_killed_at_any_moment_the_file_is_old_or_fixed(tmp_path: Path) -> None:
    """SIGKILL at random moments of a --fix run, many times: each file is always either the
    original or the fixed text, never a mix, and a final run leaves no temporary file."""
    names = {"nginx.conf": (NGINX, NGINX_FIXED), "config.yaml": (LITELLM, LITELLM_FIXED)}
    chance = random.Random(6)
    outcomes = set()
    for _ in range(20):
        for name, (text, _) in names.items():
            (tmp_path / name).write_text(text)
        proc = subprocess.Popen(
            _fix_command(tmp_path),
            cwd=REPO,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.05, 0.6))
        proc.kill()
        proc.wait(timeout=60)
        for name, (text, fixed) in names.items():
            content = (tmp_path / name).read_text()
            assert content in (text, fixed), content
            outcomes.add(content == fixed)
    final = lint([tmp_path], cwd=tmp_path, fix=True)
    assert not final.errors
    assert temporaries(tmp_path) == []
    for name, (_, fixed) in names.items():
        assert (tmp_path / name).read_text() == fixed


# -- two runs at once -------------------------------------------------------------------------


@pytest.mark.slow
def test_two_runs_fixing_the_same_files_at_once(tmp_path: Path) -> None:
    names = {"nginx.conf": (NGINX, NGINX_FIXED), "config.yaml": (LITELLM, LITELLM_FIXED)}
    for _ in range(8):
        for name, (text, _) in names.items():
            (tmp_path / name).write_text(text)
        procs = [
            subprocess.Popen(
                _fix_command(tmp_path),
                cwd=REPO,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert "Traceback" not in err, err
            # 0: all fixed; 2: the other run wrote first, so this one refused to overwrite.
            assert proc.returncode in (0, 2), err
            if proc.returncode == 2:
                assert "changed while it was being checked; fix not written" in err, err
        for name, (_, fixed) in names.items():
            assert (tmp_path / name).read_text() == fixed
        assert temporaries(tmp_path) == []


# -- what a file is, kept -----------------------------------------------------------------------


def test_mode_owner_and_special_bits_are_kept(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)
    if os.geteuid() == 0:
        os.chown(config, 1234, 2345)
    config.chmod(0o2775)  # setgid and group-executable: a chown after it would clear it
    before = config.stat()
    assert stat.S_IMODE(before.st_mode) == 0o2775
    lint([tmp_path], cwd=tmp_path, fix=True)
    after = config.stat()
    assert config.read_text() == LITELLM_FIXED
    assert stat.S_IMODE(after.st_mode) == 0o2775
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    if os.geteuid() == 0:
        assert (after.st_uid, after.st_gid) == (1234, 2345)


def test_a_read_only_file_is_reported_not_forced(tmp_path: Path) -> None:
    """Mode 0444 is refused even as root (who could write it): the mode bits decide."""
    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)
    config.chmod(0o444)
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    assert config.read_text() == LITELLM
    assert stat.S_IMODE(config.stat().st_mode) == 0o444
    assert any("is read-only; fix not written" in error for error in result.errors), result.errors
    assert [f.code for f in result.findings] == ["LIT001"]  # still there: it was not fixed
    assert exit_status(result.findings, result.errors, False) == 2
    assert temporaries(tmp_path) == []


TWO_ROUTES = NGINX.replace(
    "    }\n}\n",
    "        location /sse {\n            proxy_pass http://127.0.0.1:4000;\n        }\n    }\n}\n",
)


def _summary_and_errors(folder: Path) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "check", "--fix", "--output-format", "concise", "."],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # --fix says what it did on stderr (where --diff says what it would do), last.
    return proc.returncode, proc.stderr.splitlines()[-1], proc.stderr


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_file_or_folder_is_left_alone_and_said(what: str, tmp_path: Path) -> None:
    """Mode bits decide, even for root: a fix is written beside the file and renamed over it,
    so a read-only folder refuses it as a read-only file does. Nothing is counted as fixed,
    and the findings stay at the lines of the file as it is (fixes insert lines: findings
    re-checked on a text never written would point at the wrong lines)."""
    folder = tmp_path / "conf"
    folder.mkdir()
    config = folder / "nginx.conf"
    config.write_text(TWO_ROUTES)
    as_is = [(f.code, f.line, f.column) for f in lint([folder], cwd=folder).findings]
    assert len(as_is) == 4
    (config if what == "file" else folder).chmod(0o444 if what == "file" else 0o555)
    try:
        result = lint([folder], cwd=folder, fix=True)
        assert config.read_text() == TWO_ROUTES
        assert [(f.code, f.line, f.column) for f in result.findings] == as_is
        reason = "is read-only" if what == "file" else "is in a read-only folder"
        assert all(reason in f.fix_note for f in result.findings), result.findings
        assert result.changes == []
        assert result.errors == [
            f"{config} {reason}"
            + (
                " (a fix is written beside the file, then renamed over it)"
                if what == "folder"
                else ""
            )
            + "; fix not written"
        ]
        status, summary, stderr = _summary_and_errors(folder)
        assert status == 2
        assert summary == "Found 4 problems."  # not "Fixed 4", not "fixable with --fix"
        assert f"streamproof: error: {config} {reason}" in stderr
        assert config.read_text() == TWO_ROUTES
    finally:
        folder.chmod(0o755)
        config.chmod(0o644)
    assert temporaries(tmp_path) == []


def test_a_file_with_other_hard_links_is_left_alone_and_said(tmp_path: Path) -> None:
    """A fix is renamed over the name: the other names of a hard-linked file (sites-enabled/
    and sites-available/, say) silently kept the old text. It is refused, as a read-only
    file is: both names keep one file and its text."""
    (tmp_path / "available").mkdir()
    (tmp_path / "enabled").mkdir()
    config = tmp_path / "enabled" / "nginx.conf"
    config.write_text(TWO_ROUTES)
    os.link(config, tmp_path / "available" / "nginx.conf")
    result = lint([tmp_path / "enabled"], cwd=tmp_path, fix=True)
    assert result.errors == [
        f"{config} has 2 hard links (a fix is written to a new file renamed over this name, "
        "so the others would keep the old text); fix not written"
    ]
    assert result.changes == [] and len(result.findings) == 4
    assert config.stat().st_nlink == 2
    assert (tmp_path / "available" / "nginx.conf").read_text() == TWO_ROUTES
    assert config.read_text() == TWO_ROUTES


def test_a_folder_this_user_may_not_write_is_said_by_name(tmp_path: Path) -> None:
    """A folder of another user (writable by its owner only): the error names the file and why,
    not a temporary file's name and an errno."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to be another user than the folder's owner")
    # A folder `nobody` can reach (pytest's tmp_path sits in a folder only root may enter).
    top = Path(tempfile.mkdtemp(prefix="streamproof-not-mine-"))
    try:
        top.chmod(0o755)
        _not_mine(top, tmp_path)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _not_mine(top: Path, tmp_path: Path) -> None:
    folder = top / "conf"
    folder.mkdir(mode=0o755)
    config = folder / "nginx.conf"
    config.write_text(TWO_ROUTES)
    config.chmod(0o666)  # the file itself is writable by anyone
    warm = tmp_path / "warm"  # the same run as root first: every module is imported by then
    warm.mkdir()
    (warm / "nginx.conf").write_text(TWO_ROUTES)
    code = (
        "import contextlib, io, os, sys\n"
        "from linter.cli import main\n"
        "args = ['check', '--fix', '--output-format', 'concise']\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    try:\n"
        "        main([*args, sys.argv[2]])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "main([*args, sys.argv[1]])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(warm)],
        cwd="/",
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert (
        f"streamproof: error: {config}: no permission to write in its folder (a fix is written "
        "beside the file, then renamed over it); fix not written"
    ) in proc.stderr, proc.stderr
    assert proc.stderr.splitlines()[-1] == "Found 4 problems."  # --fix's summary: stderr
    assert config.read_text() == TWO_ROUTES
    assert "proxy_buffering off;" in (warm / "nginx.conf").read_text()  # root's run did fix


def test_a_temporary_file_that_cannot_be_created_is_said_by_the_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder turned unwritable after the run checked it (or a quota): the message names the
    file being fixed and says nothing was written."""
    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    monkeypatch.undo()
    assert config.read_text() == LITELLM
    assert result.errors == [
        f"cannot write {config}: Permission denied (creating a temporary file beside it); "
        "fix not written"
    ]
    assert result.changes == []  # nothing counted as fixed
    assert [f.code for f in result.findings] == ["LIT001"]


def test_a_symlinked_file_is_fixed_through_the_link(tmp_path: Path) -> None:
    """The fix goes to the file the link points to; the link stays a link. With both the link
    and its target in the tree, the file is checked (and written) once."""
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "config.yaml"
    target.write_text(LITELLM)
    link = tmp_path / "config.yaml"
    link.symlink_to("real/config.yaml")
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    assert not result.errors
    assert link.is_symlink() and os.readlink(link) == "real/config.yaml"
    assert target.read_text() == LITELLM_FIXED
    assert [Path(c.path) for c in result.changes] == [target]

    target.write_text(LITELLM)  # named alone: fixed through the link all the same
    result = lint([link], cwd=tmp_path, fix=True)
    assert not result.errors
    assert link.is_symlink() and target.read_text() == LITELLM_FIXED


def test_a_file_deleted_before_its_fix_is_written_is_not_recreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter import fixer  # (the runner imports write_change from it when it writes)

    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)
    real_write = fixer.write_change

    def delete_first(change, expected=None):  # type: ignore[no-untyped-def]
        os.unlink(change.path)
        return real_write(change, expected)

    monkeypatch.setattr(fixer, "write_change", delete_first)
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    assert not config.exists()
    assert any("No such file or directory" in error for error in result.errors), result.errors
    assert exit_status(result.findings, result.errors, False) == 2
    assert temporaries(tmp_path) == []


def test_a_file_changed_before_its_fix_is_written_keeps_the_new_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter import fixer  # (the runner imports write_change from it when it writes)

    config = tmp_path / "config.yaml"
    config.write_text(LITELLM)
    real_write = fixer.write_change

    def edit_first(change, expected=None):  # type: ignore[no-untyped-def]
        Path(change.path).write_text(LITELLM + "# edited meanwhile\n")
        return real_write(change, expected)

    monkeypatch.setattr(fixer, "write_change", edit_first)
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    assert config.read_text() == LITELLM + "# edited meanwhile\n"
    assert any("changed while it was being checked" in e for e in result.errors), result.errors


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_file_is_fixed_in_utf16(encoding: str, tmp_path: Path) -> None:
    """Decoded, fixed, and written back in its own encoding with its BOM; only the edit
    changes (LiteLLM also reports that it cannot read such a file, LIT000)."""
    bom = {"utf-16": b"", "utf-16-be": b"\xfe\xff", "utf-32": b""}[encoding]
    config = tmp_path / "config.yaml"
    config.write_bytes(bom + LITELLM.encode(encoding))
    before = config.read_bytes()
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    after = config.read_bytes()
    assert after[:4] == before[:4]  # the BOM
    assert after.decode(encoding if bom == b"" else "utf-16") == LITELLM_FIXED.lstrip("\ufeff") or (
        after[len(bom) :].decode(encoding) == LITELLM_FIXED
    )
    assert [f.code for f in result.findings] == ["LIT000"]


# -- the fix loop never misplaces an edit ---------------------------------------------------------


def test_two_identical_blocks_are_both_fixed_in_one_run(tmp_path: Path) -> None:
    """Two blocks that give findings with the same message. Once, the second block's fix was
    applied at offsets from before the first block's fix: `proxy_pass http://litellm` became
    `http://lit300sm`, and the check did not notice."""
    block = "http {\n    proxy_pass http://litellm;\n}\n"
    config = tmp_path / "nginx.conf"
    config.write_text(
        block + block.replace("litellm;\n", "litellm;\n    proxy_read_timeout 30s;\n")
    )
    result = lint([tmp_path], cwd=tmp_path, fix=True)
    fixed = "http {\n    proxy_pass http://litellm;\n    proxy_buffering off;\n    proxy_read_timeout 300s;\n}\n"
    assert config.read_text() == fixed + fixed
    assert result.findings == []
    assert lint([tmp_path], cwd=tmp_path, fix=True).changes == []


def test_fixes_tried_one_by_one_land_where_they_were_meant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toy_kind: None
) -> None:
    """A batch of fixes fails (the kind refuses one), so they are tried one at a time; those
    after a successful one must move by what it inserted."""
    from toykind.handler import ToyHandler

    real_verify = ToyHandler.verify_fix

    def refuse_the_second(self, before, after, edits):  # type: ignore[no-untyped-def]
        if [value for key, value, *_ in after.entries][1:2] == ["10"]:
            return "the second timeout must stay"
        return real_verify(self, before, after, edits)

    monkeypatch.setattr(ToyHandler, "verify_fix", refuse_the_second)
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\ntimeout = 2\ntimeout = 3\ncap = 1\n")
    result = lint([path], fix=True)
    assert path.read_text() == "timeout = 10\ntimeout = 2\ntimeout = 10\ncap = 1\n"
    assert [(f.code, f.line, f.fix_note) for f in result.findings] == [
        ("TOY001", 2, "fix not applied: the second timeout must stay")
    ]


# -- a fix is judged on the file as it will be read back ------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # Found by the property tests: removing the unused suppression brings the U+FEFF of
        # line 2 to the start, where the next read takes it for a byte-order mark (and nginx
        # refuses the file).
        ("nginx.conf", b"    # streamproof: ignore[NGX001] -- reason\n\xef\xbb\xbfhttp {\n}\n"),
        # Removing line 1 brings the coding line up to line 2, where Python honours it: the
        # UTF-8 "caf\xc3\xa9" would have been read back as Latin-1 "cafÃ©".
        (
            "app.py",
            b"# streamproof: ignore[PY001] -- handled\n#\n# -*- coding: latin-1 -*-\n"
            b'import openai\nname = "caf\xc3\xa9"\nc = openai.OpenAI()\n',
        ),
    ],
)
def test_a_fix_that_would_read_back_as_other_text_is_not_written(
    name: str, data: bytes, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = lint([path], cwd=tmp_path, fix=True)
    assert path.read_bytes() == data
    assert result.changes == [] and not result.errors
    assert [(f.code, f.fix_note) for f in result.findings] == [
        (
            "SP100",
            "fix not applied: the fixed file would be read back as other text (a byte-order "
            "mark or a coding line would start it)",
        )
    ]
