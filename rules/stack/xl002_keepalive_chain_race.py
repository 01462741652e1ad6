"""XL002 keepalive-chain-race: a hop keeps idle connections to the next hop at least as long
as the next hop keeps them itself."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.registry import Rule
from linter.stack.model import NginxRoute, StackDocument
from rules.stack._common import hop_name, linked_by, report, said


def check(document: StackDocument, settings: Settings) -> Iterator[Finding]:
    for path in document.paths:
        if not path.streamed:
            continue  # a plain route that waits on its app's LLM call: XL001's only
        for index, hop in enumerate(path.hops[:-1]):
            toward = hop.idle
            behind = path.hops[index + 1]
            own = behind.own_idle
            if toward is None or own is None or toward.seconds is None or own.seconds is None:
                continue
            if toward.seconds < own.seconds:
                continue
            if isinstance(hop.fact, NginxRoute) and hop.fact.idle_judged:
                continue  # NGX007 judges this upstream against the same server
            message = (
                f"{hop_name(hop)} keeps idle connections to the next hop for {said(toward)}, "
                f"but {hop_name(behind)} closes them after {said(own)}; linked by "
                f"{linked_by(path, index, index + 1)}. A request sent on a connection the "
                f"server has just closed fails, and a POST is not retried (sporadic 502). "
                f"Set the keepalive_timeout below {own.seconds:g}s, or the server's "
                f"keep-alive above {toward.seconds:g}s."
            )
            caveat = toward.caveat or own.caveat
            if caveat is not None:
                message += f" (reported as info: {caveat})"
            found = report(
                RULE,
                document,
                toward.place or hop.anchor,
                message,
                Severity.INFO if caveat is not None else None,
            )
            if found is not None:
                yield found


RULE = Rule(
    code="XL002",
    name="keepalive-chain-race",
    kind="stack",
    summary="a proxy keeps idle connections to the next hop as long as that hop keeps them",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
For each hop of a stream path that keeps idle connections to the next hop (an NGINX
`upstream` with keep-alive; its `keepalive_timeout` is 60 s by default), compares that idle
time with the next hop's own keep-alive, read from its launch line (uvicorn's
`--timeout-keep-alive`, 5 s by default; gunicorn's `keepalive`; LiteLLM's
`--keepalive_timeout`). It reports the links NGX007 cannot make on its own: a compose
service reached through its `container_name`, its `hostname` or a published port, or a
LiteLLM proxy under a service name that does not say so. An upstream whose servers are
replicas (each reaches its own launch, all with the same limits) is one path, and the link
names every launch; replicas that differ are not linked. Where NGX007 already judges the
upstream, this rule stays silent. A keep-alive that an `env_file:` outside the tree may set
is reported as info, with that caveat.

## Why is this bad
When the hop behind closes an idle connection first, the proxy may send the next request on
it just as it closes: the request fails and, as a POST, is not retried. Each hop's idle time
toward the next must be shorter than the next hop's own.

## Fix safety
No fix: either side may be the one to change.

## References
- nginx: [keepalive_timeout (upstream)](https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout)
- uvicorn: [--timeout-keep-alive](https://www.uvicorn.org/settings/#timeouts)
""",
)
