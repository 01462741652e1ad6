"""Configuration files: nearest wins, unknown keys name the closest valid one, options convert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import codes_and_lines, lint

from linter import config, config_files, pathmatch
from linter.cli import main
from linter.config import SettingsResolver
from linter.config_files import ConfigError
from linter.parallel import PARALLEL_THRESHOLD
from linter.pathmatch import path_matches

pytestmark = pytest.mark.usefixtures("toy_kind")


def test_nearest_config_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.streamproof]\nignore = ["TOY002"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "streamproof.toml").write_text('ignore = ["TOY001"]\n')
    (tmp_path / "a.toy").write_text("timeout = 1\n")
    (sub / "b.toy").write_text("timeout = 1\n")
    found = {(Path(f.path).name, f.code) for f in lint([tmp_path], cwd=tmp_path).findings}
    assert found == {("a.toy", "TOY001"), ("b.toy", "TOY002")}


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text('ignore = ["TOY002"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (sub / "a.toy").write_text("timeout = 1\n")
    assert codes_and_lines(lint([sub / "a.toy"], cwd=tmp_path).findings) == [("TOY001", 1)]


def test_unknown_key_names_the_closest_and_its_line(tmp_path: Path) -> None:
    config = tmp_path / "streamproof.toml"
    config.write_text('# settings\nselct = ["TOY001"]\n')
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert "unknown key 'selct'; did you mean 'select'?" in str(info.value)
    assert (info.value.line, info.value.column) == (2, 1)


def test_unknown_rule_option_names_the_closest(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text("[rules.TOY001]\nminimun = 5\n")
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert "unknown option 'minimun'; did you mean 'minimum'?" in str(info.value)


def test_bad_option_value_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text('[rules.TOY001]\nminimum = "lots"\n')
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert "minimum" in str(info.value)


def test_rule_option_changes_the_threshold(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text("[rules.TOY001]\nminimum = 3\n")
    (tmp_path / "a.toy").write_text("timeout = 2\ntimeout = 4\ncap = 1\n")
    assert codes_and_lines(lint([tmp_path / "a.toy"], cwd=tmp_path).findings) == [("TOY001", 1)]


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    (tmp_path / ".streamproof.toml").write_text('select = ["TOY001"\n')
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert info.value.line >= 1 and "invalid TOML" in info.value.message


def test_toml_nested_too_deeply_is_a_config_error(tmp_path: Path) -> None:
    """tomllib recurses per level: 5,000 nested arrays raised RecursionError (a crash)."""
    (tmp_path / "streamproof.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert info.value.message == "invalid TOML: arrays or tables nested too deeply"


@pytest.mark.parametrize(
    ("line", "key", "pattern"),
    [
        ('exclude = ["ok/", "[z-a]"]', "exclude", "[z-a]"),
        ('extend-exclude = ["[z-a]"]', "extend-exclude", "[z-a]"),
        ('[per-file-ignores]\n"[z-a].toy" = ["TOY001"]', "per-file-ignores", "[z-a].toy"),
    ],
)
def test_a_glob_that_cannot_match_is_a_config_error(
    tmp_path: Path, line: str, key: str, pattern: str
) -> None:
    """A bad range in a pattern was a crash (re.error) when the first file was matched."""
    (tmp_path / "streamproof.toml").write_text("# paths\n" + line + "\n")
    (tmp_path / "a.toy").write_text("timeout = 1\n")
    with pytest.raises(ConfigError) as info:
        lint([tmp_path], cwd=tmp_path)
    assert info.value.message == f"{key!r}: bad pattern {pattern!r}: bad character range z-a"
    assert info.value.line == 2


def test_unknown_rule_in_select_names_the_closest(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text('select = ["TOY01"]\n')
    with pytest.raises(ConfigError) as info:
        SettingsResolver(cwd=str(tmp_path)).for_path(str(tmp_path / "a.toy"))
    assert "did you mean 'TOY001'" in str(info.value)


def test_select_by_prefix_and_name(tmp_path: Path) -> None:
    path = tmp_path / "a.toy"
    path.write_text("timeout = 1\n")
    assert codes_and_lines(lint([path], select=["TOY00"]).findings) == [
        ("TOY001", 1),
        ("TOY002", 1),
    ]
    assert codes_and_lines(lint([path], select=["toy-cap"]).findings) == [("TOY002", 1)]


def test_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text('[per-file-ignores]\n"legacy/*.toy" = ["TOY001"]\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "a.toy").write_text("timeout = 1\ncap = 1\n")
    (tmp_path / "b.toy").write_text("timeout = 1\ncap = 1\n")
    found = {Path(f.path).name for f in lint([tmp_path], cwd=tmp_path).findings}
    assert found == {"b.toy"}


def test_exclude_applies_to_walked_files_and_to_explicit_ones_only_when_forced(
    tmp_path: Path,
) -> None:
    from linter.config import SettingsResolver
    from linter.runner import RunOptions, run

    (tmp_path / "streamproof.toml").write_text('exclude = ["generated/"]\n')
    (tmp_path / "generated").mkdir()
    target = tmp_path / "generated" / "a.toy"
    target.write_text("timeout = 1\ncap = 1\n")
    resolver = SettingsResolver(cwd=str(tmp_path))
    assert run([str(tmp_path)], resolver, RunOptions()).findings == []
    assert len(run([str(target)], resolver, RunOptions()).findings) == 1
    assert run([str(target)], resolver, RunOptions(force_exclude=True)).findings == []


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a/b/c.conf", "b/", True),
        ("a/b/c.conf", "c.conf", True),
        ("a/b/c.conf", "a/*.conf", False),
        ("a/b/c.conf", "a/b/*.conf", True),
        ("a/b/c.conf", "/a/", True),
        ("b.conf", "b/", False),
        ("x/node_modules/y.py", "node_modules", True),
        ("a/[]/c.conf", "[]", True),  # an empty class is no class: the name itself
        ("a/x/c.conf", "[]", False),
        ("a/b/c.conf", "[!a]", True),
    ],
)
def test_path_patterns(path: str, pattern: str, expected: bool) -> None:
    assert path_matches(path, pattern) is expected


@pytest.mark.parametrize(
    "base", ["/work/repo", "/work/repo/", "/", "/work/./repo", "/work//repo", "/work/x/../repo"]
)
def test_relative_posix_is_what_relpath_gives(base: str) -> None:
    """The shortcut for a file below the folder gives what os.path.relpath gives, and every
    other shape of path still goes through relpath."""
    import os

    paths = [
        "/work/repo/a.py",
        "/work/repo/deep/er/b.py",
        "/work/repo",
        "/work/repo/",
        "/work/repository/c.py",
        "/work/repo/./d.py",
        "/work/repo/x/../e.py",
        "/work/repo//f.py",
        "/work/repo/g/.",
        "/work/repo/h/..",
        "/elsewhere/i.py",
        "/work/repo/..",
        "//work/repo/j.py",
        "relative/k.py",
    ]
    for path in paths:
        assert pathmatch.relative_posix(path, base) == os.path.relpath(path, base), (path, base)


def test_config_lookup_shared_by_folders_gives_each_its_nearest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the answers of the folders already seen, each folder is looked into once, and
    every folder still gets the nearest config at or above it."""
    (tmp_path / "pyproject.toml").write_text("[tool.streamproof]\nignore = []\n")
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "b" / "streamproof.toml").write_text("ignore = []\n")
    (tmp_path / "a" / "x").mkdir(parents=True)
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "pyproject.toml").write_text("[tool.black]\n")  # not ours
    folders = [
        tmp_path / "a" / "b" / "c",
        tmp_path / "a" / "x",
        tmp_path / "a",
        tmp_path / "d" / "e",
        tmp_path / "a" / "b",
        tmp_path / "d",
        tmp_path,
    ]
    expected = {str(f): config_files.find_config_file(str(f)) for f in folders}
    assert expected[str(tmp_path / "a" / "b" / "c")] == str(
        tmp_path / "a" / "b" / "streamproof.toml"
    )
    assert expected[str(tmp_path / "d" / "e")] == str(tmp_path / "pyproject.toml")
    looked: list[str] = []
    real = config_files._config_in
    monkeypatch.setattr(
        config_files, "_config_in", lambda folder: looked.append(folder) or real(folder)
    )
    known: dict[str, str | None] = {}
    for folder in folders:
        assert config_files.find_config_file(str(folder), known) == expected[str(folder)]
    assert sorted(looked) == sorted(set(looked))  # no folder looked into twice
    assert (
        str(tmp_path / "a") in looked
        and known[str(tmp_path / "a" / "x")] == expected[str(tmp_path / "a" / "x")]
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_many_explicit_files_resolve_config_once_per_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """As pre-commit calls it: every file named on the command line, in one process. Configs
    are looked up once per folder and read once per file, in worker processes too (a log file
    counts the calls of every process)."""
    log = tmp_path / "calls.log"
    real_find, real_read = config.find_config_file, config.read_config_file

    def logged(kind: str, real):  # type: ignore[no-untyped-def]
        def call(path: str, *rest):  # type: ignore[no-untyped-def]
            with open(log, "a") as handle:
                handle.write(json.dumps([kind, path]) + "\n")
            return real(path, *rest)

        return call

    monkeypatch.setattr(config, "find_config_file", logged("find", real_find))
    monkeypatch.setattr(config, "read_config_file", logged("read", real_read))
    project = tmp_path / "project"
    folders = [project / "a", project / "a" / "deep", project / "b"]
    (project / "b").mkdir(parents=True)
    (project / "b" / "streamproof.toml").write_text('ignore = ["TOY002"]\n')
    (project / "pyproject.toml").write_text('[tool.streamproof]\nignore = ["TOY003"]\n')
    files = []
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(PARALLEL_THRESHOLD // 2):
            path = folder / f"f{number:02}.toy"
            path.write_text("timeout = 1\n")
            files.append(str(path.relative_to(project)))
    monkeypatch.chdir(project)
    result = CliRunner().invoke(
        main, ["check", "--output-format", "json", "-j", jobs, *files], catch_exceptions=False
    )
    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert len(found) == len(files) * 2 - PARALLEL_THRESHOLD // 2  # TOY002 ignored under b/
    calls = [tuple(json.loads(line)) for line in log.read_text().splitlines()]
    finds = sorted(path for kind, path in calls if kind == "find")
    reads = sorted(path for kind, path in calls if kind == "read")
    assert finds == sorted(str(folder) for folder in folders)
    assert reads == sorted(
        [str(project / "pyproject.toml"), str(project / "b" / "streamproof.toml")]
    )
