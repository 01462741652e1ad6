"""A run given files skips the stack when none of them can hold an XL finding
(linter/stack/hosts.py): which Python modules can, and that no file of the stack fixtures said
to hold none holds one in a whole-tree run (nor in a run given it alone)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import REPO, lint

from linter.server import pyread
from linter.server.model import HYPERCORN_KEYS
from linter.stack.hosts import may_hold_findings
from linter.workspace import Workspace

FIXTURES = REPO / "fixtures" / "stack"
TREES = sorted(p.relative_to(FIXTURES) for p in FIXTURES.glob("XL*/*") if p.is_dir())


def holds(tmp_path: Path, name: str, text: str) -> bool:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return may_hold_findings(str(path), name, Workspace(str(tmp_path)))


def test_an_ordinary_module_cannot(tmp_path: Path) -> None:
    text = (
        "import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(timeout=60)\n"
        "TIMEOUT = 30\n\n\ndef run(workers):\n    timeout = 5\n    return workers + timeout\n"
    )
    assert not holds(tmp_path, "app/models.py", text)


@pytest.mark.parametrize(
    "text",
    [
        'client = OpenAI(base_url="http://litellm:4000")\n',  # a client fact
        'URL = "http://proxy/v1/chat/completions"\n',
        "import uvicorn\n\nuvicorn.run(app, timeout_keep_alive=5)\n",  # a launch
        "from uvicorn import run\n",
        '"""Run: python -m app.main"""\n',  # an entry script's command
        "#!/bin/sh\nexec gunicorn app:app\n",
        "if DEBUG:\n    keepalive = 5\n",  # a gunicorn config's setting
        "keep_alive_timeout: float = 5\n",  # hypercorn's (file: config)
        "x = workers = 4\n",
        "x = 1\ndef f(:\n",  # unparsable: not judged
    ],
)
def test_a_module_that_may(tmp_path: Path, text: str) -> None:
    assert holds(tmp_path, "app/conf.py", text)


@pytest.mark.parametrize("name", sorted(pyread.CONFIG_NAMES | set(HYPERCORN_KEYS)))
def test_every_setting_a_config_reader_looks_up_counts(tmp_path: Path, name: str) -> None:
    # Derived from the readers' own tables: a name added there is covered here too.
    assert holds(tmp_path, "conf.py", f"import os\n\n{name} = os.environ.get('X', '5')\n")


def test_other_files_always_may(tmp_path: Path) -> None:
    assert holds(tmp_path, "gunicorn.conf.py", "import os\n")  # a launch file by its name
    assert holds(tmp_path, "nginx/default.conf", "events {}\n")
    (tmp_path / "wide.py").write_bytes("x = 1\n".encode("utf-16"))
    assert may_hold_findings(str(tmp_path / "wide.py"), "wide.py", Workspace(str(tmp_path)))


def copy(tmp_path: Path, tree: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / tree, root)
    (root / "pyproject.toml").write_text("[tool.streamproof]\n")  # the repository's root
    return root


def xl(root: Path, path: Path) -> set[tuple[str, str, int]]:
    return {
        (f.code, Path(f.path).relative_to(root).as_posix(), f.line)
        for f in lint([path], cwd=root).findings
        if f.code.startswith("XL")
    }


@pytest.mark.parametrize("tree", TREES, ids=str)
def test_no_file_said_to_hold_none_holds_one(tmp_path: Path, tree: Path) -> None:
    root = copy(tmp_path, tree)
    whole = xl(root, root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relpath = path.relative_to(root).as_posix()
        if not may_hold_findings(str(path), relpath, Workspace(str(root))):
            assert not {f for f in whole if f[1] == relpath}, relpath
            assert not xl(root, path), relpath


def test_python_modules_holding_xl_findings_are_said_to(tmp_path: Path) -> None:
    # (So that the test above shows something about Python modules: the fixtures have some.)
    held = set()
    for number, tree in enumerate(TREES):
        root = copy(tmp_path / str(number), tree)
        for _, relpath, _ in xl(root, root):
            if relpath.endswith(".py"):
                assert may_hold_findings(str(root / relpath), relpath, Workspace(str(root)))
                held.add(relpath)
    assert held


def test_a_module_over_the_parse_limit_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ast

    def refuse(*args: object, **kwargs: object) -> ast.Module:
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(ast, "parse", refuse)
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 100)
    assert may_hold_findings(str(path), "big.py", Workspace(str(tmp_path)), parse_limit=100)
