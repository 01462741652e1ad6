"""How far an app's imports are followed (linter/server/apps.py): the limit counts the
modules read, not those queued, and an app read in part is never said to have no
streaming endpoint."""

from __future__ import annotations

import os
from pathlib import Path

from linter.server import apps
from linter.server.model import Launch, Place
from linter.source import SourceText

STREAMING_ROUTER = (
    "from fastapi import APIRouter\n"
    "from fastapi.responses import StreamingResponse\n\n"
    "router = APIRouter()\n\n\n"
    "@router.get('/events')\n"
    "async def events():\n"
    "    async def gen():\n"
    "        yield 'data: x\\n\\n'\n\n"
    "    return StreamingResponse(gen(), media_type='text/event-stream')\n"
)


def _app(tmp_path: Path, models: int, after: int = 0) -> Launch:
    """app/main.py imports ``models`` model modules, then the router that streams, then
    ``after`` more model modules."""
    package = tmp_path / "app"
    (package / "models").mkdir(parents=True)
    for folder in (package, package / "models"):
        (folder / "__init__.py").write_text("")
    names = [f"m{i:03d}" for i in range(models + after)]
    for name in names:
        (package / "models" / f"{name}.py").write_text("import os\n")
    imports = "".join(f"from app.models import {name}\n" for name in names[:models])
    (package / "events.py").write_text(STREAMING_ROUTER)
    (package / "main.py").write_text(
        "from fastapi import FastAPI\n"
        + imports
        + "from app import events\n"
        + "".join(f"from app.models import {name}\n" for name in names[models:])
        + "\n"
        "app = FastAPI()\napp.include_router(events.router)\n"
    )
    launch = Launch(
        server="uvicorn",
        command=Place(str(package / "main.py"), 0, 0),
        launcher="uvicorn",
        app="app.main:app",
    )
    launch.search_dirs = (str(tmp_path),)

    def read(path: str) -> SourceText | None:
        return SourceText(path=path, text=Path(path).read_text())

    root = str(tmp_path)
    apps.find_evidence(
        launch, read, lambda p: p.startswith(root), lambda p: os.path.relpath(p, root)
    )
    return launch


def test_a_router_queued_after_many_modules_is_still_read(tmp_path: Path) -> None:
    # 70 modules queued at once, the router 51st: read, as the queue is not the limit.
    launch = _app(tmp_path, 50, after=20)
    assert [e.path for e in launch.evidence] == ["app/events.py"]
    assert launch.partial  # (the last modules were left unread)


def test_a_small_app_is_read_whole(tmp_path: Path) -> None:
    launch = _app(tmp_path, 5)
    assert [e.path for e in launch.evidence] == ["app/events.py"]
    assert not launch.partial


def test_an_app_read_in_part_is_marked_so(tmp_path: Path) -> None:
    launch = _app(tmp_path, apps.MAX_MODULES + 5)
    assert launch.evidence == []
    assert launch.partial
