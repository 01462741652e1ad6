"""Nested configuration: whether a folder is excluded is decided by the settings in force where
the walk meets it, so an outer `exclude` covers a folder with a config of its own, as in ruff
(the layout is run through ruff itself below, and both must leave out the same files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import streamproof

# Flagged by streamproof (PY002: no output cap) and by ruff (F401: `os` is unused).
FLAGGED = (
    "import os\n"
    "from openai import OpenAI\n\n"
    "client = OpenAI()\n"
    'for chunk in client.chat.completions.create(model="m", messages=[], stream=True):\n'
    "    print(chunk)\n"
)
FILES = (
    "src/app.py",
    "src/app.gen.py",
    "examples/chat-proxy/app/chat.py",
    "examples/chat-proxy/chat.gen.py",
    "examples/chat-proxy/vendor/lib.py",
    "examples/other/b.py",
)


def layout(root: Path, outer: list[str], inner: list[str]) -> Path:
    """A repository whose root config excludes ``outer`` and whose examples/chat-proxy has a
    config of its own excluding ``inner``: both tools' settings in the same files."""

    def table(tool: str, patterns: list[str]) -> str:
        return f"[tool.{tool}]\nexclude = [{', '.join(repr(p) for p in patterns)}]\n"

    (root / "pyproject.toml").write_text(table("ruff", outer) + table("streamproof", outer))
    (root / "examples" / "chat-proxy").mkdir(parents=True)
    (root / "examples" / "chat-proxy" / "pyproject.toml").write_text(
        table("ruff", inner) + table("streamproof", inner)
    )
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(FLAGGED)
    return root


def streamproof_files(root: Path, *args: str) -> set[str]:
    proc = streamproof("check", "--select", "PY002", "--output-format", "concise", *args, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return {line.split(":")[0] for line in proc.stdout.splitlines() if ": PY002 " in line}


FORMAT = ("--output-format", "concise")


def ruff_files(root: Path, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F401", *FORMAT, *args],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return {line.split(":")[0] for line in proc.stdout.splitlines() if " F401 " in line}


LAYOUTS = {
    # The case: the root excludes examples/, which holds a project with its own config.
    "outer folder": (["examples/"], []),
    # The folder with the config, named by the outer one.
    "outer names the nested folder": (["examples/chat-proxy"], []),
    # An outer pattern does not reach into a folder another config governs...
    "outer glob": (["*.gen.py"], []),
    "outer path into the nested folder": (["examples/chat-proxy/vendor/"], []),
    # ... which its own config does, relative to itself.
    "inner excludes": ([], ["vendor/", "*.gen.py"]),
}
RUNS = {
    "the whole tree": (".",),
    "the nested folder named": ("examples/chat-proxy",),
    "its parent named": ("examples",),
    "a file named": ("examples/chat-proxy/vendor/lib.py", "src/app.gen.py"),
    # --force-exclude (the pre-commit hook's): a named path is judged by the settings in force
    # for it, a folder's own config when it has one.
    "every file named, forced": ("--force-exclude", *FILES),
    "the nested folder named, forced": ("--force-exclude", "examples/chat-proxy"),
    "its parent named, forced": ("--force-exclude", "examples"),
}


@pytest.mark.parametrize("run", list(RUNS), ids=list(RUNS))
@pytest.mark.parametrize("name", list(LAYOUTS), ids=list(LAYOUTS))
def test_the_files_left_out_are_the_ones_ruff_leaves_out(
    tmp_path: Path, name: str, run: str
) -> None:
    root = layout(tmp_path, *LAYOUTS[name])
    assert streamproof_files(root, *RUNS[run]) == ruff_files(root, *RUNS[run])


def test_from_the_root_an_outer_exclude_covers_a_folder_with_its_own_config(
    tmp_path: Path,
) -> None:
    root = layout(tmp_path, ["examples/"], [])
    assert streamproof_files(root) == {"src/app.py", "src/app.gen.py"}
    # Named on the command line, the project is checked with its own settings.
    assert streamproof_files(root, "examples/chat-proxy") == {
        "examples/chat-proxy/app/chat.py",
        "examples/chat-proxy/chat.gen.py",
        "examples/chat-proxy/vendor/lib.py",
    }


def test_force_exclude_judges_a_named_file_by_its_own_folders_config(tmp_path: Path) -> None:
    """As ruff does: the pre-commit hook checks a file of a folder that has its own config by
    that config alone, although a run over the whole tree leaves the folder out."""
    root = layout(tmp_path, ["examples/", "*.gen.py"], ["vendor/"])
    assert streamproof_files(root) == {"src/app.py"}
    assert streamproof_files(root, "--force-exclude", *FILES) == {
        "src/app.py",
        "examples/chat-proxy/app/chat.py",
        "examples/chat-proxy/chat.gen.py",
    }
    assert streamproof_files(root, *FILES) == set(FILES)  # without it, named means checked


@pytest.mark.parametrize(
    "path", ["a/b/c.conf", "b.conf", "x/node_modules/y.py", "a/[]/c.conf", "deep/er/gen/x.gen.py"]
)
@pytest.mark.parametrize(
    "pattern", ["b/", "c.conf", "a/*.conf", "a/b/*.conf", "/a/", "node_modules", "[]", "*.gen.py"]
)
def test_a_path_matches_when_it_or_a_folder_on_its_way_matches_as_an_entry(
    path: str, pattern: str
) -> None:
    """The walk judges entries one at a time; together they say what path_matches says."""
    from linter.pathmatch import entry_matches, path_matches

    parts = path.split("/")
    folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
    by_entries = any(entry_matches(f, pattern, folder=True) for f in folders) or entry_matches(
        path, pattern, folder=False
    )
    assert by_entries is path_matches(path, pattern)
