"""The facts of KNOWLEDGE.md section 1 that the NGINX rules stand on, checked against the real
nginx: X-Accel-Buffering (NGX008), proxy_cache (NGX003), gzip (NGX004), upstream keep-alive
and the array-inheritance trap (NGX005, NGX006).

Each test shows what nginx does; where a rule's claim is exactly that behaviour, it also runs
`streamproof check` on the same file and asserts the rule fires where nginx misbehaves and
stays silent where it does not. If a fact fails, it (or this nginx version) differs from what
the rules assume, and the rule is what must change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import json_findings, streamproof
from nginxrun import free_port, prepare, running
from sse import Received, Served, schedule, sse_server, stream

pytestmark = pytest.mark.nginx

# Four small events 0.3 s apart: the upstream is busy sending for 0.9 s.
STEPS = schedule(0.0, 0.3, 0.3, 0.3)
ROUTE = "/sse"  # a streaming route by its path


def site_file(tmp_path: Path) -> Path:
    return tmp_path / "site" / "conf.d" / "site.conf"


def codes(conf: Path, *selected: str) -> set[str]:
    """The codes the real `streamproof check` reports on a file, among `selected`."""
    found = json_findings("--select", ",".join(selected), conf.name, cwd=conf.parent)
    return {finding["code"] for finding in found}


@dataclass(frozen=True)
class Exchange:
    received: Received
    served: Served

    def story(self) -> str:
        t0 = self.received.requested
        finished = self.served.finished
        return (
            f"sent {[round(t - t0, 3) for t in self.served.sent]} finished "
            f"{None if finished is None else round(finished - t0, 3)}; received "
            f"{[round(t - t0, 3) for t, _ in self.received.events]} status {self.received.status} "
            f"headers {self.received.headers}"
        )

    @property
    def streamed(self) -> bool:
        """The first event arrived while the upstream was still sending."""
        assert self.served.finished is not None and self.received.complete, self.story()
        return self.received.first_arrival() < self.served.finished - 0.3

    @property
    def held(self) -> bool:
        """Nothing arrived before the upstream had finished."""
        assert self.served.finished is not None and self.received.complete, self.story()
        return self.received.first_arrival() >= self.served.finished


def site(port: int, upstream: str, location: Sequence[str], server: Sequence[str] = ()) -> str:
    inner = "".join(f"        {line}\n" for line in location)
    outer = "".join(f"    {line}\n" for line in server)
    return (
        f"server {{\n    listen 127.0.0.1:{port};\n{outer}"
        f"    location {ROUTE} {{\n        proxy_pass {upstream};\n{inner}    }}\n}}\n"
    )


def exchanges(
    nginx: str,
    tmp_path: Path,
    location: Sequence[str],
    *,
    server: Sequence[str] = (),
    http: str = "",
    upstream_headers: dict[str, str] | None = None,
    requests: int = 1,
    method: str = "POST",
    gzip: bool = False,
) -> list[Exchange]:
    """Run nginx with one location proxying to the slow SSE server; `requests` in a row."""
    with sse_server(STEPS, headers=upstream_headers) as upstream:
        port = free_port()
        conf = site_file(tmp_path)
        conf.parent.mkdir(parents=True)
        conf.write_text(site(port, f"http://127.0.0.1:{upstream.port}", location, server))
        http = http.replace("{tmp}", str(tmp_path))
        prepared = prepare(conf, tmp_path / "prefix", conf_root=conf.parent, extra_http=http)
        found = []
        with running(nginx, prepared, port):
            for _ in range(requests):
                received = stream(port, ROUTE, method=method, gzip=gzip)
                found.append(Exchange(received, upstream.served[-1]))
        # Only requests that reached the upstream have their own `served` record.
        return found


# --- X-Accel-Buffering (NGX008) -----------------------------------------------------------


def test_upstream_x_accel_buffering_no_unbuffers_a_buffered_location(
    nginx: str, tmp_path: Path
) -> None:
    (exchange,) = exchanges(nginx, tmp_path, [], upstream_headers={"X-Accel-Buffering": "no"})
    assert exchange.streamed, exchange.story()
    # nginx consumes the header: a proxy further out never sees it (KNOWLEDGE: "hides X-Accel-*").
    assert "x-accel-buffering" not in exchange.received.headers, exchange.story()
    assert codes(site_file(tmp_path), "NGX008") == set()


@pytest.mark.parametrize(
    "directive",
    ["proxy_set_header X-Accel-Buffering no;", "add_header X-Accel-Buffering no;"],
    ids=["proxy_set_header", "add_header"],
)
def test_x_accel_buffering_written_in_nginx_does_not_unbuffer(
    directive: str, nginx: str, tmp_path: Path
) -> None:
    (exchange,) = exchanges(nginx, tmp_path, [directive])
    assert exchange.held, exchange.story()
    if directive.startswith("proxy_set_header"):
        # It only went to the application, as a request header.
        assert exchange.served.headers.get("x-accel-buffering") == "no"
    else:
        # It only tells a proxy further out.
        assert exchange.received.headers.get("x-accel-buffering") == "no"
    assert codes(site_file(tmp_path), "NGX008") == {"NGX008"}


def test_proxy_ignore_headers_x_accel_buffering_switches_the_backend_opt_out_off(
    nginx: str, tmp_path: Path
) -> None:
    (exchange,) = exchanges(
        nginx,
        tmp_path,
        ["proxy_ignore_headers X-Accel-Buffering;"],
        upstream_headers={"X-Accel-Buffering": "no"},
    )
    assert exchange.held, exchange.story()
    assert codes(site_file(tmp_path), "NGX008") == {"NGX008"}


def test_inner_nginx_hides_x_accel_buffering_from_an_outer_one_unless_passed(
    nginx: str, tmp_path: Path
) -> None:
    """Two nginx layers (two servers of one nginx): the app opts out of buffering, the inner
    proxy honours it but hides the header, so the outer one buffers; `proxy_pass_header`
    on the inner one lets the outer one stream too."""
    results = {}
    for passed in (False, True):
        with sse_server(STEPS, headers={"X-Accel-Buffering": "no"}) as upstream:
            outer, inner = free_port(), free_port()
            folder = tmp_path / str(passed) / "site"
            folder.mkdir(parents=True)
            conf = folder / "layers.conf"
            conf.write_text(
                site(outer, f"http://127.0.0.1:{inner}", [])
                + site(
                    inner,
                    f"http://127.0.0.1:{upstream.port}",
                    ["proxy_pass_header X-Accel-Buffering;"] if passed else [],
                )
            )
            prepared = prepare(conf, tmp_path / str(passed) / "prefix", conf_root=folder)
            with running(nginx, prepared, outer):
                received = stream(outer, ROUTE)
            results[passed] = Exchange(received, upstream.served[-1])
    assert results[False].held, results[False].story()
    assert results[True].streamed, results[True].story()


# --- proxy_cache (NGX003) -----------------------------------------------------------------

CACHE_ZONE = "proxy_cache_path {tmp}/cache keys_zone=llm:1m;\n"
CACHE = [
    "proxy_cache llm;",
    "proxy_cache_valid 200 1m;",
    # The SSE server says `Cache-Control: no-cache`; a backend that does not is cacheable.
    "proxy_ignore_headers Cache-Control;",
    "add_header X-Cache $upstream_cache_status;",
]


def test_cache_on_a_buffered_route_replays_the_first_answer(nginx: str, tmp_path: Path) -> None:
    first, second = exchanges(nginx, tmp_path, CACHE, http=CACHE_ZONE, requests=2, method="GET")
    assert first.held and first.received.headers.get("x-cache") == "MISS", first.story()
    # The second request never reached the model: the stored answer came back, all at once.
    assert second.received.headers.get("x-cache") == "HIT", second.story()
    assert second.served is first.served
    assert second.received.data == first.received.data


def test_cache_stores_nothing_with_buffering_off(nginx: str, tmp_path: Path) -> None:
    """Caching only happens on the buffered path: with `proxy_buffering off` the cache neither
    holds the stream nor stores it."""
    first, second = exchanges(
        nginx, tmp_path, ["proxy_buffering off;", *CACHE], http=CACHE_ZONE, requests=2, method="GET"
    )
    for exchange in (first, second):
        assert exchange.streamed, exchange.story()
        assert exchange.received.headers.get("x-cache") == "MISS", exchange.story()
    assert second.served is not first.served


def test_cache_leaves_post_alone_by_default(nginx: str, tmp_path: Path) -> None:
    """`proxy_cache_methods` is GET HEAD by default: a POST chat request is never stored."""
    first, second = exchanges(nginx, tmp_path, CACHE, http=CACHE_ZONE, requests=2, method="POST")
    for exchange in (first, second):
        # The cache is not even consulted: $upstream_cache_status stays empty.
        assert "x-cache" not in exchange.received.headers, exchange.story()
    assert second.served is not first.served


# --- gzip (NGX004) ------------------------------------------------------------------------


def test_gzip_with_buffering_off_flushes_each_event(nginx: str, tmp_path: Path) -> None:
    (exchange,) = exchanges(
        nginx,
        tmp_path,
        ["proxy_buffering off;", "gzip on;", "gzip_types text/event-stream;"],
        gzip=True,
    )
    assert exchange.received.headers.get("content-encoding") == "gzip", exchange.story()
    assert exchange.streamed, exchange.story()
    assert [t for t, _ in exchange.received.events][1] < exchange.served.sent[2], exchange.story()


# --- upstream keep-alive (NGX005, NGX006) -------------------------------------------------

KEEPALIVE_MAPS = """map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
}
map $http_upgrade $connection_upgrade_keepalive {
    default upgrade;
    '' "";
}
"""

HTTP11 = "proxy_http_version 1.1;"
CLEAR = 'proxy_set_header Connection "";'


@dataclass(frozen=True)
class Keepalive:
    location: tuple[str, ...]
    connections: int  # upstream connections nginx opens for three requests in a row
    rules: frozenset[str]  # what streamproof reports (nginx version unknown: before 1.29.7)
    server: tuple[str, ...] = ()
    block: bool = True  # proxy_pass to an `upstream {}` block (else to host:port)
    keepalive: bool = True  # `keepalive 4;` in the block
    mapped: bool = False  # `proxy_pass http://$pool;`, a map giving $pool the upstream's name


NONE: frozenset[str] = frozenset()
NGX005 = frozenset({"NGX005"})
NGX006 = frozenset({"NGX006"})

KEEPALIVE_CASES = {
    "all-three": Keepalive((HTTP11, CLEAR), 1, NONE),
    "no-http-1.1": Keepalive((CLEAR,), 3, NGX006),
    "no-connection-clear": Keepalive((HTTP11,), 3, NGX006),
    # Neither: nginx's defaults before 1.29.7 (one NGX006 finding, one fix for both).
    "neither": Keepalive((), 3, NGX006),
    "no-keepalive-directive": Keepalive((HTTP11, CLEAR), 3, NGX005, keepalive=False),
    # No `upstream {}`: never a connection cache, and nothing a rule could add to fix it.
    "no-upstream-block": Keepalive((HTTP11, CLEAR), 3, NONE, block=False, keepalive=False),
    # The usual WebSocket map sends `Connection: close` on every plain request.
    "websocket-map-close": Keepalive(
        (HTTP11, "proxy_set_header Connection $connection_upgrade;"), 3, NGX006
    ),
    "websocket-map-empty": Keepalive(
        (HTTP11, "proxy_set_header Connection $connection_upgrade_keepalive;"), 1, NONE
    ),
    # A fixed `Connection: upgrade` is not `close`: without an Upgrade from the client this
    # upstream answers an ordinary keep-alive response and nginx caches the connection. It is
    # still reported: nginx's documentation asks for the header to be cleared, and keeping
    # the connection is then the backend's choice (the finding names the map that keeps both).
    "fixed-connection-upgrade": Keepalive(
        (
            HTTP11,
            "proxy_set_header Upgrade $http_upgrade;",
            'proxy_set_header Connection "upgrade";',
        ),
        1,
        NGX006,
    ),
    # One proxy_set_header in the location drops the server's `Connection ""`.
    "array-inheritance-trap": Keepalive(
        ("proxy_set_header X-Request-Id $request_id;",), 3, NGX006, server=(HTTP11, CLEAR)
    ),
    "inherited-from-server": Keepalive((), 1, NONE, server=(HTTP11, CLEAR)),
    # A variable host that a map sets to the upstream's name: nginx finds the upstream {}
    # block by that name (before any resolver), so its connection cache applies as for a
    # plain `proxy_pass http://llm;`, and HTTP/1.0 defeats it the same way.
    "map-to-upstream-neither": Keepalive((), 3, NGX006, mapped=True),
    "map-to-upstream-all-three": Keepalive((HTTP11, CLEAR), 1, NONE, mapped=True),
}


def _keepalive_site(spec: Keepalive, upstream_port: int, tmp_path: Path) -> tuple[Path, int]:
    port = free_port()
    target = f"http://127.0.0.1:{upstream_port}"
    text = KEEPALIVE_MAPS
    if spec.block:
        text += f"upstream llm {{\n    server 127.0.0.1:{upstream_port};\n"
        text += "    keepalive 4;\n}\n" if spec.keepalive else "}\n"
        target = "http://llm"
    if spec.mapped:
        text += "map $request_method $pool {\n    default llm;\n}\n"
        target = "http://$pool"
    conf = site_file(tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_text(text + site(port, target, spec.location, spec.server))
    return conf, port


def _connections_for_three_requests(
    nginx: str, conf: Path, port: int, upstream: Any, prefix: Path
) -> int:
    """Upstream connections nginx opened for three requests in a row (fresh count)."""
    before = upstream.connections
    prepared = prepare(conf, prefix, conf_root=conf.parent)
    with running(nginx, prepared, port):
        answers = [stream(port, ROUTE) for _ in range(3)]
    assert all(a.status == 200 and a.complete for a in answers), [
        (a.headers, a.data) for a in answers
    ]
    return int(upstream.connections - before)


@pytest.mark.parametrize("case", sorted(KEEPALIVE_CASES))
def test_upstream_keepalive_needs_all_three(case: str, nginx: str, tmp_path: Path) -> None:
    """Before nginx 1.29.7 an upstream connection is reused only with `keepalive` in an
    `upstream {}` block, `proxy_http_version 1.1` and an empty `Connection` header; NGX005
    and NGX006 report every case where nginx opens a connection per request, and NGX006 a
    fixed `Connection: upgrade` besides (the one reported case this backend keeps alive)."""
    spec = KEEPALIVE_CASES[case]
    with sse_server(STEPS, keep_alive=True) as upstream:
        conf, port = _keepalive_site(spec, upstream.port, tmp_path)
        connections = _connections_for_three_requests(
            nginx, conf, port, upstream, tmp_path / "prefix"
        )
    sent = [record.headers.get("connection") for record in upstream.served]
    assert connections == spec.connections, f"{connections} connections; Connection: {sent}"
    assert codes(conf, "NGX005", "NGX006") == spec.rules


# The NGX006 cases with a safe fix (the WebSocket map and a fixed `upgrade` have none: the
# message says what to write).
FIXABLE_KEEPALIVE = sorted(
    name
    for name, spec in KEEPALIVE_CASES.items()
    if spec.rules == NGX006 and "websocket" not in name and "fixed-connection" not in name
)


@pytest.mark.parametrize("case", FIXABLE_KEEPALIVE)
def test_ngx006_fix_makes_nginx_reuse_the_upstream_connection(
    case: str, nginx: str, tmp_path: Path
) -> None:
    """After `streamproof check --fix --select NGX006`, the same config opens one upstream
    connection for three requests."""
    spec = KEEPALIVE_CASES[case]
    with sse_server(STEPS, keep_alive=True) as upstream:
        conf, port = _keepalive_site(spec, upstream.port, tmp_path)
        proc = streamproof("check", "--fix", "--select", "NGX006", conf.name, cwd=conf.parent)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert codes(conf, "NGX006") == set()
        connections = _connections_for_three_requests(
            nginx, conf, port, upstream, tmp_path / "prefix"
        )
    assert connections == 1, conf.read_text()
