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
from linter.server.sourcefiles import read_source

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
# A module-level app made by a factory of the module (`app = create_app()`, the factory building
# one of the apps above in its body): the name, and the factory's.
_FACTORY_LINE = re.compile(rb"^(\w+)\s*(?::\s*\w+\s*)?=\s*(\w+)\(\s*\)\s*$", re.M)
# A module-level router with a literal path prefix of its own (`router = APIRouter(prefix="/api/chat")`).
_ROUTER_LINE = re.compile(
    rb"^(\w+)\s*(?::\s*\w+\s*)?=\s*APIRouter\([^)\n]*\bprefix\s*=\s*[\"']/", re.M
)
# The first name of each absolute import of a module.
_IMPORTED = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(\w+)", re.M)
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
    # Routers with a path prefix of their own, for a tree that holds no app module to mount
    # them (a partial checkout): (path, data, match).
    routers: list[tuple[str, bytes, re.Match[bytes]]] = []
    for path in files:
        # Read as nodeapps.py reads JS/TS sources: a byte search, outside the workspace's
        # cache (a unit's cache is released when it is done; this is evidence, not a unit).
        data = read_source(path)
        if data is None:
            continue
        if _WORDS.search(data) is None:
            if b"APIRouter(" in data and len(routers) < _MAX_APPS:
                router = _ROUTER_LINE.search(data)
                if router is not None:
                    routers.append((path, data, router))
            continue
        match = _APP_LINE.search(data) or _factory_made(data)
        if match is None:
            continue
        root = _source_root(top, path, data)
        if _module_name(root, path) is None:
            # A folder no import can name (`fast-api/`, `my app/`): the app is run from its
            # own folder (`uvicorn main:app`, `python main.py` there), its imports beside it.
            root = os.path.dirname(path)
            if _module_name(root, path) is None:
                continue
        apps += 1
        if apps > _MAX_APPS:
            break
        _read_app(workspace, top, root, path, match, "app", found)
    if not apps:
        for path, data, match in routers:
            _read_app(workspace, top, _source_root(top, path, data), path, match, "router", found)
    return apps, found


def _read_app(
    workspace: Workspace,
    top: str,
    root: str,
    path: str,
    match: re.Match[bytes],
    kind: str,
    found: list[tuple[str, str | None, str, bool]],
) -> None:
    """Read the app (or stand-alone router) ``match`` names in ``path`` as a launch of
    ``module:name`` would be (its imports resolved from ``root``: ``_source_root``), adding
    its streaming answers to ``found``."""
    # (Here, once an app module was found: a project without one never loads the readers.)
    from linter.server.apps import find_evidence
    from linter.server.model import Launch, Place
    from linter.server.nearcompose import read_evidence
    from linter.server.streamlaunches import answer_stream

    module = _module_name(root, path)
    if module is None:
        return
    variable = match.group(1).decode()
    # Read as a launch of `module:app` would be; the app module itself is the "command".
    launch = Launch(
        server="python",
        command=Place(path, match.start(), match.end()),
        launcher="python",
        app=f"{module}:{variable}",
        search_dirs=(root,) if root == top else (root, top),
    )

    try:
        find_evidence(
            launch,
            lambda p: read_evidence(workspace, p),
            workspace.inside,
            lambda p: relative_posix(p, workspace.root),
        )
    except Exception:  # evidence only
        return
    shown = relative_posix(path, workspace.root)
    if kind == "router":
        shown += " (its own prefix: no app module of the tree mounts it)"
    for evidence in launch.evidence:
        if not answer_stream(evidence):
            continue  # a file download, not an answer
        said = (
            f"{evidence.what} at {evidence.path}:{evidence.line}, in the {kind} "
            f"`{variable}` of {shown}"
        )
        # Routes unknown, or moved under a router's prefix: where it streams is not known
        # (said by an entry without a route; the paths written are still given).
        if evidence.routes is None or launch.routes_moved:
            found.append((shown, None, said, evidence.unbuffered))
        for route in evidence.routes or ():
            if route.startswith("/"):
                found.append((shown, route, said, evidence.unbuffered))


def _factory_made(data: bytes) -> re.Match[bytes] | None:
    """`app = create_app()` at module level, where the module defines `create_app` (the
    file builds its app in a function: _WORDS found it)."""
    for match in _FACTORY_LINE.finditer(data):
        factory = re.escape(match.group(2))
        if re.search(rb"^(?:async\s+)?def\s+" + factory + rb"\s*\(", data, re.M):
            return match
    return None


def _wanted(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    return name.endswith(".py") and not name.startswith("test")


def _source_root(top: str, path: str, data: bytes) -> str:
    """The folder the app's own imports are resolved from: ``top``, or below it the parent of
    a folder on the module's path whose name its imports start with (`backend/app/main.py`
    importing `from app.api import router` runs from `backend/`, as its image would)."""
    names = {m.decode() for m in _IMPORTED.findall(data)}
    folder = os.path.dirname(path)
    while len(folder) > len(top) and folder.startswith(top):
        if os.path.basename(folder) in names:
            return os.path.dirname(folder)
        folder = os.path.dirname(folder)
    # A build context named as the package its modules import (`context: ./backend` whose
    # `main.py` imports `from backend.config import settings`): the image puts the folder
    # under that name, so imports resolve from the folder above it.
    if folder == top and os.path.basename(top) in names and _package_imported(data, top):
        return os.path.dirname(top)
    return top


def _package_imported(data: bytes, top: str) -> bool:
    """The module imports a submodule of the package named as ``top`` that ``top`` holds
    (`from backend.api import x` with `backend/api/`): not a package of the same name
    installed from elsewhere."""
    name = re.escape(os.path.basename(top).encode())
    for match in re.finditer(rb"^[ \t]*(?:from|import)[ \t]+" + name + rb"\.(\w+)", data, re.M):
        sub = match.group(1).decode()
        if os.path.isdir(os.path.join(top, sub)) or os.path.isfile(os.path.join(top, sub + ".py")):
            return True
    return False


def _module_name(top: str, path: str) -> str | None:
    """The dotted name of ``path`` below ``top`` (`api/main.py` -> `api.main`)."""
    relative = os.path.relpath(path, top)[: -len(".py")]
    parts = relative.split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)
