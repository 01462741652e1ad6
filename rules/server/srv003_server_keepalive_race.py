"""SRV003 server-keepalive-race: the app server closes idle connections no later than the
proxy in front of it does."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.registry import Rule
from linter.server.front import keepalive_of
from linter.server.model import ServerDocument
from rules.server._common import place_of, report, with_caveat


def check(document: ServerDocument, settings: Settings) -> Iterator[Finding]:
    for launch in document.launches:
        keepalive = keepalive_of(launch, caveated=True)
        if keepalive is None or not launch.proxies:
            continue
        racing = [proxy for proxy in launch.proxies if keepalive.seconds <= proxy.seconds]
        if not racing:
            continue
        proxy = max(racing, key=lambda p: p.seconds)
        setting = launch.setting("keepalive", caveated=True)
        message = (
            f"{keepalive.said}, closes idle connections no later than the nginx upstream "
            f"{proxy.upstream} in front of it keeps them ({proxy.seconds:g}s: {proxy.said}): "
            f"nginx may send a request on a connection the server has just closed, and a POST "
            f"is not retried (sporadic 502). Set the server's keep-alive above "
            f"{proxy.seconds:g}s, or nginx's upstream keepalive_timeout below {keepalive.seconds:g}s."
        )
        message, severity = with_caveat(message, keepalive.caveat)
        found = report(RULE, document, place_of(launch, setting), message, severity)
        if found is not None:
            yield found


RULE = Rule(
    code="SRV003",
    name="server-keepalive-race",
    kind="server",
    summary="an app server's keep-alive not longer than the idle timeout of the proxy in front",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
For an app server launched in the repository (uvicorn, or gunicorn with a worker that keeps
connections alive: gthread, gevent, the uvicorn workers) with an NGINX config in the same
repository whose `upstream` reaches it (the port it listens on, and its compose service name
or a loopback address), finds a server keep-alive that is not longer than the upstream's
`keepalive_timeout` (60s by default): uvicorn's `--timeout-keep-alive` (5s by default),
gunicorn's `keepalive` (2s by default; UvicornWorker passes it on to uvicorn), hypercorn's
`--keep-alive` / `keep_alive_timeout` (5s), granian's `--http1-header-read-timeout` (30000 ms;
from granian 2.0 it also closes a kept-alive connection that waits for its next request;
`--no-http1-keep-alive` closes each one). `fastapi run` leaves uvicorn's 5s (it has no such
option, and the `UVICORN_*` variables only reach uvicorn's own command); `vllm serve` takes
`VLLM_HTTP_TIMEOUT_KEEP_ALIVE` (5); `litellm` takes `--keepalive_timeout` for uvicorn only
(`--run_gunicorn` keeps gunicorn's 2s). A Python file whose `__main__` block runs
`uvicorn.run(...)` is a launch of its own (`python FILE`), unless a launch line runs it or
serves its app. An `env_file:` that is not in the tree (a gitignored `.env`) may set
`UVICORN_TIMEOUT_KEEP_ALIVE` or `GUNICORN_CMD_ARGS`: the value found without it still holds
and the finding is reported as info with that caveat (a value written on the command line
wins over the environment and is reported as usual).

## Why is this bad
When the server closes an idle connection first, the proxy may send the next request on it
just as it closes: the request fails and, as a POST, is not retried. The result is a sporadic
502 that no one can reproduce. The server's idle timeout must outlast the proxy's. NGX007
reports the same race from the NGINX side, with this server's real keep-alive.

## Fix safety
No fix: either side may be the one to change.

## References
- uvicorn: [--timeout-keep-alive](https://www.uvicorn.org/settings/#timeouts)
- gunicorn: [keepalive](https://docs.gunicorn.org/en/stable/settings.html#keepalive)
- hypercorn: [configuration (keep_alive_timeout)](https://hypercorn.readthedocs.io/en/latest/how_to_guides/configuring.html)
- granian: [options (--http1-header-read-timeout)](https://github.com/emmett-framework/granian#options)
- nginx: [keepalive_timeout (upstream)](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout)
""",
)
