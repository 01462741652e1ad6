"""Time values are read as the real nginx reads them: for every value, `nginx -t` accepts it
exactly when `parse_time` does, in a milliseconds slot (`proxy_read_timeout`, where `y` and `M`
are refused) and in a seconds slot (`ssl_session_timeout`, where `ms` is refused).

Only acceptance can be asked of `nginx -t`; what an accepted value means (`1h30` is one hour
and thirty seconds) is checked against ngx_parse_time in tests/nginx/test_timevalue.py and
by the NGX001 stream test, which times a real cut.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from linter.nginx.timevalue import parse_time

pytestmark = pytest.mark.nginx

# What KNOWLEDGE.md and the rules say about, plus the edges of the grammar.
WRITTEN = [
    "60",
    "60s",
    "500ms",
    "5m",
    "1h",
    "1h30",
    "1h30m",
    "1h 30m",
    "1m30s",
    "1d12h",
    "2w",
    "1s500ms",
    "0",
    "1H",
    "60S",
    "1.5h",
    "30s1m",
    "1m1h",
    "5M",
    "1y",
    "1y1M",
    "1h1h",
    "s",
    "abc",
    "-5s",
    "1 h",
    "10ms5s",
    "1h ",
    " 1h",
    "1ms",
    "1s1",
    "1m 30",
    "1w1d1h1m1s1ms",
    "9" * 19,
    "9" * 20,
    "999999999999999999w",
    "106751991167d",
    "106751991168d",
]

ALPHABET = "0123456789 smhdwMyH."


def _generated(count: int) -> list[str]:
    """Short strings over the characters of time values (fixed seed: the same every run)."""
    rng = random.Random(20260303)
    found: set[str] = set()
    while len(found) < count:
        length = rng.randint(1, 7)
        text = "".join(rng.choice(ALPHABET) for _ in range(length))
        found.add(text)
    return sorted(found)


VALUES = sorted(set(WRITTEN) | set(_generated(160)))

CONFIG = """\
events {{}}
pid {prefix}/nginx.pid;
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    {directive} "{value}";
}}
"""


def _nginx_accepts(nginx: str, folder: Path, directive: str, value: str) -> tuple[bool, str]:
    conf = folder / "nginx.conf"
    conf.write_text(CONFIG.format(prefix=folder, directive=directive, value=value))
    proc = subprocess.run(
        [nginx, "-t", "-q", "-p", f"{folder}/", "-c", str(conf), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode == 0, (proc.stderr + proc.stdout).strip()


@pytest.mark.parametrize(
    ("directive", "is_sec"), [("proxy_read_timeout", False), ("ssl_session_timeout", True)]
)
def test_parse_time_accepts_exactly_what_nginx_accepts(
    directive: str, is_sec: bool, nginx: str, tmp_path: Path
) -> None:
    disagreements = []
    accepted = refused = 0
    for value in VALUES:
        ours = parse_time(value, is_sec=is_sec) is not None
        theirs, output = _nginx_accepts(nginx, tmp_path, directive, value)
        if ours != theirs:
            disagreements.append(f"{value!r}: nginx {'accepts' if theirs else output}")
        accepted += theirs
        refused += not theirs
    assert not disagreements, "\n".join(disagreements)
    # Both outcomes were exercised (a broken config would make nginx refuse everything).
    assert accepted >= 20 and refused >= 20, (accepted, refused)
