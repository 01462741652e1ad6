"""NGX003 (stream-cache) against the real nginx: a config the rule flags stores the streamed
answer and replays it (a HIT) to a later request that never reaches the model; a config it
leaves alone sends every request to the model (a MISS, or no cache at all).

The slow SSE server answers with `Cache-Control: no-cache`, as SSE servers usually do; nginx
stores nothing of such an answer unless `proxy_ignore_headers Cache-Control` drops the header,
so every case below drops it: the cases differ only in what NGX003 reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import lint
from nginxrun import free_port, prepare, running
from sse import schedule, sse_server, stream

pytestmark = pytest.mark.nginx

# Three short events: a MISS costs the upstream 0.2 s.
STEPS = schedule(0.0, 0.1, 0.1)
ZONE = "proxy_cache_path {tmp}/cache keys_zone=llm:1m;\n"
BASE = ["proxy_ignore_headers Cache-Control;", "add_header X-Cache $upstream_cache_status always;"]
POST_CACHE = ["proxy_cache llm;", "proxy_cache_methods POST;", "proxy_cache_valid 200 1m;"]
GET_CACHE = ["proxy_cache llm;", "proxy_cache_valid 200 1m;"]


@dataclass(frozen=True)
class Case:
    location: str
    method: str
    lines: tuple[str, ...]
    server: tuple[str, ...] = ()
    replays: bool = False  # nginx answers the second request from the cache


CASES = {
    # Chat requests are POST: cached once POST is in proxy_cache_methods.
    "post-cached": Case("/v1/chat/completions", "POST", (*POST_CACHE,), replays=True),
    "post-cached-inherited": Case(
        "/v1/chat/completions", "POST", (), server=(*POST_CACHE,), replays=True
    ),
    # Unbuffered: nothing is stored, the stream flows, every request is a MISS.
    "post-cached-buffering-off": Case(
        "/v1/chat/completions", "POST", (*POST_CACHE, "proxy_buffering off;")
    ),
    # proxy_cache_methods is GET HEAD by default: a POST is never even looked up.
    "post-default-methods": Case(
        "/v1/chat/completions", "POST", ("proxy_cache llm;", "proxy_cache_valid 200 1m;")
    ),
    # No proxy_cache_valid and no expiry from the backend: nothing is stored.
    "post-no-cache-valid": Case(
        "/v1/chat/completions", "POST", ("proxy_cache llm;", "proxy_cache_methods POST;")
    ),
    # The location cancels the server's cache.
    "post-cache-off-in-location": Case(
        "/v1/chat/completions", "POST", ("proxy_cache off;",), server=(*POST_CACHE,)
    ),
    # An event stream opened with GET (EventSource) is cached with the default methods.
    "get-sse-cached": Case("/sse", "GET", (*GET_CACHE,), replays=True),
    "get-sse-buffering-off": Case("/sse", "GET", (*GET_CACHE, "proxy_buffering off;")),
}


def site(port: int, upstream: int, case: Case) -> str:
    inner = "".join(f"        {line}\n" for line in (*BASE, *case.lines))
    outer = "".join(f"    {line}\n" for line in case.server)
    return (
        f"server {{\n    listen 127.0.0.1:{port};\n{outer}"
        f"    location {case.location} {{\n        proxy_pass http://127.0.0.1:{upstream};\n"
        f"{inner}    }}\n}}\n"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_ngx003_fires_exactly_where_nginx_replays_a_stored_stream(
    name: str, nginx: str, tmp_path: Path
) -> None:
    case = CASES[name]
    with sse_server(STEPS) as upstream:
        port = free_port()
        conf = tmp_path / "site" / "conf.d" / "site.conf"
        conf.parent.mkdir(parents=True)
        conf.write_text(site(port, upstream.port, case))
        # Linted as written (before nginx's wrapper and prelude join it in the folder).
        found = lint([conf], select=["NGX003"]).findings
        prepared = prepare(
            conf,
            tmp_path / "prefix",
            conf_root=conf.parent,
            extra_http=ZONE.replace("{tmp}", str(tmp_path)),
        )
        with running(nginx, prepared, port):
            # Two different questions: the default cache key leaves the body out.
            first = stream(port, case.location, method=case.method, question="first question")
            second = stream(port, case.location, method=case.method, question="other question")
    story = (
        f"first {first.status} {first.headers.get('x-cache')!r} {first.data}; second "
        f"{second.status} {second.headers.get('x-cache')!r} {second.data}; upstream served "
        f"{len(upstream.served)}"
    )
    assert first.complete and second.complete, story
    if case.replays:
        # The second answer is the first one again, and the model never saw the question.
        assert first.headers.get("x-cache") == "MISS", story
        assert second.headers.get("x-cache") == "HIT", story
        assert second.data == first.data, story
        assert len(upstream.served) == 1, story
    else:
        assert second.headers.get("x-cache") in (None, "", "MISS"), story
        assert len(upstream.served) == 2, story

    assert bool(found) is case.replays, [f.message for f in found]
    if found:
        (finding,) = found
        # At the location's own `proxy_cache`, else at the location it applies to.
        lines = conf.read_text().splitlines()
        own = "proxy_cache llm;" in case.lines
        wanted = "proxy_cache llm;" if own else f"location {case.location} {{"
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("location"))
        expected = next(i for i in range(start, len(lines)) if lines[i].strip() == wanted) + 1
        assert (finding.path, finding.line) == (str(conf), expected), finding
        assert "HIT" in finding.message and "without reaching the model" in finding.message
