"""The project's own streaming routes, for its client scripts: a raw HTTP stream to a loopback
URL (``requests.get("http://127.0.0.1:8000/chat/", stream=True)``) whose path is a route that
a Python app of the same tree answers with a server-sent-events response
(``StreamingResponse(..., media_type="text/event-stream")``, ``EventSourceResponse``, a Flask
``Response`` with that mimetype). That is the evidence that the request carries an event
stream, as a generation path or an LLM body is for other URLs.

Only SSE responses count: a ``StreamingResponse`` of another media type may be a download (a
zip, model weights, a file server), and a request for one stays silent. Only loopback hosts
count: another host is another program, whatever its paths. The tree is searched once per
run, and only when a request with such a URL has no other evidence: the Python files whose
bytes make a streaming response or mount routers are parsed, the rest only read.
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linter.hostnames import LOOPBACK as _LOOPBACK
from linter.python.analysis.imports import read
from linter.python.analysis.nodes import _is_test_module
from linter.record import record

if TYPE_CHECKING:
    from linter.python.analysis.project import Project

_WANTED = re.compile(rb"StreamingResponse\(|EventSourceResponse|StreamingHttpResponse\(|Response\(")
_MOUNTS = re.compile(rb"include_router|register_blueprint")
# A route's path parameter (``/chat/{session_id}``, Flask's ``/chat/<int:id>``).
_PARAMETER = re.compile(r"\{[^/{}]*\}|<[^/<>]*>")
_MAX_FILES = 5000


@record
class OwnRoute:
    path: str  # as the app serves it, e.g. "/query-stream/"
    file: str  # the module that answers it (shown relative to the tree's root)
    line: int  # the line of its streaming response
    pattern: re.Pattern[str]


def loopback_path(url: str) -> str | None:
    """The path of a URL to this machine (``http://localhost:8000/chat/?q=x``: "/chat/");
    None for another host, a URL whose host or path is not literal, or no path at all."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or "{}" in parts.netloc:
        return None
    if (parts.hostname or "") not in _LOOPBACK:
        return None
    path = parts.path
    if not path.strip("/") or "{}" in path:
        return None
    return path


def find_route(project: Project, path: str) -> OwnRoute | None:
    """The streaming route of the tree's apps that serves ``path``, if one does."""
    wanted = "/" + path.strip("/")
    for route in routes_of(project):
        if route.pattern.fullmatch(wanted):
            return route
    return None


def routes_of(project: Project) -> list[OwnRoute]:
    """The SSE routes of the Python apps of the tree (found once per run)."""
    known = project.own_routes
    if known is not None:
        return known
    found: list[OwnRoute] = []
    project.own_routes = found
    from linter.python.endpoints import imported_names, stream_calls
    from linter.server.routepaths import Mount, RoutePaths, RouterKey, mounts, moved

    files = project._python_files(project.root)[:_MAX_FILES]
    mounted: list[Mount] = []
    served: list[tuple[tuple[str, ...], RouterKey, str, int]] = []
    for file in files:
        if _is_test_module(file):
            continue
        data = read(file)
        streams = _WANTED.search(data) is not None
        if not streams and _MOUNTS.search(data) is None:
            continue
        tree = _parse(data)
        if tree is None:
            continue
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        module = project.module_name(file)
        mounted.extend(mounts(tree, calls, module)[0])
        if not streams:
            continue
        imports = imported_names(tree)
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        paths = RoutePaths(tree, functions)
        for call in stream_calls(tree, imports):
            route = paths.of_call(call)
            if route is not None:
                served.append((route[0], (module, route[1]), file, call.lineno))
    for routes, key, file, line in served:
        shown = os.path.relpath(file, project.root).replace(os.sep, "/")
        for path in moved(routes, key, mounted) or routes:
            found.append(OwnRoute(path, shown, line, _pattern(path)))
    return found


def _parse(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _pattern(path: str) -> re.Pattern[str]:
    """A route's path as a pattern: a parameter matches one segment, trailing slashes aside."""
    pieces = _PARAMETER.split("/" + path.strip("/"))
    return re.compile("[^/]+".join(re.escape(p) for p in pieces))
