"""The app signal follows the app's streaming paths (linter/nginx/apppaths.py,
linter/server/routepaths.py): a location that cannot reach them is not a streaming route
by it, and whatever the path mapping does not read (a regex, a rewrite) keeps the signal."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

from helpers import lint

from linter.server.routepaths import Mount, RoutePaths, mounts, moved

FIXTURE = Path(__file__).parents[2] / "fixtures/nginx/NGX002/bad_app_streams_under_one_location"

CONFIG = """
server {
    listen 80;
    location ~ ^/account/ { proxy_pass http://api:8000; }
    location /v1/ { proxy_pass http://api:8000/api/; }
    location /x/ {
        rewrite ^/x/(.*)$ /$1 break;
        proxy_pass http://api:8000;
    }
    location = /api/chat/stream { proxy_pass http://api:8000; }
    location = /api/other { proxy_pass http://api:8000; }
    location /v2/ { proxy_pass http://api:8000/account/; }
}
"""


def test_what_the_path_mapping_does_not_read_keeps_the_signal(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURE, tree, ignore=shutil.ignore_patterns("*.fixed.*"))
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tree / "nginx/default.conf").write_text(CONFIG)
    result = lint([tree], cwd=tree, select=["NGX002"])
    lines = sorted(f.line for f in result.findings if f.path.endswith("default.conf"))
    # regex (4), a URI mapping /v1/ onto /api/ (5), a rewrite (6), the exact stream path (10);
    # not the exact other path (11), nor /v2/ mapped onto /account/ (12).
    assert lines == [4, 5, 6, 10], lines


def _paths(module: str) -> list[tuple[tuple[str, ...], str] | None]:
    tree = ast.parse(textwrap.dedent(module))
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    paths = RoutePaths(tree, functions)
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "StreamingResponse"
    ]
    return [paths.of_call(call) for call in calls]


def test_route_paths_only_where_literals_give_them() -> None:
    assert _paths("""
        router = APIRouter(prefix="/api")
        @router.post("/chat")
        async def chat():
            return StreamingResponse(gen())
    """) == [(("/api/chat",), "router")]
    assert _paths("""
        from elsewhere import router
        @router.post("/chat")
        async def chat():
            return StreamingResponse(gen())
    """) == [None]  # a router of another module: its prefix is not known here
    assert _paths("""
        router = APIRouter()
        @router.post(PATH)
        async def chat():
            return StreamingResponse(gen())
    """) == [None]
    assert _paths("""
        def helper():
            return StreamingResponse(gen())
    """) == [None]  # no handler calls it


def test_a_router_mounted_under_a_prefix_gets_it_in_front() -> None:
    tree = ast.parse(
        textwrap.dedent("""
        from app.routes import chat
        from app.other import router as other_router
        app.include_router(chat.router, prefix="/api")
        app.include_router(other_router)
    """)
    )
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    found, unknown = mounts(tree, calls)
    # (No module named: the app object the routers are mounted on is not followed further.)
    assert found == [(("app.routes.chat", "router"), "/api", None)] and not unknown
    assert moved(("/chat",), ("app.routes.chat", "router"), found) == ("/api/chat",)
    assert moved(("/x",), ("app.other", "router"), found) == ("/x",)
    dynamic = ast.parse("app.include_router(chat.router, prefix=PREFIX)\napp.mount('/sub', sub)")
    calls = [n for n in ast.walk(dynamic) if isinstance(n, ast.Call)]
    assert mounts(dynamic, calls)[1]  # moved in a way not read: every path is unknown


def _mounts_of(module: str, text: str) -> list[Mount]:
    tree = ast.parse(textwrap.dedent(text))
    return mounts(tree, [n for n in ast.walk(tree) if isinstance(n, ast.Call)], module)[0]


def test_routers_mounted_on_routers_get_every_prefix_on_the_way() -> None:
    # app.api mounts the endpoint routers on its own router, which the app mounts under
    # /api/v1: a handler's "/ask/stream" is served at /api/v1/agents/ask/stream.
    found = _mounts_of(
        "app.api",
        """
        from fastapi import APIRouter
        from app.api.endpoints import agents, health
        router = APIRouter()
        router.include_router(health.router, tags=["health"])
        router.include_router(agents.router, prefix="/agents")
        """,
    ) + _mounts_of(
        "app.main",
        """
        from app.api import router as api_router
        def create_app():
            app = FastAPI()
            app.include_router(api_router, prefix="/api/v1")
            return app
        app = create_app()
        """,
    )
    agents = ("app.api.endpoints.agents", "router")
    assert moved(("/ask/stream",), agents, found) == ("/api/v1/agents/ask/stream",)
    # Mounted without a prefix of its own: only the prefixes above it apply.
    assert moved(("/health",), ("app.api.endpoints.health", "router"), found) == ("/api/v1/health",)
    # A parent router with a prefix of its own puts it in front of what it mounts.
    nested = _mounts_of(
        "app.routes",
        """
        from app.routes import chat
        api = APIRouter(prefix="/api")
        api.include_router(chat.router)
        """,
    )
    assert moved(("/chat",), ("app.routes.chat", "router"), nested) == ("/api/chat",)
    # A mount cycle ends.
    cycle = [(("m", "a"), "/x", ("m", "b")), (("m", "b"), "/y", ("m", "a"))]
    assert moved(("/z",), ("m", "a"), cycle) is not None


LONGER = Path(__file__).parents[2] / "fixtures/nginx/NGX001"


def test_a_longer_location_that_takes_every_stream_leaves_the_shorter_one_quiet(
    tmp_path: Path,
) -> None:
    # Every stream of the app goes to a longer prefix (beside, nested, mapped by a URI):
    # the shorter /api/ and /v2/ locations are no streaming routes, for any rule that
    # judges one (they all fired on the shorter locations before).
    tree = tmp_path / "repo"
    shutil.copytree(LONGER / "good_app_streams_only_under_longer_location", tree)
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002", "XL003"])
    assert not result.errors, result.errors
    assert [(f.code, f.line) for f in result.findings] == []


def test_a_longer_location_that_takes_some_streams_keeps_the_signal(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(
        LONGER / "bad_app_streams_beside_a_longer_location",
        tree,
        ignore=shutil.ignore_patterns("*.fixed.*"),
    )
    result = lint([tree], cwd=tree, select=["NGX001", "XL003"])
    lines = sorted(f.line for f in result.findings if f.path.endswith("site.conf"))
    assert lines == [8, 21], lines
    # The heartbeat finding follows the same paths: the summary stream, which /api/ reaches,
    # not the assistant's, which /api/assistant/ (600 s) serves.
    heartbeats = sorted((Path(f.path).name, f.line) for f in result.findings if f.code == "XL003")
    assert heartbeats == [("library.py", 18)], heartbeats
