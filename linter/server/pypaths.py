"""The streaming handlers of the project's Python apps with a known route path, for a route
that no launch links to its app (linter/nginx/routes.py matches them by path, as it does the
JS/TS handlers of linter/server/nodebackends.py): an app module of the tree that builds its
app at module level (`app = FastAPI(...)`, `app = Flask(__name__)`), read as a launch of
``module:app`` would be (linter/server/apps.py, its routers' prefixes applied)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.nodeapps import read_source

if TYPE_CHECKING:
    from linter.workspace import Workspace

# How many entries the walk looks at, how many app modules are read (read_source skips big files).
_MAX_ENTRIES = 5_000
_MAX_APPS = 4
_SKIPPED = frozenset(
    {"node_modules", "venv", ".venv", "site-packages", "__pycache__", "build", "dist",
     "tests", "test", "migrations", "alembic", "scripts", "docs", "examples"}
)  # fmt: skip
# A module-level app object built by a streaming-capable framework.
_APP_LINE = re.compile(rb"^(\w+)\s*(?::\s*\w+\s*)?=\s*(?:FastAPI|Flask|Quart|Starlette)\(", re.M)
# The byte search before the app line regex: a file without these builds no app.
_WORDS = re.compile(rb"FastAPI\(|Flask\(|Quart\(|Starlette\(")


def python_streams(workspace: Workspace, top: str) -> list[tuple[str, str, bool]]:
    """(route, what streams and where, sends `X-Accel-Buffering: no`) for each streaming
    handler of an app module below ``top`` whose route path is known."""
    found: list[tuple[str, str, bool]] = []
    for _, route, said, unbuffered in app_streams(workspace, top)[1]:
        if route is not None and route != "/" and "{" not in route.split("/")[1]:
            found.append((route, said, unbuffered))
    return found


def app_streams(
    workspace: Workspace, top: str
) -> tuple[int, list[tuple[str, str | None, str, bool]]]:
    """How many app modules are below ``top`` (read up to a limit), and (app module, route or
    None when its path is not known, what streams and where, sends `X-Accel-Buffering: no`)
    for each streaming answer of one of them."""
    from linter.discovery import walk_files

    files = walk_files(top, _wanted, _MAX_ENTRIES, _SKIPPED)
    found: list[tuple[str, str | None, str, bool]] = []
    apps = 0
    for path in files:
        # Read as nodeapps.py reads JS/TS sources: a byte search, outside the workspace's
        # cache (a unit's cache is released when it is done; this is evidence, not a unit).
        data = read_source(path)
        if data is None:
            continue
        if _WORDS.search(data) is None:
            continue
        match = _APP_LINE.search(data)
        module = _module_name(top, path)
        if match is None or module is None:
            continue
        apps += 1
        if apps > _MAX_APPS:
            break
        # (Here, once an app module was found: a project without one never loads the readers.)
        from linter.server.apps import find_evidence
        from linter.server.model import Launch, Place
        from linter.server.nearcompose import read_evidence
        from linter.server.streamlaunches import answer_stream

        variable = match.group(1).decode()
        # Read as a launch of `module:app` would be; the app module itself is the "command".
        launch = Launch(
            server="python",
            command=Place(path, match.start(), match.end()),
            launcher="python",
            app=f"{module}:{variable}",
            search_dirs=(top,),
        )

        try:
            find_evidence(
                launch,
                lambda p: read_evidence(workspace, p),
                workspace.inside,
                lambda p: relative_posix(p, workspace.root),
            )
        except Exception:  # evidence only
            continue
        shown = relative_posix(path, workspace.root)
        for evidence in launch.evidence:
            if not answer_stream(evidence):
                continue  # a file download, not an answer
            said = (
                f"{evidence.what} at {evidence.path}:{evidence.line}, in the app "
                f"`{variable}` of {shown}"
            )
            # Routes unknown, or moved under a router's prefix: where it streams is not known
            # (said by an entry without a route; the paths written are still given).
            if evidence.routes is None or launch.routes_moved:
                found.append((shown, None, said, evidence.unbuffered))
            for route in evidence.routes or ():
                if route.startswith("/"):
                    found.append((shown, route, said, evidence.unbuffered))
    return apps, found


def _wanted(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    return name.endswith(".py") and not name.startswith("test")


def _module_name(top: str, path: str) -> str | None:
    """The dotted name of ``path`` below ``top`` (`api/main.py` -> `api.main`)."""
    relative = os.path.relpath(path, top)[: -len(".py")]
    parts = relative.split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)
