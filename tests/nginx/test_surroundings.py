"""What the repository around an NGINX config lends its routes (linter/server/proxied.py):
template variables filled in from the compose service or Dockerfile that renders the file,
and streaming evidence from the app behind a route (its launch line's app streams, or its
image is an LLM server or chat app). Multi-file trees, linted as a user would."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.model import Finding

STREAMING_APP = (
    "from fastapi import FastAPI\n"
    "from fastapi.responses import StreamingResponse\n\n"
    "app = FastAPI()\n\n\n"
    "async def tokens():\n"
    '    yield "data: hi\\n\\n"\n\n\n'
    '@app.get("/api/answer")\n'
    "async def answer():\n"
    '    return StreamingResponse(tokens(), media_type="text/event-stream")\n'
)
PLAIN_APP = (
    "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    '@app.get("/answer")\nasync def answer():\n    return {"answer": "hi"}\n'
)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _ngx002(root: Path) -> list[Finding]:
    result = lint([root], cwd=root, select=["NGX002"])
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == "NGX002"]


def test_a_loopback_port_reaches_the_launch_line_whose_app_streams(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "Procfile": "web: uvicorn app:app --port 8001\n",
            "app.py": STREAMING_APP,
            "deploy/nginx.conf": "events {}\nhttp { server { listen 80;\n"
            "  location /api/answer { proxy_pass http://127.0.0.1:8001; }\n"
            "  location /other { proxy_pass http://127.0.0.1:8002; } } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [3]
    message = found[0].message
    assert "it proxies to 127.0.0.1:8001" in message
    assert "Procfile process `web`" in message and "app.py:13" in message


def test_an_app_that_does_not_stream_lends_nothing(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  api:\n    build: .\n"
            "    command: uvicorn app:app --host 0.0.0.0 --port 8000\n",
            "app.py": PLAIN_APP,
            "nginx/default.conf": "server { listen 80;\n"
            "  location /answer { proxy_pass http://api:8000; } }\n",
        },
    )
    assert _ngx002(tmp_path) == []


def test_an_image_that_is_a_chat_app_makes_its_service_a_streaming_backend(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  webui:\n"
            "    image: ghcr.io/open-webui/open-webui:main\n"
            "  proxy:\n    image: nginx\n",
            "nginx/default.conf": "server { listen 80;\n"
            "  location / { proxy_pass http://webui:8080; }\n"
            "  location /static/ { proxy_pass http://webui:8080; } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [2]
    assert "compose service `webui` (docker-compose.yml:2) runs the image" in found[0].message
    assert "(openwebui)" in found[0].message


def test_twin_compose_files_running_one_image_with_two_tags_agree(tmp_path: Path) -> None:
    # A CPU and a GPU compose file of one deployment: the same server either way. Two
    # different images under one service name still leave the address unknown.
    def files(second_image: str) -> dict[str, str]:
        return {
            "compose.cpu.yml": "services:\n  runner:\n    image: ollama/ollama:0.6\n",
            "compose.gpu.yml": f"services:\n  runner:\n    image: {second_image}\n",
            "nginx/default.conf": "server { listen 80;\n"
            "  location / { proxy_pass http://runner:8080; } }\n",
        }

    _write(tmp_path, files("docker.io/ollama/ollama:0.6-rocm"))
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [2]
    assert "compose service `runner` (compose.cpu.yml:2) runs the image" in found[0].message
    _write(tmp_path, files("ghcr.io/ggml-org/llama.cpp:server"))
    assert _ngx002(tmp_path) == []


def test_image_repository_leaves_out_the_tag_and_digest() -> None:
    from linter.server.proxied import _image_repository

    assert _image_repository("ollama/ollama:rocm") == "ollama/ollama"
    assert _image_repository("Ollama/Ollama") == "ollama/ollama"
    assert _image_repository("registry.local:5000/team/app:1@sha256:ab") == (
        "registry.local:5000/team/app"
    )
    assert _image_repository("vllm:latest") == "vllm"
    assert _image_repository("docker.io/library/nginx:1") == "nginx"


def test_the_catch_all_beside_the_apps_own_api_location_serves_its_pages(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  api:\n    build: .\n"
            "    command: uvicorn app:app --host 0.0.0.0 --port 8000\n",
            "app.py": STREAMING_APP,
            "nginx/default.conf": "server { listen 80;\n"
            "  location / { proxy_pass http://api:8000; }\n"
            "  location /api/ { proxy_pass http://api:8000; } }\n",
        },
    )
    assert [f.line for f in _ngx002(tmp_path)] == [3]


def test_sed_placeholders_take_the_dockerfile_env_of_the_image_built_with_the_file(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  frontend:\n    build: ./frontend\n",
            "frontend/Dockerfile": "FROM nginx:1.27\n"
            "ENV BACKEND_URL=http://langflow:7860\n"
            "COPY nginx.conf /etc/nginx/conf.d/default.conf\n",
            "frontend/nginx.conf": "server { listen 8080;\n"
            "  location /api { proxy_pass __BACKEND_URL__; } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [2]
    assert (
        "__BACKEND_URL__ is http://langflow:7860, set in ENV at frontend/Dockerfile:2"
        in found[0].message
    )


def test_a_variable_two_services_set_differently_stays_unknown(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n"
            "  a:\n    image: nginx\n    environment:\n      - BACKEND_URL=http://ollama:11434\n"
            "    volumes:\n      - ./templates:/etc/nginx/templates\n"
            "  b:\n    image: nginx\n    environment:\n      - BACKEND_URL=http://web:3000\n"
            "    volumes:\n      - ./templates:/etc/nginx/templates\n",
            "templates/default.conf.template": "server { listen 80;\n"
            "  location /api { proxy_pass ${BACKEND_URL}; } }\n",
        },
    )
    assert _ngx002(tmp_path) == []


def test_a_compose_default_gives_the_value_and_a_file_nobody_mounts_gets_none(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  web:\n    image: nginx\n    environment:\n"
            "      - CHAT_BACKEND=${CHAT_BACKEND:-http://ollama:11434}\n"
            "    volumes:\n      - ./templates/chat.conf.template:/etc/nginx/templates/chat.conf.template\n",
            "templates/chat.conf.template": "server { listen 80;\n"
            "  location /x { proxy_pass ${CHAT_BACKEND}; } }\n",
            "other/chat.conf.template": "server { listen 80;\n"
            "  location /x { proxy_pass ${CHAT_BACKEND}; } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [(Path(f.path).parent.name, f.line) for f in found] == [("templates", 2)]
    assert "${CHAT_BACKEND} is http://ollama:11434" in found[0].message


def test_a_loopback_port_compose_publishes_reaches_the_chat_app_container(
    tmp_path: Path,
) -> None:
    """An nginx on the host proxies to localhost at the port compose publishes for a chat
    app's container: the route streams, and the message says which mapping made it so."""
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  webui:\n"
            "    image: ghcr.io/open-webui/open-webui:main\n"
            '    ports:\n      - "3000:8080"\n',
            "nginx/site.conf": "server { listen 80;\n"
            "  location / { proxy_pass http://localhost:3000; }\n"
            "  location /other/ { proxy_pass http://localhost:3001; } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [2]
    assert "published on port 3000 (container port 8080)" in found[0].message


def test_an_image_named_with_gpt_is_a_chat_app(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  app:\n    image: someone/chatgpt-web\n",
            "nginx/nginx.conf": "server { listen 80;\n"
            "  location / { root /srv/www; }\n"
            "  location /api { proxy_pass http://app:3002; } }\n",
        },
    )
    found = _ngx002(tmp_path)
    assert [f.line for f in found] == [3]
    assert "runs the image someone/chatgpt-web" in found[0].message


def test_an_app_that_only_streams_file_downloads_lends_nothing(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  api:\n    build: .\n"
            "    command: uvicorn app:app --host 0.0.0.0 --port 8000\n",
            "app.py": "import io\n\nfrom fastapi import FastAPI\n"
            "from fastapi.responses import StreamingResponse\n\napp = FastAPI()\n\n\n"
            '@app.get("/export")\nasync def export():\n'
            '    return StreamingResponse(io.BytesIO(b"a,b\\n"), media_type="text/csv")\n',
            "nginx/default.conf": "server { listen 80;\n"
            "  location /export { proxy_pass http://api:8000; } }\n",
        },
    )
    assert _ngx002(tmp_path) == []


def test_a_frontend_image_config_named_from_elsewhere_sees_the_backend_beside_it(
    tmp_path: Path,
) -> None:
    """`frontend/nginx.conf` beside the frontend image's Dockerfile, linted from another
    folder: the compose file above that builds `./frontend` makes the whole deployment the
    tree, so the backend it builds (whose app streams) is the route's evidence."""
    repo = tmp_path / "repo"
    _write(
        repo,
        {
            "docker-compose.yml": "services:\n  web:\n    build: ./frontend\n"
            "  api:\n    build: ./backend\n"
            "    command: uvicorn main:app --host 0.0.0.0 --port 8000\n",
            "backend/main.py": STREAMING_APP,
            "frontend/Dockerfile": "FROM nginx:1.27-alpine\n"
            "COPY nginx.conf /etc/nginx/conf.d/default.conf\n",
            "frontend/nginx.conf": "server { listen 80;\n"
            "  location /api/ { proxy_pass http://api:8000; } }\n",
        },
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = lint([repo / "frontend/nginx.conf"], cwd=elsewhere, select=["NGX002"])
    assert not result.errors, result.errors
    found = [f for f in result.findings if f.code == "NGX002"]
    assert [f.line for f in found] == [2]
    assert "compose service `api`" in found[0].message
