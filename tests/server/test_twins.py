"""A Kubernetes container that runs a published image (not built in the tree) with the app a
launch line of the tree launches: its app is read from the tree (linter/server/twins.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import REPO, streamproof

from linter.server.twins import own_image

FIXTURES = REPO / "fixtures" / "nginx" / "NGX002"


@pytest.mark.parametrize(
    ("image", "own"),
    [
        ("acme/answers:2.1.0", True),
        ("ghcr.io/acme/answers:2.1.0", True),
        ("localhost:5000/acme/answers", True),
        ("acme/answers@sha256:abc", True),
        ("python:3.12-slim", False),
        ("library/python:3.12", False),
        ("docker.io/library/python:3.12", False),
        ("ghcr.io/answers:1", False),  # a registry and a bare name: no owner says whose
    ],
)
def test_own_image_is_an_owners_image_not_an_official_base(image: str, own: bool) -> None:
    assert own_image(image) is own


def _app_rows(tmp_path: Path, fixture: str) -> dict[str, dict[str, str]]:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / fixture, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    proc = streamproof("audit", "--format", "json", ".", cwd=tree)
    assert proc.returncode in (0, 1), proc.stderr
    sections = json.loads(proc.stdout)["sections"]
    rows = next(s["rows"] for s in sections if s["title"] == "App servers")
    return {row["path"]: {v["label"]: v["text"] for v in row["values"]} for row in rows}


def test_published_image_with_the_tree_apps_command_is_read_from_the_tree(
    tmp_path: Path,
) -> None:
    rows = _app_rows(tmp_path, "bad_cluster_container_runs_published_image_of_tree_app")
    container = rows["deploy/answers.yaml"]
    assert "app/chatsvc/server.py:14" in container["streaming endpoints"]
    assert "acme/answers:2.1.0 is not built here" in container["launched by"]
    assert "Dockerfile CMD (app/Dockerfile:5)" in container["launched by"]


@pytest.mark.parametrize(
    "fixture",
    [
        "good_cluster_container_runs_base_image_with_tree_app_name",
        "good_cluster_container_app_named_by_two_tree_apps",
    ],
)
def test_base_image_or_two_apps_of_the_name_link_nothing(tmp_path: Path, fixture: str) -> None:
    container = _app_rows(tmp_path, fixture)["deploy/answers.yaml"]
    assert "server.py" not in container["streaming endpoints"]
    assert "not built here" not in container["launched by"]
