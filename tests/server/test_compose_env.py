"""docker compose's variables: the project's ``.env`` (interpolation of the compose file) and a
service's ``env_file:`` (its container's environment), each value with its place (compose
spec, interpolation and env-file syntax; KNOWLEDGE.md section 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint
from test_server_launches import load, only, position, write

from linter.model import Severity
from linter.server import dotenv
from linter.server.interpolation import interpolate


def variables(text: str) -> dict[str, dotenv.Variable]:
    return dotenv.parse("/p/.env", text, lambda value, so_far: interpolate(value, so_far))


def test_env_file_syntax_and_places() -> None:
    text = (
        "# comment\n"
        "A=plain value # a comment\n"
        "export B='single $A'\n"
        'C="double ${A} \\"q\\""  # after\n'
        "D=x#not-a-comment\n"
        "FROM_SHELL\n"
        "E=${UNSET}\n"
    )
    found = variables(text)
    assert {name: v.value for name, v in found.items()} == {
        "A": "plain value",
        "B": "single $A",
        "C": 'double plain value "q"',
        "D": "x#not-a-comment",
        "E": None,
    }
    a = found["A"]
    assert (a.line, text[a.start : a.end]) == (2, "plain value")
    b = found["B"]
    assert (b.line, text[b.start : b.end]) == (3, "single $A")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${SET}", "v"),
        ("$SET-x", "v-x"),
        ("${UNSET}", None),
        ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${SET:+alt}", "alt"),
        ("${UNSET:+alt}", ""),
        ("${SET:?needed}", "v"),
        ("${UNSET:?needed}", None),  # may be set in the shell: unknown, not an error
        ("${UNSET:-${SET}}", "v"),
        ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
        ("$$SET", "$SET"),
        ("${SET/a/b}", None),
        ("a $ b", "a $ b"),
    ],
)
def test_interpolation_forms(expression: str, expected: str | None) -> None:
    known = variables("SET=v\nEMPTY=\n")
    assert interpolate(expression, known) == expected


def test_env_file_then_environment_then_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".env": "PORT=8100\n",
            "docker-compose.yml": """\
                services:
                  api:
                    env_file: [base.env, {path: ./extra.env, required: false}]
                    environment:
                      UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN: "45"
                    command: uvicorn main:app --port ${PORT}
                """,
            "base.env": "UVICORN_TIMEOUT_KEEP_ALIVE=10\nUVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=5\n",
            "extra.env": "UVICORN_TIMEOUT_KEEP_ALIVE=20\n",
        },
    )
    document = load(tmp_path, "docker-compose.yml")
    launch = only(document)
    assert launch.setting("keepalive").value == "20"  # the later env_file wins
    assert position(document, launch, "keepalive") == ("extra.env", 1, 28, "20")
    assert "env_file extra.env:1 of service `api`" in launch.setting("keepalive").origin
    assert launch.setting("graceful_timeout").value == "45"  # environment: over env_file
    assert launch.setting("port").value == "8100"
    assert ".env:1 sets PORT to '8100'" in launch.setting("port").origin


_STREAMING_APP = """\
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    async def words():
        yield "a"


    @app.post("/talk")
    async def talk():
        return StreamingResponse(words(), media_type="text/plain")
    """


def _graceful_tree(tmp_path: Path, extra: dict[str, str]) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  api:
                    env_file: ./api/.env
                    build: ./api
                """,
            "api/Dockerfile": 'FROM python:3.12\nWORKDIR /w\nCOPY . .\nCMD ["gunicorn", "main:app"]\n',
            "api/gunicorn.conf.py": (
                'worker_class = "uvicorn.workers.UvicornWorker"\ngraceful_timeout = 25\n'
            ),
            "api/main.py": _STREAMING_APP,
            **extra,
        },
    )


def test_env_file_not_in_tree_keeps_values_with_a_caveat(tmp_path: Path) -> None:
    """A gitignored ``.env`` does not silence the launch: the config file's value holds unless
    the file sets GUNICORN_CMD_ARGS; callers that do not take caveats still see it unknown."""
    _graceful_tree(tmp_path, {})
    launch = only(load(tmp_path, "docker-compose.yml"))
    plain = launch.setting("graceful_timeout")
    assert plain.value is None
    assert "may be set by env_file ./api/.env (docker-compose.yml:3)" in plain.origin
    caveated = launch.setting("graceful_timeout", caveated=True)
    assert caveated.value == "25"
    assert caveated.caveat == (
        "unless env_file ./api/.env (docker-compose.yml:3), not in the tree, sets GUNICORN_CMD_ARGS"
    )
    # gunicorn read ./gunicorn.conf.py from the image's working folder (no -c on the line).
    assert launch.config_file == "api/gunicorn.conf.py"


def test_env_file_not_in_tree_reports_as_info_with_the_caveat(tmp_path: Path) -> None:
    _graceful_tree(tmp_path, {})
    result = lint([tmp_path], cwd=tmp_path, select=["SRV002"])
    [finding] = result.findings
    assert (Path(finding.path).name, finding.line, finding.column) == ("gunicorn.conf.py", 2, 20)
    assert finding.severity == Severity.INFO
    assert finding.message.endswith(
        "(reported as info: unless env_file ./api/.env (docker-compose.yml:3), not in the tree, "
        "sets GUNICORN_CMD_ARGS)"
    )


def test_env_file_template_is_read_in_its_place(tmp_path: Path) -> None:
    """``.env.example`` beside the missing ``.env``: its variables are the environment, said to
    come from the template, and the finding is a warning."""
    _graceful_tree(
        tmp_path, {"api/.env.example": "KEY=\nGUNICORN_CMD_ARGS=--graceful-timeout 40\n"}
    )
    launch = only(load(tmp_path, "docker-compose.yml"))
    graceful = launch.setting("graceful_timeout")
    assert (graceful.value, graceful.caveat) == ("40", None)
    assert "api/.env.example:2, the template of env_file ./api/.env (not in the tree)" in (
        graceful.origin
    )
    result = lint([tmp_path], cwd=tmp_path, select=["SRV002"])
    [finding] = result.findings
    assert (Path(finding.path).name, finding.line, finding.severity) == (
        ".env.example",
        2,
        Severity.WARNING,
    )


def test_env_file_not_in_tree_does_not_keep_a_value_for_other_servers(tmp_path: Path) -> None:
    """hypercorn reads no variable for its settings here: what the file may set stays unknown."""
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  api:
                    env_file: .env.prod
                    command: hypercorn main:app
                """,
            "main.py": _STREAMING_APP,
        },
    )
    launch = only(load(tmp_path, "docker-compose.yml"))
    assert launch.setting("graceful_timeout", caveated=True).value is None
    assert lint([tmp_path], cwd=tmp_path, select=["SRV002"]).findings == []


def _keepalive_race_tree(tmp_path: Path, folder: str = "") -> Path:
    """A uvicorn service with a gitignored ``.env`` behind an nginx upstream with keep-alive."""
    base = tmp_path / folder if folder else tmp_path
    write(
        base,
        {
            "docker-compose.yml": """\
                services:
                  api:
                    build: .
                    env_file: .env
                    command: uvicorn main:app --host 0.0.0.0 --port 8000
                """,
            "main.py": _STREAMING_APP,
            "nginx/nginx.conf": """\
                events {}
                http {
                    upstream app { server api:8000; keepalive 16; }
                    server { location / { proxy_pass http://app; } }
                }
                """,
        },
    )
    return base


def test_env_file_not_in_tree_keepalive_race_is_reported_as_info_on_both_sides(
    tmp_path: Path,
) -> None:
    """uvicorn's 5s default holds unless the unread ``.env`` sets UVICORN_TIMEOUT_KEEP_ALIVE:
    the server's side (SRV003) and nginx's (NGX007) report the race as info, with that
    caveat, as SRV001/SRV002 do with GUNICORN_CMD_ARGS."""
    _keepalive_race_tree(tmp_path)
    result = lint([tmp_path], cwd=tmp_path, select=["SRV003", "NGX007"])
    found = {f.code: f for f in result.findings}
    assert set(found) == {"SRV003", "NGX007"}
    caveat = (
        "(reported as info: unless env_file .env (docker-compose.yml:4), not in the tree, "
        "sets UVICORN_TIMEOUT_KEEP_ALIVE)"
    )
    for finding in found.values():
        assert finding.severity == Severity.INFO
        assert finding.message.endswith(caveat)
    assert (Path(found["SRV003"].path).name, found["SRV003"].line) == ("docker-compose.yml", 5)
    assert (Path(found["NGX007"].path).name, found["NGX007"].line) == ("nginx.conf", 3)


def test_env_file_template_setting_the_keepalive_silences_the_race(tmp_path: Path) -> None:
    """``.env.example`` beside the missing ``.env`` says what it sets: 75s outlasts nginx."""
    _keepalive_race_tree(tmp_path)
    (tmp_path / ".env.example").write_text("UVICORN_TIMEOUT_KEEP_ALIVE=75\n")
    assert lint([tmp_path], cwd=tmp_path, select=["SRV003", "NGX007"]).findings == []


def test_a_folder_named_like_an_origin_word_does_not_hide_the_command_line(
    tmp_path: Path,
) -> None:
    """A value written on the command line wins over the unread file, whatever the folder it
    is shown in is called (``my_env_file (copy)/docker-compose.yml`` once made the port
    unknown, and the upstream matched no launch)."""
    base = _keepalive_race_tree(tmp_path, "my_env_file (copy)")
    launch = only(load(base, "docker-compose.yml"))
    port = launch.setting("port")
    assert (port.value, port.caveat) == ("8000", None)
    codes = {f.code for f in lint([base], cwd=tmp_path, select=["SRV003", "NGX007"]).findings}
    assert codes == {"SRV003", "NGX007"}
