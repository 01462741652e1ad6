"""Launch lines as the server kind reads them: each shape of file, the exact place of every
value, gunicorn's precedence (command line over GUNICORN_CMD_ARGS over the config file), and
what is left unknown rather than guessed."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint

from linter.config import default_settings
from linter.document import Unit
from linter.server.handler import HANDLER
from linter.server.model import Launch, ServerDocument
from linter.server.shell import split_commands
from linter.workspace import Workspace

FLASK_STREAM = textwrap.dedent(
    """\
    from flask import Flask, Response

    app = Flask(__name__)


    def tokens():
        yield "data: x\\n\\n"


    @app.post("/chat")
    def chat():
        return Response(tokens(), mimetype="text/event-stream")
    """
)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def load(root: Path, name: str, discovered: list[str] | None = None) -> ServerDocument:
    workspace = Workspace(root=str(root))
    workspace.discovered = {"server": [str(root / n) for n in (discovered or [name])]}
    document = HANDLER.load(Unit("server", str(root / name)), workspace, default_settings())
    assert isinstance(document, ServerDocument)
    return document


def only(document: ServerDocument) -> Launch:
    assert len(document.launches) == 1, document.launches
    return document.launches[0]


def position(document: ServerDocument, launch: Launch, name: str) -> tuple[str, int, int, str]:
    """(file, line, column, text) where a setting is written."""
    place = launch.setting(name).place
    assert place is not None, launch.setting(name)
    source = document.sources[place.path]
    line, column = source.position(place.start)
    return Path(place.path).name, line, column, source.text[place.start : place.end]


def test_exec_form_across_continuation_lines_keeps_each_word_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """\
                FROM python:3.12-slim
                CMD ["gunicorn", \\
                     "-k", "sync", "--timeout=45", \\
                     "app:app"]
                """,
            "app.py": FLASK_STREAM,
        },
    )
    document = load(tmp_path, "Dockerfile")
    launch = only(document)
    assert (launch.server, launch.app) == ("gunicorn", "app:app")
    assert position(document, launch, "worker_class") == ("Dockerfile", 3, 12, '"sync"')
    assert position(document, launch, "timeout") == ("Dockerfile", 3, 31, "45")
    assert launch.setting("timeout").value == "45"
    assert [e.what for e in launch.evidence] == ["a Flask `Response` built from a generator"]


def test_command_line_wins_over_gunicorn_cmd_args_which_wins_over_the_config_file(
    tmp_path: Path,
) -> None:
    config = "timeout = 10\nkeepalive = 7\n"
    base = {"gunicorn.conf.py": config, "app.py": FLASK_STREAM}
    write(
        tmp_path,
        {
            **base,
            "Dockerfile": """\
                FROM python:3.12-slim
                WORKDIR /app
                COPY . .
                ENV GUNICORN_CMD_ARGS="--timeout 20 --keep-alive 8"
                CMD gunicorn --timeout 30 app:app
                """,
        },
    )
    launch = only(load(tmp_path, "Dockerfile"))
    assert launch.setting("timeout").value == "30"
    assert launch.setting("timeout").origin.startswith("`--timeout 30` at Dockerfile:5")
    assert launch.setting("keepalive").value == "8"
    assert "GUNICORN_CMD_ARGS" in launch.setting("keepalive").origin
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD gunicorn app:app\n"
    )
    launch = only(load(tmp_path, "Dockerfile"))
    # No -c: gunicorn reads ./gunicorn.conf.py of its working folder.
    assert launch.setting("timeout").value == "10"
    assert launch.setting("timeout").origin == "`timeout` at gunicorn.conf.py:1"


def test_compose_default_of_a_variable_is_used_and_said(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  web:
                    build: .
                    command: gunicorn --timeout ${GUNICORN_TIMEOUT:-240} app:app
                """,
            "app.py": FLASK_STREAM,
        },
    )
    document = load(tmp_path, "docker-compose.yml")
    launch = only(document)
    assert launch.setting("timeout").value == "240"
    assert "default of ${GUNICORN_TIMEOUT:-...}" in launch.setting("timeout").origin
    assert launch.service == "web"
    assert position(document, launch, "timeout") == (
        "docker-compose.yml",
        4,
        33,
        "${GUNICORN_TIMEOUT:-240}",
    )


def test_compose_environment_reaches_the_dockerfile_cmd_it_builds(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  web:
                    build:
                      context: ./svc
                      dockerfile: Dockerfile.prod
                    environment:
                      - WEB_CONCURRENCY=3
                      - GUNICORN_CMD_ARGS=--threads 4
                """,
            "svc/Dockerfile.prod": "FROM python:3.12\nCOPY . /app\nWORKDIR /app\nCMD gunicorn app:app\n",
            "svc/app.py": FLASK_STREAM,
        },
    )
    paths = ["docker-compose.yml", "svc/Dockerfile.prod"]
    launch = only(load(tmp_path, "docker-compose.yml", paths))
    assert launch.setting("threads").value == "4"
    assert launch.setting("workers").value == "3"
    assert launch.launcher.startswith("compose service `web`: Dockerfile CMD")
    # The Dockerfile the service builds is judged through the service, not on its own.
    assert load(tmp_path, "svc/Dockerfile.prod", paths).launches == []


def test_final_stage_only_and_stage_inheritance(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """\
                FROM python:3.12 AS base
                ENV GUNICORN_CMD_ARGS="--graceful-timeout 5"
                CMD ["gunicorn", "app:app"]

                FROM base AS final
                RUN <<EOF
                CMD ["uvicorn", "never:seen"]
                EOF
                """,
            "app.py": FLASK_STREAM,
        },
    )
    launch = only(load(tmp_path, "Dockerfile"))
    assert (launch.server, launch.app) == ("gunicorn", "app:app")
    assert launch.setting("graceful_timeout").value == "5"


def test_entrypoint_resets_the_inherited_cmd_and_a_script_is_followed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """\
                FROM python:3.12
                WORKDIR /srv
                COPY scripts/start.sh /srv/start.sh
                COPY app.py /srv/
                CMD ["gunicorn", "other:app"]
                ENTRYPOINT ["/srv/start.sh"]
                """,
            "scripts/start.sh": """\
                #!/bin/sh
                export GUNICORN_CMD_ARGS="--timeout 90"
                exec gunicorn --threads 1 app:app
                """,
            "app.py": FLASK_STREAM,
        },
    )
    document = load(tmp_path, "Dockerfile", ["Dockerfile", "scripts/start.sh"])
    launch = only(document)
    assert launch.app == "app:app"
    assert launch.setting("timeout").value == "90"
    assert "start.sh" in launch.launcher


def test_sh_c_string_words_keep_their_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: sh -c 'python migrate.py && exec gunicorn -k gevent app:app'\n",
            "app.py": FLASK_STREAM,
        },
    )
    document = load(tmp_path, "Procfile")
    launch = only(document)
    assert position(document, launch, "worker_class") == ("Procfile", 1, 51, "gevent")
    assert launch.service == "web"


def test_uvicorn_run_in_a_script_the_launch_line_runs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: python3 serve.py\n",
            "serve.py": """\
                from uvicorn import run as serve
                from fastapi import FastAPI

                app = FastAPI()

                serve("serve:app", port=9000, timeout_keep_alive=2 * 30)
                """,
        },
    )
    document = load(tmp_path, "Procfile")
    launch = only(document)
    assert (launch.server, launch.app) == ("uvicorn", "serve:app")
    assert launch.setting("keepalive").value == "60"
    assert launch.setting("port").value == "9000"
    assert position(document, launch, "keepalive") == ("serve.py", 6, 50, "2 * 30")


def test_values_streamproof_cannot_know_stay_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "gunicorn.conf.py": """\
                import os
                wsgi_app = "app:app"
                if os.environ.get("PROD"):
                    worker_class = "gthread"
                timeout = compute()
                """,
            "app.py": FLASK_STREAM,
        },
    )
    launch = only(load(tmp_path, "gunicorn.conf.py"))
    assert launch.setting("worker_class").value is None  # set under an `if`
    assert launch.setting("timeout").value is None
    assert lint([tmp_path], cwd=tmp_path, select=["SRV001"]).findings == []


def test_shell_words_expand_defaults_and_mark_unknowns() -> None:
    text = 'A=1 gunicorn --bind "0.0.0.0:${PORT:-8080}" -w $WORKERS "$(nproc)" # note\nnext'
    [first, second] = split_commands(text)
    assert [w.text for w in first] == ["A=1", "gunicorn", "--bind", "0.0.0.0:8080", "-w", "", ""]
    assert [w.known for w in first][-2:] == [False, False]
    assert [w.text for w in second] == ["next"]


def test_audit_lists_the_server_with_its_launch_worker_timeouts_and_endpoints(
    tmp_path: Path,
) -> None:
    from helpers import streamproof

    write(
        tmp_path,
        {
            "Procfile": "web: gunicorn --timeout 60 app:app\n",
            "app.py": FLASK_STREAM,
        },
    )
    result = streamproof("audit", "--format", "json", ".", cwd=tmp_path)
    import json

    report = json.loads(result.stdout)
    [section] = [s for s in report["sections"] if s["title"] == "App servers"]
    [row] = section["rows"]
    values = {v["label"]: v for v in row["values"]}
    assert row["subject"] == "gunicorn app:app"
    assert values["launched by"]["text"] == "Procfile process `web`"
    assert (values["worker"]["text"], values["worker"]["status"]) == ("sync", "risk")
    assert values["timeout"]["text"] == "60s"
    assert values["graceful timeout"]["origin"] == "gunicorn's default"
    assert values["keep-alive"]["text"].startswith("none")
    assert values["streaming endpoints"]["text"] == (
        "a Flask `Response` built from a generator app.py:12"
    )


def test_python_dash_m_package_runs_its_main_module(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD python -m chatbot\n",
            "chatbot/__init__.py": "",
            "chatbot/__main__.py": """\
                import uvicorn

                uvicorn.run("chatbot.api:app", timeout_keep_alive=65)
                """,
        },
    )
    launch = only(load(tmp_path, "Dockerfile"))
    assert (launch.server, launch.app) == ("uvicorn", "chatbot.api:app")
    assert launch.setting("keepalive").value == "65"
    assert launch.launcher == "Dockerfile CMD (Dockerfile:4) runs chatbot/__main__.py"


def test_compose_entrypoint_takes_the_command_as_its_arguments(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  api:
                    image: python:3.12
                    entrypoint: ["gunicorn", "--bind", "0.0.0.0:8000"]
                    command: --timeout 45 app:app
                """,
            "app.py": FLASK_STREAM,
        },
    )
    document = load(tmp_path, "compose.yaml")
    launch = only(document)
    assert (launch.server, launch.app) == ("gunicorn", "app:app")
    assert position(document, launch, "timeout") == ("compose.yaml", 5, 24, "45")
    assert launch.setting("port").value == "8000"


def test_a_word_ends_where_an_operator_starts() -> None:
    """A word ends at blank space or at the first character of an operator, tested alone:
    exact only while that character is an operator of its own (``&&`` starts with ``&``)."""
    from linter.server import shell

    assert all(op[0] in shell._OPERATORS for op in shell._OPERATORS)
    words = shell.split_commands("a&&b||c;;d;e&f|g(h)i x'&'y \"|\"z")
    assert [[w.text for w in command] for command in words] == [
        ["a"],
        ["b"],
        ["c"],
        ["d"],
        ["e"],
        ["f"],
        ["g"],
        ["h"],
        ["i", "x&y", "|z"],
    ]


def test_an_f_string_setting_is_known_when_each_part_is() -> None:
    import ast

    from linter.server.pyread import constant

    def value(expression: str, env: dict[str, str]) -> str | None:
        return constant(ast.parse(expression, mode="eval").body, env)

    written = "f\"0.0.0.0:{os.getenv('PORT', '5000')}\""
    assert value(written, {}) == "0.0.0.0:5000"
    assert value(written, {"PORT": "7000"}) == "0.0.0.0:7000"
    assert value('f"0.0.0.0:{port}"', {}) is None  # a name of the file: not read
    assert value("f\"{os.getenv('PORT', '5000')!r}\"", {}) is None  # converted: not the value


def test_script_folder_idioms() -> None:
    from linter.server.shell import script_folder

    assert script_folder('"$(cd "$(dirname "$0")/../.." && pwd)"', "/r/a/b") == "/r"
    assert script_folder('$(dirname "${BASH_SOURCE[0]}")', "/r/a") == "/r/a"
    assert script_folder('"$(cd "$(dirname "$(realpath "$0")")" && pwd -P)"', "/r/a") == "/r/a"
    assert script_folder("$(pwd)", "/r/a") is None  # where it is run from: not known
    assert script_folder('"$(cd "$(dirname "$0")/$SUB" && pwd)"', "/r/a") is None


def test_pm2_start_runs_a_quoted_command_or_a_program_with_its_arguments(
    tmp_path: Path,
) -> None:
    """``pm2 start "CMD ARGS"`` (pm2 splits a script with spaces) and ``pm2 start PROGRAM
    [pm2 options] -- ARGS``: the server and its settings, each word in its place; pm2's own
    options (``--name``) are not the server's."""
    write(
        tmp_path,
        {
            "start.sh": (
                '#pm2 start "uvicorn old:app --port 1"\n'
                'pm2 start "uvicorn app:app --port 8000 --timeout-keep-alive 7" --name api\n'
                "pm2 start gunicorn --name worker -- main:app -k uvicorn.workers.UvicornWorker"
                " --bind 0.0.0.0:8100\n"
                "pm2 start app.js --name web\n"
            ),
        },
    )
    document = load(tmp_path, "start.sh")
    first, second = document.launches
    assert (first.server, first.app, first.setting("port").value) == ("uvicorn", "app:app", "8000")
    assert position(document, first, "keepalive") == ("start.sh", 2, 61, "7")
    assert (second.server, second.app, second.setting("port").value) == (
        "gunicorn",
        "main:app",
        "8100",
    )
    assert second.setting("worker_class").value == "uvicorn.workers.UvicornWorker"
