"""Where `--add-ignore` puts an ignore comment in an NGINX file: at the end of the line, but
never inside a quoted string that runs over several lines or inside a Lua block."""

from __future__ import annotations

from pathlib import Path

from helpers import lint, streamproof

from linter.config import default_settings
from linter.document import Unit
from linter.nginx.context import Stmt
from linter.nginx.handler import HANDLER
from linter.nginx.model import NginxDocument
from linter.workspace import Workspace

SITE = """\
server {
    listen 8080;
    location /v1/chat/completions {
        proxy_pass http://127.0.0.1:4000;
        proxy_read_timeout 30s; add_header Content-Security-Policy "default-src 'self';
            script-src 'self'";
        proxy_buffering off;
    }
    location /stream {
        proxy_pass http://127.0.0.1:4000; proxy_buffering off; proxy_read_timeout 20s; header_filter_by_lua_block {
            ngx.header["X-Test"] = "1"
        }
    }
    location /sse {
        proxy_pass http://127.0.0.1:4000;
        proxy_buffering off;
        proxy_read_timeout 10s;
    }
}
"""
COMMENT = "# streamproof: ignore[NGX001] -- why"


def load(path: Path) -> NginxDocument:
    workspace = Workspace(root=str(path.parent))
    document = HANDLER.load(Unit("nginx", str(path)), workspace, default_settings())
    assert isinstance(document, NginxDocument)
    return document


def test_a_plain_line_gets_a_trailing_comment_first_then_one_above(tmp_path: Path) -> None:
    path = tmp_path / "site.conf"
    path.write_text(SITE)
    document = load(path)
    edits = HANDLER.suppression_edits(document, str(path), 17, COMMENT)
    text = path.read_text()
    results = [text[: e.start] + e.content + text[e.end :] for e in edits]
    assert [r.splitlines()[16] for r in results] == [
        f"        proxy_read_timeout 10s;  {COMMENT}",
        f"        {COMMENT}",
    ]


def test_no_comment_inside_a_multi_line_string_or_a_lua_block(tmp_path: Path) -> None:
    path = tmp_path / "site.conf"
    path.write_text(SITE)
    document = load(path)
    text = path.read_text()
    for line in (5, 10):
        edits = HANDLER.suppression_edits(document, str(path), line, COMMENT)
        # Only the comment on its own line above is offered.
        assert len(edits) == 1 and edits[0].start == document.source.offset(line, 1), edits
        assert edits[0].content.strip() == COMMENT
    # The line where the string ends: only at its end (the line above ends inside the string).
    (edit,) = HANDLER.suppression_edits(document, str(path), 6, COMMENT)
    assert edit.start == document.source.offset(7, 1) - 1 and edit.content == "  " + COMMENT
    # A line inside the Lua body cannot be covered at all.
    assert HANDLER.suppression_edits(document, str(path), 11, COMMENT) == []
    assert text == path.read_text()


def test_add_ignore_keeps_strings_and_lua_intact(tmp_path: Path) -> None:
    path = tmp_path / "site.conf"
    path.write_text(SITE)
    proc = streamproof("check", "--add-ignore", "site.conf", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = path.read_text()
    assert "script-src 'self'\";" in after and "'self';\n            script-src" in after
    assert "header_filter_by_lua_block {\n            ngx.header" in after
    assert after.count("# streamproof: ignore[NGX001]") == 3
    assert lint([path], cwd=tmp_path).findings == []
    # The strings nginx reads are unchanged.
    before_args = [d.args for d in load_words(SITE, tmp_path / "a.conf")]
    after_args = [d.args for d in load_words(after, tmp_path / "b.conf")]
    assert before_args == after_args


def load_words(text: str, path: Path) -> list[Stmt]:
    path.write_text(text)
    return [s for s in load(path).statements() if s.directive is not None]
