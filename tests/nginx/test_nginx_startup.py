"""Start-up cost of one NGINX file (what a pre-commit hook passes): the readers of other kinds
of evidence (compose files and YAML, app servers' launches, Python apps) are imported only once
a file of that kind is found around the config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import REPO

_READERS = ("yaml", "linter.server.composefile", "linter.server.front", "linter.server.apps")

_MAIN = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n"
# A loopback route below `/` (the project's apps are searched for handlers matched by path)
# and `proxy_buffering off` on a path that is no streaming endpoint (the project's code is
# read for whether anything streams).
_SITE = (
    "server {\n"
    "    listen 80;\n"
    "    location /v1/chat/completions {\n"
    "        proxy_pass http://127.0.0.1:8000;\n"
    "        proxy_read_timeout 30s;\n"
    "    }\n"
    "    location /admin/ {\n"
    "        proxy_pass http://127.0.0.1:9000;\n"
    "        proxy_buffering off;\n"
    "    }\n"
    "}\n"
)
_COMPOSE = (
    "services:\n"
    "  proxy:\n"
    "    image: nginx\n"
    "    volumes:\n"
    "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf\n"
    "      - ./nginx/conf.d:/etc/nginx/conf.d\n"
)


def _loaded(tree: Path, target: str) -> tuple[str, str]:
    code = (
        "import sys\nfrom linter.cli import main\n"
        "try:\n    main(['check', '--output-format', 'concise', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, target],
        capture_output=True,
        text=True,
        cwd=tree,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    return proc.stdout, proc.stderr.strip().splitlines()[-1]


def _tree(tmp_path: Path, compose: bool) -> Path:
    (tmp_path / "nginx" / "conf.d").mkdir(parents=True)
    (tmp_path / "nginx" / "nginx.conf").write_text(_MAIN)
    (tmp_path / "nginx" / "conf.d" / "chat.conf").write_text(_SITE)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "util.py").write_text("def add(a, b):\n    return a + b\n")
    if compose:
        (tmp_path / "docker-compose.yml").write_text(_COMPOSE)
    return tmp_path


def test_one_nginx_file_without_compose_or_apps_loads_none_of_their_readers(
    tmp_path: Path,
) -> None:
    out, modules = _loaded(_tree(tmp_path, compose=False), "nginx/conf.d/chat.conf")
    # The check ran, through nginx.conf, and looked for the project's apps both ways.
    assert "chat.conf:5:9: NGX001" in out and "included from nginx/nginx.conf:3" in out
    assert "'linter.server.nodebackends'" in modules
    assert "'linter.server.quietproject'" in modules
    assert [m for m in _READERS if f"'{m}'" in modules] == []


def test_a_compose_file_around_the_config_is_read(tmp_path: Path) -> None:
    out, modules = _loaded(_tree(tmp_path, compose=True), "nginx/conf.d/chat.conf")
    assert "chat.conf:5:9: NGX001" in out
    assert "'yaml'" in modules and "'linter.server.composefile'" in modules


_UPSTREAM_SITE = (
    "upstream chat_api {\n"
    "    server 127.0.0.1:8000;\n"
    "}\n"
    "server {\n"
    "    listen 80;\n"
    "    location /v1/chat/completions {\n"
    "        proxy_pass http://chat_api;\n"
    "        proxy_read_timeout 30s;\n"
    "    }\n"
    "}\n"
)


def test_routes_to_upstream_blocks_only_read_no_app_for_path_matching(tmp_path: Path) -> None:
    # A route to an `upstream {}` is never linked to the project's apps by path: with only
    # such routes below `/`, the tree is not searched for streaming handlers (on a large tree
    # that search was most of a pre-commit call's time).
    tree = _tree(tmp_path, compose=False)
    (tree / "nginx" / "conf.d" / "chat.conf").write_text(_UPSTREAM_SITE)
    out, modules = _loaded(tree, "nginx/conf.d/chat.conf")
    assert "chat.conf:8:9: NGX001" in out
    assert "'linter.server.nodebackends'" not in modules
