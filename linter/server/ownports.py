"""The ports a proxy config's project listens on in its own code: a JavaScript/TypeScript or
Python server of the tree that binds a literal port (`server.listen(4000)`,
`const port = process.env.PORT || 4000; app.listen(port)`, `app.run(port=4000)`,
`uvicorn.run(app, port=4000)`).

An upstream on the same host at such a port reaches that code, not the LLM server the port
is known for (LiteLLM's 4000 is also Apollo Server's and many a Node app's): the port alone
is then no evidence (linter/nginx/backends.py). A listening file that names an LLM server or
serves an event stream is left out: there the port may well mean what it says.

Evidence only, read by shape from the bytes (as quietproject.py reads the project): once per
run and project folder."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.quietproject import project_sources, project_top
from linter.server.sourcefiles import read_source

if TYPE_CHECKING:
    from linter.workspace import Workspace

# A literal port bound by the file's own server.
_LISTEN = functools.cache(
    lambda: re.compile(
        rb"\.listen\(\s*(\d{2,5})\s*[,)]"
        rb"|(?:\|\||\?\?)\s*(\d{2,5})\b"
        rb"|\.run\([^)\n]*\bport\s*=\s*(\d{2,5})\b"
    )
)
# What makes a listening file more than some app on a common port: it names an LLM server or
# API, or serves an event stream.
_LLM_WORDS = functools.cache(
    lambda: re.compile(
        rb"litellm|ollama|openai|anthropic|gradio|langchain|librechat|lmstudio|lm studio"
        rb"|event-stream|streamingresponse|eventsourceresponse",
        re.IGNORECASE,
    )
)


def own_ports(workspace: Workspace, nginx_file: str) -> dict[str, str]:
    """Port -> the file and line of the project's code that listens on it."""
    top = project_top(workspace, nginx_file)
    if not workspace.inside(top):
        return {}
    key = ("server", "own-ports", top)
    known = workspace.memo.get(key)
    if isinstance(known, dict):
        return known
    found: dict[str, str] = {}
    for path in project_sources(workspace, top) or ():
        if not path.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".py")):
            continue
        data = read_source(path)
        if not data or (b".listen(" not in data and b".run(" not in data):
            continue
        if _LLM_WORDS().search(data):
            continue
        shown = relative_posix(path, workspace.root)
        for match in _LISTEN().finditer(data):
            if match.group(2) and b".listen(" not in data:
                continue  # a default port, but nothing here listens
            port = (match.group(1) or match.group(2) or match.group(3)).decode()
            line = data.count(b"\n", 0, match.start()) + 1
            found.setdefault(port, f"{shown}:{line}")
    workspace.memo[key] = found
    return found
