"""NGX005 upstream-keepalive-missing: an upstream behind a streaming route with no keepalive."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Fix, Severity
from linter.nginx.assess import FIX_KEEPALIVE_TIMEOUT, known_backend, launched_backend
from linter.nginx.context import Stmt
from linter.nginx.edits import insert_statements
from linter.nginx.model import NginxDocument
from linter.nginx.routes import (
    all_routes,
    mapped_upstreams,
    streaming_routes,
    upstream_evidence,
    upstreams,
)
from linter.registry import Rule
from rules.nginx._common import (
    KEEPALIVE_DEFAULT_VERSION,
    because,
    caveat_words,
    place_of,
    severity_with,
    version_words,
)


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    if document.version_at_least(*KEEPALIVE_DEFAULT_VERSION):
        return  # every explicit upstream {} gets `keepalive 32 local` since 1.29.7
    reported: set[int] = set()
    pairs = [
        (route, upstream)
        for route in streaming_routes(document, settings)
        for upstream in mapped_upstreams(document, route)
    ]
    for route, upstream in pairs:
        if id(upstream) in reported or route.family != "proxy":
            continue
        if upstream.level_named("keepalive"):
            continue
        hidden, caveat = upstream.unknown_for("keepalive")
        if hidden is not None:
            continue
        place = place_of(document, upstream)
        if place is None:
            continue
        reported.add(id(upstream))
        fix = _keepalive_fix(document, upstream) if caveat is None else None
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"upstream {upstream.args[0]} has no `keepalive`: every streamed request opens a new "
            f"connection to the backend, and the connection setup is paid before the first token "
            f"({version_words(document)}). {because(route)}; it proxies here from "
            f"{document.where(route.pass_stmt)}.{caveat_words(caveat, 'keepalive')}",
            fix=fix,
            severity=severity_with(caveat),
        )
    yield from _unreached(document, settings)


def _keepalive_fix(document: NginxDocument, upstream: Stmt) -> Fix | None:
    """`keepalive 16;`, and for a backend served by uvicorn (LiteLLM, vLLM, FastAPI apps: idle
    connections closed after 5s) a `keepalive_timeout` below that in the same edit, so the fix
    does not open the race NGX007 reports."""
    statements = ["keepalive 16;"]
    timeout = _fix_timeout(document, upstream)
    if timeout is not None and not upstream.level_named("keepalive_timeout"):
        statements.append(f"keepalive_timeout {timeout};")
    servers = upstream.level_named("server")
    anchor = servers[-1] if servers else None
    edit = insert_statements(document, upstream, statements, anchor=anchor)
    if edit is None:
        return None
    what = " and ".join(s.rstrip(";") for s in statements)
    return RULE.make_fix([edit], f"add {what} to the upstream", unsafe=True)


# nginx's own idle life of a cached upstream connection, when the upstream sets none.
_NGINX_IDLE_MS = 60_000


def _fix_timeout(document: NginxDocument, upstream: Stmt) -> str | None:
    """The `keepalive_timeout` the fix adds, below the backend's idle timeout: the app server
    this repository launches behind the upstream (its keep-alive as NGX007 reads it), else a
    uvicorn-based server known by name or port (5s); None when nginx's 60s is already below
    the backend's or the backend is not known."""
    launched = launched_backend(document, upstream)
    if launched is None:
        return FIX_KEEPALIVE_TIMEOUT if known_backend(upstream) is not None else None
    backend_ms = launched[1]
    if backend_ms > _NGINX_IDLE_MS:
        return None
    wanted = min(4000, backend_ms - 1000) if backend_ms > 1000 else backend_ms // 2
    if wanted <= 0:
        return None
    return f"{wanted // 1000}s" if wanted % 1000 == 0 else f"{wanted}ms"


def _unreached(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    """An `upstream {}` no route of this configuration proxies to (an upstreams-only fragment
    whose includer is not in the tree, or one the deployment wires elsewhere), judged on its
    own evidence: its name or its servers identify an LLM server."""
    found = all_routes(document, settings)
    if any(route.upstream is None and "$" in route.pass_stmt.args[0] for route in found):
        return  # a target nginx only knows at run time may name any upstream
    reached = {id(route.upstream) for route in found if route.upstream is not None}
    for upstream in upstreams(document).values():
        if id(upstream) in reached or upstream.level_named("keepalive"):
            continue
        if any(upstream.unknown_for("keepalive")):
            continue
        evidence = upstream_evidence(upstream)
        place = place_of(document, upstream)
        if evidence is None or place is None:
            continue
        fix = _keepalive_fix(document, upstream)
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"upstream {upstream.args[0]} has no `keepalive`: every streamed request opens a new "
            f"connection to the backend, and the connection setup is paid before the first token "
            f"({version_words(document)}). No route of this configuration proxies to it, but "
            f"{evidence}, so the routes that do (elsewhere) stream.",
            fix=fix,
        )


RULE = Rule(
    code="NGX005",
    name="upstream-keepalive-missing",
    kind="nginx",
    summary="an upstream {} behind a streaming route without keepalive (before nginx 1.29.7)",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    check=check,
    doc="""\
## What it does
Finds an `upstream {}` block that a streaming route proxies to and that has no `keepalive`
directive, when the target nginx is older than 1.29.7 or unknown (set `nginx-version`). Since
1.29.7 every explicit `upstream {}` gets `keepalive 32 local` by default, so the rule is silent.
A `proxy_pass http://host:port` with no `upstream {}` block never has a connection cache, in any
version; that is not reported here (there is nothing to add `keepalive` to).

## Why is this bad
Without a connection cache nginx opens (and, for TLS, negotiates) a new upstream connection
for every request, which adds latency before the first token and, under load, exhausts
ephemeral ports with connections in TIME_WAIT.

An `upstream {}` that no route of the configuration proxies to (an upstreams-only fragment
whose includer is elsewhere) is judged on its own evidence: its name or its servers' hosts and
ports identify an LLM server.

## Fix safety
Unsafe: the fix adds `keepalive 16;` to the upstream. That changes connection reuse: it only
works together with `proxy_http_version 1.1` and `proxy_set_header Connection ""` at every
location that proxies to it (NGX006), and the upstream's `keepalive_timeout` must be shorter
than the backend's idle timeout (NGX007), or nginx may reuse a connection the backend just
closed. So the fix leaves nothing behind: for a backend served by uvicorn (LiteLLM, vLLM, an
upstream named for a FastAPI or uvicorn app), whose idle timeout is 5s, the same edit adds
`keepalive_timeout 4s;`; and NGX006's safe fix, applied in the same `--fix --unsafe-fixes`
run, gives every location that proxies to it HTTP/1.1 and `Connection ""`.

## References
- nginx: [keepalive](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive)
""",
)
