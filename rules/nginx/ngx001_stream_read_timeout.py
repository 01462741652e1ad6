"""NGX001 stream-read-timeout: a streaming route whose upstream read timeout is short."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.nginx.assess import buffering, deliberate_read_timeout, read_timeout
from linter.nginx.model import NginxDocument
from linter.nginx.route import Route
from linter.nginx.routes import streaming_routes
from linter.nginx.timevalue import parse_time
from linter.registry import Option, Rule
from rules.nginx._common import (
    because,
    describe_ms,
    set_in_block,
    severity_with,
    time_option,
    value_place,
)


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    minimum_text = settings.option(RULE, "min-read-timeout")
    minimum = parse_time(minimum_text)
    fix_text = settings.option(RULE, "fix-read-timeout")
    fixed_value = parse_time(fix_text)
    assert minimum is not None and fixed_value is not None
    if fixed_value.milliseconds < minimum.milliseconds:
        fix_text = minimum_text
    for route in streaming_routes(document, settings):
        timeout = read_timeout(route)
        if timeout.milliseconds is None or timeout.milliseconds >= minimum.milliseconds:
            continue  # unknown, long enough, or refused by nginx (NGX009 reports that)
        if deliberate_read_timeout(document, route, timeout):
            continue
        name, found, milliseconds = timeout.name, timeout.found, timeout.milliseconds
        place = value_place(document, route, found)
        edits = set_in_block(document, route, found, name, fix_text)
        fix = RULE.make_fix(edits, f"set {name} {fix_text} for {route.label()}") if edits else None
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"{name} is {describe_ms(milliseconds)} here: "
            f"{found.describe(document.workspace_root)}. When the upstream sends nothing for "
            f"longer (a slow first token, a reasoning pause, a model loading), nginx gives up "
            f'("upstream timed out (110)" in its error log): before the first byte the client '
            f"gets a 504; mid-stream it gets a 200 whose body just stops"
            f"{_buffered_loss(route)}. Raise it (to {fix_text}, say). {because(route)}",
            fix=fix,
            severity=severity_with(found.caveat),
        )


def _buffered_loss(route: Route) -> str:
    """What else a cut costs when nginx buffers this route."""
    if buffering(route).on is True:
        return ", and with buffering on (as here) the events received so far are lost too"
    return ""


RULE = Rule(
    code="NGX001",
    name="stream-read-timeout",
    kind="nginx",
    summary="a streaming route whose upstream read timeout (60s by default) is below the minimum",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    options=(
        Option(
            "min-read-timeout",
            "120s",
            "report a streaming route whose read timeout is below this (an nginx time value)",
            time_option,
        ),
        Option(
            "fix-read-timeout",
            "300s",
            "the read timeout the fix writes (min-read-timeout if configured lower)",
            time_option,
        ),
    ),
    doc="""\
## What it does
On a streaming route (see below), finds the effective `proxy_read_timeout` (or
`fastcgi_`/`uwsgi_`/`scgi_`/`grpc_read_timeout` for those upstreams) below `min-read-timeout`.
The effective value follows nginx's inheritance: the location's own, else the server's, else
http's, else nginx's default of 60s. A value set by a template placeholder
(`${NGINX_PROXY_READ_TIMEOUT}`) is unknown and is not reported. An include that cannot be read
is looked past when its known content or its name says it cannot set the timeout (certbot's
options file, `ssl-params.conf`); when it could, the finding is reported as `info` with the
caveat "unless `/etc/x.conf` (not read) sets proxy_read_timeout" (NGX000 explains).

A route is a streaming route when something says so: a `# streamproof: stream` comment, the
`stream-routes` setting, SSE already acknowledged in the block (`proxy_buffering off`,
`text/event-stream`, `X-Accel-Buffering`), a streaming path (`/v1/chat/completions`,
`/api/generate`, `/stream`, ...) or one that names an LLM server (`/vllm/`, `/ollama/`; product
names only, not `/llm/` or `/gpt/`), an upstream that is an LLM server (LiteLLM on 4000, Ollama on
11434, vLLM, hosted LLM APIs, ...; a target with variables counts by its plain host and port,
or by the value a `set $backend ...;` in the server gives it), a server that listens on an LLM
server's port (a drop-in proxy: 11434, 4000; 8000 only beside an LLM name), the catch-all of
a server named for an LLM app (a name no other proxying server shares; a name of only the word
`llm`, alone or made into another word, `llm.`, `llmbook.`, only beside a second sign, as for a
backend: an LLM server's port, 8000 included, or a raised read timeout; not when a more specific
location to the same backend carries the WebSocket upgrades the catch-all does not: the app
streams there, as Gradio's queue does), and, as a weak signal
said so in the message, a proxied catch-all `location /` beside a location whose path or
upstream is an LLM API (not when another location routes `/api/` to the catch-all's own
backend: its calls go there, and the catch-all serves its pages; nor when that location routes
an app's own stream endpoint, `/agent/run/stream`, apart from the catch-all's own backend: the
catch-all carries the rest of that app). The message names the signal. A backend named only with the generic
word `llm` (`llm-server`) counts only beside a second sign (an LLM server's port, 8000
included, or a read timeout raised above 60s): an app about LLMs answers over REST or a
WebSocket as often as it streams. Health, metrics, auth, info and status pages
(`/version`, `/server-info`), static paths, a settings endpoint (a path ending in `config`:
`= /config`, `/api/config`), and locations for static asset file types
(`~* \\.(css|js|png)$`) are never streaming routes, nor are Socket.IO endpoints (`/socket.io`): the library pings every 25 s by default,
so the idle limit is never reached, and an upgraded WebSocket is not buffered. A short read
timeout written beside `proxy_buffering off` in the same block, where nothing else says the
route streams, is taken as chosen (a quick answer sent unbuffered); a mention of
`text/event-stream` there, or a comment saying it streams (`# buffering off for streaming`),
still counts. `proxy_buffering off` written into every proxying location of a server (three
at least, two of them health, docs or upload paths) is the server's setting copied per
location and says nothing about any one route, nor does it in front of an object store
(an upstream or host named for MinIO or S3, or the address of a compose service of the
repository that runs an object store's image, as its console published on a host port: its
guide asks for it, for large objects); `mcp`
right under an app's API prefix
(`/api/mcp`) names the app's settings of its MCP servers, not MCP's transport.

## Why is this bad
`proxy_read_timeout` is the longest nginx waits between two reads from the upstream, not a
total. Time to first token, a reasoning pause or a model being loaded all count against it.
When it runs out nginx closes the upstream connection and logs "upstream timed out (110)".
What the client sees depends on when (measured with nginx 1.22, tests/realnginx):

- before the upstream's response headers (a slow first token): a 504 from nginx;
- mid-stream: the 200 is already on its way, so the body simply stops (a chunked response
  without its last chunk; nginx logs "while reading upstream"); with buffering on, the events
  still in nginx's buffers (for a short answer, all of them) are thrown away too, so the
  client gets a 200 with an empty, truncated body.

## Thresholds
Two options, both nginx time values, with different jobs:

- `min-read-timeout` (default `120s`) decides what is reported: a streaming route whose
  effective read timeout is below it. nginx's 60s default and anything shorter is reported;
  a value an author raised to two minutes or more on purpose is accepted (reviewers of real
  configurations call 120s acceptable, and reporting it would cry wolf).
- `fix-read-timeout` (default `300s`) is what the fix writes. It is higher than the threshold
  on purpose: a route the fix touches gets room for slow models and long reasoning pauses, not
  the bare minimum. When it is configured below `min-read-timeout`, the fix writes
  `min-read-timeout` instead, so a fixed route is never reported again.

## Fix safety
Safe: the fix raises the value to `fix-read-timeout` in place when the location sets it, or
adds `proxy_read_timeout 300s;` to the location that proxies (never to `http {}`, and never to
a snippet included from places that are not streaming routes). It only lets nginx wait longer
for an upstream that is still working.

## References
- nginx: [proxy_read_timeout](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout)
""",
)
