"""XL001 front-gives-up-first: a layer in front stops waiting for the stream before the layer
behind it does."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.registry import Rule
from linter.stack.model import Hop, Limit, LiteLLMConfig, StackDocument
from rules.stack._common import hop_name, linked_by, pinged_behind, report, said


def check(document: StackDocument, settings: Settings) -> Iterator[Finding]:
    budget = settings.max_silence
    for path in document.paths:
        for index, hop in enumerate(path.hops):
            front = hop.read
            if front is None or front.seconds is None:
                continue
            if pinged_behind(path, index, front.seconds):
                continue  # heartbeats from behind reset this timer
            behind_index, waits = next(
                (
                    (j, limit)
                    for j in range(index + 1, len(path.hops))
                    if (limit := _waits(path.hops[j], front.seconds)) is not None
                ),
                (None, None),
            )
            if behind_index is None or waits is None or waits.seconds is None:
                continue
            behind = path.hops[behind_index]
            head = (
                f"{hop_name(hop)}: {said(front)} gives up before {hop_name(behind)} behind it, "
                f"which waits {said(waits)}; linked by {linked_by(path, index, behind_index)}. "
            )
            if not path.streamed and front.seconds < settings.max_stream:
                # A plain answer arrives whole: the front's read timer runs for the whole
                # generation, which the budget lets take up to max-stream.
                target = min(waits.seconds, settings.max_stream)
                message = head + (
                    "This route does not stream: the app answers only once its own LLM call "
                    f"returns, so an answer that takes over {front.seconds:g}s (a slow model, a "
                    "long output; "
                    + (
                        f"the stream budget's max-silence is {budget:g}s"
                        if front.seconds < budget
                        else f"a whole answer may take up to the budget's max-stream, "
                        f"{settings.max_stream:g}s"
                    )
                    + ") is cut here with a 504, and the app never gets to time out, retry or "
                    f"report the error itself. Raise it to at least {target:g}s, or stream the "
                    "answer."
                )
            elif front.seconds >= budget:
                # A silence that long is outside the budget; what is lost is the LiteLLM
                # proxy's own answer to it (its retry, fallback or error), never reached.
                if behind.layer != "litellm" or hop.layer in ("edge", "gateway"):
                    continue  # (a gateway's cap is on the whole answer, not on a stall)
                below = max(int(front.seconds * 0.8), 1)
                one = waits is not behind.read  # one deployment waits longer than the rest
                message = head + (
                    "A stalled stream is cut here with a 504 or a broken body, and LiteLLM never "
                    + ("times out itself on that deployment" if one else "times out itself")
                    + ", so its retries, fallbacks and error message are never used. Set "
                    + ("that deployment's" if one else "LiteLLM's")
                    + f" `stream_timeout` below {front.seconds:g}s (say {below}s) so it gives up "
                    "first, or raise this layer's timeout above LiteLLM's."
                )
            else:
                target = min(waits.seconds, settings.max_stream)
                message = head + (
                    f"A silence over {front.seconds:g}s (the stream budget's max-silence is "
                    f"{budget:g}s) is cut here, and the layer behind never gets to time out, "
                    "retry or fall back. "
                    + (
                        "This edge's limit cannot be raised (below Cloudflare's Enterprise plan): "
                        "have a layer behind it send heartbeats more often, or keep streams off "
                        "the proxied hostname."
                        if hop.layer == "edge"
                        else f"Raise it to at least {target:g}s."
                    )
                )
            found = report(RULE, document, front.place or hop.anchor, message)
            if found is not None:
                yield found


def _waits(hop: Hop, front: float) -> Limit | None:
    """How long the hop behind waits, when longer than ``front``: its read limit, or for a
    LiteLLM config whose deployments differ, the one that waits longest (the front cuts that
    deployment's streams before LiteLLM would time out, retry or fall back)."""
    for limit in (hop.read, hop.fact.longest if isinstance(hop.fact, LiteLLMConfig) else None):
        if limit is not None and limit.seconds is not None and limit.seconds > front:
            return limit
    return None


RULE = Rule(
    code="XL001",
    name="front-gives-up-first",
    kind="stack",
    summary="a layer in front stops waiting for a stream before the layer behind it",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Follows each stream path of the repository (a Python client's base URL to NGINX, NGINX's
`proxy_pass` to a docker-compose service, the service to its launch line or to the LiteLLM
config it mounts with `--config`) and finds a layer whose read (idle) timeout is below the
stream budget's `max-silence` and shorter than the read timeout of a layer behind it: NGINX
`proxy_read_timeout 60s` in front of a LiteLLM `stream_timeout: 600`, an httpx client's 5 s
read timeout in front of NGINX. A front layer whose timeout is beyond the budget is still
reported when the layer behind it is a LiteLLM proxy that waits longer (its own default is
6000 s): LiteLLM's timeout is what starts its retries and fallbacks, and the front's cut comes
first, so the advice is to set LiteLLM's `stream_timeout` below the front's. Heartbeats sent by a layer behind (LiteLLM's
`sse_keepalive_ping_interval_seconds`) more often than the front's timeout keep it quiet,
and so does an app whose streaming responses on the route all send heartbeats (sse_starlette's
`EventSourceResponse`, a generator that yields a ping while it waits), as XL003 reads them.
Where the config's text deployments wait for different times, the one that waits longest
counts: a front that cuts before it cuts that deployment's streams first, and the message
names the deployment (embedding and other non-text deployments do not count).

An app server's own LLM calls are a layer too: the SDK clients its app's modules build
(`OpenAI(...)`, `AsyncOpenAI(...)`, `Anthropic(...)`, openai's module client
`openai.chat.completions.create`), its `litellm.completion` calls and its POSTs to a completion
or Ollama generation endpoint (on an httpx client built in the same function, `async with
httpx.AsyncClient(timeout=None) as c`, the client's timeout: httpx's 5 s when none is given),
with their read timeout (given, or the SDK's default: 600 s), the shortest of them when every
one is known (a call with no timeout at all does not shorten it). A route to such an app is judged even when it does not stream (a Flask app that
answers JSON after a 600 s `chat.completions.create`): NGINX's 60 s cut comes before the app's
own timeout. A plain answer arrives whole, so on such a route the front's read timer runs for
the whole generation, and the budget is `max-stream`: a 300 s front before a 600 s call is
reported too. A route the config believes streams (buffering turned off "for streaming")
whose app, read, streams nothing and answers after its own call is such a plain route. An
NGINX config on the host that proxies to a loopback address reaches the app server the same
project launches on the host at that port (a script, `pm2 start "uvicorn ..."`, a Procfile,
`uvicorn.run`), when no compose service answers it; a config whose name says it is an example
is said to hold where it is deployed as written. A config in a container that proxies to
`host.docker.internal` (the Docker host; Podman's `host.containers.internal`) reaches the app server the project launches on the
host at that port, else the compose service that publishes that port. A service written in
several compose files of one folder (a base file and the files layered on it with `-f`) is one
service; their launches must agree, else the path stops there. An app launched as a script (`python -m src.app`) whose `__main__` block runs
Flask's development server (`app.run(...)`) is followed as its launch, and a `proxy_pass`
whose port is a template placeholder (`http://backend:${BACKEND_PORT}`) reaches the service
its host names.

An NGINX route that reaches a streaming location of the nginx a compose service runs with
another config of the tree (a two-tier chain) has that location as its next hop, with its own
read timeout (`fastcgi_read_timeout 300` behind an outer nginx's default 60 s).

Kubernetes layers are linked the same way: an Ingress, a Traefik `IngressRoute` or a Gateway
API `HTTPRoute` rule KUB004 judges (its cap on the whole answer, `timeouts.request` or Envoy's
15 s, is its limit; heartbeats do not lift it) to the Service it names, the Service to the one workload its selector picks (its DNS names include
the kustomization's namespace), the workload's `--config` to the LiteLLM config it mounts from
a ConfigMap. A Service whose workload runs an nginx of the tree (a web front: the image the
tree builds on an nginx stage that copies the config under `/etc/nginx`) is a layer of its
own: the Ingress path reaches the location of that config that proxies to an LLM backend
(the path as the controller passes it on: one it rewrites is not followed), with that
location's read timeout, and the Service its target names (template variables filled from the
container's literal `env`, else the image's ENV) is the next. A hostname the repository says Cloudflare proxies (external-dns
`cloudflare-proxied: "true"`) puts Cloudflare's 100 s proxy read timeout in front. A Python
client's URL and timeout are followed through its module (a settings object, a helper that
reads an environment variable, a raw POST to a completion endpoint, httpx's
`client.stream("POST", url)`) and into the modules of the tree it imports them from
(`from .config import COMPLETIONS_URL`); a field of a pydantic `BaseSettings` class is also the
environment variable of its name, whose value in the repository wins over the default.

## Why is this bad
The front layer cuts the stream first: the user sees a 504 or a broken stream after the
front's timeout, and the layer behind (which would have waited, or timed out and retried or
fallen back to another deployment) never gets the chance. The message names both values,
where each is set (or that it is the layer's default), and the files that link the layers.

## Fix safety
No fix: raise the front layer's timeout to the value the message gives, or add heartbeats.

## References
- nginx: [proxy_read_timeout](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout)
- LiteLLM: [timeouts](https://docs.litellm.ai/docs/proxy/timeout)
- httpx: [timeouts](https://www.python-httpx.org/advanced/timeouts/)
- Cloudflare: [connection limits](https://developers.cloudflare.com/fundamentals/reference/connection-limits/) (Proxy Read Timeout 100 s, 524)
""",
)
