"""An absolute include whose deployed path is not the repository's layout: the file of the same
name beside the includer, else the only one in the tree, is read, and the run says which."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.nginx.handler import HANDLER
from linter.workspace import Workspace

NGINX_CONF = """\
events {}
http {
    include /etc/nginx/upstreams/pool.conf;
    server {
        listen 8080;
        location /api/ {
            proxy_pass http://pool;
        }
    }
}
"""
POOL = "upstream pool {\n    server 10.0.0.5:11434;\n}\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def test_the_file_beside_the_includer_is_used_and_named(tmp_path: Path) -> None:
    _write(tmp_path, {"nginx/nginx.conf": NGINX_CONF, "nginx/pool.conf": POOL})
    result = lint([tmp_path], cwd=tmp_path, select=["NGX000", "NGX001", "NGX005"])
    notes = [f for f in result.findings if f.code == "NGX000"]
    assert [(n.severity.value, n.line) for n in notes] == [("info", 3)]
    assert "is not at nginx/upstreams/pool.conf; using nginx/pool.conf" in notes[0].message
    assert "beside the including file" in notes[0].message
    # What the upstream says (Ollama's port) now makes /api/ a streaming route.
    assert {f.code for f in result.findings} == {"NGX000", "NGX001", "NGX005"}


def test_a_name_found_twice_elsewhere_is_not_guessed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"nginx/nginx.conf": NGINX_CONF, "a/pool.conf": POOL, "b/pool.conf": POOL},
    )
    result = lint([tmp_path], cwd=tmp_path, select=["NGX000", "NGX001", "NGX005"])
    main = [f for f in result.findings if Path(f.path).name == "nginx.conf"]
    assert [f.code for f in main] == ["NGX000"]
    assert "not found" in main[0].message
    # Each copy, linted on its own, is an upstreams-only fragment judged on its own evidence.
    assert sorted(Path(f.path).parent.name for f in result.findings if f.code == "NGX005") == [
        "a",
        "b",
    ]


def test_a_relative_include_is_not_redirected(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx/nginx.conf": NGINX_CONF.replace(
                "/etc/nginx/upstreams/pool.conf", "up/pool.conf"
            ),
            "elsewhere/pool.conf": POOL,
        },
    )
    result = lint([tmp_path], cwd=tmp_path, select=["NGX000", "NGX001"])
    assert [f.code for f in result.findings] == ["NGX000"]
    assert "not found" in result.findings[0].message


def test_the_fragment_given_alone_is_linted_through_its_includer(tmp_path: Path) -> None:
    """pre-commit passes only pool.conf: it is found to be reached (through the fallback) from
    nginx.conf, and linted there, so its upstream is judged with the route that uses it."""
    _write(tmp_path, {"nginx/nginx.conf": NGINX_CONF, "nginx/pool.conf": POOL})
    pool = tmp_path / "nginx" / "pool.conf"
    units = HANDLER.plan([str(pool)], Workspace(str(tmp_path)))
    assert [(Path(u.path).name, [Path(p).name for p in u.report]) for u in units] == [
        ("nginx.conf", ["pool.conf"])
    ]
    result = lint([pool], cwd=tmp_path, select=["NGX005"])
    assert [(Path(f.path).name, f.code) for f in result.findings] == [("pool.conf", "NGX005")]
    assert "location /api/ is a streaming route" in result.findings[0].message
