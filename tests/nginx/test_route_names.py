"""What names say about a route: a location path that names an LLM server, words made with
"gpt", the chat apps the catalogue knows, and a server's name that gives way to the app's own
socket route."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import nginx_routes

from linter.llmservers import gpt_app_word, llm_name, llm_server_in_path, llm_word_only


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/vllm/", "vllm"),
        ("^/litellm/(.*)$", "litellm"),
        ("/api/open_webui/", "openwebui"),
        ("/models/ollama-gpu/", "ollama"),
        ("/tgi/", "tgi"),
        ("/geekai/api/", "geekai"),
        ("/llm/", None),
        ("/ai/", None),
        ("/gpt/", None),
        ("/qwen/", None),
        ("/tgif/", None),
        ("/api/", None),
        ("/", None),
    ],
)
def test_a_path_names_an_llm_server_only_by_a_product_name(path: str, expected: str | None) -> None:
    assert llm_server_in_path(path) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docgpt.example.cn", "docgpt"),
        ("chatgpt-web", "chatgpt"),
        ("gptbot", "gptbot"),
        ("egypt.example.com", None),
        ("gpt-suite.example.xyz", None),  # the bare family word is llm_name's
        ("gpt", None),
    ],
)
def test_a_word_made_with_gpt_names_a_gpt_app(name: str, expected: str | None) -> None:
    assert gpt_app_word(name) == expected


def test_only_a_servers_own_name_counts_a_gpt_word(tmp_path: Path) -> None:
    # Elsewhere (an upstream, a Helm values path) such a word names a UI as often as a backend.
    assert llm_name("docgpt.example.cn") is None
    assert llm_name("{{ .Values.gpts.portal.host }}") is None
    routes = nginx_routes(
        tmp_path,
        "server { listen 81; server_name docgpt.example.cn;\n"
        "  location / { proxy_pass http://localhost:3000; } }\n"
        "upstream docgpt_pool { server 10.0.0.1:3000; }\n"
        "server { listen 82; location / { proxy_pass http://docgpt_pool; } }",
    )
    named = routes["81 /"].signal
    assert named is not None and named.kind == "server_name" and "(docgpt)" in named.text
    assert routes["82 /"].signal is None


def test_the_path_signal_names_the_server_and_an_upstream_name_comes_first(
    tmp_path: Path,
) -> None:
    routes = nginx_routes(
        tmp_path,
        "server { listen 81;\n"
        "  location /vllm/ { proxy_pass http://127.0.0.1:8000/; }\n"
        "  location /ollama/ { proxy_pass http://litellm:4000/; }\n"
        "  location /llm/ { proxy_pass http://127.0.0.1:8001/; } }",
    )
    path = routes["81 /vllm/"].signal
    assert path is not None and path.kind == "path"
    assert path.text == "its path /vllm/ names an LLM server (vllm)"
    upstream = routes["81 /ollama/"].signal
    assert upstream is not None and upstream.kind == "upstream" and "litellm" in upstream.text
    assert routes["81 /llm/"].signal is None


def test_a_server_name_gives_way_to_the_apps_socket_route(tmp_path: Path) -> None:
    routes = nginx_routes(
        tmp_path,
        # The app's socket route on the same backend: the catch-all serves pages.
        "server { listen 81; server_name gpt-lab.example.net;\n"
        "  location / { proxy_pass http://127.0.0.1:9100; }\n"
        "  location /queue { proxy_pass http://127.0.0.1:9100;"
        " proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; } }\n"
        # A socket route to another backend says nothing about the catch-all.
        # (A name of only the word `llm` counts beside a second sign: a raised read timeout.)
        "server { listen 82; server_name llm-lab.example.org;\n"
        "  location / { proxy_pass http://127.0.0.1:9100; proxy_read_timeout 300s; }\n"
        "  location /notify { proxy_pass http://127.0.0.1:9200;"
        " proxy_set_header Upgrade $http_upgrade; } }\n"
        # The catch-all passes the upgrades itself: the app's sockets may go through it.
        "server { listen 83; server_name ollama-lab.example.org;\n"
        "  location / { proxy_pass http://127.0.0.1:9100; proxy_set_header Upgrade $http_upgrade; }\n"
        "  location /ws { proxy_pass http://127.0.0.1:9100;"
        " proxy_set_header Upgrade $http_upgrade; } }\n"
        # With an LLM API beside it, the catch-all is still a weak route (said so).
        "server { listen 84; server_name askgpt.example.net;\n"
        "  location / { proxy_pass http://127.0.0.1:9100; }\n"
        "  location /queue { proxy_pass http://127.0.0.1:9100;"
        " proxy_set_header Upgrade $http_upgrade; }\n"
        "  location /v1/chat/completions { proxy_pass http://127.0.0.1:9100; } }",
    )
    assert routes["81 /"].signal is None
    assert routes["81 /queue"].signal is None
    for kept in (routes["82 /"].signal, routes["83 /"].signal):
        assert kept is not None and kept.kind == "server_name"
    weak = routes["84 /"].signal
    assert weak is not None and weak.kind == "weak"


def test_a_server_named_only_with_the_word_llm_needs_a_second_sign(tmp_path: Path) -> None:
    routes = nginx_routes(
        tmp_path,
        "server { listen 81; server_name llmnotes.example.org;\n"
        "  location / { proxy_pass http://127.0.0.1:8888; } }\n"
        "server { listen 82; server_name llmnotes.example.net;\n"
        "  location / { proxy_pass http://127.0.0.1:8000; } }\n"
        "server { listen 83; server_name llm.example.com;\n"
        "  location / { proxy_pass http://front:3000; proxy_read_timeout 600s; } }\n"
        # A product's name counts on its own.
        "server { listen 84; server_name litellm.example.com;\n"
        "  location / { proxy_pass http://front:3000; } }",
    )
    assert routes["81 /"].signal is None
    port = routes["82 /"].signal
    assert port is not None and port.kind == "server_name"
    assert "127.0.0.1:8000 is on vLLM's and TGI's port 8000" in port.text
    raised = routes["83 /"].signal
    assert raised is not None and "proxy_read_timeout is raised to 600s" in raised.text
    product = routes["84 /"].signal
    assert product is not None and product.kind == "server_name" and " and " not in product.text


@pytest.mark.parametrize(
    ("product", "expected"),
    [("llm", True), ("llmbook", True), ("millm", True), ("litellm", False), ("ollama", False)],
)
def test_llm_word_only(product: str, expected: bool) -> None:
    assert llm_word_only(product) is expected
