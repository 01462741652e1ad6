"""Whether a config's project holds its server app and nothing of it streams
(linter/server/quietproject.py): one-sided, any doubt is "unknown"."""

from __future__ import annotations

from pathlib import Path

from linter.server.quietproject import quiet_project
from linter.workspace import Workspace

FLASK_JSON = (
    "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n"
    "@app.post('/api/chat')\ndef chat():\n    return jsonify({'reply': 'hi'})\n"
)


def _project(tmp_path: Path, files: dict[str, str]) -> str | None:
    (tmp_path / "nginx").mkdir()
    config = tmp_path / "nginx" / "site.conf"
    config.write_text("server { location / { proxy_pass http://127.0.0.1:7777; } }\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return quiet_project(Workspace(root=str(tmp_path)), str(config))


def test_a_json_only_app_makes_the_project_quiet(tmp_path: Path) -> None:
    said = _project(tmp_path, {"app/service.py": FLASK_JSON, "app/util.py": "X = 1\n"})
    assert said is not None
    assert "app/service.py" in said and "2 source files" in said


def test_a_stream_anywhere_leaves_it_unknown(tmp_path: Path) -> None:
    reader = "const source = new EventSource('/api/events');\n"
    assert _project(tmp_path, {"app/service.py": FLASK_JSON, "web/src/feed.js": reader}) is None


def test_a_python_stream_request_leaves_it_unknown(tmp_path: Path) -> None:
    call = "client.chat.completions.create(model='m', messages=[], stream=True)\n"
    assert _project(tmp_path, {"app/service.py": FLASK_JSON + call}) is None


def test_no_server_app_leaves_it_unknown(tmp_path: Path) -> None:
    assert _project(tmp_path, {"scripts/seed.py": "print('seed')\n"}) is None


def test_a_source_too_large_to_read_leaves_it_unknown(tmp_path: Path) -> None:
    big = "# filler\n" * 60_000  # over the 512 KiB read limit
    assert _project(tmp_path, {"app/service.py": FLASK_JSON, "app/big.py": big}) is None


def test_dependencies_are_not_the_projects_code(tmp_path: Path) -> None:
    vendored = "res.write('data: x\\n\\n'); // text/event-stream\n"
    files = {"app/service.py": FLASK_JSON, "node_modules/lib/index.js": vendored}
    assert _project(tmp_path, files) is not None


def _top_config(tmp_path: Path, marker: str) -> str | None:
    # The config at the project's top, beside the file that marks it; the run's tree is that
    # folder (a file named from elsewhere), so the folder above it is outside the tree.
    project = tmp_path / "repo"
    project.mkdir(exist_ok=True)
    (project / marker).write_text("services: {}\n")
    (project / "main.py").write_text(FLASK_JSON)
    config = project / "nginx.conf"
    config.write_text("http { server { location / { proxy_pass http://app:8000; } } }\n")
    return quiet_project(Workspace(root=str(project)), str(config))


def test_a_config_beside_its_compose_file_reads_that_folder(tmp_path: Path) -> None:
    said = _top_config(tmp_path, "docker-compose.yaml")
    assert said is not None and "main.py" in said


def test_a_config_at_the_trees_top_beside_a_dockerfile_reads_that_folder(
    tmp_path: Path,
) -> None:
    said = _top_config(tmp_path, "Dockerfile")
    assert said is not None and "main.py" in said


def test_a_stream_beside_a_config_at_the_trees_top_leaves_it_unknown(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "feed.py").write_text("media_type='text/event-stream'\n")
    assert _top_config(tmp_path, "docker-compose.yml") is None
