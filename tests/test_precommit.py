"""The pre-commit hooks, run for real with `pre-commit try-repo` against this repository."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, in_ci

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


def test_hook_definition_matches_the_documented_contract() -> None:
    import re

    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["streamproof"]
    assert hook["entry"] == "streamproof check --force-exclude"
    files = re.compile(hook["files"])
    for name in (
        "nginx.conf",
        "deploy/site.conf",
        "x.nginx",
        "deploy/nginx/api",
        "conf.d/chat",
        "etc/sites-available/default",
        "sites-enabled/default",
        "templates/app.conf.template",
        "litellm/config.yaml",
        "proxy.yml",
        "src/client.py",
    ):
        assert files.search(name), name
    for name in ("README.md", "docs/notes.txt", "package.json"):
        assert not files.search(name), name


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
