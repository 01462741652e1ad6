"""The NGINX stream rules are true: a real nginx in front of a slow SSE server misbehaves the
way NGX002 and NGX001 say, and `streamproof check --fix` makes the same config stream.

Each test lints a `conf.d` site file with the real command, shows the defect through nginx,
fixes the file with the real command (only the rule under test selected, so nothing else can
explain the change), restarts nginx on the fixed file and shows the stream intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import json_findings, streamproof
from nginxrun import Prepared, free_port, prepare, running, site_conf
from sse import Received, Served, schedule, sse_server, stream

pytestmark = pytest.mark.nginx

SITE_FILE = "conf.d/chat.conf"
ROUTE = "/v1/chat/completions"  # a streaming route by its path alone


@dataclass(frozen=True)
class Site:
    root: Path
    conf: Path
    prepared: Prepared
    port: int


def make_site(
    tmp_path: Path,
    upstream_port: int,
    location_body: tuple[str, ...] = (),
    server_body: tuple[str, ...] = (),
    project_config: str = "",
) -> Site:
    root = tmp_path / "site"
    conf = root / SITE_FILE
    conf.parent.mkdir(parents=True)
    port = free_port()
    conf.write_text(
        site_conf(port, upstream_port, ROUTE, location_body, server_body), encoding="utf-8"
    )
    if project_config:
        (root / "streamproof.toml").write_text(project_config, encoding="utf-8")
    prepared = prepare(conf, tmp_path / "prefix", conf_root=root)
    return Site(root, conf, prepared, port)


def findings(site: Site, *args: str) -> list[dict[str, Any]]:
    return json_findings(*args, SITE_FILE, cwd=site.root)


def fix(site: Site, code: str) -> None:
    before = site.conf.read_bytes()
    proc = streamproof("check", "--fix", "--select", code, SITE_FILE, cwd=site.root)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert site.conf.read_bytes() != before, "the fix changed nothing"
    left = [f for f in findings(site, "--select", code) if f["code"] == code]
    assert left == [], f"{code} still reported after --fix: {left}"


def flagged(site: Site, code: str) -> dict[str, Any]:
    """The one finding of `code` the default `streamproof check` reports, with a safe fix."""
    found = [f for f in findings(site) if f["code"] == code]
    assert len(found) == 1, f"expected one {code} finding, got {found}"
    assert found[0]["fix"] is not None and found[0]["fix"]["applicability"] == "safe", found[0]
    # The finding is about the streaming location (lines 3 to the end of the server block).
    assert found[0]["line"] >= 3, found[0]
    return found[0]


def last(served: list[Served]) -> Served:
    assert served, "the upstream got no request"
    return served[-1]


def describe(received: Received, served: Served) -> str:
    t0 = received.requested
    return (
        f"server sent at {[round(t - t0, 3) for t in served.sent]}, finished "
        f"{None if served.finished is None else round(served.finished - t0, 3)}; client got "
        f"{[round(t - t0, 3) for t, _ in received.events]} status {received.status} "
        f"complete={received.complete} closed_early={received.closed_early} error={received.error}"
    )


# --- NGX002: buffering holds the whole answer until the end -------------------------------

# Five small events 0.4 s apart: the upstream is busy sending for 1.6 s.
BUFFERED_SCHEDULE = schedule(0.0, 0.4, 0.4, 0.4, 0.4)


def test_ngx002_buffering_holds_the_stream_until_the_end_and_the_fix_streams_it(
    nginx: str, tmp_path: Path
) -> None:
    payload = sum(len(f"data: {step.data}\n\n") for step in BUFFERED_SCHEDULE)
    # The whole answer fits in one default proxy buffer (4k or 8k, one memory page), so nginx
    # has no full buffer to pass on early: what the client sees depends on buffering alone.
    assert payload < 1024
    expected = [step.data for step in BUFFERED_SCHEDULE]

    with sse_server(BUFFERED_SCHEDULE) as upstream:
        site = make_site(tmp_path, upstream.port)
        flagged(site, "NGX002")

        with running(nginx, site.prepared, site.port):
            before = stream(site.port)
        served = last(upstream.served)
        story = describe(before, served)
        assert before.status == 200 and before.complete, story
        assert before.data == expected, story
        assert served.finished is not None, story
        # Nothing reached the client before the upstream had written its last event.
        assert before.first_arrival() >= served.finished, story
        assert before.first_arrival() - before.requested >= 1.4, story
        # ... and then everything at once.
        assert before.events[-1][0] - before.events[0][0] < 0.3, story

        fix(site, "NGX002")
        with running(nginx, site.prepared, site.port):
            after = stream(site.port)
        served = last(upstream.served)
        story = describe(after, served)
        assert after.status == 200 and after.complete, story
        assert after.data == expected, story
        assert served.finished is not None, story
        # The first event reached the client while the upstream was still sending.
        assert after.first_arrival() < served.finished - 0.5, story
        assert sum(1 for t, _ in after.events if t < served.finished) >= 3, story


# --- NGX001: a read timeout shorter than a pause cuts the stream --------------------------

READ_TIMEOUT = "1s"  # stands in for nginx's 60s default, shortened for the test
PAUSE = 2.0  # longer than READ_TIMEOUT, shorter than MIN_READ_TIMEOUT
MIN_READ_TIMEOUT = "4s"  # the rule's threshold, lowered for the test (default 300s)
PROJECT_CONFIG = f'[rules.NGX001]\nmin-read-timeout = "{MIN_READ_TIMEOUT}"\n'

CASES = {
    # A pause between two tokens (a reasoning model thinking), the timeout set in the location.
    "mid-stream-pause": dict(
        location=("proxy_buffering off;", f"proxy_read_timeout {READ_TIMEOUT};"),
        server=(),
        steps=schedule(0.0, PAUSE),
        header_delay=0.0,
    ),
    # The timeout inherited from the server level, written after the location.
    "inherited-from-server": dict(
        location=("proxy_buffering off;",),
        server=(f"proxy_read_timeout {READ_TIMEOUT};",),
        steps=schedule(0.0, PAUSE),
        header_delay=0.0,
    ),
    # The same pause with buffering on: the token received before it never reaches the client.
    "mid-stream-pause-buffered": dict(
        location=(f"proxy_read_timeout {READ_TIMEOUT};",),
        server=(),
        steps=schedule(0.0, PAUSE),
        header_delay=0.0,
    ),
    # A slow first token: the upstream answers nothing at all for the pause.
    "slow-first-token": dict(
        location=("proxy_buffering off;", f"proxy_read_timeout {READ_TIMEOUT};"),
        server=(),
        steps=schedule(0.0),
        header_delay=PAUSE,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ngx001_short_read_timeout_cuts_the_stream_and_the_fix_lets_it_finish(
    case: str, nginx: str, tmp_path: Path
) -> None:
    spec = CASES[case]
    steps = spec["steps"]
    expected = [step.data for step in steps]
    with sse_server(steps, header_delay=spec["header_delay"]) as upstream:
        site = make_site(tmp_path, upstream.port, spec["location"], spec["server"], PROJECT_CONFIG)
        flagged(site, "NGX001")

        with running(nginx, site.prepared, site.port) as server:
            before = stream(site.port)
            log = server.error_log()
        story = describe(before, last(upstream.served)) + "\n" + log
        assert "upstream timed out" in log, story
        assert "[DONE]" not in before.data, story
        cut_after = (before.ended or 0) - before.requested
        # Cut by the 1s timeout, well before the upstream's pause was over.
        assert 0.5 <= cut_after < PAUSE - 0.3, story
        if spec["header_delay"]:
            # Nothing was sent yet: nginx answers 504 itself.
            assert before.status == 504 and before.data == [], story
            assert "while reading response header from upstream" in log, story
        else:
            # The headers had come: the client gets a 200 whose body just stops (the chunked
            # encoding never gets its last chunk), no 504.
            assert before.status == 200, story
            assert before.closed_early and not before.complete, story
            assert "while reading upstream" in log, story
            if "proxy_buffering off;" in spec["location"]:
                assert before.data == expected[:1], story  # the token before the pause came
            else:
                assert before.data == [], story  # buffered: the token before it is lost too

        fix(site, "NGX001")
        with running(nginx, site.prepared, site.port) as server:
            after = stream(site.port)
            log = server.error_log()
        story = describe(after, last(upstream.served)) + "\n" + log
        assert after.status == 200 and after.complete, story
        assert after.data == expected, story
        assert "upstream timed out" not in log, story
        assert (after.ended or 0) - after.requested >= PAUSE - 0.1, story
