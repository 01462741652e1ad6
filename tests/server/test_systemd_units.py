"""systemd service units as launch lines: ``ExecStart`` (prefixes, continuation lines) with
the unit's ``Environment=``, ``EnvironmentFile=`` and ``WorkingDirectory=``; the machine's
paths under the working folder are the tree's files. Odd units never crash the run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import lint

from linter.server.systemd import service_entries

APP = textwrap.dedent(
    """\
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    async def tokens():
        yield "data: x\\n\\n"


    @app.post("/chat")
    async def chat():
        return StreamingResponse(tokens(), media_type="text/event-stream")
    """
)


def _tree(tmp_path: Path, unit: str) -> Path:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    (tmp_path / "api" / "main.py").write_text(APP)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "api.service").write_text(textwrap.dedent(unit))
    return tmp_path


def srv(findings: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return sorted((Path(f.path).name, f.code, f.line) for f in findings if f.code.startswith("SRV"))


def test_entries_of_the_service_section_only_with_continuations() -> None:
    text = (
        "[Unit]\nExecStart=/not/this\n[Service]\n# ExecStart=/a/comment\n"
        "ExecStart=-/usr/bin/gunicorn \\\n    -k gthread \\\n    api.main:app\nUser=app\n"
    )
    entries = service_entries(text)
    assert [(e.key, e.line) for e in entries] == [("ExecStart", 5), ("User", 8)]
    first = entries[0]
    assert text[first.start : first.end].endswith("api.main:app")


def test_default_graceful_timeout_is_reported_at_the_unit_command(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        """\
        [Service]
        WorkingDirectory=/opt/api
        ExecStart=/opt/api/.venv/bin/gunicorn \\
            -k uvicorn.workers.UvicornWorker api.main:app
        """,
    )
    result = lint([root], cwd=root)
    assert srv(result.findings) == [("api.service", "SRV002", 3)]
    message = next(f.message for f in result.findings if f.code == "SRV002")
    assert "gunicorn's default" in message
    assert "systemd unit ExecStart (deploy/api.service:3)" in message
    assert "api/main.py:13" in message  # the streaming evidence


def test_environment_file_of_the_tree_wins_over_environment(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        """\
        [Service]
        WorkingDirectory=/opt/api
        Environment="GUNICORN_CMD_ARGS=--graceful-timeout 900"
        EnvironmentFile=/opt/api/deploy/api.env
        ExecStart=/opt/api/.venv/bin/gunicorn -k uvicorn.workers.UvicornWorker api.main:app
        """,
    )
    (root / "deploy" / "api.env").write_text('GUNICORN_CMD_ARGS="--graceful-timeout 45"\n')
    result = lint([root], cwd=root)
    assert srv(result.findings) == [("api.env", "SRV002", 1)]
    message = next(f.message for f in result.findings if f.code == "SRV002")
    assert "EnvironmentFile deploy/api.env:1" in message


def test_environment_file_outside_the_tree_is_a_caveat(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        """\
        [Service]
        WorkingDirectory=/opt/api
        EnvironmentFile=-/etc/default/api
        ExecStart=/opt/api/.venv/bin/gunicorn -k uvicorn.workers.UvicornWorker api.main:app
        """,
    )
    result = lint([root], cwd=root)
    found = [f for f in result.findings if f.code == "SRV002"]
    assert len(found) == 1
    assert found[0].severity.value == "info"
    assert "EnvironmentFile /etc/default/api (deploy/api.service:3), not in the tree" in (
        found[0].message
    )


def test_a_path_outside_the_working_folder_is_not_the_tree(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        """\
        [Service]
        WorkingDirectory=/opt/api
        ExecStart=/opt/api/.venv/bin/gunicorn -c /etc/api/gunicorn.conf.py api.main:app
        """,
    )
    (root / "gunicorn.conf.py").write_text("graceful_timeout = 10\n")
    # /etc/api/gunicorn.conf.py is the machine's: what it sets is unknown, nothing is said;
    # the tree's gunicorn.conf.py is not that file (and the unit reads it for nothing).
    assert [f for f in lint([root], cwd=root).findings if f.code == "SRV002"] == []


@pytest.mark.parametrize(
    "unit",
    [
        "",
        "[Service\nExecStart=gunicorn app:app\n",
        "[Service]\nExecStart=\n",
        "[Service]\nExecStart=-@:+!\n",
        "[Service]\nExecStart=/bin/gunicorn \\",
        "[Service]\nExecStart=/bin/gunicorn '\nEnvironment=\"A\n",
        "[Service]\nWorkingDirectory=\nExecStart=/bin/gunicorn %i:app ${UNSET} $(x)\n",
        "[Service]\nEnvironmentFile=\\x00\nExecStart=/bin/gunicorn app:app\n",
        "\ufeff[Service]\r\nExecStart=/bin/gunicorn app:app\r\n",
    ],
)
def test_odd_units_do_not_crash(tmp_path: Path, unit: str) -> None:
    root = _tree(tmp_path, "")
    (root / "deploy" / "api.service").write_text(unit + "\n# gunicorn\n")
    result = lint([root], cwd=root)
    assert not [f for f in result.findings if f.code in ("SP900", "SRV000")]
