"""The event streams a browser app of the project opens on its own origin, by their literal
paths, for the NGINX kind's route evidence: the page reads `/api/chat/process` as an event
stream, so the location that proxies `/api/` carries a stream, whatever the backend behind it
(a server of another repository, an image, a language nothing here reads).

Read without a parser, on purpose: a byte search, then regular expressions on literal shapes,
line by line, in the project's JS/TS, Vue and Svelte sources:

- `new EventSource('/api/events')`;
- `fetchEventSource('/api/chat', ...)` (`@microsoft/fetch-event-source`, and its look-alikes);
- a call of the project's own helper named for an event stream with a literal path first
  (`commonSseProcess('/api/chat/process', ...)`, `useEventSource('/sse')`).

Only a path that starts with `/` counts (the same origin as the page, so through this NGINX);
a path built from a variable (`${BASE}/stream`) or a full URL says nothing about this config.
"""

from __future__ import annotations

import functools
import os
import re

from linter.pathmatch import relative_posix
from linter.record import record
from linter.server.sourcefiles import is_source, read_source

_MAX_FILES = 3000
_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".vue", ".svelte")
_SKIPPED = frozenset(
    {"node_modules", "dist", "build", "out", ".next", ".nuxt", "coverage", "public", "static",
     "test", "tests", "__tests__", "__mocks__", "e2e", "cypress", "vendor", "assets"}
)  # fmt: skip
_WORDS = functools.cache(lambda: re.compile(rb"EventSource|EventStream|[Ss]se|SSE"))
# A call that opens an event stream on a literal path of the page's own origin.
_READER = functools.cache(
    lambda: re.compile(
        r"""(?x)
        \b(new\s+EventSource|fetchEventSource
          |\w*(?:[Ss]se|SSE|EventSource|EventStream)\w*)
        \s*\(\s*['"`](/[^'"`$?#\s]*)['"`]
        """
    )
)


# A helper's name says it opens an event stream: `Sse`/`SSE` as a word of its camel or snake
# case (`commonSseProcess`, `use_sse`, `SSEClient`), not inside one (`getAssessment`).
_NAMED_FOR_SSE = functools.cache(
    lambda: re.compile(
        r"EventSource|EventStream|(?:^|[a-z0-9_])Sse(?:[A-Z0-9_]|$)|(?:^|_)sse(?:[A-Z0-9_]|$)"
        r"|(?:^|[a-z0-9_])SSE(?:[A-Z][a-z]|[0-9_]|$)"
    )
)


@record  # (a frozen value class without a dataclass's code generation: see record.py)
class ClientStream:
    """A path the project's browser app reads as an event stream, and where."""

    path: str
    said: str


def client_streams(top: str, root: str) -> tuple[ClientStream, ...]:
    """The event streams the browser apps below ``top`` open on their own origin (``root``:
    the tree's top, for the paths shown)."""
    from linter.discovery import walk_files

    def wanted(entry: os.DirEntry[str]) -> bool:
        return is_source(entry.name, _SUFFIXES)

    found: list[ClientStream] = []
    for path in walk_files(top, wanted, _MAX_FILES, _SKIPPED):
        data = read_source(path)
        if data is None or _WORDS().search(data) is None:
            continue
        shown = relative_posix(path, root)
        text = data.decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.lstrip()
            if stripped.startswith(("//", "*", "/*")):
                continue
            for match in _READER().finditer(line):
                callee = " ".join(match.group(1).split())
                route = match.group(2)
                if route == "/" or _NAMED_FOR_SSE().search(callee) is None:
                    continue
                found.append(
                    ClientStream(
                        route,
                        f"the browser app reads {route} as an event stream (`{callee}(...)` at "
                        f"{shown}:{number}, read from a client source by its shape)",
                    )
                )
    return tuple(found)
