"""Streaming evidence beyond the location's own path: the server's listen port, targets with
variables (plain host and port, or a `set` in the server), a proxied catch-all beside an LLM
API (weak, and said so), and the server_name signal keyed on the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.config import default_settings
from linter.document import Unit
from linter.nginx.handler import HANDLER
from linter.nginx.model import NginxDocument
from linter.nginx.routes import Route, all_routes
from linter.nginx.targets import pass_host
from linter.workspace import Workspace


def _routes(tmp_path: Path, http: str) -> dict[str, Route]:
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{http}\n}}\n")
    document = HANDLER.load(
        Unit("nginx", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    assert isinstance(document, NginxDocument)
    found = {}
    for route in all_routes(document, default_settings()):
        server = route.block.enclosing("server")
        port = server.level_named("listen")[0].args[0] if server is not None else ""
        found[f"{port} {' '.join(route.block.args)}"] = route
    return found


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://api:3080$request_uri", ("api", "3080")),
        ("http://api:3080/v1$is_args$args", ("api", "3080")),
        ("http://$backend", ("$backend", "")),
        ("http://$host:8000", ("$host:8000", "")),
        ("http://ollama:$port", ("ollama", "")),
        ("http://litellm:4000/", ("litellm", "4000")),
        ("http://[::1]:11434", ("[::1]", "11434")),
    ],
)
def test_pass_host_keeps_a_plain_host_and_port_before_a_variable(
    target: str, expected: tuple[str, str]
) -> None:
    assert pass_host(target) == expected


def test_a_set_in_a_sibling_location_does_not_resolve_the_target(tmp_path: Path) -> None:
    routes = _routes(
        tmp_path,
        "server { listen 81; resolver 127.0.0.11;\n"
        "  location /a { set $b http://litellm:4000; proxy_pass http://x; }\n"
        "  location /c { proxy_pass $b; } }",
    )
    assert routes["81 /c"].signal is None
    assert routes["81 /c"].target == "$b"


def test_a_set_in_the_server_resolves_the_target_and_its_upstream(tmp_path: Path) -> None:
    routes = _routes(
        tmp_path,
        "upstream ollama_pool { server 10.0.0.1:11434; }\n"
        "server { listen 81; set $b http://ollama_pool; location /c { proxy_pass $b; } }",
    )
    route = routes["81 /c"]
    assert route.upstream is not None and route.upstream.args == ["ollama_pool"]
    assert route.signal is not None and "`set $b http://ollama_pool` at" in route.signal.text


def test_the_weak_catch_all_signal_says_it_is_weak(tmp_path: Path) -> None:
    routes = _routes(
        tmp_path,
        "server { listen 81;\n"
        "  location /v1/chat/completions { proxy_pass http://10.0.0.1:9000; }\n"
        "  location / { proxy_pass http://10.0.0.2:3000; } }\n"
        "server { listen 82; location / { proxy_pass http://10.0.0.2:3000; } }",
    )
    weak = routes["81 /"].signal
    assert weak is not None and weak.kind == "weak" and "a weak signal" in weak.text
    # Another server, even with the same backend, gets nothing from the first.
    assert routes["82 /"].signal is None


def test_a_server_name_shared_by_two_proxying_servers_lends_no_evidence(tmp_path: Path) -> None:
    routes = _routes(
        tmp_path,
        "server { listen 443; server_name ollama.example.com;"
        " location / { proxy_pass http://10.0.0.1:9000; } }\n"
        "server { listen 9443; server_name ollama.example.com;"
        " location / { proxy_pass http://10.0.0.2:3000; } }\n"
        "server { listen 80; server_name chat.ollama.example;"
        " location / { proxy_pass http://10.0.0.3:3000; } }\n"
        "server { listen 8080; server_name chat.ollama.example;"
        " return 301 https://$host$request_uri; }",
    )
    assert routes["443 /"].signal is None and routes["9443 /"].signal is None
    # Shared only with a server that redirects: the name still says which server it is.
    signal = routes["80 /"].signal
    assert signal is not None and signal.kind == "server_name"


def test_listen_ports_make_a_drop_in_proxy_but_8000_needs_an_llm_name(tmp_path: Path) -> None:
    routes = _routes(
        tmp_path,
        "server { listen [::]:4000; location / { proxy_pass http://10.0.0.1:9000; } }\n"
        "server { listen 8000; location / { proxy_pass http://10.0.0.2:9000; } }",
    )
    listen = routes["[::]:4000 /"].signal
    assert listen is not None and listen.kind == "listen" and "LiteLLM's port 4000" in listen.text
    assert routes["8000 /"].signal is None
