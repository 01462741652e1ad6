"""A fix is written only when the tree changed exactly where the edits meant it to."""

from __future__ import annotations

from pathlib import Path

from linter.config import default_settings
from linter.document import Unit
from linter.fixer import apply_edits
from linter.model import Edit
from linter.nginx.handler import HANDLER
from linter.workspace import Workspace

TEXT = (
    "http {\n    server {\n        location / {\n"
    "            proxy_pass http://a;\n        }\n    }\n}\n"
)


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "nginx.conf"
    workspace = Workspace(root=str(tmp_path))
    workspace.overlay[str(path)] = text
    path.write_text(TEXT)
    return HANDLER.load(Unit("nginx", str(path)), workspace, default_settings())


def _check(tmp_path: Path, edit_at: str, content: str) -> str | None:
    path = str(tmp_path / "nginx.conf")
    offset = TEXT.index(edit_at) + len(edit_at)
    edit = Edit(path, offset, offset, content)
    before = _load(tmp_path, TEXT)
    after = _load(tmp_path, apply_edits(TEXT, [edit]))
    return HANDLER.verify_fix(before, after, [edit])


def test_an_inserted_directive_is_accepted(tmp_path: Path) -> None:
    assert _check(tmp_path, "proxy_pass http://a;", "\n            proxy_buffering off;") is None


def test_an_edit_that_moves_statements_to_another_block_is_refused(tmp_path: Path) -> None:
    reason = _check(tmp_path, "location / {", " }")
    assert reason is not None and "proxy_pass" in reason


def test_edits_that_only_add_or_change_their_own_text_are_accepted(tmp_path: Path) -> None:
    reason = _check(tmp_path, "proxy_pass http://a", "b")
    assert reason is None  # the edit is inside proxy_pass itself: that statement was meant
    reason = _check(tmp_path, "location / {\n", "            listen 1;\n")
    assert reason is None
    reason = _check(tmp_path, "http {\n", "    include x.conf;\n    ")
    assert reason is None


EVERY_RULE = """\
events {}
http {
    gzip on;
    gzip_types text/event-stream application/json;
    proxy_cache_path /tmp/cache keys_zone=llm:1m;
    upstream litellm {
        server 127.0.0.1:4000;
    }
    server {
        listen 127.0.0.1:8080;
        proxy_set_header Host $host;
        location /v1/chat/completions {
            proxy_pass http://litellm;
            proxy_cache llm;
            proxy_cache_methods GET HEAD POST;
            proxy_cache_valid 200 10m;
        }
    }
}
"""
# Every fix, one run: NGX005 adds keepalive to the upstream (with a keepalive_timeout below
# LiteLLM's uvicorn idle timeout, so NGX007 never appears), which makes NGX006 appear (HTTP/1.0
# and no Connection header, fixed together, the server's Host header copied along); NGX004,
# NGX002, NGX001 and NGX003 insert at the same place and take turns over the passes.
EVERY_RULE_FIXED = EVERY_RULE.replace(
    "        server 127.0.0.1:4000;\n",
    "        server 127.0.0.1:4000;\n        keepalive 16;\n        keepalive_timeout 4s;\n",
).replace(
    "            proxy_pass http://litellm;\n            proxy_cache llm;\n",
    "            proxy_pass http://litellm;\n"
    "            proxy_http_version 1.1;\n"
    "            proxy_set_header Host $host;\n"
    '            proxy_set_header Connection "";\n'
    "            gzip off;\n"
    "            proxy_buffering off;\n"
    "            proxy_read_timeout 300s;\n"
    "            proxy_cache off;\n",
)


def test_every_fix_of_one_location_reaches_a_fixed_point_in_one_run(tmp_path: Path) -> None:
    from helpers import lint

    path = tmp_path / "nginx.conf"
    path.write_text(EVERY_RULE)
    first = lint([path], cwd=tmp_path, fix=True, unsafe=True)
    assert not first.errors
    assert path.read_text() == EVERY_RULE_FIXED
    # Nothing left: not even NGX007 (the keep-alive race the keepalive alone would open).
    assert sorted(f.code for f in first.findings) == []
    second = lint([path], cwd=tmp_path, fix=True, unsafe=True)
    assert not second.changes and path.read_text() == EVERY_RULE_FIXED
