"""An app module the image holds under a package name of its own (``WORKDIR /app`` +
``COPY ./ ./backend/`` run as ``backend.main:app``): found in the folder copied, and the
finding says which COPY links them."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import lint

FIXTURES = Path(__file__).parents[2] / "fixtures/nginx/NGX002"


def _messages(tmp_path: Path, name: str) -> list[str]:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURES / name, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    result = lint([tree], cwd=tree, select=["NGX002"])
    return [f.message for f in result.findings]


def test_the_copy_that_makes_the_package_is_named(tmp_path: Path) -> None:
    [message] = _messages(tmp_path, "bad_dockerfile_copies_app_as_package")
    assert (
        "(`backend.main` is backend/main.py: the image copies backend/ to /app/backend/ "
        "(backend/Dockerfile:6))" in message
    ), message
    assert "backend/routes.py:14" in message, message


def test_a_compose_command_run_in_the_image_uses_its_packages(tmp_path: Path) -> None:
    [message] = _messages(tmp_path, "bad_compose_command_in_image_package")
    assert "the image copies server/ to /app/backend/ (server/Dockerfile:6)" in message, message


def test_a_package_the_installed_project_puts_in_a_subfolder_is_found(tmp_path: Path) -> None:
    """`pip install .` of a project whose pyproject.toml maps `chatweb` to web/chatweb/: the
    launch's `chatweb.server:app` is that folder's module, and the finding says why."""
    tree = tmp_path / "repo"
    shutil.copytree(
        Path(__file__).parents[2] / "fixtures/server/SRV002/bad_installed_package_in_subfolder",
        tree,
        ignore=shutil.ignore_patterns("*.fixed"),
    )
    [finding] = lint([tree], cwd=tree, select=["SRV002"]).findings
    assert (
        "pyproject.toml puts package `chatweb` in web/chatweb/ and Dockerfile:5 installs the "
        "project" in finding.message
    ), finding.message


def test_which_run_lines_install_the_project() -> None:
    from linter.server.installed import installs_project

    for line in (
        "pip install .",
        "pip install --no-cache-dir -e '.[rag,postgres]'",
        "python -m pip install --upgrade pip && pip3 install -e .",
        "uv pip install --system .",
        "uv sync --frozen",
        "poetry install --only main",
    ):
        assert installs_project(line), line
    for line in (
        "pip install -r requirements.txt",
        "pip install ./vendor/x.whl",
        "pip install .venv",
    ):
        assert not installs_project(line), line
