"""Streaming evidence from JavaScript and TypeScript backends (Express, NestJS, Fastify,
Next.js route handlers), for the NGINX kind's route evidence beside the Python apps'
(linter/server/apps.py).

Read without a JavaScript parser, on purpose: a byte search for the few words a streaming
handler must write, then regular expressions anchored on literal shapes, line by line:

- a `Content-Type: text/event-stream` header set on the response (`res.setHeader(...)`,
  `res.writeHead(200, {...})`, `reply.raw.writeHead`, `res.set`/`res.header`/`res.type`,
  `new Response(stream, { headers: {...} })`), or NestJS's `@Sse()` decorator;
- chunks of a model's stream written as they come: a `for await (const chunk of ...)` loop
  that writes to the response (`res.write(`, `controller.enqueue(`, `reply.raw.write(`);
- the Vercel AI SDK's stream responses (`toDataStreamResponse`, `toTextStreamResponse`,
  `toUIMessageStreamResponse`, `pipeDataStreamToResponse`, ...).

A literal in a comment or a string of other code can match: the shapes are narrow enough
that this is rare, and the messages say the evidence was read by shape from a JS/TS file.
Only server sources count: `.jsx`/`.tsx` components, tests, builds and dependencies are not
read. A route's path is known for a Next.js route handler (its file's path), a NestJS
controller (`@Controller('api/chat')` and its method's decorator) and an Express/Fastify
registration (`router.post('/chat', ...)`) written before the evidence in the same file.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, replace

from linter.server.sourcefiles import is_source, read_source

# How many files one app's walk looks at, and the largest file read (a bundle is not a source).
_MAX_FILES = 3000
_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_SKIPPED = frozenset(
    {"node_modules", "dist", "build", "out", ".next", ".nuxt", "coverage", "public", "static",
     "test", "tests", "__tests__", "__mocks__", "e2e", "cypress", "vendor", "assets"}
)  # fmt: skip
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# Words one of which a streaming handler's file must hold (the byte search before any regex).
_WORDS = functools.cache(
    lambda: re.compile(rb"event-stream|@Sse\b|for\s+await|Stream(?:Response|ToResponse)\b")
)
_SSE_HEADER = functools.cache(
    lambda: re.compile(
        r"""(?ix)
        ['"`]?content-type['"`]?\s*[:,]\s*['"`]text/event-stream
        | \.type\(\s*['"`]text/event-stream
        """
    )
)
_NEST_SSE = functools.cache(lambda: re.compile(r"^\s*@Sse\(\s*(?:['\"`]([^'\"`]*)['\"`])?"))
_FOR_AWAIT = functools.cache(
    lambda: re.compile(r"\bfor\s+await\s*\(\s*(?:const|let|var)\s+\w+\s+of\b")
)
_WRITES = functools.cache(
    lambda: re.compile(
        r"\b(?:res|response|reply\.raw|stream|writer|controller)\.(?:write|enqueue)\("
    )
)
_AI_SDK = functools.cache(
    lambda: re.compile(
        r"\.(toDataStreamResponse|toTextStreamResponse|toUIMessageStreamResponse"
        r"|pipeDataStreamToResponse|pipeTextStreamToResponse|pipeUIMessageStreamToResponse)\("
    )
)
_UNBUFFERED = functools.cache(
    lambda: re.compile(r"""(?i)['"`]?x-accel-buffering['"`]?\s*[:,]\s*['"`]no['"`]""")
)
# Route registrations whose path is a literal.
_NEST_CONTROLLER = functools.cache(
    lambda: re.compile(r"^\s*@Controller\(\s*(?:\{\s*path\s*:\s*)?['\"`]([^'\"`]*)['\"`]")
)
_NEST_METHOD = functools.cache(
    lambda: re.compile(r"^\s*@(?:Get|Post|Put|Patch|All|Sse)\(\s*(?:['\"`]([^'\"`]*)['\"`])?\s*\)")
)
_EXPRESS_ROUTE = functools.cache(
    lambda: re.compile(
        r"\b(?:app|router|server|fastify|api|route[rs]?)\.(?:get|post|put|all|route)\(\s*['\"`](/[^'\"`]*)['\"`]"
    )
)
# How far after a `for await` loop a write to the response still belongs to it (lines).
_LOOP_REACH = 12


@dataclass(frozen=True)
class NodeEvidence:
    """One streaming handler of a JS/TS app: what was read, where, and its route's path when a
    literal gives it ("" when unknown)."""

    what: str  # "`Content-Type: text/event-stream` set on the response"
    path: str  # the file, as shown to the user
    line: int
    route: str = ""
    unbuffered: bool = False  # the same file sends `X-Accel-Buffering: no`
    nest: bool = False  # the route comes from NestJS decorators (the app's global prefix applies)


def is_node_app(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "package.json"))


def app_evidence(folder: str, shown: str) -> list[NodeEvidence]:
    """The streaming handlers of the JS/TS app in ``folder`` (its server sources, below it).
    ``shown``: the folder as a message shows it (paths below it are joined to it)."""
    found: list[NodeEvidence] = []
    for path in _sources(folder):
        data = read_source(path)
        if data is None or _WORDS().search(data) is None:
            continue
        relative = os.path.relpath(path, folder).replace(os.sep, "/")
        display = f"{shown.rstrip('/')}/{relative}" if shown not in ("", ".") else relative
        found.extend(file_evidence(data.decode("utf-8", "replace"), display, relative))
    if any(e.nest and e.route for e in found):
        prefix = _global_prefix(folder)
        if prefix:
            found = [
                replace(e, route=_join(prefix, e.route)) if e.nest and e.route else e for e in found
            ]
    return found


# NestJS's `app.setGlobalPrefix('api')` (in main.ts): every controller's routes sit under it.
# One with `exclude` leaves some routes out of it: the prefix is then not applied at all.
_GLOBAL_PREFIX = functools.cache(
    lambda: re.compile(r"\.setGlobalPrefix\(\s*['\"`]([^'\"`]*)['\"`]\s*(,)?")
)


def _global_prefix(folder: str) -> str:
    """The one global prefix the app's sources set, or "" (none, several, or with exclusions)."""
    prefixes: set[str] = set()
    for path in _sources(folder):
        data = read_source(path)
        if data is None or b"setGlobalPrefix" not in data:
            continue
        for match in _GLOBAL_PREFIX().finditer(data.decode("utf-8", "replace")):
            if match.group(2):
                return ""
            prefixes.add(match.group(1).strip("/"))
    return prefixes.pop() if len(prefixes) == 1 else ""


def file_evidence(text: str, display: str, relative: str) -> list[NodeEvidence]:
    """The streaming handlers of one source file (``relative``: its path in the app, for a
    Next.js route handler's path)."""
    lines = text.splitlines()
    unbuffered = _UNBUFFERED().search(text) is not None
    found: list[NodeEvidence] = []
    controller = ""
    method_route: str | None = None
    express_route = ""
    loop_at: int | None = None
    file_route = _next_route(relative)
    for number, line in enumerate(lines, start=1):
        if match := _NEST_CONTROLLER().search(line):
            controller = match.group(1)
        if match := _NEST_METHOD().search(line):
            method_route = match.group(1) or ""
        if match := _EXPRESS_ROUTE().search(line):
            express_route = match.group(1)
        what = None
        if _SSE_HEADER().search(line):
            what = "`Content-Type: text/event-stream` set on the response"
        elif _NEST_SSE().search(line):
            what = "NestJS's `@Sse()` handler"
        elif match := _AI_SDK().search(line):
            what = f"the AI SDK's `{match.group(1)}(...)`"
        elif _FOR_AWAIT().search(line):
            loop_at = number
        elif loop_at is not None and number - loop_at <= _LOOP_REACH and _WRITES().search(line):
            what = "a `for await` loop over a stream writing each chunk to the response"
            number, loop_at = loop_at, None
        if what is None:
            continue
        nest = False
        if file_route is not None:
            route = file_route
        elif controller or method_route:
            route, nest = _join(controller, method_route or ""), True
        else:
            route = express_route
        found.append(NodeEvidence(what, display, number, route, unbuffered, nest))
    return found


def _join(prefix: str, rest: str) -> str:
    parts = [p.strip("/") for p in (prefix, rest) if p.strip("/")]
    return "/" + "/".join(parts)


# Next.js: `app/api/chat/route.ts` (App Router) and `pages/api/chat.ts` (Pages Router), under
# an optional `src/`; a dynamic segment (`[id]`) ends the literal part.
_NEXT_APP = functools.cache(lambda: re.compile(r"(?:^|/)app((?:/[^/]+)*)/route\.[cm]?[jt]s$"))
_NEXT_PAGES = functools.cache(
    lambda: re.compile(r"(?:^|/)pages(/api(?:/[^/]+)*?)(?:/index)?\.[cm]?[jt]s$")
)


def _next_route(relative: str) -> str | None:
    match = _NEXT_APP().search(relative) or _NEXT_PAGES().search(relative)
    if match is None:
        return None
    kept: list[str] = []
    for part in match.group(1).split("/"):
        if not part or (part.startswith("(") and part.endswith(")")):
            continue  # a route group names no segment
        if part.startswith("["):
            break
        kept.append(part)
    return "/" + "/".join(kept)


def _sources(folder: str) -> list[str]:
    """The app's server sources: JS/TS files that are not declarations, bundles or tests,
    outside build output, dependencies and test folders."""
    from linter.discovery import walk_files

    def wanted(entry: os.DirEntry[str]) -> bool:
        return is_source(entry.name, _SUFFIXES)

    return walk_files(folder, wanted, _MAX_FILES, _SKIPPED)
