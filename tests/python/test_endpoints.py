"""PY008/PY009 beyond their fixtures: the FastAPI -> starlette table, specifier bounds, which
NGINX locations cover a route, routes read from decorators, what the messages name, and that
endpoint files are parsed although they mention no LLM client."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from helpers import lint

from linter.nginx.parser import parse_text
from linter.python.detect import mentions_clients
from linter.python.document import PythonDocument
from linter.python.endpoints import sse_responses
from linter.python.serverfacts import (
    FASTAPI_STARLETTE,
    UnbufferedLocation,
    _bounds,
    _collect,
    _implied_by_fastapi,
    covers_route,
)
from linter.source import SourceText


def test_fastapi_pins_map_to_the_starlette_range_of_their_metadata() -> None:
    assert _implied_by_fastapi("==0.115.9") == ((0,), (0, 46))
    assert _implied_by_fastapi("==0.115.10") == ((0, 40), (0, 47))
    assert _implied_by_fastapi("==0.128.3") == ((0, 40), (1, 0))
    assert _implied_by_fastapi(">=0.134.0") == ((0, 46), None)
    assert _implied_by_fastapi(">=0.164") == ((1, 6), None)
    # A range inside one entry, and one across several: the union of their ranges.
    assert _implied_by_fastapi(">=0.115.12,<0.116") == ((0, 40), (0, 47))
    assert _implied_by_fastapi(">=0.100,<0.117") == ((0,), (0, 49))  # 0.116.2: <0.49
    assert _implied_by_fastapi("^0.109.0") == ((0,), (0, 46))
    assert _implied_by_fastapi("not a spec") is None


def test_the_fastapi_table_has_no_gap_and_rising_bounds() -> None:
    for (first, last, low, _), (next_first, _, next_low, _) in itertools.pairwise(
        FASTAPI_STARLETTE
    ):
        assert last is not None and first <= last < next_first
        assert low <= next_low
    assert FASTAPI_STARLETTE[-1][1] is None  # the newest entry is open-ended


def test_bounds_of_a_specifier() -> None:
    assert _bounds("==0.45.3") == ((0, 45, 3), (0, 45, 3, 0, 0, 1))
    assert _bounds("~=0.46.1") == ((0, 46, 1), (0, 47))
    assert _bounds(">=0.40,<=1.4.1") == ((0, 40), (1, 4, 1, 0, 0, 1))
    assert _bounds("==0.45.*") == ((0, 45), (0, 46))


def _locations(config: str) -> list[UnbufferedLocation]:
    found: list[UnbufferedLocation] = []
    _collect(parse_text(config, "nginx.conf").directives, None, "nginx.conf", found)
    return found


def test_nginx_locations_inherit_buffering_as_nginx_does() -> None:
    found = _locations(
        "http {\n proxy_buffering off;\n server {\n  location /api/ { proxy_pass http://a; }\n"
        "  location / { proxy_buffering on; }\n  location ~ ^/sse { }\n }\n}\n"
    )
    assert [(u.modifier, u.pattern, u.line) for u in found] == [
        ("", "/api/", 2),
        ("~", "^/sse", 2),
    ]  # the server is not covered as a whole: `location /` buffers again
    whole = _locations("server {\n listen 80;\n proxy_buffering off;\n location / { }\n}\n")
    assert ("server", 3) in [(u.modifier, u.line) for u in whole]


def test_a_location_covers_a_route_as_nginx_matches_it() -> None:
    def place(modifier: str, pattern: str) -> UnbufferedLocation:
        return UnbufferedLocation("nginx.conf", 1, modifier, pattern)

    assert covers_route(place("", "/v1/"), "/v1/chat/completions")
    assert not covers_route(place("", "/events/"), "/v1/chat/completions")
    assert covers_route(place("~", r"^/(chat|v1)/"), "/v1/chat")
    assert not covers_route(place("=", "/chat"), "/chat/stream")
    assert covers_route(place("server", "/"), "/anything")
    assert covers_route(place("", "/elsewhere/"), None)  # an unknown route: silence


def _document(code: str) -> PythonDocument:
    document = PythonDocument("python", SourceText.from_text(code, "app.py"))
    document.tree = ast.parse(code)
    return document


def test_routes_are_full_paths_only_on_an_app_made_in_the_file() -> None:
    code = (
        "from fastapi import FastAPI, APIRouter\n"
        "from fastapi.responses import StreamingResponse\n"
        "app = FastAPI()\nrouter = APIRouter()\nmounted = FastAPI(root_path='/x')\n"
        "@app.get('/a')\ndef a():\n    return StreamingResponse(g(), media_type='text/event-stream')\n"
        "@router.get('/b')\ndef b():\n    return StreamingResponse(g(), media_type='text/event-stream')\n"
        "@mounted.get('/c')\ndef c():\n    return StreamingResponse(g(), media_type='text/event-stream')\n"
    )
    assert [r.routes for r in sse_responses(_document(code))] == [("/a",), None, None]


def test_endpoint_files_are_parsed_without_an_llm_client() -> None:
    assert mentions_clients(b"return StreamingResponse(gen(), media_type='text/event-stream')")
    assert mentions_clients(b"app.add_middleware(GZipMiddleware)")
    assert not mentions_clients(b"return StreamingResponse(gen(), media_type='text/plain')")


def test_py008_message_asks_for_a_heartbeat_only_where_none_is_sent(tmp_path: Path) -> None:
    code = (
        "from starlette.responses import StreamingResponse\n"
        "async def gen():\n    yield 'data: x\\n\\n'\n"
        "def a():\n    return StreamingResponse(gen(), media_type='text/event-stream')\n"
    )
    (tmp_path / "app.py").write_text(code)
    finding = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY008"]).findings[0]
    assert (finding.line, finding.column) == (5, 12)
    assert "sends no `Cache-Control: no-cache` and `X-Accel-Buffering: no`" in finding.message
    assert "heartbeat" in finding.message and "EventSourceResponse" in finding.message
    (tmp_path / "app.py").write_text(code.replace("'data: x\\n\\n'", "': ping\\n\\n'"))
    finding = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY008"]).findings[0]
    assert "heartbeat" not in finding.message


def test_py009_message_names_the_version_and_where_it_is_pinned(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "starlette"\nversion = "0.45.3"\n')
    (tmp_path / "app.py").write_text(
        "from starlette.middleware.gzip import GZipMiddleware\n"
        "from starlette.responses import StreamingResponse\n"
        "def add(app):\n    app.add_middleware(GZipMiddleware)\n"
        "def s():\n    return StreamingResponse(g(), media_type='text/event-stream')\n"
    )
    result = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY009"])
    [finding] = result.findings
    assert (finding.line, finding.column, finding.severity.value) == (4, 24, "warning")
    assert "starlette 0.45.3 (at uv.lock:2 `starlette 0.45.3`)"  # its name line in finding.message
    assert "server-sent events (at line 6)" in finding.message
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "starlette"\nversion = "0.46.0"\n')
    [finding] = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY009"]).findings
    assert finding.severity.value == "info" and "before 1.8" in finding.message
