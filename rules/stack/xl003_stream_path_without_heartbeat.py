"""XL003 stream-path-without-heartbeat: an idle limit on the path is below the stream budget's
silence, and no layer behind it sends heartbeats."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.registry import Rule
from linter.stack.model import (
    AppLaunch,
    Client,
    LiteLLMConfig,
    StackDocument,
    StackPath,
    Where,
)
from rules.stack._common import hop_name, linked_by, ping_interval, pinged_behind, report, said


def check(document: StackDocument, settings: Settings) -> Iterator[Finding]:
    budget = settings.max_silence
    for path in document.paths:
        if not path.streamed:
            continue  # a plain answer: no heartbeat reaches it
        proxy = next(
            (i for i, hop in enumerate(path.hops) if isinstance(hop.fact, LiteLLMConfig)), None
        )
        if proxy is None or path.hops[proxy].pings is not None:
            continue
        first = path.hops[0].fact
        if isinstance(first, Client) and not first.streams:
            continue  # plain requests: no heartbeat reaches them
        config = path.hops[proxy].fact
        assert isinstance(config, LiteLLMConfig)
        index = _shortest_unpinged(path, proxy, budget)
        if index is None:
            continue
        hop = path.hops[index]
        assert hop.read is not None and hop.read.seconds is not None
        interval = ping_interval(hop.read.seconds)
        where = (
            "under its litellm_settings" if config.settings_key else "in a litellm_settings section"
        )
        message = (
            f"{hop_name(hop)} in front of this LiteLLM proxy cuts a silence over "
            f"{hop.read.seconds:g}s ({said(hop.read)}), below the stream budget's max-silence "
            f"{budget:g}s, and no layer behind it sends heartbeats (LiteLLM's "
            f"sse_keepalive_ping_interval_seconds is off by default); linked by "
            f"{linked_by(path, index, proxy)}. Smallest change: add "
            f"`sse_keepalive_ping_interval_seconds: {interval}` {where} (newer LiteLLM; pings "
            f"reset idle timers, never total caps)"
            + (
                " (the edge's own limit cannot be raised below Cloudflare's Enterprise plan)."
                if hop.layer == "edge"
                else f", or raise {hop.read.text} to at least {budget:g}s."
            )
        )
        found = report(RULE, document, config.anchor, message)
        if found is not None:
            yield found
    yield from _endpoints(document, settings)


def _endpoints(document: StackDocument, settings: Settings) -> Iterator[Finding]:
    """A path that ends at an app server whose streaming responses send no heartbeat: each
    such response is reported where the ping would be written."""
    budget = settings.max_silence
    seen: set[tuple[str, int, int]] = set()
    for path in document.paths:
        if not path.streamed:
            continue
        app = next((i for i, hop in enumerate(path.hops) if isinstance(hop.fact, AppLaunch)), None)
        if app is None or app == 0:
            continue
        first = path.hops[0].fact
        if isinstance(first, Client) and not first.streams:
            continue
        launch = path.hops[app].fact
        assert isinstance(launch, AppLaunch)
        silent = [e for e in launch.endpoints if e[6] is False and path.reaches(app, e[7])]
        if not silent:
            continue
        index = _shortest_unpinged(path, app, budget)
        if index is None:
            continue
        hop = path.hops[index]
        assert hop.read is not None and hop.read.seconds is not None
        interval = ping_interval(hop.read.seconds)
        for file, line, column, end_line, end_column, what, _, _ in silent:
            if (file, line, column) in seen:
                continue
            seen.add((file, line, column))
            where = _where(document, file, line, column, end_line, end_column)
            what = what.removeprefix("a ")  # "this Flask `Response` built from a generator"
            message = (
                f"{hop_name(hop)} cuts a silence over {hop.read.seconds:g}s "
                f"({said(hop.read)}), below the stream budget's max-silence {budget:g}s, in "
                f"front of this {what}, which sends no heartbeat while it waits (its generator "
                f"yields no ping); linked by {linked_by(path, index, app)}. Smallest change: "
                f"have the generator yield a heartbeat at least every {interval}s while it waits "
                f"(an SSE comment `: ping\\n\\n` on text/event-stream; sse_starlette's "
                f"`EventSourceResponse` sends one every 15 s), "
                + (
                    "since the edge's own limit cannot be raised."
                    if hop.layer == "edge"
                    else f"or raise {hop.read.text} to at least {budget:g}s."
                )
            )
            found = report(RULE, document, where, message)
            if found is not None:
                yield found


def _shortest_unpinged(path: StackPath, end: int, budget: float) -> int | None:
    """The hop before ``end`` with the shortest read limit under the budget that no heartbeat
    from behind keeps alive (None: there is none)."""
    short = [
        (hop.read.seconds, i)
        for i, hop in enumerate(path.hops[:end])
        if hop.read is not None
        and hop.layer != "gateway"  # a cap on the whole answer: heartbeats do not lift it
        and hop.read.seconds is not None
        and hop.read.seconds < budget
        and not pinged_behind(path, i, hop.read.seconds)
    ]
    return min(short)[1] if short else None


def _where(
    document: StackDocument, file: str, line: int, column: int, end_line: int, end_column: int
) -> Where | None:
    """The response's span from ``ast`` positions (UTF-8 byte columns)."""
    source = document.source_of(file)
    if source is None:
        return None

    def offset(number: int, byte_column: int) -> int:
        text = source.line_text(number)
        chars = len(text.encode("utf-8")[: byte_column - 1].decode("utf-8", errors="ignore"))
        return source.offset(number, chars + 1)

    try:
        return Where(file, offset(line, column), offset(end_line, end_column), line)
    except Exception:  # a file changed since it was read: no place, no finding
        return None


RULE = Rule(
    code="XL003",
    name="stream-path-without-heartbeat",
    kind="stack",
    summary="an idle limit below the stream budget on a path where no layer sends heartbeats",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
On a stream path that ends in a LiteLLM proxy config of the repository, finds a layer in
front of the proxy (NGINX, a Python client) whose read (idle) timeout is below the stream
budget's `max-silence` (120 s by default) while the proxy sends no heartbeats:
`litellm_settings.sse_keepalive_ping_interval_seconds` is off by default, and no deployment
sets `keepalive_seconds`. It reports on the LiteLLM config, with the smallest change that
closes the gap. A path that starts at a Python client whose module never asks for a stream
(no `stream=True`, `.stream(`, `iter_lines`, ...) is left alone: its answers are not streamed,
and heartbeats are only sent on streams.

A path that ends at an app server of the repository (NGINX's `proxy_pass` to a compose
service, the service's launch line) is judged the same way against the app's own streaming
responses: a `StreamingResponse` whose generator (a function of the same module) yields no
heartbeat (no ping, heartbeat or keep-alive, no SSE comment line) behind an idle limit below
`max-silence` is reported at the response, where the ping would be written. sse_starlette's
`EventSourceResponse` pings every 15 s (unless `ping` turns it off); a body made in another
module is not judged.

## Why is this bad
A slow first token, a reasoning pause or a model loading is silence on the wire: every idle
timer in front runs during it, and the first to expire cuts the stream. A heartbeat (an SSE
`: ping` comment) sent more often than the shortest idle timer keeps them all from firing; it
does not lift total caps.

## Fix safety
No fix: the setting exists in newer LiteLLM versions only; the alternative is to raise the
front layer's timeout.

## References
- LiteLLM: [proxy config settings](https://docs.litellm.ai/docs/proxy/config_settings)
- nginx: [proxy_read_timeout](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout)
""",
)
