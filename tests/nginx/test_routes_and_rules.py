"""Which routes stream and why, which files are NGINX, and rule messages naming evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint

from linter.config import default_settings
from linter.document import Claim, Unit
from linter.llmservers import not_streaming_path
from linter.nginx.handler import HANDLER
from linter.nginx.model import NginxDocument
from linter.nginx.routes import routes
from linter.nginx.sniff import sniff
from linter.workspace import Workspace


def _routes(tmp_path: Path, text: str, **settings: object) -> dict[str, str | None]:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    document = HANDLER.load(
        Unit("nginx", str(path)), Workspace(root=str(tmp_path)), default_settings(**settings)
    )
    assert isinstance(document, NginxDocument)
    return {
        route.label(): (route.signal.kind if route.streaming and route.signal else None)
        for route in routes(document, default_settings(**settings))
    }


def _server(body: str) -> str:
    return (
        "events {}\nhttp "
        "{\n    upstream litellm { server 127.0.0.1:4000; }\n    upstream web { server 127.0.0.1:3000; }\n    server {\n"
        + body
        + "    }\n}\n"
    )


def test_signals_in_order_of_strength(tmp_path: Path) -> None:
    found = _routes(
        tmp_path,
        _server(
            "        location /a { # streamproof: stream\n            proxy_pass http://web; }\n"
            "        location /b "
            "{ proxy_pass http://web; add_header Content-Type text/event-stream; }\n"
            "        location /v1/chat/completions { proxy_pass http://web; }\n"
            "        location /proxy { proxy_pass http://litellm; }\n"
            "        location /ollama { proxy_pass http://127.0.0.1:11434; }\n"
            "        location /api/ { proxy_pass https://api.openai.com; }\n"
            "        location /app { proxy_pass http://web; }\n"
            "        location /quiet { proxy_pass http://web; proxy_buffering off; }\n"
            "        location /health { proxy_pass http://litellm; }\n"
            "        location /v1/messages "
            "{ # streamproof: no-stream\n            proxy_pass http://web; }\n"
        ),
    )
    assert found == {
        "location /a": "comment",
        # An explicit mention of event streams, apart from buffering turned off (which a
        # server copies into every location): a short read timeout beside it is no choice.
        "location /b": "sse-explicit",
        "location /v1/chat/completions": "path",
        "location /proxy": "upstream",
        "location /ollama": "upstream",
        "location /api/": "upstream",
        "location /app": None,
        "location /quiet": "sse",
        "location /health": None,
        "location /v1/messages": None,
    }


def test_stream_routes_setting(tmp_path: Path) -> None:
    found = _routes(
        tmp_path,
        _server("        location /ask { proxy_pass http://web; }\n"),
        **{"stream-routes": ["/ask"]},
    )
    assert found == {"location /ask": "setting"}


def test_non_streaming_paths() -> None:
    assert not_streaming_path("/health") and not_streaming_path("= /metrics")
    assert not_streaming_path("~ ^/auth/saml(/.*)?$") and not_streaming_path("/mcp/oauth/callback")
    assert not not_streaming_path("^/(api|openapi.json)") and not not_streaming_path("/")
    # A settings endpoint when `config` ends the path; a stream may still sit under it.
    assert not_streaming_path("= /config") and not_streaming_path("/api/config/")
    assert not not_streaming_path("/config/stream") and not not_streaming_path("/configs")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "supervisord.conf",
            b"[supervisord]\nnodaemon=true\n\n[program:app]\ncommand=python app.py\n",
            False,
        ),
        ("redis.conf", b"bind 127.0.0.1\nport 6379\ntimeout 0\nsave 900 1\n", False),
        ("app.conf", b"[section]\nkey = value\n", False),
        ("named.conf", b'options {\n  directory "/var/cache/bind";\n};\n', False),
        ("site.conf", b"server {\n  listen 80;\n  location / { proxy_pass http://a; }\n}\n", True),
        ("nginx/proxy.conf", b"proxy_buffering off;\nproxy_read_timeout 300s;\n", True),
        ("other/proxy.conf", b"proxy_buffering off;\n", False),
        ("other/proxy.conf", b"proxy_buffering off;\nproxy_read_timeout 300s;\n", True),
        ("broken.conf", b"http {\n  server {\n    listen 80;\n", True),
    ],
)
def test_content_decides_for_weak_names(name: str, content: bytes, expected: bool) -> None:
    claim = HANDLER.claim_by_name(name)
    assert claim is Claim.MAYBE
    assert HANDLER.claim(name, content, claim) is expected
    assert sniff(content, name) is expected


def test_names_that_are_nginx_for_sure() -> None:
    assert HANDLER.claim_by_name("deploy/nginx.conf") is Claim.YES
    assert HANDLER.claim_by_name("site.nginx") is Claim.YES
    assert HANDLER.claim_by_name("sites-available/default") is Claim.MAYBE
    assert HANDLER.claim_by_name("conf.d/app.conf.template") is Claim.MAYBE
    assert HANDLER.claim_by_name("src/app.py") is Claim.NO


STREAMING_SITE = (
    "server {\n    location /api/chat {\n        proxy_pass http://ollama:11434;\n    }\n}\n"
)


def test_a_walk_finds_nginx_by_content_where_the_name_says_nothing(tmp_path: Path) -> None:
    files = {
        # Found by their content: no extension, or a config's copy or template.
        "deploy/default": STREAMING_SITE,
        "deploy/app.conf.template.prod": STREAMING_SITE,
        "deploy/nginx.tmpl": STREAMING_SITE,
        # Not NGINX, though they mention its blocks: a Dockerfile's here-document, a licence,
        # and a file whose extension says what it is.
        "Dockerfile": "FROM nginx\nRUN cat > /etc/nginx/conf.d/a.conf <<EOF\n"
        + STREAMING_SITE
        + 'EOF\nCMD ["nginx"]\n',
        "LICENSE": "MIT License\n\nPermission is hereby granted;\n",
        "docs/example.txt": STREAMING_SITE,
        "nginx/render.py": f'SITE = """\n{STREAMING_SITE}"""\n',
        "nginx/Dockerfile": "FROM nginx\nRUN cat > /etc/nginx/conf.d/a.conf <<EOF\n"
        + STREAMING_SITE
        + "EOF\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = lint([tmp_path], cwd=tmp_path)
    assert not result.errors
    assert {Path(f.path).relative_to(tmp_path).as_posix() for f in result.findings} == {
        "deploy/default",
        "deploy/app.conf.template.prod",
        "deploy/nginx.tmpl",
    }


def test_names_that_let_the_content_decide() -> None:
    for name in ("deploy/default", "app.conf.template.prod", "nginx.tmpl", "site.conf.example"):
        assert HANDLER.claim_by_name(name) is Claim.MAYBE, name
    for name in ("README.md", "docs/example.txt", "src/app.js", "nginx.md"):
        assert HANDLER.claim_by_name(name) is Claim.NO, name
    # Under an nginx/ folder too: a script that writes a server block, the image's Dockerfile.
    for name in ("nginx/gen_config.py", "nginx/Dockerfile", "deploy/nginx/README"):
        assert HANDLER.claim_by_name(name) is Claim.NO, name
    # A Dockerfile named for the image it builds, whatever its suffix says.
    for name in ("Dockerfile.nginx", "docker/Containerfile.nginx", "Dockerfile.nginxconf"):
        assert HANDLER.claim_by_name(name) is Claim.NO, name
    # A shell script is a guest whose content decides: only a config it writes through a
    # here-document into an nginx path (linter/nginx/heredoc.py) makes it one.
    assert HANDLER.claim_by_name("nginx/a.sh") is Claim.MAYBE
    writes = b"cat > /etc/nginx/conf.d/a.conf <<'EOF'\n" + STREAMING_SITE.encode() + b"EOF\n"
    assert HANDLER.claim("nginx/a.sh", writes, Claim.MAYBE)
    echoes = b"echo 'server {' > /etc/nginx/conf.d/a.conf\n" + STREAMING_SITE.encode()
    assert not HANDLER.claim("nginx/a.sh", echoes, Claim.MAYBE)
    # A name that says nothing needs blocks and a clean parse: a typo'd snippet is not enough.
    assert HANDLER.claim("default", STREAMING_SITE.encode(), Claim.MAYBE)
    assert not HANDLER.claim(
        "default", b"proxy_buffering off;\nproxy_read_timeout 5m;\n", Claim.MAYBE
    )
    assert not HANDLER.claim("default", b"server {\n    listen 80\n}\nEOF\n", Claim.MAYBE)


def _messages(tmp_path: Path, text: str, code: str, **settings: object) -> list[str]:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    result = lint([path], cwd=tmp_path, select=[code], **settings)
    return [f.message for f in result.findings if f.code == code]


def test_read_timeout_message_names_value_origin_and_signal(tmp_path: Path) -> None:
    text = _server(
        "        location /v1/ { proxy_pass http://litellm; }\n        proxy_read_timeout 30s;\n"
    )
    [message] = _messages(tmp_path, text, "NGX001")
    assert "30s, inherited from server {} (set at nginx.conf:7)" in message
    assert (
        "location /v1/ is a streaming route because its upstream `litellm` is named like an LLM "
        "server" in message
    )


def test_buffering_message_names_the_default(tmp_path: Path) -> None:
    text = _server("        location /api/generate { proxy_pass http://web; }\n")
    [message] = _messages(tmp_path, text, "NGX002")
    assert (
        "nginx's default on" in message
        and "its path /api/generate is a streaming endpoint" in message
    )


def test_keepalive_defeated_message_names_the_inherited_headers(tmp_path: Path) -> None:
    text = (
        "events {}\nhttp {\n    upstream u { server 127.0.0.1:1; keepalive 4; }\n    server {\n"
        "        proxy_http_version 1.1;\n        proxy_set_header Host $host;\n"
        "        location / { proxy_pass http://u; }\n    }\n}\n"
    )
    [message] = _messages(tmp_path, text, "NGX006")
    assert "inherits 1 proxy_set_header from nginx.conf:6" in message and "copies them" in message


def test_keepalive_rules_follow_the_nginx_version(tmp_path: Path) -> None:
    text = _server("        location /v1/ { proxy_pass http://litellm; }\n")
    assert _messages(tmp_path, text, "NGX005")
    assert "needed before nginx 1.29.7" in _messages(tmp_path, text, "NGX005")[0]
    assert not _messages(tmp_path, text, "NGX005", nginx_version="1.29.7")
    assert not _messages(tmp_path, text, "NGX006", nginx_version="1.29.7")


def test_keepalive_defeated_by_missing_connection_header_says_which_nginx(tmp_path: Path) -> None:
    # nginx sends `Connection: close` by default only before 1.29.7: the message says so.
    text = (
        "events {}\nhttp {\n    upstream u { server 127.0.0.1:1; keepalive 4; }\n    server {\n"
        "        location /health { proxy_pass http://u; proxy_http_version 1.1; }\n    }\n}\n"
    )
    [unknown] = _messages(tmp_path, text, "NGX006")
    assert 'no `proxy_set_header Connection ""` is in effect' in unknown
    assert "needed before nginx 1.29.7 (set `nginx-version`" in unknown
    [older] = _messages(tmp_path, text, "NGX006", nginx_version="1.28.0")
    assert "nginx 1.28.0 is older than 1.29.7" in older
    assert not _messages(tmp_path, text, "NGX006", nginx_version="1.29.7")


def test_cleared_connection_beside_a_fixed_one_is_judged_by_what_nginx_sends(
    tmp_path: Path,
) -> None:
    # nginx drops the empty line and sends the other (measured with nginx 1.22): whichever
    # order they come in, `Connection: upgrade` goes out.
    for first, second in (('""', '"upgrade"'), ('"upgrade"', '""')):
        text = (
            "events {}\nhttp {\n    upstream u { server 127.0.0.1:1; keepalive 4; }\n"
            "    server {\n        location / { proxy_pass http://u; proxy_http_version 1.1;\n"
            f"            proxy_set_header Connection {first};\n"
            f"            proxy_set_header Connection {second}; }}\n    }}\n}}\n"
        )
        [message] = _messages(tmp_path, text, "NGX006")
        assert "a fixed `Connection: upgrade`" in message
    text = (
        "events {}\nhttp {\n    upstream u { server 127.0.0.1:1; keepalive 4; }\n    server {\n"
        "        location / { proxy_pass http://u; proxy_http_version 1.1;\n"
        '            proxy_set_header Connection ""; proxy_set_header Connection ""; }\n'
        "    }\n}\n"
    )
    assert not _messages(tmp_path, text, "NGX006")


def test_time_value_messages(tmp_path: Path) -> None:
    text = _server(
        "        location / { proxy_pass http://web; proxy_read_timeout 1h30; send_timeout 1H; }\n"
    )
    messages = _messages(tmp_path, text, "NGX009")
    assert any(
        "1h30 means 1h: " not in m and "the trailing 30 is 30 seconds" in m for m in messages
    )
    assert any("units are case-sensitive" in m and "hours are `h`" in m for m in messages)


def test_fix_goes_into_a_shared_snippet_only_when_every_includer_streams(tmp_path: Path) -> None:
    (tmp_path / "loc.conf").write_text("location / { proxy_pass http://127.0.0.1:1; }\n")
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n  server { listen 1; server_name ollama.example; include loc.conf; }\n"
        "  server { listen 2; server_name www.example; include loc.conf; }\n}\n"
    )
    result = lint([tmp_path / "nginx.conf"], cwd=tmp_path, select=["NGX002"])
    findings = [f for f in result.findings if f.code == "NGX002"]
    # Streaming under the ollama server only: a fix in loc.conf would change www.example too.
    assert len(findings) == 1 and findings[0].fix is None
    (tmp_path / "nginx.conf").write_text(
        "events {}\nhttp {\n  server { listen 1; server_name ollama.example; include loc.conf; }\n"
        "  server { listen 2; server_name ollama2.example; include loc.conf; }\n}\n"
    )
    result = lint([tmp_path / "nginx.conf"], cwd=tmp_path, select=["NGX002"])
    findings = [f for f in result.findings if f.code == "NGX002"]
    assert findings and all(f.fix is not None for f in findings)


def test_socket_io_paths_are_not_streaming_paths_even_escaped_in_a_regex() -> None:
    assert not_streaming_path("/socket.io") and not_streaming_path("/ws/socket.io/")
    assert not_streaming_path("~ ^/ws/socket\\.io/") and not_streaming_path("~ ^/openapi\\.json$")
    assert not not_streaming_path("/sockets") and not not_streaming_path("~ ^/v1/chat\\.stream")


def test_endpoints_that_answer_in_one_piece_are_not_streaming_paths() -> None:
    # Ollama's model list, version, running models, details and embeddings; OpenAI's models.
    for path in ("/api/tags", "= /api/version", "~ ^/api/(ps|show)$", "/ollama/api/embed"):
        assert not_streaming_path(path), path
    assert not_streaming_path("= /v1/models") and not_streaming_path("~ ^/v1/(models|embeddings)$")
    # A regex that also matches a streaming endpoint, Ollama's progress streams, prefixes.
    for path in (
        "~ ^/api/(tags|chat)$",
        "/api/pull",
        "/api/create",
        "/api/",
        "/v1/",
        "/myapi/tags",
    ):
        assert not not_streaming_path(path), path


def test_an_exact_location_past_the_mcp_segment_is_not_the_mcp_transport() -> None:
    from linter.llmservers import streaming_path

    assert streaming_path("/mcp", exact=True) and streaming_path("/tools/mcp/", exact=True)
    assert not streaming_path("/api/mcp/tools", exact=True)
    assert streaming_path("/gateway/mcp/tools")  # a prefix location may hold a mounted server
    # Right under an app's API prefix, `mcp` names a resource of that API (its MCP servers'
    # settings, answered as JSON), not the transport, prefix location or not.
    assert not streaming_path("/api/mcp/tools") and not streaming_path("/api/mcp")
    assert streaming_path("/api/mcp/stream", exact=True)  # its own segment says it streams
