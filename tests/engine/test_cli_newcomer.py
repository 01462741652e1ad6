"""What a new user types: one option name in check and audit, `-` for standard input, the
summaries of --diff and --fix on one stream, and a note for a named file that is not read."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import streamproof

STREAMING_BUFFERED = """\
server {
    listen 8080;
    location /v1/chat/completions {
        proxy_pass http://127.0.0.1:4000;
        proxy_read_timeout 600s;
    }
}
"""
STREAMING_CLEAN = STREAMING_BUFFERED.replace("4000;\n", "4000;\n        proxy_buffering off;\n")
UNCAPPED_PYTHON = (
    "from openai import OpenAI\n\n"
    "client = OpenAI()\n"
    'stream = client.chat.completions.create(model="m", messages=[], stream=True)\n'
)


# -- item 4: --output-format in both commands, --format kept as its other name --------------


@pytest.mark.parametrize("command", ["check", "audit"])
def test_check_and_audit_take_output_format_and_format_alike(tmp_path: Path, command: str) -> None:
    (tmp_path / "nginx.conf").write_text(STREAMING_BUFFERED)
    fmt = "json"  # a format both commands have
    long = streamproof(command, "--output-format", fmt, "nginx.conf", cwd=tmp_path)
    short = streamproof(command, "--format", fmt, "nginx.conf", cwd=tmp_path)
    assert long.returncode == short.returncode == 1, long.stderr + short.stderr
    assert long.stdout == short.stdout and long.stdout.startswith(("[", "{"))
    assert "--output-format" in streamproof(command, "--help").stdout


# -- item 4: `-` reads standard input ------------------------------------------------------


def test_dash_reads_standard_input_and_the_content_says_its_kind(tmp_path: Path) -> None:
    proc = streamproof(
        "check", "--output-format", "concise", "-", cwd=tmp_path, stdin=STREAMING_BUFFERED.encode()
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("-:3:5: NGX002 "), proc.stdout


def test_stdin_filename_names_the_kind_of_what_dash_reads(tmp_path: Path) -> None:
    # Python is known by its name: without one, the content alone does not make it Python.
    unnamed = streamproof("check", "-", cwd=tmp_path, stdin=UNCAPPED_PYTHON.encode())
    assert unnamed.returncode == 0 and unnamed.stdout == ""
    named = streamproof(
        "check", "--output-format", "concise", "--stdin-filename", "app/chat.py", "-",
        cwd=tmp_path, stdin=UNCAPPED_PYTHON.encode(),
    )  # fmt: skip
    assert named.returncode == 1, named.stderr
    assert named.stdout.startswith("app/chat.py:4:10: PY002 "), named.stdout
    assert not (tmp_path / "app").exists()


def test_dash_among_other_paths_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(STREAMING_BUFFERED)
    proc = streamproof("check", "-", "nginx.conf", cwd=tmp_path, stdin=b"")
    assert proc.returncode == 2
    assert proc.stderr == "streamproof: error: `-` (standard input) must be the only path\n"


def test_stdin_filename_says_which_paths_it_ignores(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(STREAMING_BUFFERED)
    proc = streamproof(
        "check", "--output-format", "concise", "--stdin-filename", "x.conf", "nginx.conf",
        cwd=tmp_path, stdin=STREAMING_CLEAN.encode(),
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == ""  # the clean text from stdin, not the file
    assert "ignoring nginx.conf: --stdin-filename reads standard input" in proc.stderr


# -- item 4: --diff and --fix say what they did on the same stream --------------------------


def test_diff_and_fix_summaries_go_to_stderr_and_the_diff_applies_as_printed(
    tmp_path: Path,
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    (tmp_path / "nginx.conf").write_text(STREAMING_BUFFERED)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    diff = streamproof("check", "--diff", "nginx.conf", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert diff.stderr == "Would fix 1 problem in 1 file.\n"
    # stdout is the diff alone: git takes it as it is.
    (tmp_path / "fix.patch").write_text(diff.stdout)
    check = subprocess.run(
        ["git", "apply", "--check", "fix.patch"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    fixed = streamproof("check", "--fix", "nginx.conf", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert (fixed.stdout, fixed.stderr) == ("", "Fixed 1, 0 remaining.\n")
    assert (tmp_path / "nginx.conf").read_text() == STREAMING_CLEAN


# -- item 5: a named file that no kind reads is said, and the exit status stays --------------


NOT_READ = {
    "README.md": ("# notes\n", "not a kind of file streamproof reads (NGINX configuration, "),
    "logo.png": ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it is binary"),
    "empty.yaml": ("", "it is empty"),
    # (NGINX is named too: a ConfigMap may hold an nginx.conf.)
    "ci.yml": ("jobs:\n  test: {}\n", "LiteLLM proxy YAML"),
}


def test_each_named_file_no_kind_reads_gets_a_note_and_the_exit_status_stays(
    tmp_path: Path,
) -> None:
    for name, (text, _) in NOT_READ.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
    (tmp_path / "plain.py").write_text("print('no client here')\n")
    alone = streamproof("check", *NOT_READ, "plain.py", cwd=tmp_path)
    assert alone.returncode == 0 and alone.stdout == ""
    notes = alone.stderr.splitlines()
    assert len(notes) == len(NOT_READ), alone.stderr  # a Python file is read: no note
    for name, (_, why) in NOT_READ.items():
        [note] = [n for n in notes if n.startswith(f"streamproof: note: {name} not checked: ")]
        assert why in note, note
    # With a finding beside them, the status is the finding's.
    (tmp_path / "nginx.conf").write_text(STREAMING_BUFFERED)
    mixed = streamproof(
        "check", "--output-format", "concise", "nginx.conf", *NOT_READ, cwd=tmp_path
    )
    assert mixed.returncode == 1
    assert mixed.stdout.startswith("nginx.conf:3:5: NGX002 ")
    assert len(mixed.stderr.splitlines()) == len(NOT_READ)


def test_files_found_by_walking_a_folder_get_no_note(tmp_path: Path) -> None:
    for name, (text, _) in NOT_READ.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
    proc = streamproof("check", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
