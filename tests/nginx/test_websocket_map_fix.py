"""NGX006 on the WebSocket map: the fix (unsafe) rewrites only the `''` entry's `close`; a map
whose `default` gives `close` is left to a person (it also answers values other than an
upgrade)."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.model import Applicability

UPSTREAM = "upstream app { server 127.0.0.1:4000; keepalive 8; }\n"
SERVER = (
    "server { listen 8080; location / { proxy_pass http://app; proxy_http_version 1.1;\n"
    "  proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $up; } }\n"
)


def _fixes(tmp_path: Path, map_body: str) -> list[object]:
    path = tmp_path / "nginx.conf"
    path.write_text(
        f"events {{}}\nhttp {{\nmap $http_upgrade $up {{ {map_body} }}\n{UPSTREAM}{SERVER}}}\n"
    )
    found = lint([path], cwd=tmp_path, select=["NGX006"]).findings
    assert [f.code for f in found] == ["NGX006"]
    return [f.fix for f in found]


def test_the_empty_key_entry_is_rewritten_by_an_unsafe_fix(tmp_path: Path) -> None:
    (fix,) = _fixes(tmp_path, "default upgrade; '' close;")
    assert fix is not None and fix.applicability is Applicability.UNSAFE  # type: ignore[attr-defined]
    path = tmp_path / "nginx.conf"
    original = path.read_text()
    # Without --unsafe-fixes nothing is written.
    lint([path], cwd=tmp_path, select=["NGX006"], fix=True, unsafe=False)
    assert path.read_text() == original
    assert not lint([path], cwd=tmp_path, select=["NGX006"], fix=True, unsafe=True).errors
    assert path.read_text() == original.replace("'' close;", "'' \"\";")
    assert not lint([path], cwd=tmp_path, select=["NGX006"]).findings


def test_a_default_close_gets_no_fix(tmp_path: Path) -> None:
    assert _fixes(tmp_path, "default close; websocket upgrade;") == [None]
