"""The README stays true: its rule table is the registry's."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, in_ci

from linter.ruledoc import rules_table


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry() -> None:
    match = re.search(r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", readme(), re.S)
    assert match, "README.md lost its rules-table markers"
    assert match.group(1) == rules_table(markdown=True), (
        "README rule table is stale: regenerate it with `python tests/test_readme.py`"
    )


def test_quick_start_is_exactly_two_commands() -> None:
    match = re.search(r"## Quick start\n\n```sh\n(.*?)```", readme(), re.S)
    assert match, "README.md must open with a Quick start code block"
    commands = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "streamproof check examples/chat-proxy" in commands[0]
    assert "pytest" in commands[1]


def update_rule_table() -> None:
    """`python tests/test_readme.py` rewrites the README's rule table from the registry."""
    path = REPO / "README.md"
    text = re.sub(
        r"(<!-- rules-table:start -->\n).*?(<!-- rules-table:end -->)",
        lambda m: m.group(1) + rules_table(markdown=True) + m.group(2),
        readme(),
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")


# --- the walk-through, run as a new user would --------------------------------------------

EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")
COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", ".ci", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", ".hypothesis",
)  # fmt: skip


def walkthrough_commands() -> list[tuple[str, int]]:
    section = re.search(r"## Walk-through\n(.*?)\n## ", readme(), re.S)
    assert section, "README.md lost its Walk-through section"
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section.group(1), re.S):
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = EXITS.search(line)
            commands.append((EXITS.sub("", line), int(match.group(1)) if match else 0))
    return commands


def test_walkthrough_covers_the_newcomer_path() -> None:
    text = "\n".join(command for command, _ in walkthrough_commands())
    for needed in (
        "pip install .",
        "streamproof check examples/chat-proxy",
        "streamproof rule ",
        "--fix",
        "pre-commit try-repo",
        "--output-format sarif",
        "streamproof audit",
    ):
        assert needed in text, needed


@pytest.mark.slow
def test_every_walkthrough_command_runs_on_a_fresh_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None:
        if in_ci():
            pytest.fail("the walk-through needs git and pre-commit in CI")
        pytest.skip("git or pre-commit not installed")
    clone = tmp_path / "streamproof"
    shutil.copytree(REPO, clone, ignore=COPY_IGNORED)
    git = ["git", "-c", "user.name=new user", "-c", "user.email=new@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=clone, check=True)
    subprocess.run([*git, "add", "-A"], cwd=clone, check=True)
    subprocess.run([*git, "commit", "-qm", "a fresh clone"], cwd=clone, check=True)
    # A fresh environment holds only what the walk-through installs; pre-commit (pinned in the
    # test extra) comes after it on PATH, as a tool the user already has.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = dict(os.environ, NO_COLOR="1", PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    env["PATH"] = os.pathsep.join(
        [str(venv / "bin"), str(Path(sys.executable).parent), env["PATH"]]
    )
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    for command, expected in walkthrough_commands():
        proc = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == expected, (
            f"{command!r} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    # What the walk-through promised is there.
    assert (clone / "streamproof.sarif").stat().st_size > 0
    assert "# streamproof audit" in (clone / "audit.md").read_text()


if __name__ == "__main__":
    update_rule_table()
