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


# -- the README's configuration, as written, against a released clone --------------------

COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", ".hypothesis",
)  # fmt: skip
IDENTITY = {
    "GIT_AUTHOR_NAME": "release manager",
    "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "release manager",
    "GIT_COMMITTER_EMAIL": "release@example.invalid",
}


def readme_pre_commit_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"### pre-commit\n(.*?)\n## ", text, re.S)
    assert section, "README.md lost its pre-commit section"
    return section.group(1)


def readme_config() -> str:
    [config] = re.findall(r"```yaml\n(.*?)```", readme_pre_commit_section(), re.S)
    return config


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", readme_pre_commit_section(), re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.slow
def test_the_readme_configuration_as_written_runs_against_a_released_clone(
    tmp_path: Path,
) -> None:
    """The release step tags a clone of this repository; the README's configuration, byte for
    byte, is installed in a new repository whose git reaches that clone under the README's URL
    (url.insteadOf); `git commit` then runs the hook. The commit the README says to pin until
    the tag exists works too, and `pre-commit autoupdate` moves it to the tag."""
    _require_tools()
    from linter.reporters.sarif import INFORMATION_URI

    clone = tmp_path / "streamproof"
    shutil.copytree(REPO, clone, ignore=COPY_IGNORED)
    env = dict(os.environ, NO_COLOR="1", PRE_COMMIT_HOME=str(tmp_path / "home"), **IDENTITY)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    # The README's URL, fetched from the clone (pre-commit passes GIT_CONFIG_* on to git).
    env.update(
        GIT_CONFIG_COUNT="1",
        GIT_CONFIG_KEY_0=f"url.{clone.as_uri()}.insteadOf",
        GIT_CONFIG_VALUE_0=INFORMATION_URI,
    )
    for command in ("git init -q -b main", "git add -A", "git commit -qm 'a release'"):
        assert shell(command, clone, env).returncode == 0, command
    # The release step, as the README names it, tags the version of pyproject.toml.
    from linter import __version__

    released = shell(f"{sys.executable} .ci/release.py", clone, env)
    assert released.returncode == 0, released.stderr
    assert released.stdout.startswith(f"tagged v{__version__} at ")
    again = shell(f"{sys.executable} .ci/release.py", clone, env)
    assert again.returncode == 1 and "exists already" in again.stderr

    project = tmp_path / "project"
    project.mkdir()
    (project / ".pre-commit-config.yaml").write_text(readme_config())
    (project / "app.conf").write_text(STREAMING_BUFFERED)
    assert shell("git init -q && git add -A", project, env).returncode == 0
    install, run_all, ls_remote = readme_commands()
    assert install.startswith("pre-commit install")
    assert shell(install, project, env).returncode == 0
    first = shell(run_all, project, env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "app.conf:3:5: NGX002" in first.stdout
    # The installed hook stops a commit with a finding, and lets the fixed file through.
    refused = shell("git commit -qm 'buffered'", project, env)
    assert refused.returncode == 1 and "app.conf:3:5: NGX002" in refused.stdout + refused.stderr
    (project / "app.conf").write_text(STREAMING_CLEAN)
    committed = shell("git add -A && git commit -qm 'unbuffered'", project, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr

    # Before a release: the commit the README's command prints, pinned as `rev:`.
    listed = shell(ls_remote, project, env)
    assert listed.returncode == 0, listed.stderr
    commit = listed.stdout.split()[0]
    assert commit == shell("git rev-parse HEAD", clone, env).stdout.strip()
    config = readme_config()
    pinned = re.sub(r"(?m)^(\s*rev:) \S+", rf"\g<1> {commit}", config)
    assert pinned != config
    (project / ".pre-commit-config.yaml").write_text(pinned)
    (project / "app.conf").write_text(STREAMING_BUFFERED)
    by_commit = shell(run_all, project, env)
    assert by_commit.returncode == 1 and "app.conf:3:5: NGX002" in by_commit.stdout
    updated = shell("pre-commit autoupdate", project, env)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (project / ".pre-commit-config.yaml").read_text() == config
