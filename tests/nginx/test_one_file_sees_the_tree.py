"""A pre-commit call on one NGINX config answers as a whole-tree run does: the app behind a
route (its compose service and launch line, elsewhere in the tree) is found either way."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import lint

FIXTURE = Path(__file__).parents[2] / "fixtures/nginx/NGX002/bad_compose_app_streams"


def _found(result, name: str) -> list[tuple[str, int, str]]:
    return sorted((f.code, f.line, f.message) for f in result.findings if f.path.endswith(name))


def test_one_config_alone_sees_the_app_its_tree_launches(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURE, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    whole = _found(lint([tree], cwd=tree), "default.conf")
    alone = _found(lint([tree / "nginx/default.conf"], cwd=tree), "default.conf")
    assert any(code == "NGX002" for code, _, _ in whole), whole
    assert alone == whole


SIBLING = (
    Path(__file__).parents[2] / "fixtures/nginx/NGX002/bad_compose_elsewhere_mounts_the_config"
)


def test_one_config_alone_sees_the_compose_file_that_mounts_it_from_a_sibling_folder(
    tmp_path: Path,
) -> None:
    """The compose file lies in docker/, the config in deploy/nginx/: neither above the other.
    Called on the config alone, the run still finds the compose file (it writes the config's
    path) and the app its service launches, as the whole-tree run does."""
    tree = tmp_path / "repo"
    shutil.copytree(SIBLING, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    whole = _found(lint([tree], cwd=tree), "nginx.conf")
    alone = _found(lint([tree / "deploy/nginx/nginx.conf"], cwd=tree), "nginx.conf")
    assert [(code, line) for code, line, _ in whole] == [("NGX002", 12)], whole
    assert "compose service `backend`" in whole[0][2]
    assert alone == whole


UNBUFFERED = Path(__file__).parents[2] / "fixtures/nginx/NGX002/bad_compose_app_unbuffers_mitigated"


def test_one_config_alone_sees_that_the_app_unbuffers_its_streams(tmp_path: Path) -> None:
    """The app behind the route sends `X-Accel-Buffering: no` itself: NGX002 says so (as info,
    mitigated) on the config alone as on the whole tree (both runs see the app's launch and
    its answers)."""
    tree = tmp_path / "repo"
    shutil.copytree(UNBUFFERED, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    configs = sorted(tree.rglob("*.conf"))
    assert len(configs) == 1
    whole = _found(lint([tree], cwd=tree, select=["NGX002"]), configs[0].name)
    alone = _found(lint([configs[0]], cwd=tree, select=["NGX002"]), configs[0].name)
    assert [(code, line) for code, line, _ in whole] == [("NGX002", 7)], whole
    assert "api:8000 sends `X-Accel-Buffering: no`" in whole[0][2], whole[0][2]
    assert "mitigated at run time (reported as info)" in whole[0][2], whole[0][2]
    assert alone == whole


TWO_DOWN = Path(__file__).parents[2] / "fixtures/nginx/NGX002/bad_compose_two_down_settings_port"


def test_one_config_alone_sees_a_compose_file_two_folders_down(tmp_path: Path) -> None:
    """The compose file lies in docker/compose/ (two folders below the top) and mounts
    `../../enterprise/nginx/nginx.conf`; its app reads its port from a settings object.
    Called on the config alone, the run finds both, as the whole-tree run does."""
    tree = tmp_path / "repo"
    shutil.copytree(TWO_DOWN, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    whole = _found(lint([tree], cwd=tree), "nginx.conf")
    alone = _found(lint([tree / "enterprise/nginx/nginx.conf"], cwd=tree), "nginx.conf")
    assert [(code, line) for code, line, _ in whole] == [("NGX002", 14)], whole
    assert "config.PORT" in whole[0][2] and "settings.py" in whole[0][2], whole[0][2]
    assert alone == whole
