"""docker compose's variables: the project's ``.env`` (interpolation of the compose file) and a
service's ``env_file:`` (its container's environment), each value with its place (compose
spec, interpolation and env-file syntax; KNOWLEDGE.md section 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_server_launches import load, only, position, write

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
