"""Version pins read with ``packaging``: requirement lines as pip reads them, Poetry's
constraints, the specifier kept for range rules, and starlette/fastapi read from lock files."""

from __future__ import annotations

from pathlib import Path

from linter.python.pins import find_pins, lowest_allowed, parse_version, specifier_set
from linter.workspace import Workspace


def test_requirement_lines_with_extras_markers_and_hashes(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "fastapi[standard]==0.115.6 ; python_version >= '3.9' \\\n"
        "    --hash=sha256:0123abcd\n"
        "Starlette >= 0.40, < 0.47  # range\n"
        "-e ./local\n"
        "openai @ https://example.invalid/openai.whl\n"
    )
    pins = find_pins(str(tmp_path / "app.py"), Workspace(str(tmp_path)), ("fastapi", "starlette"))
    assert pins["fastapi"].version == (0, 115, 6)
    assert pins["fastapi"].specifier == "==0.115.6"
    assert pins["fastapi"].line == 1
    assert pins["starlette"].version == (0, 40)
    assert specifier_set(pins["starlette"].specifier) == specifier_set("<0.47,>=0.40")
    assert pins["starlette"].line == 3


def test_invalid_requirement_lines_are_no_evidence(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("starlette=>0.40\nfastapi>=0.110 and more\n")
    assert find_pins(str(tmp_path / "a.py"), Workspace(str(tmp_path)), ("starlette",)) == {}


def test_poetry_caret_and_tilde_become_ranges() -> None:
    assert specifier_set("^0.46.1") == specifier_set(">=0.46.1,<0.47")
    assert specifier_set("^1.2") == specifier_set(">=1.2,<2")
    assert specifier_set("~1.2.3") == specifier_set(">=1.2.3,<1.3")
    assert specifier_set("~1") == specifier_set(">=1,<2")
    assert lowest_allowed("^0.46.1") == (0, 46, 1)
    assert specifier_set("=>1") is None


def test_lowest_allowed_and_versions() -> None:
    assert lowest_allowed(">0.45") == (0, 46)
    assert lowest_allowed("==0.45.*") == (0, 45)
    assert lowest_allowed("!=1.0,<2") is None
    assert parse_version("v1.2.3rc1") == (1, 2, 3)
    assert parse_version("not a version") is None


def test_starlette_and_fastapi_from_each_lock_file(tmp_path: Path) -> None:
    entry = '[[package]]\nname = "{}"\nversion = "{}"\n'
    for lock in ("uv.lock", "poetry.lock"):
        folder = tmp_path / lock.split(".")[0]
        folder.mkdir()
        (folder / lock).write_text(
            entry.format("fastapi", "0.110.0") + "\n" + entry.format("starlette", "0.36.3")
        )
        pins = find_pins(
            str(folder / "main.py"), Workspace(str(tmp_path)), ("starlette", "fastapi")
        )
        assert pins["starlette"].specifier == "==0.36.3", lock
        assert pins["starlette"].line == 6, lock  # the name line of its entry
        assert pins["fastapi"].version == (0, 110, 0), lock
    pipfile = tmp_path / "pipenv"
    pipfile.mkdir()
    (pipfile / "Pipfile.lock").write_text(
        '{"default": {\n "starlette": {\n  "hashes": [],\n  "version": "==0.46.2"\n }\n}}\n'
    )
    pins = find_pins(str(pipfile / "main.py"), Workspace(str(tmp_path)), ("starlette",))
    assert pins["starlette"].version == (0, 46, 2)
    assert pins["starlette"].line == 2


def test_a_folder_read_for_one_package_set_still_answers_another(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("openai==2.8.1\nstarlette==0.45.3\n")
    workspace = Workspace(str(tmp_path))
    assert set(find_pins(str(tmp_path / "a.py"), workspace, ("openai",))) == {"openai"}
    pins = find_pins(str(tmp_path / "a.py"), workspace, ("starlette", "fastapi"))
    assert pins["starlette"].version == (0, 45, 3)


def test_pyproject_poetry_table_keeps_the_range(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "^0.109.0"\n'
    )
    pins = find_pins(str(tmp_path / "a.py"), Workspace(str(tmp_path)), ("fastapi",))
    assert pins["fastapi"].line == 3
    assert specifier_set(pins["fastapi"].specifier) == specifier_set(">=0.109.0,<0.110")


def test_allows_only_below_a_version() -> None:
    from linter.python.pins import allows_only_below

    for spec in ("==3.23.0", "~=3.40", "<4", ">=3.0,<3.50", "==3.*", "^3.20"):
        assert allows_only_below(spec, (4,)), spec
    # Version 4 or later allowed, no bound at all, or not a specifier.
    for spec in ("<=4", "<4.0.1", ">=3.23", "==4.*", ">=3,<5", "", "bad!"):
        assert not allows_only_below(spec, (4,)), spec
