"""nginx's inheritance: scalars by nesting level, arrays replaced, unknown never a default."""

from __future__ import annotations

from pathlib import Path

from linter.config import default_settings
from linter.document import Unit
from linter.nginx.effective import header_value, lookup, lookup_array
from linter.nginx.handler import HANDLER
from linter.nginx.model import NginxDocument
from linter.workspace import Workspace


def _document(tmp_path: Path, text: str) -> NginxDocument:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    document = HANDLER.load(
        Unit("nginx", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    assert isinstance(document, NginxDocument)
    return document


def _location(document: NginxDocument, path: str):  # type: ignore[no-untyped-def]
    return next(s for s in document.statements() if s.name == "location" and s.args[-1] == path)


def test_scalar_inherits_by_nesting_not_by_order(tmp_path: Path) -> None:
    document = _document(
        tmp_path,
        (
            "http {\n"
            "    proxy_read_timeout 100s;\n"
            "    server {\n"
            "        location /a { proxy_pass http://x; }\n"
            "        location /b { proxy_pass http://x; proxy_read_timeout 5s; }\n"
            "        proxy_read_timeout 200s;\n"
            "    }\n"
            "}\n"
        ),
    )
    a = lookup(_location(document, "/a"), "proxy_read_timeout", "60s")
    assert a.value == "200s" and a.inherited and a.level is not None and a.level.name == "server"
    assert a.describe(str(tmp_path)) == "200s, inherited from server {} (set at nginx.conf:6)"
    b = lookup(_location(document, "/b"), "proxy_read_timeout", "60s")
    assert b.value == "5s" and not b.inherited
    server = _location(document, "/a").parent
    assert lookup(server.parent, "proxy_read_timeout", "60s").value == "100s"


def test_default_when_nothing_sets_it(tmp_path: Path) -> None:
    document = _document(tmp_path, "http { server { location / { proxy_pass http://x; } } }\n")
    found = lookup(_location(document, "/"), "proxy_buffering", "on")
    assert found.is_default and found.value == "on"
    assert "nginx's default on" in found.describe(str(tmp_path))


def test_one_array_directive_drops_every_inherited_one(tmp_path: Path) -> None:
    document = _document(
        tmp_path,
        (
            "http {\n"
            "  server {\n"
            "    proxy_set_header Host $host;\n"
            '    proxy_set_header Connection "";\n'
            "    location /own { proxy_pass http://x; proxy_set_header X-Real-IP $remote_addr; }\n"
            "    location /inherits { proxy_pass http://x; }\n"
            "  }\n"
            "}\n"
        ),
    )
    own = lookup_array(_location(document, "/own"), "proxy_set_header")
    assert [s.args[0] for s in own.stmts] == ["X-Real-IP"] and not own.inherited
    assert header_value(own, "connection") is None
    inherited = lookup_array(_location(document, "/inherits"), "proxy_set_header")
    assert [s.args[0] for s in inherited.stmts] == ["Host", "Connection"] and inherited.inherited
    assert header_value(inherited, "CONNECTION") is not None


def test_include_is_textual(tmp_path: Path) -> None:
    (tmp_path / "snippet.conf").write_text("proxy_read_timeout 900s;\n")
    document = _document(
        tmp_path, "http { server { location / { proxy_pass http://x; include snippet.conf; } } }\n"
    )
    found = lookup(_location(document, "/"), "proxy_read_timeout", "60s")
    assert found.value == "900s" and found.level is _location(document, "/")
    assert (
        found.describe(str(tmp_path)) == "900s, set at snippet.conf:1 (included from nginx.conf:1)"
    )


def test_placeholder_statement_makes_its_level_unknown(tmp_path: Path) -> None:
    document = _document(
        tmp_path,
        (
            "http {\n  server {\n    ${EXTRA_SETTINGS}\n"
            "    location / { proxy_pass http://x; }\n  }\n}\n"
        ),
    )
    found = lookup(_location(document, "/"), "proxy_read_timeout", "60s")
    assert not found.known and "${EXTRA_SETTINGS}" in found.describe(str(tmp_path))
    headers = lookup_array(_location(document, "/"), "proxy_set_header")
    assert not headers.known
