"""What the settings in effect on a route do to a stream: one verdict per setting, shared by
the rules (which report a verdict that is a risk) and `streamproof audit` (which shows every
verdict), so the two always agree.

Each verdict keeps the lookups it stands on, so a message can name where each value comes
from (the route's own block, an outer block, an include, or nginx's default).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from linter.llmservers import UVICORN_LLM_PORTS, UVICORN_LLM_SERVERS, llm_name
from linter.nginx.app_signal import app_signal, path_app_signal
from linter.nginx.context import Stmt
from linter.nginx.directives import BUFFERED_FAMILIES
from linter.nginx.effective import (
    ArrayLookup,
    Lookup,
    block_label,
    display_path,
    header_values,
    lookup,
    lookup_array,
)
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route
from linter.nginx.route_pages import proxies_llm_api
from linter.nginx.targets import Resolved, pass_host
from linter.nginx.timevalue import parse_time

# A location whose clients open the stream with GET (a browser's EventSource, a curl of an
# event feed): GET is always cacheable, whatever `proxy_cache_methods` says.
_GET_STREAM_SEGMENTS = frozenset(
    {"sse", "events", "eventsource", "event-stream", "stream", "streaming"}
)
# The cache key nginx uses when `proxy_cache_key` is not set (the other families have none:
# nginx refuses a `fastcgi_cache` without `fastcgi_cache_key`).
DEFAULT_PROXY_CACHE_KEY = "$scheme$proxy_host$request_uri"


def position(stmt: Stmt, root: str) -> str:
    """``file:line`` of a statement (display path: relative to the workspace root)."""
    assert stmt.directive is not None
    return f"{display_path(stmt.directive.path, root)}:{stmt.directive.line}"


def stmt_origin(stmt: Stmt, level: Stmt | None, at: Stmt, root: str) -> str:
    """Where a directive in effect at block ``at`` comes from: ``nginx.conf:12`` (written in
    the block), ``via include proxy.conf:4`` (an include in the block brings it), ``inherited
    from server {} (nginx.conf:12)`` (an outer block)."""
    here = position(stmt, root)
    if level is None or level is at:
        return here if stmt.via is at.via else f"via include {here}"
    if stmt.via is not level.via:
        here = f"via include {here}"
    return f"inherited from {block_label(level)} ({here})"


def lookup_origin(found: Lookup, root: str) -> str:
    """Where the effective value of a scalar directive comes from (see ``stmt_origin``)."""
    if found.unknown is not None:
        return f"unknown: {found.unknown.unknown} may set it"
    caveat = (
        f" ({found.caveat.reach.caveat(found.name)})" if found.caveat and found.caveat.reach else ""
    )
    if found.stmt is None:
        return "nginx default" + caveat
    return stmt_origin(found.stmt, found.level, found.at, root) + caveat


def array_origin(found: ArrayLookup, root: str, stmt: Stmt | None = None) -> str:
    """Where the directives of an array lookup (or one of them) come from."""
    chosen = stmt if stmt is not None else (found.stmts[0] if found.stmts else None)
    if chosen is None:
        if found.unknown is not None:
            return f"unknown: {found.unknown.unknown} may set it"
        return "nginx default"
    return stmt_origin(chosen, found.level, found.at, root)


def words(stmt: Stmt) -> str:
    """A statement's name and arguments as written."""
    directive = stmt.directive
    assert directive is not None
    return " ".join([directive.name.raw, *(arg.raw for arg in directive.args)])


def get_stream_path(route: Route) -> str | None:
    """The route's location path when it names an event stream a client opens with GET."""
    block = route.block
    if block.is_root or block.name != "location" or not block.args:
        return None
    path = block.args[-1]
    text = re.sub(r"^[=~*^\s]+", "", path)
    for segment in re.split(r"[/\\]+", text):
        for alternative in segment.strip("()^$?").split("|"):
            if alternative.strip("()^$?").lower() in _GET_STREAM_SEGMENTS:
                return path
    return None


def _literal(stmt: Stmt, index: int) -> str | None:
    """Argument ``index`` of a statement when it is a plain literal (no variable, no
    template placeholder); None otherwise."""
    directive = stmt.directive
    if directive is None or index >= len(directive.args):
        return None
    word = directive.args[index]
    if word.has_placeholder or "$" in word.raw:
        return None
    return word.value


# --- read timeout (NGX001), buffering (NGX002), gzip (NGX004) ---------------------------------

READ_TIMEOUT_DEFAULT = "60s"


class ReadTimeout(NamedTuple):
    """The effective `*_read_timeout` of a route. ``milliseconds`` is None when the value is
    unknown (an unreadable include, a template placeholder) or refused by nginx (``refused``:
    NGX009 reports it)."""

    name: str
    found: Lookup
    milliseconds: int | None
    refused: bool = False


def read_timeout(route: Route) -> ReadTimeout:
    name = f"{route.family}_read_timeout"
    found = lookup(route.block, name, READ_TIMEOUT_DEFAULT)
    if not found.known:
        return ReadTimeout(name, found, None)
    if found.stmt is None:
        value = parse_time(READ_TIMEOUT_DEFAULT)
        assert value is not None
        return ReadTimeout(name, found, value.milliseconds)
    directive = found.stmt.directive
    if directive is None or not directive.args or directive.args[0].has_placeholder:
        return ReadTimeout(name, found, None)
    parsed = parse_time(directive.args[0].value)
    if parsed is None or len(directive.args) > 1:
        return ReadTimeout(name, found, None, refused=True)
    return ReadTimeout(name, found, parsed.milliseconds)


def deliberate_read_timeout(document: NginxDocument, route: Route, timeout: ReadTimeout) -> bool:
    """A read timeout written in the route's own block, where the only sign that the route
    streams is `*_buffering off` beside it: its admin chose both for this route (a short
    answer unbuffered, a registry, a health check), and nothing says it waits on a model.
    Taken as meant (precision first); an LLM backend or an SSE mention still counts."""
    signal = route.signal
    stmt = timeout.found.stmt
    return (
        signal is not None
        and signal.kind == "sse"
        and stmt is not None
        and stmt.parent is route.block
        and not proxies_llm_api(document, route)
        and not _app_streams_here(document, route)
    )


def _app_streams_here(document: NginxDocument, route: Route) -> bool:
    """The repository's app behind the route streams at a path it reaches (the signals of
    linter/nginx/app_signal.py): the timeout then waits on that app's streams, whatever the
    admin had in mind when writing it beside `*_buffering off`."""
    if not document.streaming_backends and not document.path_streams:
        return False
    resolved = Resolved(route.target, ())
    return (
        app_signal(document, route.block, resolved, route.upstream) is not None
        or path_app_signal(document, route.block, resolved, route.upstream) is not None
    )


class Buffering(NamedTuple):
    """The effective `*_buffering` of a route: ``on`` True (nginx collects the answer before
    passing it on), False (off, or gRPC, which is never buffered), None (unknown)."""

    name: str
    found: Lookup | None
    on: bool | None


def buffering(route: Route) -> Buffering:
    if route.family not in BUFFERED_FAMILIES:
        return Buffering(f"{route.family}_buffering", None, False)
    name = f"{route.family}_buffering"
    found = lookup(route.block, name, "on")
    if not found.known:
        return Buffering(name, found, None)
    value = _literal(found.stmt, 0) if found.stmt is not None else "on"
    if value is None:
        return Buffering(name, found, None)
    return Buffering(name, found, value.lower() == "on")


class Gzip(NamedTuple):
    """gzip in effect on a route and whether `gzip_types` covers event streams."""

    gzip: Lookup
    types: Lookup
    covering: str | None  # the gzip_types entry naming text/event-stream (or `*`)

    @property
    def on(self) -> bool | None:
        if not self.gzip.known:
            return None
        return self.gzip.value == "on"

    @property
    def risk(self) -> bool | None:
        """True when gzip compresses this route's event stream; None when unknown."""
        if self.on is not True:
            return self.on
        if not self.types.known:
            return None
        return self.covering is not None


def gzip(route: Route) -> Gzip:
    found = lookup(route.block, "gzip", "off")
    types = lookup(route.block, "gzip_types", "text/html")
    covering = next((t for t in types.args if t in ("*", "text/event-stream")), None)
    return Gzip(found, types, covering if types.known else None)


class CacheVerdict(NamedTuple):
    """Whether nginx can store this route's streamed answer and replay it.

    ``stores`` is True when every condition for storing holds (a cache zone in effect,
    buffering on or unknown, the route's requests cacheable, a validity for a 200), False
    when one of them certainly fails, None when it cannot be known; ``reason`` says which, in
    a few words (`proxy_buffering off`, `POST not in proxy_cache_methods`, ...).
    ``evidence`` lists what makes storing possible, each with where it comes from.
    """

    cache: Lookup
    stores: bool | None
    reason: str
    evidence: tuple[str, ...] = ()
    key: Lookup | None = None
    post: bool = False  # POST requests are cached here
    caveat: Stmt | None = None  # an unread include that could change the verdict


def cache_verdict(route: Route, root: str) -> CacheVerdict | None:
    """None for a family nginx never caches (gRPC)."""
    family = route.family
    if family not in BUFFERED_FAMILIES:
        return None
    block = route.block
    name = f"{family}_cache"
    cache = lookup(block, name, "off")
    if not cache.known:
        return CacheVerdict(cache, None, f"{name} unknown")
    if cache.stmt is None or (cache.value or "").lower() == "off":
        return CacheVerdict(cache, False, "off")
    directive = cache.stmt.directive
    if directive is None or not directive.args or directive.args[0].has_placeholder:
        return CacheVerdict(cache, None, f"{name} is a template placeholder")
    evidence = [f"`{words(cache.stmt)}` ({lookup_origin(cache, root)})"]

    buffering = lookup(block, f"{family}_buffering", "on")
    value = _literal(buffering.stmt, 0) if buffering.stmt is not None else "on"
    if buffering.known and value is not None and value.lower() == "off":
        return CacheVerdict(cache, False, f"{family}_buffering off")
    if buffering.known and value is not None:
        evidence.append(f"{family}_buffering on ({lookup_origin(buffering, root)})")
    else:
        evidence.append(f"{family}_buffering maybe on ({lookup_origin(buffering, root)})")

    no_cache = lookup_array(block, f"{family}_no_cache")
    for stmt in no_cache.stmts:
        for index in range(len(stmt.args)):
            constant = _literal(stmt, index)
            if constant is not None and constant not in ("", "0"):
                return CacheVerdict(cache, False, f"`{words(stmt)}`")

    valid = lookup_array(block, f"{family}_cache_valid")
    covering = [stmt for stmt in valid.stmts if _valid_for_200(stmt)]
    if covering:
        evidence.append(f"`{words(covering[0])}` ({array_origin(valid, root, covering[0])})")
    elif valid.stmts:
        return CacheVerdict(cache, False, f"{family}_cache_valid gives 200 no time")
    elif valid.known:
        # Without one, only a backend that sends an expiry (X-Accel-Expires, Cache-Control
        # max-age, Expires) has its answers stored; LLM backends send none.
        return CacheVerdict(cache, False, f"no {family}_cache_valid")

    methods = lookup_array(block, f"{family}_cache_methods")
    post = next(
        (
            stmt
            for stmt in methods.stmts
            if any((_literal(stmt, i) or "").upper() == "POST" for i in range(len(stmt.args)))
        ),
        None,
    )
    get_path = get_stream_path(route)
    if post is not None:
        evidence.append(f"`{words(post)}` ({array_origin(methods, root, post)})")
    elif get_path is not None:
        evidence.append(f"{get_path} is an event stream opened with GET, always cacheable")
    elif not methods.known:
        return CacheVerdict(cache, None, f"{family}_cache_methods unknown")
    else:
        # Chat and completion streams are POST requests; the default methods are GET HEAD.
        return CacheVerdict(cache, False, f"POST not in {family}_cache_methods")
    key = lookup(
        block, f"{family}_cache_key", DEFAULT_PROXY_CACHE_KEY if family == "proxy" else None
    )
    caveat = cache.caveat or buffering.caveat or valid.caveat or methods.caveat
    return CacheVerdict(cache, True, "", tuple(evidence), key, post is not None, caveat)


def _valid_for_200(stmt: Stmt) -> bool:
    """A `*_cache_valid` line that gives a 200 answer a time in the cache: no status list
    (200, 301, 302), `200` or `any` listed, and a time that is not zero."""
    args = stmt.args
    if not args:
        return False
    codes, time_text = args[:-1], args[-1]
    if codes and not any(code in ("200", "any") for code in codes):
        return False
    if "$" in time_text or "{" in time_text or "__" in time_text:
        return True
    parsed = parse_time(time_text, is_sec=True)
    return parsed is None or parsed.milliseconds > 0


# --- upstream keep-alive (NGX005, NGX006, NGX007) ------------------------------------------

KEEPALIVE_DEFAULT_VERSION = (1, 29, 7)


def keepalive_of(document: NginxDocument, upstream: Stmt) -> tuple[str, Stmt | None]:
    """How the upstream keeps connections: "explicit" (`keepalive N`), "off" (`keepalive 0`,
    or none before 1.29.7), "implicit" (none, but 1.29.7+ gives `keepalive 32 local`), or
    "unknown" (its block holds unknown content)."""
    found = upstream.level_named("keepalive")
    if found:
        count = found[0].args[0] if found[0].args else ""
        return ("off" if count == "0" else "explicit"), found[0]
    if any(upstream.unknown_for("keepalive")):
        return "unknown", None
    if document.version_at_least(*KEEPALIVE_DEFAULT_VERSION):
        return "implicit", None
    return "off", None


def map_value_for_plain_requests(
    document: NginxDocument, variable: str
) -> tuple[str | None, Stmt | None]:
    """For `map $http_upgrade $variable {...}`: the value a request without Upgrade gets."""
    for stmt in document.statements():
        if (
            stmt.name != "map"
            or not stmt.is_block
            or len(stmt.args) < 2
            or stmt.args[1] != variable
        ):
            continue
        if stmt.args[0] != "$http_upgrade" or stmt.unknown_here() is not None:
            return None, stmt
        default = None
        for entry in stmt.level():
            directive = entry.directive
            if directive is None:
                continue
            key = directive.name.value
            value = directive.args[0].value if directive.args else None
            if key == "" and directive.name.quote:
                return value, entry
            if key == "default":
                default = (value, entry)
        return default if default is not None else ("", stmt)
    return None, None


def connection_problem(
    document: NginxDocument, headers: ArrayLookup
) -> tuple[str, Stmt | None] | None:
    """Why the Connection header sent to the upstream defeats keepalive, or None. nginx drops
    a `proxy_set_header` line whose value is empty and sends every other one, so a
    `Connection ""` beside a `Connection "upgrade"` clears nothing, in either order (measured
    with nginx 1.22): each line with a value is judged."""
    if not headers.known:
        return None
    setting = header_values(headers, "Connection")
    if not setting:
        if document.version_at_least(*KEEPALIVE_DEFAULT_VERSION):
            return None
        return (
            'no `proxy_set_header Connection ""` is in effect, so nginx sends `Connection: close`',
            None,
        )
    sent = [s for s in setting if len(s.args) > 1 and s.args[1]]
    for connection in sent:
        problem = _connection_line_problem(document, connection)
        if problem is not None:
            return problem
    return None


def _connection_line_problem(
    document: NginxDocument, connection: Stmt
) -> tuple[str, Stmt | None] | None:
    """What one `proxy_set_header Connection` line with a value sends that defeats keepalive."""
    value = connection.args[1] if len(connection.args) > 1 else ""
    if value.lower() == "close":
        return f"`Connection: close` is set at {document.where(connection)}", connection
    if value.startswith("$"):
        mapped, entry = map_value_for_plain_requests(document, value)
        if mapped is not None and mapped.lower() == "close" and entry is not None:
            return (
                f"`Connection {value}` comes from the map at {document.where(entry)}, which gives "
                f"`close` to every request without an Upgrade header (write `'' \"\";` there to "
                f"keep "
                f"WebSocket upgrades and keep-alive both)",
                connection,
            )
    if fixed_connection(connection) is not None:
        return (
            f"a fixed `Connection: {value}` (set at {document.where(connection)}) goes with every "
            f"request, plain ones included, instead of an empty one",
            connection,
        )
    return None


def fixed_connection(connection: Stmt) -> str | None:
    """The value of a `proxy_set_header Connection` that is a fixed word other than empty,
    `close` or `keep-alive` (`"upgrade"` for every request, WebSocket or not), else None."""
    value = connection.args[1] if len(connection.args) > 1 else ""
    if not value or "$" in value or value.lower() in ("close", "keep-alive"):
        return None
    return value


# An app named for its server (`fastapi`, `uvicorn` as a whole part of a host or upstream name).
UVICORN_APP_PARTS = {"fastapi": "a FastAPI app", "uvicorn": "a uvicorn-served app"}
BACKEND_IDLE_MS = 5000
# What a fix writes: below the backend's idle timeout by a margin for clock and queue delays.
FIX_KEEPALIVE_TIMEOUT = "4s"


def launched_backend(
    document: NginxDocument, upstream: Stmt
) -> tuple[str, int, str, str | None] | None:
    """(name, idle ms, where it is set, a caveat) of the app server this repository launches
    behind the upstream (linter/server/front.py), when every server of the upstream reaches
    one. The caveat: an unread file (a gitignored ``.env``) may set that keep-alive."""
    found = []
    for server in upstream.level_named("server"):
        if server.args:
            keepalive = document.server_keepalives.get(pass_host(server.args[0]))
            if keepalive is None:
                return None
            found.append(keepalive)
    if not found or len({k.seconds for k in found}) != 1:  # type: ignore[attr-defined]
        return None
    first = found[0]
    said = first.said  # type: ignore[attr-defined]
    others = len({k.said for k in found}) - 1  # type: ignore[attr-defined]
    if others:
        said += f" (and {others} more launch{'es' if others > 1 else ''} with the same keep-alive)"
    caveat = next((k.caveat for k in found if k.caveat is not None), None)  # type: ignore[attr-defined]
    return first.server, int(first.seconds * 1000), said, caveat  # type: ignore[attr-defined]


def known_backend(upstream: Stmt) -> str | None:
    names = [upstream.args[0]] if upstream.args else []
    ports = []
    for server in upstream.level_named("server"):
        if server.args:
            host, port = pass_host(server.args[0])
            names.append(host)
            ports.append(port)
    for name in names:
        found = llm_name(name)
        if found in UVICORN_LLM_SERVERS:
            return UVICORN_LLM_SERVERS[found]
        for part in re.split(r"[^a-z0-9]+", name.lower()):
            if part in UVICORN_APP_PARTS:
                return UVICORN_APP_PARTS[part]
    for port in ports:
        if port in UVICORN_LLM_PORTS:
            return UVICORN_LLM_PORTS[port]
    return None


class Race(NamedTuple):
    """nginx keeps idle connections to a uvicorn backend longer than the backend does."""

    backend: str
    idle_ms: int
    said: str  # where nginx's idle time comes from, for a message
    stmt: Stmt  # what a finding points at: the keepalive_timeout, else keepalive, else upstream
    backend_idle_ms: int = BACKEND_IDLE_MS
    # Where the backend's idle timeout comes from: uvicorn's default, or its launch line.
    backend_said: str = "uvicorn's default timeout_keep_alive"
    # An unread file may set the launch's keep-alive ("unless env_file .env ... sets ..."):
    # the finding is then info, with these words.
    caveat: str | None = None


def keepalive_race(document: NginxDocument, upstream: Stmt) -> Race | None:
    """The race NGX007 reports, or None (no keep-alive, unknown backend or value, no race)."""
    mode, keepalive = keepalive_of(document, upstream)
    if mode not in ("explicit", "implicit"):
        return None
    launched = launched_backend(document, upstream)
    backend = known_backend(upstream) if launched is None else launched[0]
    if backend is None:
        return None
    backend_idle = BACKEND_IDLE_MS if launched is None else launched[1]
    timeouts = upstream.level_named("keepalive_timeout")
    if timeouts:
        directive = timeouts[0].directive
        if directive is None or not directive.args or directive.args[0].has_placeholder:
            return None
        value = parse_time(directive.args[0].value)
        if value is None:
            return None
        idle = value.milliseconds
        said = f"keepalive_timeout {directive.args[0].raw} at {document.where(timeouts[0])}"
        stmt = timeouts[0]
    else:
        idle = 60000
        said = "keepalive_timeout is nginx's default 60s (nothing sets it in the upstream)"
        stmt = keepalive if keepalive is not None else upstream
    if idle < backend_idle:
        return None
    if launched is not None:
        return Race(backend, idle, said, stmt, backend_idle, launched[2], launched[3])
    return Race(backend, idle, said, stmt)
