"""Each file is read once and parsed once per run, however many units include it; a file that
cannot matter is read (a byte check) but never parsed."""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path

import pytest
from helpers import lint

from linter import workspace
from linter.litellm import loading
from linter.nginx import includes as nginx_includes
from linter.nginx import load as nginx_load
from linter.nginx import sniff as nginx_sniff

SNIPPET = "proxy_buffering off;\nproxy_read_timeout 300s;\n"
SERVER = (
    "    server {{\n"
    "        listen {port};\n"
    "        location /v1/chat/completions {{\n"
    "            proxy_pass http://127.0.0.1:4000;\n"
    "            include snippets/stream.conf;\n"
    "        }}\n"
    "    }}\n"
)
LITELLM = (
    "include:\n"
    "  - more.yaml\n"
    "model_list:\n"
    "  - model_name: chat\n"
    "    litellm_params:\n"
    "      model: openai/gpt-4o\n"
    "      max_tokens: 64\n"
    "      stream_timeout: 5\n"
)
MORE = "router_settings:\n  timeout: 600\n"
PYTHON = (
    "from openai import OpenAI\n"
    "for chunk in OpenAI().chat.completions.create(model='m', messages=[], stream=True):\n"
    "    print(chunk)\n"
)


def _tree(root: Path) -> None:
    (root / "nginx" / "snippets").mkdir(parents=True)
    (root / "nginx" / "conf.d").mkdir()
    (root / "nginx" / "snippets" / "stream.conf").write_text(SNIPPET)
    servers = "".join(SERVER.format(port=8000 + i) for i in range(3))
    (root / "nginx" / "conf.d" / "sites.conf").write_text(servers)  # also a unit of its own
    (root / "nginx" / "nginx.conf").write_text(
        "events {}\nhttp {\n    include conf.d/*.conf;\n" + servers + "}\n"
    )
    (root / "config.yaml").write_text(LITELLM)
    (root / "more.yaml").write_text(MORE)
    (root / "app.py").write_text(PYTHON)
    (root / "plain.py").write_text("def add(a, b):\n    return a + b\n" * 50)


def test_each_file_is_read_once_and_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    reads: Counter[str] = Counter()
    parses: Counter[str] = Counter()

    real_read = workspace.read_regular_file

    def counted_read(path: str, *args: object, **kwargs: object) -> bytes:
        reads[os.path.relpath(path, tmp_path)] += 1
        return real_read(path, *args, **kwargs)  # type: ignore[arg-type]

    def counting(real, path_of):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            path = path_of(*args, **kwargs)
            if path is not None:
                parses[os.path.relpath(path, tmp_path)] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(workspace, "read_regular_file", counted_read)
    for module in (nginx_load, nginx_sniff, nginx_includes):
        monkeypatch.setattr(
            module,
            "parse_source",
            counting(module.parse_source, lambda source, **_: source.path),
        )
    monkeypatch.setattr(
        loading, "read_yaml", counting(loading.read_yaml, lambda source: source.path)
    )
    monkeypatch.setattr(
        ast,
        "parse",
        counting(
            ast.parse,
            lambda *a, filename="<unknown>", **k: filename if os.sep in filename else None,
        ),
    )

    result = lint([tmp_path], cwd=tmp_path)
    assert {os.path.relpath(f.path, tmp_path) for f in result.findings} >= {
        "config.yaml",
        "app.py",
    }
    files = {
        "nginx/nginx.conf",
        "nginx/conf.d/sites.conf",
        "nginx/snippets/stream.conf",
        "config.yaml",
        "more.yaml",
        "app.py",
        "plain.py",
    }
    assert dict(reads) == dict.fromkeys(files, 1)
    # plain.py names no LLM client: its bytes said so, and it was never parsed.
    assert dict(parses) == dict.fromkeys(files - {"plain.py"}, 1)


def test_a_check_run_forgets_each_units_trees_and_what_it_read_once_done(tmp_path: Path) -> None:
    _tree(tmp_path)
    result = lint([tmp_path], cwd=tmp_path)
    assert result.workspace is not None
    assert result.workspace.trees == {}
    # Read to classify and group the files: kept (excerpts show them as the kind read them).
    main = str(tmp_path / "nginx" / "nginx.conf")
    assert result.workspace.original_source(main) is not None


def test_release_forgets_what_was_read_decoded_or_parsed_since_the_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("before.conf", "after.conf"):
        (tmp_path / name).write_text("events {}\n")
    before, after = str(tmp_path / "before.conf"), str(tmp_path / "after.conf")
    space = workspace.Workspace(root=str(tmp_path))
    space.read_bytes(before)
    mark = space.mark()
    space.read_bytes(after)
    space.read_source(before)
    nginx_includes.parsed_once(space, space.read_source(after))
    assert set(space.trees) == {("nginx", after)}
    space.release(mark)
    assert space.trees == {}
    assert space.original_source(before) is None and space.original_source(after) is None
    # The bytes read before the mark stay; those read after are read again if asked for.
    reads: list[str] = []
    real_read = workspace.read_regular_file

    def counted_read(path: str, *args: object, **kwargs: object) -> bytes:
        reads.append(path)
        return real_read(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workspace, "read_regular_file", counted_read)
    space.read_bytes(before)
    space.read_bytes(after)
    assert reads == [after]
