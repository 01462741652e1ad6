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
