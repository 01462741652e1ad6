"""Streaming evidence beyond the location's own path: the server's listen port, targets with
variables (plain host and port, or a `set` in the server), a proxied catch-all beside an LLM
API (weak, and said so), and the server_name signal keyed on the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import nginx_routes

from linter.llmservers import server_name_product
from linter.nginx.targets import pass_host


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
    routes = nginx_routes(
        tmp_path,
        "server { listen 81; resolver 127.0.0.11;\n"
        "  location /a { set $b http://litellm:4000; proxy_pass http://x; }\n"
        "  location /c { proxy_pass $b; } }",
    )
    assert routes["81 /c"].signal is None
    assert routes["81 /c"].target == "$b"


def test_a_set_in_the_server_resolves_the_target_and_its_upstream(tmp_path: Path) -> None:
    routes = nginx_routes(
        tmp_path,
        "upstream ollama_pool { server 10.0.0.1:11434; }\n"
        "server { listen 81; set $b http://ollama_pool; location /c { proxy_pass $b; } }",
    )
    route = routes["81 /c"]
    assert route.upstream is not None and route.upstream.args == ["ollama_pool"]
    assert route.signal is not None and "`set $b http://ollama_pool` at" in route.signal.text


def test_the_weak_catch_all_signal_says_it_is_weak(tmp_path: Path) -> None:
    routes = nginx_routes(
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
    routes = nginx_routes(
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
    routes = nginx_routes(
        tmp_path,
        "server { listen [::]:4000; location / { proxy_pass http://10.0.0.1:9000; } }\n"
        "server { listen 8000; location / { proxy_pass http://10.0.0.2:9000; } }",
    )
    listen = routes["[::]:4000 /"].signal
    assert listen is not None and listen.kind == "listen" and "LiteLLM's port 4000" in listen.text
    assert routes["8000 /"].signal is None


def test_socket_io_routes_are_not_stream_routes_whatever_their_backend(tmp_path: Path) -> None:
    routes = nginx_routes(
        tmp_path,
        "server { listen 81;\n"
        "  location /socket.io { proxy_pass http://llm-server:8002; proxy_buffering off; }\n"
        "  location ~ ^/ws/socket\\.io/ { proxy_pass http://open-webui:8080; }\n"
        "  location /api/ { proxy_pass http://open-webui:8080; }\n"
        "  location / { proxy_pass http://10.0.0.2:3000; } }",
    )
    assert routes["81 /socket.io"].signal is None
    assert routes["81 ~ ^/ws/socket\\.io/"].signal is None
    # The same backend's other routes keep their evidence.
    assert routes["81 /api/"].signal is not None
    assert routes["81 /api/"].signal.kind == "upstream"


def test_the_generic_word_llm_needs_a_second_sign(tmp_path: Path) -> None:
    routes = nginx_routes(
        tmp_path,
        "upstream llm_api { server 10.0.0.5:5000; }\n"
        "upstream llm_pool { server 10.0.0.6:8000; }\n"
        "upstream backend { server llm:9000; }\n"
        "map $http_x_model $pool { default llm-svc; }\n"
        "server { listen 81;\n"
        "  location /a { proxy_pass http://llm-server:8002; }\n"
        "  location /b { proxy_pass http://llm_api; }\n"
        "  location /c { proxy_pass http://llm_pool; }\n"
        "  location /d { proxy_pass http://llm:8000; }\n"
        "  location /e { proxy_pass http://llm-server:8002; proxy_read_timeout 10m; }\n"
        "  location /f { proxy_pass http://backend; proxy_read_timeout 30s; }\n"
        "  location /g { proxy_pass http://backend; proxy_read_timeout 300s; }\n"
        "  location /h { proxy_pass http://$pool; }\n"
        "  location /i { proxy_pass http://llama-server:8002; }\n"
        "  location / { proxy_pass http://10.0.0.2:3000; } }",
    )
    signals = {key.split()[1]: route.signal for key, route in routes.items()}
    for silent in ("/a", "/b", "/f", "/h"):
        assert signals[silent] is None, silent
    for port_8000 in ("/c", "/d"):
        signal = signals[port_8000]
        assert signal is not None and "port 8000" in signal.text, port_8000
    for raised in ("/e", "/g"):
        signal = signals[raised]
        assert signal is not None and "read_timeout is raised to" in signal.text, raised
    # A product name counts on its own, whatever the port.
    assert signals["/i"] is not None
    # The catch-all's weak signal comes from a route with a second sign, never from /a or /b.
    catch_all = signals["/"]
    assert catch_all is not None and catch_all.kind == "weak" and "location /c" in catch_all.text


def test_no_weak_signal_for_the_pages_of_an_app_whose_api_has_its_own_location(
    tmp_path: Path,
) -> None:
    routes = nginx_routes(
        tmp_path,
        "server { listen 81;\n"
        "  location /v1/chat/completions { proxy_pass http://10.0.0.1:9000; }\n"
        "  location /api/ { set $p http://panel:5000; proxy_pass $p; }\n"
        "  location / { set $p http://panel:5000; proxy_pass $p/; } }\n"
        "server { listen 82;\n"
        "  location /v1/chat/completions { proxy_pass http://10.0.0.1:9000; }\n"
        "  location /api/ { set $p http://other:5000; proxy_pass $p; }\n"
        "  location / { set $p http://panel:5000; proxy_pass $p/; } }",
    )
    assert routes["81 /"].signal is None
    # Another backend's `/api/` says nothing about the catch-all's app.
    weak = routes["82 /"].signal
    assert weak is not None and weak.kind == "weak"


@pytest.mark.parametrize(
    ("name", "product"),
    [
        ("gpt-suite.example.xyz", "gpt"),  # a model family as a word of its own
        ("docgpt.example.cn", "docgpt"),  # a word made with "gpt": the same cut, the same answer
        ("chat_gpt.example.com", "gpt"),
        ("cch_openwebui.example.org", "openwebui"),
        ("chatgptguide.example.com", None),  # "gpt" inside a word, neither end
        ("docs.docgpt.example.com", None),  # the first label serves something else
        ("grafana.ollama.example.org", None),
        ("_", None),
        ("~^gpt.*$", None),  # a regex name says nothing reliable
    ],
)
def test_server_names_are_cut_into_words_one_way(name: str, product: str | None) -> None:
    assert server_name_product(name) == product


def test_buffering_off_in_front_of_an_object_store_is_its_own_setting(tmp_path: Path) -> None:
    # MinIO's guide turns buffering off for large objects: that says nothing about a stream.
    # Another name with buffering off still counts, and so does an explicit event stream.
    routes = nginx_routes(
        tmp_path,
        "upstream minio_pool { server 10.0.0.5:9000; }\n"
        "upstream files { server 10.0.0.6:9000; }\n"
        "server { listen 81;\n"
        "  location / { proxy_pass http://minio_pool; proxy_buffering off; }\n"
        "  location /b/ { proxy_pass http://s3-gw.internal:7480; proxy_buffering off; }\n"
        "  location /c/ { proxy_pass http://files; proxy_buffering off; }\n"
        "  location /d/ { proxy_pass http://minio_pool;\n"
        "    proxy_buffering off; add_header Content-Type text/event-stream; } }",
    )
    assert routes["81 /"].signal is None
    assert routes["81 /b/"].signal is None
    sse = routes["81 /c/"].signal
    assert sse is not None and sse.kind == "sse"
    explicit = routes["81 /d/"].signal
    assert explicit is not None and explicit.kind == "sse-explicit"


def test_buffering_off_in_front_of_a_compose_object_store_is_its_own_setting(
    tmp_path: Path,
) -> None:
    # A compose service of the repository runs an object store's image: the host port it
    # publishes (its web console) and its service name are the store's, whatever they say.
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  blobs:\n"
        "    image: quay.io/minio/minio:RELEASE.2024-01-01\n"
        "    ports: ['9201:9001']\n"
        "  viewer:\n"
        "    image: example/viewer:1\n"
        "    ports: ['9202:9002']\n"
    )
    routes = nginx_routes(
        tmp_path,
        "server { listen 81;\n"
        "  location /console/ { proxy_pass http://127.0.0.1:9201/; proxy_buffering off; }\n"
        "  location /store/ { proxy_pass http://blobs:9000/; proxy_buffering off; }\n"
        "  location /viewer/ { proxy_pass http://127.0.0.1:9202/; proxy_buffering off; } }",
    )
    assert routes["81 /console/"].signal is None
    assert routes["81 /store/"].signal is None
    other = routes["81 /viewer/"].signal
    assert other is not None and other.kind == "sse"
