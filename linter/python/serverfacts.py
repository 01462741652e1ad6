"""What the rules on Python endpoints need from the rest of the repository, found once per run
through the Workspace (a rule only sees its Document):

- the starlette versions the repository can run: a starlette pin, or the range a FastAPI pin
  implies (``FASTAPI_STARLETTE``, read from FastAPI's own package metadata);
- other Python files of the app's folder that stream (a byte search, no parse);
- NGINX locations in the repository that turn ``proxy_buffering`` off (a small walk of each
  file's own statements: includes are not followed, so a setting made in an include is not
  seen and the finding stays).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from linter.python.pins import Pin, find_pins, parse_version, specifier_set
from linter.record import record

if TYPE_CHECKING:
    from linter.python.document import PythonDocument
    from linter.workspace import Workspace

Version = tuple[int, ...]

# FastAPI release -> the starlette range its metadata requires, as (first FastAPI release of
# the range, last FastAPI release of it or None, starlette lower bound, starlette upper bound
# exclusive or None). Read from ``Requires-Dist`` of the wheels and ``pyproject.toml`` at each
# release tag. Every release before 0.115.10 caps starlette below 0.46 (0.115.7-0.115.9:
# ``>=0.40.0,<0.46.0``; older ones pin exact versions such as ``==0.13.2``).
FASTAPI_STARLETTE: tuple[tuple[Version, Version | None, Version, Version | None], ...] = (
    ((0,), (0, 115, 9), (0,), (0, 46)),
    ((0, 115, 10), (0, 116, 0), (0, 40), (0, 47)),
    ((0, 116, 1), (0, 116, 1), (0, 40), (0, 48)),
    ((0, 116, 2), (0, 120, 0), (0, 40), (0, 49)),
    ((0, 120, 1), (0, 121, 2), (0, 40), (0, 50)),
    ((0, 121, 3), (0, 128, 2), (0, 40), (0, 51)),
    ((0, 128, 3), (0, 132, 1), (0, 40), (1, 0)),
    ((0, 133, 0), (0, 133, 1), (0, 40), None),
    ((0, 134, 0), (0, 163, 2), (0, 46), None),
    ((0, 164, 0), None, (1, 6), None),
)

_SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", "site-packages", ".tox"}
)
_MAX_FILES = 5000
_MAX_BYTES = 2_000_000


@record
class StarletteRange:
    lowest: Version  # lowest starlette release allowed
    below: Version | None  # every allowed release is below this (None: no upper bound)
    evidence: str  # where it comes from, e.g. "at uv.lock:12 `starlette 0.45.3`"
    path: str = ""  # the file, relative to the linted root
    line: int = 0


@record
class StreamEvidence:
    path: str  # relative to the linted root
    line: int
    sse: bool | None  # the file streams server-sent events (None: no sign of which type)
    file: str = ""  # the absolute path


@record
class UnbufferedLocation:
    path: str  # the NGINX file, relative to the linted root
    line: int  # of the ``proxy_buffering off`` that applies
    modifier: str  # "", "=", "~", "~*", "^~", or "server" when set above every location
    pattern: str


def _shown(pin: Pin) -> str:
    where = pin.shown or pin.source.split(":", 1)[0]
    detail = pin.source.split(": ", 1)[1] if ": " in pin.source else pin.source
    return f"{where}:{pin.line} `{detail}`" if pin.line else f"{where} `{detail}`"


def starlette_range(path: str, workspace: Workspace) -> StarletteRange | None:
    """The starlette releases the file's app can run, from the nearest pin of starlette (a lock
    file's exact version first) or of FastAPI; None when nothing pins either."""
    pins = find_pins(path, workspace, ("starlette", "fastapi"))
    pin = pins.get("starlette")
    if pin is not None:
        bounds = _bounds(pin.specifier)
        if bounds is not None:
            return StarletteRange(bounds[0], bounds[1], f"at {_shown(pin)}", pin.shown, pin.line)
    pin = pins.get("fastapi")
    if pin is None:
        return None
    implied = _implied_by_fastapi(pin.specifier)
    if implied is None:
        return None
    return StarletteRange(
        implied[0],
        implied[1],
        f"required by FastAPI as pinned at {_shown(pin)}",
        pin.shown,
        pin.line,
    )


def _bounds(spec: str) -> tuple[Version, Version | None] | None:
    """(lowest allowed, exclusive upper bound) of a specifier; None if unreadable."""
    specifiers = specifier_set(spec)
    if specifiers is None:
        return None
    lowest: Version = (0,)
    below: Version | None = None
    for clause in specifiers:
        version = parse_version(clause.version.rstrip(".*"))
        if version is None:
            return None
        upper: Version | None = None
        if clause.operator in ("==", "==="):
            if clause.version.endswith(".*"):
                lowest, upper = max(lowest, version), (*version[:-1], version[-1] + 1)
            else:
                lowest, upper = max(lowest, version), (*version, 0, 0, 1)
        elif clause.operator == ">=":
            lowest = max(lowest, version)
        elif clause.operator == ">":
            lowest = max(lowest, (*version[:-1], version[-1] + 1))
        elif clause.operator == "~=":
            lowest = max(lowest, version)
            upper = (*version[:-2], version[-2] + 1) if len(version) > 1 else None
        elif clause.operator == "<":
            upper = version
        elif clause.operator == "<=":
            upper = (*version, 0, 0, 1)
        if upper is not None and (below is None or upper < below):
            below = upper
    return lowest, below


def _implied_by_fastapi(spec: str) -> tuple[Version, Version | None] | None:
    """The starlette range every FastAPI release ``spec`` allows can bring in."""
    specifiers = specifier_set(spec)
    bounds = _bounds(spec)
    if specifiers is None or bounds is None:
        return None
    # A range of FastAPI releases meets an entry of the table when it allows the entry's
    # first or last release, or lies inside it (then its lowest release is in the entry).
    probes = {bounds[0]}
    for first, last, _, _ in FASTAPI_STARLETTE:
        probes.add(first)
        if last is not None:
            probes.add(last)
    lowest: Version | None = None
    below: Version | None = None
    unbounded = False
    met = False
    for probe in sorted(probes):
        if not specifiers.contains(".".join(map(str, probe)), prereleases=True):
            continue
        entry = _entry(probe)
        if entry is None:
            continue
        met = True
        _, _, low, high = entry
        lowest = low if lowest is None else min(lowest, low)
        if high is None:
            unbounded = True
        elif below is None or high > below:
            below = high
    if not met or lowest is None:
        return None
    return lowest, None if unbounded else below


def _entry(
    version: Version,
) -> tuple[Version, Version | None, Version, Version | None] | None:
    for entry in FASTAPI_STARLETTE:
        first, last = entry[0], entry[1]
        if version >= first and (last is None or version <= last):
            return entry
    return None


def _walk(workspace: Workspace) -> list[str]:
    """Files of the linted tree (memoised once per run), skipping environments and VCS."""
    key = ("python-endpoints-files",)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    found: list[str] = []
    for folder, folders, files in os.walk(workspace.root):
        folders[:] = sorted(
            name
            for name in folders
            if name not in _SKIPPED_FOLDERS
            and not name.startswith(".")
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
        )
        found.extend(os.path.join(folder, name) for name in sorted(files))
        if len(found) > _MAX_FILES:
            break
    workspace.memo[key] = found
    return found


def _read(workspace: Workspace, path: str) -> bytes:
    try:
        if os.path.getsize(path) > _MAX_BYTES:
            return b""
        return workspace.read_bytes(path)
    except Exception:  # unreadable: no evidence
        return b""


_STREAM_BYTES = re.compile(rb"StreamingResponse\(|EventSourceResponse|StreamingHttpResponse\(")


def streaming_files(path: str, workspace: Workspace) -> list[StreamEvidence]:
    """Python files at or below the folder of ``path`` that make a streaming response."""
    folder = os.path.dirname(os.path.abspath(path))
    key = ("python-endpoints-streams", folder)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    found: list[StreamEvidence] = []
    prefix = folder.rstrip(os.sep) + os.sep
    for file in _walk(workspace):
        if not file.endswith(".py") or not (file.startswith(prefix) or folder == file):
            continue
        parts = os.path.relpath(file, folder).split(os.sep)
        if any(part in ("tests", "test") for part in parts[:-1]) or parts[-1].startswith(
            ("test_", "conftest")
        ):
            continue  # a test's app is not the app
        data = _read(workspace, file)
        match = _STREAM_BYTES.search(data)
        if match is None:
            continue
        sse = b"text/event-stream" in data or b"EventSourceResponse" in data or None
        line = data.count(b"\n", 0, match.start()) + 1
        shown = os.path.relpath(file, workspace.root).replace(os.sep, "/")
        found.append(StreamEvidence(shown, line, sse, file))
    workspace.memo[key] = found
    return found


def unbuffered_locations(workspace: Workspace) -> list[UnbufferedLocation]:
    """NGINX locations (and servers) of the repository where ``proxy_buffering`` is off,
    inherited as nginx inherits a scalar: the innermost setting wins."""
    key = ("python-endpoints-nginx",)
    cached = workspace.memo.get(key)
    if isinstance(cached, list):
        return cached
    from linter.nginx.parser import parse_text

    found: list[UnbufferedLocation] = []
    for file in _walk(workspace):
        name = os.path.basename(file)
        if not (name.endswith((".conf", ".conf.template")) or "nginx" in name):
            continue
        data = _read(workspace, file)
        if b"proxy_buffering" not in data:
            continue
        try:
            parsed = parse_text(data.decode("utf-8", "replace"), file)
        except Exception:  # not NGINX after all: no evidence
            continue
        shown = os.path.relpath(file, workspace.root).replace(os.sep, "/")
        _collect(parsed.directives, None, shown, found)
    workspace.memo[key] = found
    return found


def _collect(
    statements: list[Any], inherited: int | None, shown: str, found: list[UnbufferedLocation]
) -> None:
    """``inherited``: the line of the ``proxy_buffering off`` in force above (None: on or
    unset). A location where it is off is recorded; so is a server where it is off and no
    location turns it back on (it then covers every route)."""
    own = _buffering_line(statements, inherited)
    for statement in statements:
        if statement.block is None:
            continue
        name = statement.name.value
        if name == "location":
            values = statement.values
            modifier, pattern = ("", values[0]) if len(values) == 1 else (values[0], values[1])
            line = _buffering_line(statement.block, own)
            if line is not None and len(values) in (1, 2):
                found.append(UnbufferedLocation(shown, line, modifier, pattern))
        elif name == "server":
            line = _buffering_line(statement.block, own)
            if line is not None and not _any_location_buffers(statement.block, line):
                found.append(UnbufferedLocation(shown, line, "server", "/"))
        _collect(statement.block, own, shown, found)


def _buffering_line(statements: list[Any], inherited: int | None) -> int | None:
    own = inherited
    for statement in statements:
        if statement.name.value == "proxy_buffering" and statement.values:
            own = statement.line if statement.values[0] == "off" else None
    return own


def _any_location_buffers(statements: list[Any], line: int) -> bool:
    """A location below turns buffering back on: the server-wide setting is not everywhere."""
    for statement in statements:
        if statement.block is None:
            continue
        inner = _buffering_line(statement.block, line)
        if statement.name.value == "location" and inner is None:
            return True
        if _any_location_buffers(statement.block, inner or line):
            return True
    return False


def covers_route(location: UnbufferedLocation, route: str | None) -> bool:
    """True when the NGINX location can serve ``route``: the full path of the endpoint, or
    None when it is not known (a router whose prefix is set elsewhere, a path that is not a
    literal). An unknown route is covered by any location: silence is the precise choice."""
    if route is None or location.modifier == "server":
        return True
    pattern = location.pattern
    if location.modifier in ("~", "~*"):
        flags = re.IGNORECASE if location.modifier == "~*" else 0
        try:
            return re.search(pattern, route, flags) is not None
        except re.error:
            return True  # not Python's regex dialect: assume it may
    if location.modifier == "=":
        return pattern == route
    return route.startswith(pattern)


@record
class EndpointFacts:
    """What the endpoint rules know from outside the file (``PythonDocument.endpoint_facts``)."""

    starlette: StarletteRange | None  # None: nothing pins starlette or FastAPI
    streams: tuple[StreamEvidence, ...]  # other files of the app that stream
    unbuffered: tuple[UnbufferedLocation, ...]  # NGINX locations with buffering off


def gather(document: PythonDocument, path: str, workspace: Workspace) -> EndpointFacts | None:
    """The facts for a file that puts compression middleware on an app or makes an SSE
    response without the anti-buffering headers; None for any other file (nothing read)."""
    from linter.python.endpoints import (
        COMPRESSION_NAMES,
        compression_middlewares,
        sse_responses,
    )

    text = document.source.text
    gzip = any(name in text for name in COMPRESSION_NAMES) and any(
        compression_middlewares(document)
    )
    sse = "event-stream" in text and any(sse_responses(document))
    if not (gzip or sse):
        return None
    return EndpointFacts(
        starlette_range(path, workspace) if gzip else None,
        tuple(streaming_files(path, workspace)) if gzip else (),
        tuple(unbuffered_locations(workspace)) if sse else (),
    )
