"""A Python file that starts uvicorn in its ``__main__`` block is launched by ``python FILE``:
a launch of its own, unless a launch line of the tree runs that file or serves its app (then
that launch is judged, once). A one-file run decides as the run over the tree does."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint

APP = textwrap.dedent(
    """\
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    async def tokens():
        yield "data: x\\n\\n"


    @app.post("/chat")
    async def chat():
        return StreamingResponse(tokens(), media_type="text/event-stream")


    if __name__ == "__main__":
        uvicorn.run(app, timeout_graceful_shutdown=20)
    """
)


def srv(result_findings: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return sorted(
        (Path(f.path).name, f.code, f.line) for f in result_findings if f.code.startswith("SRV")
    )


def test_a_script_of_its_own_is_a_launch_in_tree_and_one_file_runs(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(APP)
    tree = lint([tmp_path], cwd=tmp_path)
    one = lint([tmp_path / "main.py"], cwd=tmp_path)
    assert srv(tree.findings) == srv(one.findings) == [("main.py", "SRV002", 18)]
    assert "`python main.py` (the file run as a script)" in next(
        f.message for f in tree.findings if f.code == "SRV002"
    )
    assert tree.files_checked == 1  # one file, though two kinds read it


def test_a_script_whose_app_a_dockerfile_serves_is_not_counted_twice(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "main.py").write_text(APP)
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY api /srv/api\n"
        'CMD ["uvicorn", "api.main:app", "--timeout-graceful-shutdown", "30"]\n'
    )
    tree = lint([tmp_path], cwd=tmp_path)
    one = lint([tmp_path / "api" / "main.py"], cwd=tmp_path)
    # The Dockerfile's launch is judged (in the Dockerfile); the script's own is not.
    assert srv(tree.findings) == [("Dockerfile", "SRV002", 4)]
    assert srv(one.findings) == []


def test_a_script_a_procfile_runs_is_judged_as_launched(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(APP)
    (tmp_path / "Procfile").write_text("web: python main.py\n")
    findings = [f for f in lint([tmp_path], cwd=tmp_path).findings if f.code == "SRV002"]
    assert [(Path(f.path).name, f.line) for f in findings] == [("main.py", 18)]
    assert "Procfile process `web`" in findings[0].message
