"""Includes through a compose service's bind mounts: the main config's absolute include takes
the files the service mounts there, whatever their names in the repository; a site given alone
is linted through the main config the same service mounts (linter/nginx/mounts.py)."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.nginx.mounts import mounted_files

MAIN = """\
events {}
http {
    upstream pool {
        server app:3000;
        keepalive 16;
    }
    include /etc/nginx/conf.d/*.conf;
}
"""
SITE = """\
server {
    listen 80;
    location /files/ {
        proxy_pass http://pool;
    }
}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _compose(volumes: list[str]) -> str:
    lines = "".join(f"      - {volume}\n" for volume in volumes)
    return f"services:\n  edge:\n    image: nginx:alpine\n    volumes:\n{lines}"


def test_a_site_mounted_under_another_name_is_linted_through_the_main_config(
    tmp_path: Path,
) -> None:
    compose = _compose(
        [
            "./deploy/main.conf:/etc/nginx/nginx.conf:ro",
            "./deploy/site.conf:/etc/nginx/conf.d/default.conf:ro",
        ]
    )
    _write(tmp_path, {"compose.yaml": compose, "deploy/main.conf": MAIN, "deploy/site.conf": SITE})
    for given in (tmp_path / "deploy/site.conf", tmp_path / "deploy/main.conf", tmp_path):
        result = lint([given], cwd=tmp_path, select=["NGX006"])
        assert [(Path(f.path).name, f.line) for f in result.findings] == [("site.conf", 3)], given


def test_without_the_mount_the_site_lends_the_upstream_nothing(tmp_path: Path) -> None:
    compose = _compose(["./deploy/main.conf:/etc/nginx/nginx.conf:ro"])
    _write(tmp_path, {"compose.yaml": compose, "deploy/main.conf": MAIN, "deploy/site.conf": SITE})
    result = lint([tmp_path / "deploy/site.conf"], cwd=tmp_path, select=["NGX006"])
    assert result.findings == []


def test_a_mounted_folder_is_globbed_in_the_containers_order(tmp_path: Path) -> None:
    _write(
        tmp_path, {"sites/b.conf": "", "sites/a.conf": "", "sites/notes.txt": "", "one.conf": ""}
    )
    mounts = (
        ("/etc/nginx/conf.d", str(tmp_path / "sites")),
        ("/etc/nginx/conf.d/zz.conf", str(tmp_path / "one.conf")),
        ("/etc/nginx/nginx.conf", str(tmp_path / "missing.conf")),
    )
    found = mounted_files("/etc/nginx/conf.d/*.conf", mounts)
    assert found == [
        str(tmp_path / "sites/a.conf"),
        str(tmp_path / "sites/b.conf"),
        str(tmp_path / "one.conf"),
    ]
    assert mounted_files("/etc/nginx/other/*.conf", mounts) == []
