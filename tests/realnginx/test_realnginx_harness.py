"""The real-nginx helpers themselves: `nginx -t` accepts what nginx accepts (fragments in
their usual context, full configs with packaged paths) and rejects what it rejects, and the
time-value facts NGX009 stands on (KNOWLEDGE.md section 1) hold for the real binary."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import in_ci, lint
from nginxrun import check_config, context_of, nginx_version

pytestmark = pytest.mark.nginx


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nginx_version_is_known(nginx: str) -> None:
    assert nginx_version(nginx)[0].isdigit()


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("events {}\nhttp {}\n", "main"),
        ("user www-data;\nhttp { server {} }\n", "main"),
        ("server {\n  listen 80;\n}\n", "http"),
        ("upstream llm { server 127.0.0.1:4000; }\nmap $a $b { default 1; }\n", "http"),
        ("location /v1/ {\n  proxy_pass http://127.0.0.1:4000;\n}\n", "server"),
        ("proxy_buffering off;\nproxy_read_timeout 300s;\n", "location"),
        ("# streamproof: context server\nproxy_read_timeout 300s;\n", "server"),
    ],
)
def test_context_of_fragment(text: str, context: str) -> None:
    assert context_of(text) == context


@pytest.mark.parametrize(
    "text",
    [
        # a location snippet of bare directives
        "proxy_pass http://127.0.0.1:4000;\nproxy_buffering off;\nproxy_read_timeout 300s;\n",
        # a server snippet
        "location /v1/chat/completions {\n    proxy_pass http://127.0.0.1:4000;\n}\n",
        # a conf.d site file
        "upstream llm {\n    server 127.0.0.1:4000;\n    keepalive 16;\n}\n"
        "server {\n    listen 127.0.0.1:8080;\n    location / {\n        proxy_pass http://llm;\n"
        '        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n    }\n}\n',
    ],
    ids=["location-snippet", "server-snippet", "site-file"],
)
def test_fragments_pass_nginx_t(nginx: str, tmp_path: Path, text: str) -> None:
    source = write(tmp_path / "src", "fragment.conf", text)
    result = check_config(nginx, source, tmp_path / "work")
    assert result.ok, result.output
    assert "syntax is ok" in result.output
    assert source.read_text(encoding="utf-8") == text, "the original was changed"


def test_full_config_with_packaged_paths_and_includes(nginx: str, tmp_path: Path) -> None:
    """A Debian-style nginx.conf: absolute /etc/nginx includes, /var/log logs, a stock file."""
    root = tmp_path / "src"
    write(
        root,
        "nginx.conf",
        "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\n"
        "events { worker_connections 64; }\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        "    access_log /var/log/nginx/access.log;\n    error_log /var/log/nginx/error.log;\n"
        "    include /etc/nginx/conf.d/*.conf;\n}\n",
    )
    write(
        root,
        "conf.d/llm.conf",
        "server {\n    listen 127.0.0.1:8080;\n    location /v1/ {\n        include proxy_params;\n"
        "        proxy_pass http://127.0.0.1:4000;\n    }\n}\n",
    )
    result = check_config(nginx, root, tmp_path / "work", main="nginx.conf")
    assert result.ok, result.output
    # Logs went to the private mirror, not to /var/log.
    assert (result.prepared.prefix / "mirror" / "var" / "log" / "nginx" / "access.log").exists()


def test_relative_include_of_a_fragment_resolves_in_the_fixture(nginx: str, tmp_path: Path) -> None:
    root = tmp_path / "src"
    write(
        root,
        "site.conf",
        "server {\n    listen 127.0.0.1:8080;\n    location /sse {\n"
        "        include snippets/sse.conf;\n        proxy_pass http://127.0.0.1:4000;\n    }\n}\n",
    )
    write(root, "snippets/sse.conf", "proxy_buffering off;\nproxy_cache off;\n")
    assert check_config(nginx, root, tmp_path / "work", main="site.conf").ok


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("proxy_buffering maybe;\n", "invalid value"),
        ("proxy_read_timeout 300s\n", "unexpected end of file"),
        ("server {\n  listen 127.0.0.1:8080;\n  location / {\n}\n", "unexpected end of file"),
        (
            "location /a {\n  proxy_pass http://127.0.0.1:1;\n  proxy_pass http://127.0.0.1:2;\n}\n",
            "duplicate",
        ),
    ],
)
def test_invalid_configs_fail_nginx_t(nginx: str, tmp_path: Path, text: str, error: str) -> None:
    source = write(tmp_path / "src", "fragment.conf", text)
    result = check_config(nginx, source, tmp_path / "work")
    assert not result.ok, result.output
    assert error in result.output, result.output


# KNOWLEDGE.md, "Time values": which spellings nginx itself accepts for a timeout, and
# whether NGX009 (time-value) speaks up: it must for every value nginx refuses, and for the
# accepted ones only where the value misleads.
@dataclass(frozen=True)
class TimeValue:
    value: str
    valid: bool  # `nginx -t` accepts it
    reported: bool  # NGX009 reports it


TIME_VALUES = [
    TimeValue("300s", True, False),
    TimeValue("300", True, False),  # a bare number is seconds
    TimeValue("5m", True, False),
    TimeValue("1h30", True, True),  # valid, but 1 hour 30 seconds
    TimeValue('"1h30"', True, True),
    TimeValue("90s1", True, True),  # 91 seconds
    TimeValue("1h30m", True, False),
    TimeValue('"1h 30m"', True, False),  # needs the quotes
    TimeValue("1d", True, False),
    TimeValue("0", True, True),  # zero, not "no timeout"
    TimeValue("500ms", True, False),
    TimeValue("1H", False, True),  # units are case-sensitive
    TimeValue("60S", False, True),
    TimeValue("30s1m", False, True),  # largest to smallest only
    TimeValue("1.5h", False, True),  # integers only
    TimeValue("1M", False, True),  # months: invalid for a timeout
    TimeValue("1y", False, True),
    TimeValue("1h 30m", False, True),  # two arguments without quotes
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.value) for case in TIME_VALUES])
def test_time_values_as_nginx_parses_them(nginx: str, tmp_path: Path, case: TimeValue) -> None:
    text = (
        "server {\n    listen 127.0.0.1:8080;\n    location /v1/chat/completions {\n"
        f"        proxy_pass http://127.0.0.1:4000;\n        proxy_read_timeout {case.value};\n"
        "    }\n}\n"
    )
    source = write(tmp_path / "src", "site.conf", text)
    result = check_config(nginx, source, tmp_path / "work")
    assert result.ok is case.valid, result.output
    if " " in case.value and not case.value.startswith('"'):
        assert "invalid number of arguments" in result.output, result.output
    found = lint([source], select=["NGX009"]).findings
    assert bool(found) is case.reported, [f.message for f in found]
    assert all((f.code, f.line) == ("NGX009", 5) for f in found), found


def test_check_writes_only_inside_its_work_folder(nginx: str, tmp_path: Path) -> None:
    """The compiled-in /var paths are replaced: nginx creates its temp folders and opens its
    access log in the private prefix (had it used the defaults, these would not exist)."""
    source = write(tmp_path / "src", "site.conf", "server {\n    listen 127.0.0.1:8080;\n}\n")
    result = check_config(nginx, source, tmp_path / "work")
    assert result.ok, result.output
    prefix = tmp_path / "work" / "prefix"
    written = {p.name for p in (prefix / "temp").iterdir()}
    assert {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} <= written, written
    assert (prefix / "logs" / "access.log").exists()


STAND_IN_SITE = """user nginx;
events {}
http {
    upstream llm {
        server litellm:4000;
    }
    server {
        listen 127.0.0.1:8443 ssl;
        ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;
        ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;
        location /v1/ {
            proxy_pass http://llm;
        }
        location /ollama/ {
            proxy_pass http://ollama:11434/;
        }
    }
    server {
        listen 80;
        listen [::]:80;
        return 301 https://$host$request_uri;
    }
}
"""


def test_environment_stand_ins(nginx: str, tmp_path: Path) -> None:
    """Docker host names, certificate files and system users only the deployment has fail
    `nginx -t` here; with stand-ins the same config passes and each stand-in is listed."""
    if shutil.which("openssl") is None:  # makes the certificate stand-in
        message = "openssl not found; CI must install it (apt-get install openssl)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    source = write(tmp_path / "src", "nginx.conf", STAND_IN_SITE)
    plain = check_config(nginx, source, tmp_path / "plain")
    assert not plain.ok, plain.output
    result = check_config(nginx, source, tmp_path / "stood-in", stand_ins=True)
    assert result.ok, f"{result.output}\n{result.substitutions}"
    made = "\n".join(result.substitutions)
    assert "'litellm'" in made and "'ollama'" in made, made
    assert "fullchain.pem" in made and "privkey.pem" in made, made
    if os.geteuid() == 0:  # only root resolves the `user` directive
        assert "user 'nginx'" in made, made
    else:  # and only root may bind port 80
        assert "listen port 80" in made, made
    assert source.read_text(encoding="utf-8") == STAND_IN_SITE
