"""Streaming evidence from Java and Kotlin backends (Spring MVC and WebFlux controllers), for
the NGINX kind's route evidence beside the Python and JS/TS apps' (linter/server/pypaths.py,
linter/server/nodeapps.py).

Read without a Java parser, on purpose: a byte search for the words a streaming handler must
hold, then regular expressions anchored on Spring's literal shapes. A handler streams when its
mapping annotation says it produces `text/event-stream` (`produces =
MediaType.TEXT_EVENT_STREAM_VALUE`), or when the method returns an `SseEmitter` or a stream of
`ServerSentEvent`s (`Flux<ServerSentEvent<...>>`). Its route's path is the class's
`@RequestMapping` joined with the method's mapping, when both are literals; a constant
(`@RequestMapping(ApiPaths.BASE)`) leaves the path unknown. A literal
`server.servlet.context-path` (or WebFlux's `spring.webflux.base-path`) in the app's
`application` properties or YAML puts every route under it; one set from a variable leaves
the paths unknown.

Only main sources count: tests, build output and generated code are not read.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from linter.server.sourcefiles import read_source

_MAX_FILES = 4000
_SUFFIXES = (".java", ".kt")
_SKIPPED = frozenset(
    {"test", "tests", "target", "build", "out", "bin", "generated", "node_modules", "dist",
     "gradle", ".gradle", "androidTest", "testFixtures"}
)  # fmt: skip
# Words one of which a streaming handler's file must hold (the byte search before any regex).
_WORDS = functools.cache(
    lambda: re.compile(rb"TEXT_EVENT_STREAM|text/event-stream|SseEmitter|ServerSentEvent")
)
# A mapping annotation with its arguments (one level of nested parentheses or braces).
_MAPPING = functools.cache(
    lambda: re.compile(
        r"@(Get|Post|Put|Patch|Delete|Request)Mapping\b\s*(\((?:[^()]|\([^()]*\))*\))?"
    )
)
_STRING = functools.cache(lambda: re.compile(r'"((?:[^"\\]|\\.)*)"'))
_PRODUCES_SSE = functools.cache(
    lambda: re.compile(r"produces\s*=\s*[^)]*?(?:TEXT_EVENT_STREAM|text/event-stream)")
)
# What the method returns, read in its signature (the text up to its body or its `=`).
_RETURNS_SSE = functools.cache(lambda: re.compile(r"\bSseEmitter\b|\bServerSentEvent\b"))
_NEXT_ANNOTATION = functools.cache(lambda: re.compile(r"\n[ \t]*@\w"))
_CLASS = functools.cache(
    lambda: re.compile(r"^\s*(?:[\w@]+\s+)*(?:class|interface|object)\s+\w+", re.M)
)
_UNBUFFERED = functools.cache(
    lambda: re.compile(r"""(?i)["']x-accel-buffering["']\s*[:,]\s*["']no["']""")
)
_CONTEXT_PATH = functools.cache(
    lambda: re.compile(
        r"^[ \t]*(?:server\.servlet\.context-path|spring\.webflux\.base-path)\s*[=:]\s*(\S+)"
        r"|^([ \t]*)context-path\s*:\s*(\S+)",
        re.M,
    )
)


@dataclass(frozen=True)
class JvmEvidence:
    """One streaming handler of a Spring app: what was read, where, and its route's path
    (None when a constant or an unread context path hides it)."""

    what: str
    path: str  # the file, as shown to the user
    line: int
    route: str | None
    unbuffered: bool


def said(evidence: JvmEvidence) -> str:
    """How a message names a handler found here."""
    return (
        f"{evidence.what} at {evidence.path}:{evidence.line}, "
        "read from a Java/Kotlin file by its shape"
    )


def app_evidence(folder: str, shown: str) -> list[JvmEvidence]:
    """The streaming handlers of the Java/Kotlin sources below ``folder``. ``shown``: the
    folder as a message shows it."""
    from linter.discovery import walk_files

    def wanted(entry: os.DirEntry[str]) -> bool:
        return entry.name.endswith(_SUFFIXES) and not entry.name.endswith(
            ("Test.java", "Tests.java", "Test.kt", "Tests.kt", "IT.java")
        )

    found: list[JvmEvidence] = []
    for path in walk_files(folder, wanted, _MAX_FILES, _SKIPPED):
        data = read_source(path)
        if data is None or _WORDS().search(data) is None:
            continue
        relative = os.path.relpath(path, folder).replace(os.sep, "/")
        display = f"{shown.rstrip('/')}/{relative}" if shown not in ("", ".") else relative
        found.extend(file_evidence(data.decode("utf-8", "replace"), display))
    if found:
        prefix = _context_path(folder)
        if prefix != "":
            found = [
                JvmEvidence(
                    e.what,
                    e.path,
                    e.line,
                    None if prefix is None or e.route is None else _join(prefix, e.route),
                    e.unbuffered,
                )
                for e in found
            ]
    return found


def file_evidence(text: str, display: str) -> list[JvmEvidence]:
    """The streaming handlers of one Java or Kotlin source file."""
    unbuffered = _UNBUFFERED().search(text) is not None
    found: list[JvmEvidence] = []
    classes = [m.start() for m in _CLASS().finditer(text)]
    # The class's own mapping: the last `@RequestMapping` before the first class keyword.
    prefix: str | None = ""
    first_class = classes[0] if classes else len(text)
    for match in _MAPPING().finditer(text):
        if match.start() >= first_class:
            break
        if match.group(1) == "Request":
            routes = _mapped_paths(match.group(2))
            prefix = None if routes is None else (routes[0] if routes else "")
    for match in _MAPPING().finditer(text):
        if match.start() < first_class:
            continue
        args = match.group(2) or ""
        signature = _signature(text, match.end())
        if _PRODUCES_SSE().search(args):
            what = "a Spring handler that `produces` `text/event-stream`"
        elif _RETURNS_SSE().search(signature):
            kind = "SseEmitter" if "SseEmitter" in signature else "ServerSentEvent"
            what = f"a Spring handler returning `{kind}`"
        else:
            continue
        line = text.count("\n", 0, match.start()) + 1
        routes = _mapped_paths(match.group(2))
        if prefix is None or routes is None:
            found.append(JvmEvidence(what, display, line, None, unbuffered))
            continue
        for route in routes or [""]:
            found.append(JvmEvidence(what, display, line, _join(prefix, route), unbuffered))
    return found


def _signature(text: str, start: int) -> str:
    """The method's declaration after its mapping: up to its body's `{`, a `;` (an abstract
    method of an interface), or the next annotation (a Kotlin expression body has no `{`)."""
    end = len(text)
    for stop in ("{", ";"):
        at = text.find(stop, start)
        if at != -1:
            end = min(end, at)
    annotation = _NEXT_ANNOTATION().search(text, start, end)
    return text[start : annotation.start() if annotation else end]


def _mapped_paths(args: str | None) -> list[str] | None:
    """The literal paths a mapping's arguments give ([] for none), or None when the path is
    named by something else (a constant, a concatenation)."""
    if not args:
        return []
    inner = args[1:-1].strip()
    if not inner:
        return []
    # `("/x")`, `({"/a", "/b"})`, `(value = "/x", ...)`, `(path = {...}, ...)`; a first
    # argument that is not named is the path.
    named = re.search(r"\b(?:value|path)\s*=\s*(\{[^}]*\}|[^,)]+)", inner)
    if named is not None:
        given = named.group(1).strip()
    elif re.match(r"\w+\s*=", inner):
        return []  # (only `produces =`, `method =`, ...: no path of its own)
    else:
        given = re.split(r",\s*(?=\w+\s*=)", inner, maxsplit=1)[0].strip()
    if given.startswith("{"):
        given = given[1:-1] if given.endswith("}") else given[1:]
    parts = [p.strip() for p in given.split(",") if p.strip()]
    paths = []
    for part in parts:
        match = _STRING().fullmatch(part)
        if match is None:
            return None
        paths.append(match.group(1))
    return paths


def _join(prefix: str, rest: str) -> str:
    parts = [p.strip("/") for p in (prefix, rest) if p.strip("/")]
    return "/" + "/".join(parts)


def _context_path(folder: str) -> str | None:
    """The literal context path the app's `application*.properties`/`.yml` set ("" for
    none), or None when one is set from a variable or two files disagree."""
    from linter.discovery import walk_files

    def wanted(entry: os.DirEntry[str]) -> bool:
        name = entry.name
        return name.startswith(("application", "bootstrap")) and name.endswith(
            (".properties", ".yml", ".yaml")
        )

    found: set[str] = set()
    for path in walk_files(folder, wanted, _MAX_FILES, _SKIPPED):
        data = read_source(path)
        if data is None or (b"context-path" not in data and b"base-path" not in data):
            continue
        for match in _CONTEXT_PATH().finditer(data.decode("utf-8", "replace")):
            value = (match.group(1) or match.group(3) or "").strip().strip("'\"")
            if "${" in value or not value.startswith("/"):
                return None
            found.add(value.rstrip("/"))
    if len(found) > 1:
        return None
    return found.pop() if found else ""
