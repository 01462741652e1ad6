"""The pre-commit hooks, run for real with `pre-commit try-repo` against this repository."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import REPO, in_ci

from linter.cli import main

STREAMING_BUFFERED = """\
server {
    listen 8080;
    location /v1/chat/completions {
        proxy_pass http://127.0.0.1:4000;
        proxy_read_timeout 600s;
    }
}
"""
# What the safe fix of NGX002 writes: the directive goes after the proxy_pass it governs.
STREAMING_CLEAN = STREAMING_BUFFERED.replace("4000;\n", "4000;\n        proxy_buffering off;\n")


def _require_tools() -> None:
    missing = [name for name in ("git",) if shutil.which(name) is None]
    if importlib.util.find_spec("pre_commit") is None:
        missing.append("pre-commit")
    if missing:
        if in_ci():
            pytest.fail(f"CI needs {', '.join(missing)} for the pre-commit test")
        pytest.skip(f"{', '.join(missing)} not installed")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, home: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--files", *files],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _require_tools()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "app.conf").write_text(STREAMING_BUFFERED)
    (tmp_path / "clean.conf").write_text(STREAMING_CLEAN)
    (tmp_path / "notes.md").write_text("# not ours\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    return tmp_path


def test_check_hook_fails_on_a_finding_and_passes_on_a_clean_file(
    project: Path, pre_commit_home: Path
) -> None:
    failing = try_repo(project, pre_commit_home, "streamproof", "app.conf")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.conf:3:5: NGX002" in failing.stdout
    passing = try_repo(project, pre_commit_home, "streamproof", "clean.conf", "notes.md")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "NGX" not in passing.stdout


def test_fix_hook_changes_the_file_and_the_next_run_passes(
    project: Path, pre_commit_home: Path
) -> None:
    fixing = try_repo(project, pre_commit_home, "streamproof-fix", "app.conf")
    assert fixing.returncode == 1, "pre-commit fails a run whose hook modified files"
    assert "files were modified by this hook" in fixing.stdout
    assert (project / "app.conf").read_text() == STREAMING_CLEAN
    again = try_repo(project, pre_commit_home, "streamproof", "app.conf")
    assert again.returncode == 0, again.stdout + again.stderr
    # The fix hook itself now passes and leaves the file alone.
    fixed_again = try_repo(project, pre_commit_home, "streamproof-fix", "app.conf")
    assert fixed_again.returncode == 0, fixed_again.stdout + fixed_again.stderr
    assert (project / "app.conf").read_text() == STREAMING_CLEAN


def test_many_files_are_checked_by_one_streamproof_process(
    project: Path, pre_commit_home: Path
) -> None:
    """require_serial: pre-commit hands every file to one process (without it, it starts one
    per CPU, each with its own share, and each prints its own summary)."""
    names = [f"app{number}.conf" for number in range(8)]
    for name in names:
        (project / name).write_text(STREAMING_BUFFERED)
    subprocess.run(["git", "-C", str(project), "add", "."], check=True)
    failing = try_repo(project, pre_commit_home, "streamproof", *names)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert re.findall(r"^Found .*$", failing.stdout, re.M) == [
        "Found 8 problems (8 fixable with --fix)."
    ]
    for name in names:
        assert f"{name}:3:5: NGX002" in failing.stdout


# -- the manifest itself --------------------------------------------------------------------


def manifest() -> dict[str, dict[str, object]]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_pre_commit_accepts_the_manifest() -> None:
    _require_tools()
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hooks_check_and_fix_serially_with_flags_that_exist() -> None:
    hooks = manifest()
    assert set(hooks) == {"streamproof", "streamproof-fix"}
    assert hooks["streamproof"]["entry"] == "streamproof check --force-exclude"
    assert hooks["streamproof-fix"]["entry"] == "streamproof check --force-exclude --fix"
    for hook in hooks.values():
        # One process for all the files: the engine follows NGINX includes across the set and
        # runs its own worker processes for large sets.
        assert hook["require_serial"] is True
        assert hook["language"] == "python"
        assert hook["files"] == hooks["streamproof"]["files"]
    help_text = CliRunner().invoke(main, ["check", "--help"]).stdout
    for flag in ("--force-exclude", "--fix"):
        assert flag in help_text


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        # The three kinds, as the example project and common layouts name them.
        ("examples/chat-proxy/nginx/nginx.conf", True),
        ("deploy/nginx.conf", True),
        ("nginx.conf", True),
        ("etc/nginx/sites-enabled/default", True),
        ("etc/nginx/conf.d/chat", True),
        ("nginx/snippets.nginx", True),
        ("templates/default.conf.template", True),
        ("examples/chat-proxy/litellm/config.yaml", True),
        ("proxy_config.yml", True),
        ("examples/chat-proxy/app/chat.py", True),
        ("deploy/site.conf", True),
        ("x.nginx", True),
        ("deploy/nginx/api", True),
        ("etc/sites-available/default", True),
        ("sites-enabled/default", True),
        # Not ours.
        ("README.md", False),
        ("pyproject.toml", False),
        ("app/chat.pyc", False),
        ("notes/nginx.conf.md", False),
        ("docs/notes.txt", False),
        ("package.json", False),
    ],
)
def test_files_pattern_covers_the_three_kinds(path: str, matched: bool) -> None:
    # pre-commit matches `files` with re.search on the path relative to the repository.
    assert bool(re.search(str(manifest()["streamproof"]["files"]), path)) is matched


def test_all_files_run_follows_the_files_pattern_and_the_exclude_setting(
    project: Path, pre_commit_home: Path
) -> None:
    # Found by the hook's pattern: a site file without an extension and a file under nginx/.
    (project / "sites-enabled").mkdir()
    (project / "sites-enabled" / "default").write_text(STREAMING_BUFFERED)
    (project / "deploy" / "nginx").mkdir(parents=True)
    (project / "deploy" / "nginx" / "api").write_text(STREAMING_BUFFERED)
    # Named by pre-commit but excluded by the project's config: --force-exclude drops it.
    (project / "vendor").mkdir()
    (project / "vendor" / "upstream.conf").write_text(STREAMING_BUFFERED)
    (project / "pyproject.toml").write_text('[tool.streamproof]\nexclude = ["vendor/"]\n')
    subprocess.run(["git", "-C", str(project), "add", "."], check=True)
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "streamproof", "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        env=dict(os.environ, PRE_COMMIT_HOME=str(pre_commit_home), NO_COLOR="1"),
        timeout=900,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    reported = {line.split(":")[0] for line in run.stdout.splitlines() if ": NGX002 " in line}
    assert reported == {"app.conf", "sites-enabled/default", "deploy/nginx/api"}, run.stdout
