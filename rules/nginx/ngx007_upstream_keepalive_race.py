"""NGX007 upstream-keepalive-race: nginx keeps idle upstream connections longer than the
backend does."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.nginx.assess import keepalive_race
from linter.nginx.model import NginxDocument
from linter.nginx.routes import upstreams
from linter.nginx.timevalue import format_seconds
from linter.registry import Rule
from rules.nginx._common import place_of


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for upstream in upstreams(document).values():
        race = keepalive_race(document, upstream)
        if race is None:
            continue
        place = place_of(document, race.stmt)
        if place is None:
            continue
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"upstream {upstream.args[0]} serves {race.backend}, which closes idle connections "
            f"after {format_seconds(race.backend_idle_ms)} ({race.backend_said}), but nginx "
            f"keeps them for {format_seconds(race.idle_ms)} ({race.said}): nginx may send a "
            f"request on a connection the backend has just closed, and a POST is not retried "
            f"(sporadic 502). Set a `keepalive_timeout` below "
            f"{format_seconds(race.backend_idle_ms)} in the upstream, or raise the backend's "
            f"keep-alive above it."
            + (f" (reported as info: {race.caveat})" if race.caveat is not None else ""),
            severity=Severity.INFO if race.caveat is not None else None,
        )


RULE = Rule(
    code="NGX007",
    name="upstream-keepalive-race",
    kind="nginx",
    summary="an upstream keepalive_timeout not below the backend's idle timeout (as launched, else uvicorn's 5s)",
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

When the repository also launches the app server behind the upstream (a Dockerfile, compose
service, Procfile or entry script whose server listens on the upstream server's port, named by
its compose service or a loopback address: see the SRV rules), its real keep-alive is used
instead (`--timeout-keep-alive`, gunicorn's `keepalive` for its uvicorn and gthread workers),
and the message says where it is set. SRV003 reports the same race on the server's side.
Replicas (one upstream, several servers, each its own launch) count when they all keep
connections alive for the same time. A launch whose `env_file:` is not in the tree may have
its keep-alive set there: the finding is then info, with that caveat.

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
