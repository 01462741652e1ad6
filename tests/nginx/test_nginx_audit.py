"""`streamproof audit` rows for NGINX: one per streaming route, with the effective read timeout,
buffering, cache, gzip and keep-alive, where each comes from, and a risk exactly where a rule
reports one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import lint

from linter.config import SettingsResolver, default_settings
from linter.document import AuditRow, Unit
from linter.fixtures import fixtures_for, is_fixed_output
from linter.nginx.handler import HANDLER
from linter.runner import RunOptions, run
from linter.workspace import Workspace

NGINX_CONF = """\
events {}
http {
    proxy_read_timeout 90s;
    gzip on;
    gzip_types text/event-stream application/json;
    proxy_cache_path /tmp/c keys_zone=llm:1m;
    upstream litellm {
        server 127.0.0.1:4000;
        keepalive 16;
        keepalive_timeout 4s;
    }
    server {
        listen 443 ssl;
        server_name example.com;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /v1/chat/completions {
            proxy_pass http://litellm;
            include stream.conf;
        }
        location /health {
            proxy_pass http://litellm;
        }
        location /events {
            proxy_pass http://127.0.0.1:9000;
            proxy_cache llm;
            proxy_cache_valid 200 1m;
            proxy_read_timeout 10m;
        }
    }
}
"""
STREAM_CONF = "proxy_buffering off;\ngzip off;\n"


def rows_of(main: Path, root: Path, **settings: object) -> list[AuditRow]:
    workspace = Workspace(root=str(root))
    unit = Unit("nginx", str(main))
    document = HANDLER.load(unit, workspace, default_settings(**settings))
    return list(HANDLER.audit(document, default_settings(**settings)))


def table(
    rows: list[AuditRow], root: Path
) -> list[tuple[str, str, int, list[tuple[str, str, str, str]]]]:
    # Rows name their file by its path, as the other kinds do; the audit shows it relative.
    assert all(Path(row.path).is_absolute() for row in rows)
    return [
        (
            row.subject,
            Path(row.path).relative_to(root).as_posix(),
            row.line,
            [(label, v.text, v.origin, v.status) for label, v in row.values],
        )
        for row in rows
    ]


def test_rows_name_each_value_its_origin_and_its_risk(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    (tmp_path / "stream.conf").write_text(STREAM_CONF)
    rows = rows_of(tmp_path / "nginx.conf", tmp_path)
    assert all(row.section == "NGINX streaming routes" for row in rows)
    # /health is not a streaming route: no row.
    assert table(rows, tmp_path) == [
        (
            "server example.com:443 › location /v1/chat/completions → upstream litellm",
            "nginx.conf",
            17,
            [
                ("signal", "its path /v1/chat/completions is a streaming endpoint",
                 "nginx.conf:17", "ok"),
                ("read timeout", "90s", "inherited from http {} (nginx.conf:3)", "risk"),
                ("buffering", "off", "via include stream.conf:1", "ok"),
                ("cache", "off", "nginx default", "ok"),
                ("gzip", "off", "via include stream.conf:2", "ok"),
                ("keep-alive", 'keepalive 16, HTTP/1.1, Connection ""', "nginx.conf:9", "ok"),
            ],
        ),
        (
            "server example.com:443 › location /events → http://127.0.0.1:9000",
            "nginx.conf",
            24,
            [
                ("signal", "its path /events is a streaming endpoint", "nginx.conf:24", "ok"),
                ("read timeout", "10m", "nginx.conf:28", "ok"),
                ("buffering", "on", "nginx default", "risk"),
                ("cache", "llm: stores and replays answers", "nginx.conf:26", "risk"),
                ("gzip", "on, gzip_types text/event-stream",
                 "inherited from http {} (nginx.conf:4)", "risk"),
                ("keep-alive", "none: no upstream {} block, a connection per request",
                 "nginx.conf:25", "ok"),
            ],
        ),
    ]  # fmt: skip


def test_thresholds_come_from_the_settings(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    (tmp_path / "stream.conf").write_text(STREAM_CONF)
    rows = rows_of(tmp_path / "nginx.conf", tmp_path, rules={"NGX001": {"min-read-timeout": "60s"}})
    statuses = [dict((label, v.status) for label, v in row.values) for row in rows]
    assert [s["read timeout"] for s in statuses] == ["ok", "ok"]


def test_keepalive_defeated_unknown_and_missing(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n"
        "    upstream ollama { server 127.0.0.1:11434; keepalive 8; }\n"
        "    upstream vllm { server 127.0.0.1:8000; }\n"
        "    server {\n        listen 8080;\n"
        "        location /api/chat {\n            proxy_pass http://ollama;\n        }\n"
        "        location /v1/completions {\n            proxy_pass http://vllm;\n"
        "            proxy_read_timeout ${READ_TIMEOUT};\n        }\n"
        "    }\n}\n"
    )
    rows = rows_of(tmp_path / "nginx.conf", tmp_path)
    values = [
        dict((label, (v.text, v.origin, v.status)) for label, v in row.values) for row in rows
    ]
    assert [row.subject for row in rows] == [
        "server *:8080 › location /api/chat → upstream ollama",
        "server *:8080 › location /v1/completions → upstream vllm",
    ]
    assert values[0]["keep-alive"] == (
        "keepalive 8, defeated: proxy_http_version 1.0 (nginx default)",
        "nginx.conf:3",
        "risk",
    )
    assert values[1]["keep-alive"] == (
        "none in upstream vllm (needed before nginx 1.29.7)",
        "nginx.conf:4",
        "risk",
    )
    assert values[1]["read timeout"] == ("unknown", "nginx.conf:12", "unknown")
    assert values[0]["read timeout"] == ("1m", "nginx default", "risk")


def test_rows_follow_the_report_paths_of_a_fragment_given_alone(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    # Two NGINX-only directives: enough for a `.conf` outside an nginx folder to be NGINX.
    (tmp_path / "stream.conf").write_text(STREAM_CONF + "proxy_request_buffering off;\n")
    result = run(
        [str(tmp_path / "stream.conf")],
        SettingsResolver(cwd=str(tmp_path)),
        RunOptions(audit=True),
    )
    assert [row.subject for row in result.audit_rows] == [
        "server example.com:443 › location /v1/chat/completions → upstream litellm"
    ]


# Each column and the rule that reports the same thing.
COLUMNS = {
    "NGX001": "read timeout",
    "NGX002": "buffering",
    "NGX003": "cache",
    "NGX004": "gzip",
    "NGX005": "keep-alive",
}


@pytest.mark.parametrize(
    "fixture",
    [f for code in COLUMNS for f in fixtures_for("nginx", code)],
    ids=lambda f: f"{f.code}/{f.name}",
)
def test_a_column_shows_a_risk_exactly_where_its_rule_fires(
    fixture: object, tmp_path: Path
) -> None:
    from linter.fixtures import Fixture

    assert isinstance(fixture, Fixture)
    target = tmp_path / fixture.name
    if fixture.path.is_dir():
        shutil.copytree(
            fixture.path, target, ignore=lambda d, n: [x for x in n if is_fixed_output(Path(x))]
        )
    else:
        shutil.copy2(fixture.path, target)
    settings = fixture.settings()
    resolver = SettingsResolver(overrides={**settings, "select": [fixture.code]}, cwd=str(tmp_path))
    result = run([str(target)], resolver, RunOptions(audit=True))
    fired = any(f.code == fixture.code for f in result.findings)
    column = COLUMNS[fixture.code]
    risky = any(
        value.status == "risk" for row in result.audit_rows for label, value in row.values
        if label == column
    )  # fmt: skip
    if fixture.code == "NGX005":
        # The keep-alive column also shows NGX006/NGX007 risks: only one direction holds. An
        # upstream no route reaches (an upstreams-only fragment) has no route to show.
        assert risky or not fired or not result.audit_rows, [
            row.values for row in result.audit_rows
        ]
    else:
        assert risky is fired, [row.values for row in result.audit_rows]
    # The audit run reports the same findings as a check.
    options = {key.replace("-", "_"): value for key, value in settings.items()}
    assert lint([target], cwd=tmp_path, select=[fixture.code], **options).findings == [
        f for f in result.findings if f.code == fixture.code
    ]
