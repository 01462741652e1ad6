"""`streamproof audit` for NGINX: every streaming route (server, location, upstream) with what
its stream meets: why it is a streaming route, and the effective read timeout, buffering,
cache, gzip and keep-alive, each with where the value comes from and whether it is a risk.

A value is a "risk" exactly where a rule reports it (NGX001 to NGX007 with the configured
thresholds, which are the defaults unless set): the verdicts come from `assess.py`, the same
functions the rules use. "unknown" is a value streamproof cannot know (an include it cannot
read, a template placeholder).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter import registry
from linter.config import Settings
from linter.document import AuditRow, AuditValue
from linter.nginx import assess
from linter.nginx.app_signal import app_unbuffers
from linter.nginx.assess import lookup_origin, position
from linter.nginx.context import Stmt
from linter.nginx.effective import header_value, lookup, lookup_array
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route
from linter.nginx.routes import all_routes, mapped_upstreams
from linter.nginx.timevalue import format_seconds, parse_time

SECTION = "NGINX streaming routes"
_PORT = re.compile(r"(?:^|:)(\d+)$")


def audit(document: NginxDocument, settings: Settings) -> Iterator[AuditRow]:
    root = document.workspace_root
    for route in all_routes(document, settings):
        if not route.streaming or not _reported(document, route):
            continue
        anchor = route.block if not route.block.is_root else route.pass_stmt
        assert anchor.directive is not None
        yield AuditRow(
            section=SECTION,
            subject=subject(route),
            # The file itself: `streamproof audit` shows it as it shows every path (relative
            # to the current folder), as for the other kinds' rows.
            path=anchor.directive.path,
            line=anchor.directive.line,
            values=(
                ("signal", _signal(document, route, settings)),
                ("read timeout", _read_timeout(document, route, root, settings)),
                ("buffering", _buffering(route, root, app_unbuffers(document, route))),
                ("cache", _cache(route, root)),
                ("gzip", _gzip(route, root)),
                ("keep-alive", _keepalive(document, route, root)),
            ),
        )


def _reported(document: NginxDocument, route: Route) -> bool:
    """For a fragment linted through its includer, only the routes the fragment is part of."""
    paths = document.report_paths
    if paths is None:
        return True
    stmts = [route.block, route.pass_stmt, *route.block.walk()]
    return any(s.directive is not None and s.directive.path in paths for s in stmts)


def subject(route: Route) -> str:
    """`server example.com:443 › location /v1/chat/completions → upstream litellm`."""
    parts = []
    server = route.block if route.block.name == "server" else route.block.enclosing("server")
    if server is not None:
        parts.append(f"server {_server_name(server)}")
    parts.append(route.label())
    text = " › ".join(parts)
    if route.upstream is not None:
        return f"{text} → upstream {route.upstream.args[0]}"
    target = route.pass_stmt.args[0] if route.pass_stmt.args else "?"
    return f"{text} → {target}"


def _server_name(server: Stmt) -> str:
    name = next(
        (a for s in server.level_named("server_name") for a in s.args if a not in ("", "_")), ""
    )
    listens = server.level_named("listen")
    address = listens[0].args[0] if listens and listens[0].args else "80"
    match = _PORT.search(address)
    if name:
        return f"{name}:{match.group(1)}" if match else name
    if address.isdigit():
        return f"*:{address}"
    return address


def _signal(document: NginxDocument, route: Route, settings: Settings) -> AuditValue:
    signal = route.signal
    assert signal is not None
    root = document.workspace_root
    origin = ""
    if signal.kind == "setting":
        origin = "stream-routes setting"
    elif signal.kind == "litellm" and document.litellm_configs:
        origin = document.display(document.litellm_configs[0])
    elif signal.kind == "upstream" and route.upstream is not None:
        origin = position(route.upstream, root)
    elif signal.kind in ("upstream", "app"):
        origin = position(route.pass_stmt, root)
    elif signal.kind == "server_name":
        server = route.block.enclosing("server")
        names = server.level_named("server_name") if server is not None else []
        origin = position(names[0], root) if names else ""
    elif not route.block.is_root:
        origin = position(route.block, root)
    return AuditValue(signal.text, origin, "ok")


def _read_timeout(
    document: NginxDocument, route: Route, root: str, settings: Settings
) -> AuditValue:
    timeout = assess.read_timeout(route)
    origin = lookup_origin(timeout.found, root)
    if timeout.refused and timeout.found.stmt is not None:
        written = " ".join(arg.raw for arg in timeout.found.stmt.directive.args)  # type: ignore[union-attr]
        return AuditValue(f"{written} (nginx refuses it)", origin, "risk")
    if timeout.milliseconds is None:
        return AuditValue("unknown", origin, "unknown")
    minimum = _minimum_read_timeout(settings)
    status = "risk" if minimum is not None and timeout.milliseconds < minimum else "ok"
    if status == "risk" and assess.deliberate_read_timeout(document, route, timeout):
        status = "ok"  # written for this route beside buffering off, its only stream sign
    return AuditValue(format_seconds(timeout.milliseconds), origin, status)


def _minimum_read_timeout(settings: Settings) -> int | None:
    rule = registry.get_rule("NGX001")
    if rule is None:
        return None
    value = parse_time(str(settings.option(rule, "min-read-timeout")))
    return value.milliseconds if value is not None else None


def _buffering(route: Route, root: str, unbuffered_by: str | None = None) -> AuditValue:
    state = assess.buffering(route)
    if state.found is None:
        return AuditValue("never (gRPC)", "nginx", "ok")
    origin = lookup_origin(state.found, root)
    if state.on is None:
        return AuditValue("unknown", origin, "unknown")
    if state.on and unbuffered_by is not None:
        # Still a risk (NGX002 says so, as info): any answer without the app's header is held.
        return AuditValue("on, mitigated by the app", f"{origin}; {unbuffered_by}", "risk")
    return AuditValue("on" if state.on else "off", origin, "risk" if state.on else "ok")


def _cache(route: Route, root: str) -> AuditValue:
    verdict = assess.cache_verdict(route, root)
    if verdict is None:
        return AuditValue("none (gRPC)", "nginx", "ok")
    origin = lookup_origin(verdict.cache, root)
    zone = verdict.cache.value or ""
    if verdict.stores is True:
        return AuditValue(f"{zone}: stores and replays answers", origin, "risk")
    if verdict.stores is None:
        return AuditValue(f"unknown ({verdict.reason})", origin, "unknown")
    if verdict.reason == "off":
        return AuditValue("off", origin, "ok")
    return AuditValue(f"{zone}: nothing stored ({verdict.reason})", origin, "ok")


def _gzip(route: Route, root: str) -> AuditValue:
    state = assess.gzip(route)
    origin = lookup_origin(state.gzip, root)
    risk = state.risk
    if state.on is None:
        return AuditValue("unknown", origin, "unknown")
    if not state.on:
        return AuditValue("off", origin, "ok")
    if risk is None:
        return AuditValue("on (gzip_types unknown)", origin, "unknown")
    if risk:
        return AuditValue(f"on, gzip_types {state.covering}", origin, "risk")
    return AuditValue("on (event streams not in gzip_types)", origin, "ok")


def _keepalive(document: NginxDocument, route: Route, root: str) -> AuditValue:
    """The connection cache to the upstream and what would defeat it (NGX005 to NGX007)."""
    if route.family != "proxy":
        return AuditValue(f"not judged for {route.pass_stmt.name}", "", "unknown")
    # A target chosen by a `map` reaches several upstreams: the first without keepalive shows.
    reached = mapped_upstreams(document, route)
    upstream = next(
        (u for u in reached if assess.keepalive_of(document, u) == ("off", None)),
        reached[0] if reached else None,
    )
    if upstream is None:
        return AuditValue(
            "none: no upstream {} block, a connection per request",
            position(route.pass_stmt, root),
            "ok",
        )
    where = position(upstream, root)
    mode, keepalive = assess.keepalive_of(document, upstream)
    if mode == "unknown":
        return AuditValue("unknown", f"upstream {upstream.args[0]} ({where})", "unknown")
    if mode == "off":
        if keepalive is not None:
            return AuditValue("off (keepalive 0)", position(keepalive, root), "ok")
        return AuditValue(
            f"none in upstream {upstream.args[0]} (needed before nginx 1.29.7)", where, "risk"
        )
    if keepalive is not None:
        text = f"keepalive {' '.join(keepalive.args)}"
        origin = position(keepalive, root)
    else:
        text, origin = "keepalive 32 local (nginx 1.29.7 default)", where
    modern = document.version_at_least(*assess.KEEPALIVE_DEFAULT_VERSION)
    version = lookup(route.block, "proxy_http_version", "1.1" if modern else "1.0")
    if version.known and version.value == "1.0":
        return AuditValue(
            f"{text}, defeated: proxy_http_version 1.0 ({lookup_origin(version, root)})",
            origin,
            "risk",
        )
    headers = lookup_array(route.block, "proxy_set_header")
    problem = assess.connection_problem(document, headers)
    if problem is not None:
        return AuditValue(f"{text}, defeated: {problem[0]}", origin, "risk")
    race = assess.keepalive_race(document, upstream)
    if race is not None:
        return AuditValue(
            f"{text}, idle {format_seconds(race.idle_ms)} not below {race.backend}'s "
            f"{format_seconds(race.backend_idle_ms)}",
            origin,
            "risk",
        )
    if not version.known or not headers.known:
        return AuditValue(f"{text} (HTTP version or Connection header unknown)", origin, "unknown")
    connection = header_value(headers, "Connection")
    cleared = 'Connection ""' if connection is not None or not modern else "nginx 1.29.7 defaults"
    return AuditValue(f"{text}, HTTP/1.1, {cleared}", origin, "ok")
