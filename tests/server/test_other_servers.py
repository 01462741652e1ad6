"""Launch lines of hypercorn, granian, ``fastapi run``, ``litellm`` and ``vllm serve``: what
each reads from its command line, config file and environment, with places, and the defaults
it leaves (KNOWLEDGE.md section 4)."""

from __future__ import annotations

from pathlib import Path

from test_server_launches import load, only, position, write

ASGI_STREAM = """\
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


async def tokens():
    yield "data: x\\n\\n"


@app.post("/chat")
async def chat():
    return StreamingResponse(tokens(), media_type="text/event-stream")
"""


def test_hypercorn_toml_config_then_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: hypercorn -c conf.toml --keep-alive 75 main:app\n",
            "conf.toml": 'bind = "0.0.0.0:9000"\nkeep_alive_timeout = 10\ngraceful_timeout = 45\n'
            "workers = 'x'  # a string where a number belongs: read as written\n"
            "[other]\ngraceful_timeout = 1\n",
            "main.py": ASGI_STREAM,
        },
    )
    document = load(tmp_path, "Procfile")
    launch = only(document)
    assert launch.server == "hypercorn"
    assert launch.app == "main:app"
    assert launch.setting("keepalive").value == "75"  # the command line wins
    assert position(document, launch, "keepalive") == ("Procfile", 1, 42, "75")
    assert launch.setting("graceful_timeout").value == "45"  # the table below is not read
    assert position(document, launch, "graceful_timeout") == ("conf.toml", 3, 20, "45")
    assert launch.setting("port").value == "9000"
    assert launch.setting("worker_class").value == "asyncio"  # hypercorn's default
    assert launch.streams()


def test_hypercorn_config_module_leaves_settings_unknown(tmp_path: Path) -> None:
    write(tmp_path, {"Procfile": "web: hypercorn -c python:conf main:app\n"})
    launch = only(load(tmp_path, "Procfile"))
    assert launch.setting("keepalive").value is None
    assert launch.setting("graceful_timeout").value is None
    assert "python:conf" in launch.setting("keepalive").origin


def test_granian_milliseconds_environment_and_durations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  api:
                    command: granian --interface asgi --workers-kill-timeout 1h30m main:app
                    environment:
                      GRANIAN_HTTP1_HEADER_READ_TIMEOUT: "45000"
                      GRANIAN_PORT: "8080"
                """,
        },
    )
    launch = only(load(tmp_path, "docker-compose.yml"))
    assert launch.server == "granian"
    assert launch.setting("keepalive").value == "45"
    assert launch.setting("graceful_timeout").value == "5400"
    assert launch.setting("port").value == "8080"
    assert "GRANIAN_HTTP1_HEADER_READ_TIMEOUT" in launch.setting("keepalive").origin


def test_fastapi_run_finds_its_default_app_file_and_ignores_uvicorn_variables(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: UVICORN_TIMEOUT_KEEP_ALIVE=90 fastapi run --workers 2\n",
            "app/main.py": ASGI_STREAM,
        },
    )
    launch = only(load(tmp_path, "Procfile"))
    assert launch.server == "uvicorn"
    assert launch.app == f"{tmp_path / 'app' / 'main.py'}::"
    assert launch.streams()
    keepalive = launch.setting("keepalive")
    assert (keepalive.value, keepalive.place) == ("5", None)
    assert launch.setting("workers").value == "2"
    assert "`fastapi run` passes no keep-alive" in keepalive.origin


def test_python_m_forms(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: python -m vllm.entrypoints.openai.api_server --model m --port 9000\n"
            "api: python3 -m hypercorn main:app\n"
            "dev: python -m fastapi dev main.py\n",
            "main.py": ASGI_STREAM,
        },
    )
    launches = load(tmp_path, "Procfile").launches
    assert [(launch.server, launch.llm_proxy) for launch in launches] == [
        ("uvicorn", "vLLM"),
        ("hypercorn", None),
        ("uvicorn", None),
    ]
    assert launches[0].setting("port").value == "9000"
    assert launches[2].app == f"{tmp_path / 'main.py'}::"


def test_litellm_keepalive_reaches_uvicorn_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Procfile": "web: litellm --config c.yaml --keepalive_timeout 90\n"
            "gw: litellm --config c.yaml --run_granian --keepalive_timeout 90\n",
        },
    )
    plain, granian = load(tmp_path, "Procfile").launches
    assert (plain.server, plain.setting("keepalive").value) == ("uvicorn", "90")
    assert plain.setting("port").value == "4000"
    assert (granian.server, granian.setting("keepalive").value) == ("granian", "30")
    assert granian.llm_proxy == "LiteLLM"


def test_litellm_and_vllm_images_run_the_command_as_arguments(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": """\
                services:
                  proxy:
                    image: docker.litellm.ai/berriai/litellm:main-stable
                    environment:
                      - KEEPALIVE_TIMEOUT=61
                  model:
                    image: vllm/vllm-openai@sha256:0123
                    command: ["Qwen/Qwen3-8B", "--port", "8001"]
                  other:
                    image: vllm/vllm-openai:latest
                    entrypoint: ["sh", "-c", "sleep 1"]
                """,
        },
    )
    proxy, model = load(tmp_path, "docker-compose.yml").launches
    assert (proxy.service, proxy.server, proxy.setting("keepalive").value) == (
        "proxy",
        "uvicorn",
        "61",
    )
    assert proxy.setting("port").value == "4000"  # the image's CMD --port 4000
    assert (model.service, model.llm_proxy, model.setting("port").value) == (
        "model",
        "vLLM",
        "8001",
    )
