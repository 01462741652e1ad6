"""NGX007 upstream-keepalive-race: nginx keeps idle upstream connections longer than the
backend does."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.nginx.context import Stmt
from linter.nginx.model import NginxDocument
from linter.nginx.routes import llm_name, pass_host, upstreams
from linter.nginx.timevalue import format_seconds, parse_time
from linter.registry import Rule
from rules.nginx._common import keepalive_of, place_of

# Backends whose idle keep-alive timeout is known: served by uvicorn (timeout_keep_alive 5s).
UVICORN_BACKENDS = {"litellm": "LiteLLM", "vllm": "vLLM"}
UVICORN_PORTS = {"4000": "LiteLLM"}
BACKEND_IDLE_MS = 5000


def _known_backend(upstream: Stmt) -> str | None:
    names = [upstream.args[0]] if upstream.args else []
    ports = []
    for server in upstream.level_named("server"):
        if server.args:
            host, port = pass_host(server.args[0])
            names.append(host)
            ports.append(port)
    for name in names:
        found = llm_name(name)
        if found in UVICORN_BACKENDS:
            return UVICORN_BACKENDS[found]
    for port in ports:
        if port in UVICORN_PORTS:
            return UVICORN_PORTS[port]
    return None


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for upstream in upstreams(document).values():
        mode, keepalive = keepalive_of(document, upstream)
        if mode not in ("explicit", "implicit"):
            continue
        backend = _known_backend(upstream)
        if backend is None:
            continue
        timeouts = upstream.level_named("keepalive_timeout")
        if timeouts:
            directive = timeouts[0].directive
            if directive is None or not directive.args or directive.args[0].has_placeholder:
                continue
            value = parse_time(directive.args[0].value)
            if value is None:
                continue
            idle = value.milliseconds
            said = f"keepalive_timeout {directive.args[0].raw} at {document.where(timeouts[0])}"
            place = place_of(document, timeouts[0])
        else:
            idle = 60000
            said = "keepalive_timeout is nginx's default 60s (nothing sets it in the upstream)"
            place = (
                place_of(document, keepalive)
                if keepalive is not None
                else place_of(document, upstream)
            )
        if idle < BACKEND_IDLE_MS or place is None:
            continue
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"upstream {upstream.args[0]} serves {backend}, which runs on uvicorn and closes idle "
            f"connections after 5s, but nginx keeps them for {format_seconds(idle)} ({said}): "
            f"nginx "
            f"may send a request on a connection the backend has just closed, and a POST is not "
            f"retried (sporadic 502). Set `keepalive_timeout 4s;` in the upstream.",
        )


RULE = Rule(
    code="NGX007",
    name="upstream-keepalive-race",
    kind="nginx",
    summary="an upstream keepalive_timeout not below the backend's idle timeout (uvicorn: 5s)",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
For an `upstream {}` with keepalive (written, or nginx 1.29.7's default) whose backend is known
(LiteLLM or vLLM, both served by uvicorn, by upstream or server name, or LiteLLM's port 4000),
finds an upstream `keepalive_timeout` (60s by default) that is not shorter than the backend's
own idle timeout (uvicorn's `timeout_keep_alive`, 5s by default). Backends whose idle timeout
is not known are not reported.

## Why is this bad
When nginx keeps an idle connection longer than the backend does, the backend closes it first.
nginx may then send the next request on that connection just as it closes; the request fails,
and a POST (every chat completion) is not retried: a sporadic 502.

## Fix safety
No fix: the right value depends on the backend's settings (`--timeout-keep-alive`). The
message says what to write: a `keepalive_timeout` below the backend's idle timeout.

## References
- nginx: [keepalive_timeout (upstream)](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout)
- uvicorn: [settings, --timeout-keep-alive](https://www.uvicorn.org/settings/#timeouts)
""",
)
