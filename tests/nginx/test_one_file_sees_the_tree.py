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
