"""The README stays true: its rule table is the registry's."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO, in_ci, streamproof

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
    # CI runs that same test command, word for word, on its own line.
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci_lines


def test_the_quick_subset_the_readme_gives_leaves_out_exactly_the_nginx_and_slow_tests() -> None:
    """The README's quick command deselects by the markers the tests really carry: every test
    module that drives nginx (through tests/realnginx's harness) is marked `nginx`."""
    assert "python -m pytest -m 'not slow and not nginx'" in " ".join(readme().split())
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        imports_harness = re.search(r"^(?:from nginxrun import|import nginxrun)", text, re.M)
        drives_nginx = path.parent.name == "realnginx" or imports_harness is not None
        marked = re.search(r"^pytestmark = .*\bpytest\.mark\.nginx\b", text, re.M) is not None
        assert drives_nginx == marked, path


def test_no_test_reads_outside_the_repository() -> None:
    """No path is made above the checkout (the corpus beside it is scored by .ci/run)."""
    outside = re.compile(
        r"REPO\.parent|\.parent\.parent\.parent|/work/(shared|blind)|[\"']\.\./shared"
    )
    for path in sorted((REPO / "tests").rglob("*.py")):
        found = outside.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.relative_to(REPO)} reads outside the repository: {found}"


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


def test_the_finding_the_walkthrough_shows_is_what_check_prints() -> None:
    """The walk-through's sample finding, byte for byte in the output of its first check."""
    section = re.search(r"## Walk-through\n(.*?)\n## ", readme(), re.S)
    assert section
    [sample] = re.findall(r"```text\n(.*?)```", section.group(1), re.S)
    proc = streamproof("check", "examples/chat-proxy", cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    assert sample in proc.stdout
    count = re.search(r"Found (\d+) problems", proc.stdout)
    # The README says how many there are.
    assert count and count.group(1) == "13" and re.search(r"One of\s+the thirteen", readme())


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


# --- the CI jobs and the pre-commit entry, copy-pasted as they are ------------------------


def ci_section() -> str:
    match = re.search(r"### In CI\n(.*?)\n### ", readme(), re.S)
    assert match, "README.md lost its 'In CI' section"
    return match.group(1)


def yaml_blocks(text: str) -> list[Any]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def homepage() -> str:
    from linter.reporters.sarif import INFORMATION_URI

    return INFORMATION_URI


def test_ci_jobs_are_valid_yaml_that_install_this_project_and_upload_its_report() -> None:
    github, gitlab = yaml_blocks(ci_section())
    # GitHub Actions: a workflow whose job runs streamproof and uploads the SARIF it wrote.
    [job] = github["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    install, command = runs
    assert f"git+{homepage()}" in install
    assert command.startswith("streamproof check --output-format sarif ")
    written = command.split(">", 1)[1].strip()
    [upload] = [step for step in steps if str(step.get("uses", "")).startswith("github/codeql")]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == written
    assert upload["if"] == "always()"  # a file that fails to parse (exit 2) is still reported
    # GitLab CI: the report the script writes is the one declared as Code Quality.
    [job] = gitlab.values()
    install, command = job["script"]
    assert f"git+{homepage()}" in install
    assert command.startswith("streamproof check --output-format gitlab ")
    assert job["artifacts"]["reports"]["codequality"] == command.split(">", 1)[1].strip()
    assert job["artifacts"]["when"] == "always"


def test_pre_commit_entry_names_this_repository_its_version_and_a_hook_it_has() -> None:
    from linter import __version__

    section = re.search(r"### pre-commit\n(.*?)\n## ", readme(), re.S)
    assert section
    [config] = yaml_blocks(section.group(1))
    [repo] = config["repos"]
    assert repo["repo"] == homepage()
    assert repo["rev"] == f"v{__version__}"
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in repo["hooks"]} <= {hook["id"] for hook in hooks}


def ci_commands() -> list[str]:
    """Every streamproof command the CI section runs (the jobs' and the one-liner's)."""
    github, gitlab = yaml_blocks(ci_section())
    commands = [
        step["run"] for job in github["jobs"].values() for step in job["steps"] if "run" in step
    ]
    commands += [line for job in gitlab.values() for line in job["script"]]
    commands += re.findall(r"`- run: (streamproof [^`]*)`", ci_section())
    return [command for command in commands if command.startswith("streamproof ")]


def test_ci_commands_run_as_written_in_a_checkout_and_their_reports_parse(
    tmp_path: Path,
) -> None:
    """The jobs' commands, run in a checkout (a git repository holding the example project), as
    the CI runner would: the reports they write parse and point into the repository."""
    import json

    if shutil.which("git") is None:
        if in_ci():
            pytest.fail("the CI commands test needs git in CI")
        pytest.skip("git not installed")
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "examples" / "chat-proxy", checkout)
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    subprocess.run(["git", "-C", str(checkout), "add", "."], check=True)
    env = dict(os.environ, NO_COLOR="1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    commands = ci_commands()
    assert len(commands) == 3, commands
    outputs = {}
    for command in commands:
        proc = subprocess.run(
            ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True
        )
        # --exit-zero turns findings into 0; the others fail the step on findings, as meant.
        assert proc.returncode == (0 if "--exit-zero" in command else 1), proc.stderr
        assert proc.stderr == "", proc.stderr
        outputs[command] = proc.stdout
    sarif = json.loads((checkout / "streamproof.sarif").read_text(encoding="utf-8"))
    files = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert files == {"nginx/nginx.conf", "litellm/config.yaml", "app/chat.py"}
    gitlab = json.loads((checkout / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert {issue["location"]["path"] for issue in gitlab} == files
    [annotations] = [out for command, out in outputs.items() if "github" in command]
    assert all(line.startswith(("::error ", "::warning ")) for line in annotations.splitlines())
    assert len(annotations.splitlines()) == len(sarif["runs"][0]["results"])


# --- the performance targets, as the benchmark judges them --------------------------------


def test_performance_section_lists_every_target_the_benchmark_judges_with_its_verdict() -> None:
    match = re.search(r"## Performance\n(.*?)\n## ", readme(), re.S)
    assert match, "README.md lost its Performance section"
    section = match.group(1)
    # The command that measures the figures, runnable from the repository root.
    assert "tests/benchmarks/bench.py" in section
    assert (REPO / "tests" / "benchmarks" / "bench.py").is_file()
    bench = (REPO / "tests" / "benchmarks" / "bench.py").read_text(encoding="utf-8")
    judged = sorted(set(re.findall(r'add\(\s*"([^"]+)"', bench)))
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    rows = rows[1:]  # the header
    assert len(rows) == len(judged) == 9, (rows, judged)
    # Each row gives the bench's limit (2x, 10x, 3x, 150 ms, ...) and a verdict.
    for name in judged:
        limit = re.search(r"(\d+(?:\.\d+)?) ?(x|ms|MB)", name)
        assert limit, name
        number, unit = limit.groups()
        assert any(f"{number}{'' if unit == 'x' else ' '}{unit}" in row for row in rows), name
    verdicts = [row.rstrip(" |").rsplit("|", 1)[-1].strip() for row in rows]
    assert all(verdict.startswith(("PASS", "FAIL")) for verdict in verdicts), rows
