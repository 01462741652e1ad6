"""NGX002 stream-buffering: a streaming route whose response nginx buffers."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.nginx.app_signal import app_unbuffers
from linter.nginx.assess import buffering
from linter.nginx.model import NginxDocument
from linter.nginx.routes import streaming_routes
from linter.registry import Rule
from rules.nginx._common import because, set_in_block, severity_with, value_place


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    for route in streaming_routes(document, settings):
        state = buffering(route)
        if state.on is not True or state.found is None:
            continue  # off, unknown, or gRPC (never buffered)
        name, found = state.name, state.found
        place = value_place(document, route, found)
        edits = set_in_block(document, route, found, name, "off")
        fix = RULE.make_fix(edits, f"set {name} off for {route.label()}") if edits else None
        # The app behind opts its streams out itself: still on in the config (any answer
        # without the header, or another app behind this route, is collected whole), but
        # mitigated at run time, so reported as info (which leaves the exit status alone).
        mitigated = app_unbuffers(document, route)
        if mitigated is not None:
            effect = (
                f"nginx collects the upstream's responses before passing them on, but {mitigated}: "
                f"mitigated at run time (reported as info). A response without that header is "
                f"still collected whole; {name} off here does not depend on the app."
            )
        else:
            effect = (
                "nginx collects the upstream's response before passing it on, so a streamed "
                "answer arrives in one burst at the end (unless the backend sends "
                "`X-Accel-Buffering: no` itself)."
            )
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"{name} is on here: {found.describe(document.workspace_root)}. {effect} "
            f"{because(route)}",
            fix=fix,
            severity=Severity.INFO if mitigated is not None else severity_with(found.caveat),
        )


RULE = Rule(
    code="NGX002",
    name="stream-buffering",
    kind="nginx",
    summary="a streaming route with proxy buffering on (nginx's default)",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
On a streaming route, finds `proxy_buffering` in effect as `on`, whether written or by default
(nginx's default is on); likewise `fastcgi_buffering`, `uwsgi_buffering` and `scgi_buffering`
for those upstreams. gRPC is never buffered. Inheritance is followed: a server-level
`proxy_buffering off` written after the location still applies to it. An include that cannot
be read and could set `proxy_buffering` makes the finding `info`, with the caveat in its
message; one that cannot (certbot's options file, `ssl-params.conf`) is looked past (NGX000
explains).

## Why is this bad
With buffering on, nginx reads the upstream's response into its buffers and sends it to the
client when they fill or the response ends. Server-sent events and token streams then arrive
all at once at the end: the most reported cause of "the answer appears all at once" behind
nginx (Open WebUI, Dify, LiteLLM, llama.cpp, ...). A backend can opt out per response with the
`X-Accel-Buffering: no` header. When the backend is an app of the repository (a compose
service or launch line the route proxies to: by the service's name, by a loopback address at
the port compose publishes for it, and from a compose file anywhere in the tree that mounts
this config) whose every streamed response writes that header
(or is sse_starlette's `EventSourceResponse`, which sends it), the finding is `info`: the
harm is mitigated at run time, yet the config still buffers any answer without the header (an
error page, a new endpoint, another app put behind the route), and `info` leaves the exit status
alone. Otherwise streamproof cannot see whether yours does. An nginx in between (a compose service that runs
nginx with another config of the tree, the inner tier of a two-tier chain) hides that header
from this one unless it adds it or passes it on (`proxy_pass_header X-Accel-Buffering`): a
route reaching its streaming locations is reported (a regex location, `~ \\.php$`, is reached
through a prefix location whose `try_files` falls back to a URI it matches, `/index.php`, as
a PHP front controller is). A Kubernetes Service the route names
reaches the app its workload runs: a command of its own (when its port is not known, the one
container port the Service sends to), the image the tree builds, or a published image
(`owner/name`, not an official base image) whose command runs the very app (`module:attr`) a
launch line of the tree runs, when exactly one place of the tree defines it.

## Fix safety
Safe: the fix adds `proxy_buffering off;` to the location that proxies (or turns the
location's own `on` into `off`). Only this route stops being buffered; responses are passed on
as they come.

## References
- nginx: [proxy_buffering](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffering)
""",
)
