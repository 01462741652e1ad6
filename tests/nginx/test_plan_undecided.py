"""Grouping files whose kind the name leaves open (`*.conf`): the content test runs only where
its answer changes the units, and the units are those the tested files would give."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import lint

from linter.document import Claim, Unit
from linter.nginx import detect
from linter.nginx.handler import HANDLER
from linter.workspace import Workspace

TREE = {
    "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    "conf.d/app.conf": "server {\n    listen 80;\n    include snippets/proxy.conf;\n}\n",
    "conf.d/admin.conf": "server {\n    listen 81;\n}\n",
    "snippets/proxy.conf": "location / {\n    proxy_pass http://127.0.0.1:3000;\n}\n",
    # Linted alone, this one reaches a file that nginx.conf does not (its include resolves
    # against conf.d/ only when it is the main file): its content test decides.
    "conf.d/odd.conf": "server {\n    include local/x.conf;\n}\n",
    "conf.d/local/x.conf": "listen 84;\n",
    # Nothing includes these.
    "extra/standalone.conf": "server {\n    listen 82;\n}\n",
    "extra/redis.conf": "bind 127.0.0.1\nport 6379\n",
    "extra/supervisord.conf": "[program:x]\ncommand=/bin/true\n",
    # A file nothing includes that includes another.
    "other/site.conf": "server {\n    listen 83;\n    include parts/loc.conf;\n}\n",
    "other/parts/loc.conf": "location /x {\n    return 204;\n}\n",
    # A cycle (in a folder whose name says NGINX, so a snippet passes the content test).
    "nginx-loop/a.conf": "include b.conf;\nserver_tokens off;\n",
    "nginx-loop/b.conf": "include a.conf;\n",
}


def _write(root: Path, files: dict[str, str]) -> list[str]:
    paths = []
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        paths.append(str(target))
    return paths


def _claim(path: str, root: Path) -> bool:
    relpath = os.path.relpath(path, root)
    data = Path(path).read_bytes()
    return detect.claim(relpath, data, detect.claim_by_name(relpath))


def _view(units: list[Unit]) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [(u.path, u.report, u.group) for u in units]


def test_undecided_files_give_the_units_their_content_tests_would(tmp_path: Path) -> None:
    paths = _write(tmp_path, TREE)
    expected = HANDLER.plan([p for p in paths if _claim(p, tmp_path)], Workspace(str(tmp_path)))
    entries = [(p, detect.claim_by_name(os.path.relpath(p, tmp_path)) is Claim.YES) for p in paths]
    workspace = Workspace(str(tmp_path))
    units = HANDLER.plan_undecided(entries, workspace)
    # A unit whose content was not tested yet is tested where it is checked: it counts only
    # if it is NGINX.
    kept = [u for u in units if not u.unclaimed or _claim(u.path, tmp_path)]
    assert _view(kept) == _view(expected)
    assert {Path(u.path).name for u in units if u.unclaimed} == {
        "standalone.conf",
        "redis.conf",
        "supervisord.conf",
    }
    # The files nginx.conf includes were not parsed for this, but for odd.conf.
    parsed = {path for kind, path in workspace.trees if kind == "nginx"}
    included = [tmp_path / "conf.d/app.conf", tmp_path / "conf.d/admin.conf"]
    assert not parsed & {str(p) for p in [*included, tmp_path / "snippets/proxy.conf"]}
    assert str(tmp_path / "conf.d/odd.conf") in parsed


def test_a_file_that_includes_others_is_tested_before_grouping(tmp_path: Path) -> None:
    paths = _write(tmp_path, {k: v for k, v in TREE.items() if k.startswith("other/")})
    workspace = Workspace(str(tmp_path))
    units = HANDLER.plan_undecided([(p, False) for p in paths], workspace)
    assert _view(units) == _view(HANDLER.plan(paths, Workspace(str(tmp_path))))
    assert not any(u.unclaimed for u in units)


def test_a_run_checks_the_nginx_files_and_skips_the_others(tmp_path: Path) -> None:
    _write(tmp_path, TREE)
    result = lint([tmp_path], cwd=tmp_path)
    assert result.errors == []
    # nginx.conf (with conf.d), standalone.conf, other/site.conf and the cycle's first file:
    # redis.conf and supervisord.conf are not NGINX.
    assert result.files_checked == 4
    found = sorted(
        (f.code, Path(f.path).relative_to(tmp_path).as_posix(), f.line) for f in result.findings
    )
    # odd.conf's include is missing when nginx.conf includes it; the cycle is reported once.
    assert found == [("NGX000", "conf.d/odd.conf", 2), ("NGX000", "nginx-loop/a.conf", 1)]
