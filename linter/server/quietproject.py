"""Whether a proxy config's project holds a web app and nothing of it streams: the tree of
``discovery.project_folder`` has a server app (Flask, FastAPI, Django, Express, NestJS, ...)
and no source that serves or reads a stream (`text/event-stream`, `StreamingResponse`,
`res.write(`, `EventSource`, `stream=True`, ...). Then `proxy_buffering off` in front of it,
or a comment that says the route streams, is an admin's habit, not a stream: the app's own
code answers in one piece (linter/nginx/routes.py lets those weak signals yield to it).

Evidence only, and one-sided: any stream word anywhere, a walk cut short by its limits, or no
app found leaves the answer unknown (None), never "quiet"."""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.sourcefiles import read_source

if TYPE_CHECKING:
    from linter.workspace import Workspace

# The walk's limits: past them the tree is too large to say that nothing in it streams.
_MAX_ENTRIES = 20_000
_MAX_SOURCES = 2_000
_SUFFIXES = (
    ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".go", ".java",
    ".kt", ".rb", ".php", ".rs", ".cs", ".vue", ".svelte",
)  # fmt: skip
# Dependencies and build output are not the project's code (a vendored library streaming in
# some function says nothing about the app); tests are kept (a stream test is a stream).
_SKIPPED = frozenset(
    {"node_modules", "dist", "build", "out", ".next", ".nuxt", "vendor", "venv", ".venv",
     "site-packages", "__pycache__", "target", "bower_components"}
)  # fmt: skip
# Anything that serves, relays or reads a stream, in any language the walk reads: one hit
# and the project is not quiet. Broad on purpose (a false hit only keeps a weak signal).
_STREAM_WORDS = functools.cache(
    lambda: re.compile(
        rb"event-stream|eventsource|streamingresponse|streaminghttpresponse|stream_with_context"
        rb"|sseemitter|serversentevent|\bsse\b|@sse\b|\bflux<|responsebodyemitter"
        rb"|stream\s*=\s*true|stream\s*:\s*true|[\"']stream[\"']\s*:\s*true|\.stream\("
        rb"|\.astream|streamtext|streamobject|streamingtextresponse|datastream|textstream"
        rb"|getreader\(|readablestream|\.pipe\(|\bres\.write\(|\bresponse\.write\(|\.raw\.write\("
        rb"|\bres\.flush|\bflusher\b|iter_content|iter_lines|aiter_|\bresponse\(\s*\w+\(\)"
        rb"|websocket|socket\.io|text_stream|write_stream"
        # Chunked transfer as code spells it (`iter_chunked`, `chunked=True`, "chunked"), not
        # the prose of text chunking ("articles not chunked yet").
        rb"|[\"'_.]chunked|chunked[\"'_=:(]|chunked\s*[=:]|chunkedwriter|transfer-encoding"
        # A proxy or a passed-on body relays the upstream's stream without a word of it.
        rb"|createproxymiddleware|http-proxy|reverseproxy|new\s+response\(\s*[\w.]+\.body",
        re.IGNORECASE,
    )
)
# A server app's own code: what makes the tree hold the app behind the config.
_APP_WORDS = functools.cache(
    lambda: re.compile(
        rb"\bFlask\(|\bFastAPI\(|\bAPIRouter\(|\bStarlette\(|\bQuart\(|\bSanic\("
        rb"|\burlpatterns\b|\bexpress\(\)|\bfastify\(|\bnew Koa\(|\bnew Hono\(|@nestjs/"
        rb"|@RestController\b|\bgin\.(?:Default|New)\(|\bhttp\.ListenAndServe\("
    )
)


# A browser app's HTTP client (an axios instance or import): with no server code in the tree,
# the client the config serves is what calls its API, and it reads no stream either.
_CLIENT_WORDS = functools.cache(
    lambda: re.compile(rb"\baxios\.create\(|\bfrom\s+['\"]axios['\"]|\brequire\(\s*['\"]axios['\"]")
)


def quiet_project(workspace: Workspace, nginx_file: str) -> str | None:
    """What the project's app is and that nothing streams ("the repository's app
    (agent_service.py, a Flask app) and the other 12 sources of . neither serve nor read a
    stream"), or None when unknown. Once per run and project folder."""
    # (quiet_folder never walks a folder outside the tree, whatever folder the run started in)
    return quiet_folder(workspace, project_top(workspace, nginx_file))


def project_top(workspace: Workspace, nginx_file: str) -> str:
    """The folder whose sources are the config's project (``discovery.project_folder``)."""
    from linter.discovery import project_folder

    top = project_folder(os.path.abspath(nginx_file))
    if not workspace.inside(top):
        # A config at the tree's top (`nginx.conf` beside the compose file that mounts it,
        # named from elsewhere): the folder above is not the tree's, its own folder is.
        top = os.path.dirname(os.path.abspath(nginx_file))
    return top


def project_sources(workspace: Workspace, top: str) -> list[str] | None:
    """The project's source files below ``top`` (None past the walk's limits), listed once
    per run and folder."""
    key = ("server", "project-sources", top)
    if key not in workspace.memo:
        workspace.memo[key] = _sources(top)
    found = workspace.memo[key]
    return found if isinstance(found, list) else None


def quiet_folder(workspace: Workspace, folder: str) -> str | None:
    """What the app of ``folder`` (an image's build context, a launch's app folder) is and
    that nothing in it streams, read as ``quiet_project`` reads a project; None when unknown.
    Once per run and folder."""
    if not workspace.inside(folder):
        return None
    key = ("server", "quiet-project", folder)
    if key not in workspace.memo:
        workspace.memo[key] = _read(workspace, folder)
    found = workspace.memo[key]
    return found if isinstance(found, str) else None


def _read(workspace: Workspace, top: str) -> str | None:
    sources = project_sources(workspace, top)
    if sources is None or not sources:
        return None
    apps: list[str] = []
    clients: list[str] = []
    for path in sources:
        # Read as nodeapps.py reads JS/TS sources: a byte search, outside the workspace's
        # cache (a unit's cache is released when it is done; this is evidence, not a unit).
        data = read_source(path)
        if data is None:
            return None  # a source not read may be the one that streams
        if _STREAM_WORDS().search(data):
            return None
        if _APP_WORDS().search(data):
            apps.append(relative_posix(path, workspace.root))
        elif _CLIENT_WORDS().search(data):
            clients.append(relative_posix(path, workspace.root))
    shown = relative_posix(top, workspace.root)
    if not apps and clients:
        more = f" and {len(clients) - 1} more" if len(clients) > 1 else ""
        return (
            f"the project holds no server code, and its client code ({clients[0]}{more}, an "
            f"axios client; {len(sources)} source files read under {shown}) never reads a stream"
        )
    if not apps:
        return None
    more = f" and {len(apps) - 1} more" if len(apps) > 1 else ""
    return (
        f"the project's server code ({apps[0]}{more}; {len(sources)} source files read under "
        f"{shown}) neither serves nor reads a stream"
    )


def _sources(top: str) -> list[str] | None:
    """The project's source files, or None when the walk passes its limits."""
    found: list[str] = []
    stack = [top]
    seen = 0
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _MAX_ENTRIES:
                return None
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                if not name.startswith(".") and name not in _SKIPPED:
                    stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False) and name.lower().endswith(_SUFFIXES):
                if name.endswith((".min.js", ".d.ts")):
                    continue
                found.append(entry.path)
                if len(found) > _MAX_SOURCES:
                    return None
    return found
