"""Python clients as the stack reads them: the URL (literal, constant, environment default;
nothing else), the read timeout (given, None, or the library's default) and exact places."""

from __future__ import annotations

from pathlib import Path

from linter.python.analysis.modules import TreeModules
from linter.source import SourceText
from linter.stack.clients import clients
from linter.stack.model import Client
from linter.workspace import Workspace


def read(text: str) -> list[tuple[str | None, str | None, float | None, str]]:
    source = SourceText(path="/repo/app.py", text=text)
    return [(c.url, c.env, c.read.seconds, c.read.origin) for c in clients(source)]


def test_literal_constant_and_environment_defaults() -> None:
    text = (
        "import os, httpx\n"
        "from openai import OpenAI\n"
        'URL = "http://proxy:4000"\n'
        "a = OpenAI(base_url=URL)\n"
        'b = OpenAI(base_url=os.environ.get("LLM_URL", "http://llm:4000"), timeout=30)\n'
        'c = httpx.Client(base_url=os.getenv("X"), timeout=httpx.Timeout(10, read=None))\n'
    )
    assert read(text) == [
        ("http://proxy:4000", None, 600.0, "openai's default timeout 600s"),
        ("http://llm:4000", "LLM_URL", 30.0, "set at app.py:5"),
        (None, "X", None, "set at app.py:6: no read timeout"),
    ]


def test_a_get_that_is_not_the_environment_is_not_read_as_one() -> None:
    text = 'from openai import OpenAI\nc = OpenAI(base_url=settings.get("url", "http://x:1"))\n'
    assert read(text) == [(None, None, 600.0, "openai's default timeout 600s")]


def test_places_count_characters_not_bytes() -> None:
    text = 'import httpx\nname = "é"; c = httpx.Client(base_url="http://a:1", timeout=2)\n'
    source = SourceText(path="/repo/app.py", text=text)
    [client] = clients(source)
    assert text[client.anchor.start : client.anchor.end].startswith("httpx.Client(")
    assert client.read.place is not None
    assert text[client.read.place.start : client.read.place.end] == "2"


def test_httpx_client_needs_httpx_and_files_without_base_urls_are_not_parsed() -> None:
    assert read('from x import Client\nc = Client(base_url="http://a:1")\n') == []
    assert read("this is not python (\n") == []


def test_settings_object_fields_and_helpers_are_followed() -> None:
    text = (
        "import os, httpx\n"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Conf:\n"
        "    url: str\n"
        "    timeout: float = 20.0\n"
        "    @classmethod\n"
        "    def load(cls):\n"
        '        root = norm(os.getenv("GW_URL"))\n'
        "        return cls(url=root)\n"
        "class Api:\n"
        "    def __init__(self, conf=None):\n"
        "        self.conf = conf or Conf.load()\n"
        '        self.http = httpx.Client(base_url=self.conf.url.rstrip("/"), timeout=self.conf.timeout)\n'
    )
    [(url, env, seconds, origin)] = read(text)
    assert (url, env, seconds) == (None, "GW_URL", 20.0)
    assert origin == "the default of Conf.timeout (set at app.py:6)"


def test_a_field_is_read_from_the_call_that_builds_the_object() -> None:
    text = (
        "import httpx\n"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Conf:\n"
        "    timeout: float = 20.0\n"
        "a = Conf(timeout=900)\n"
        "b = Conf()\n"
        'c = httpx.Client(base_url="http://gw:4000", timeout=a.timeout)\n'
        'd = httpx.Client(base_url="http://gw:4000", timeout=b.timeout)\n'
        "def conf(flag):\n"
        "    return Conf(timeout=900) if flag else Conf()\n"
        'e = httpx.Client(base_url="http://gw:4000", timeout=Conf.x().timeout)\n'
    )
    assert [seconds for _, _, seconds, _ in read(text)] == [900.0, 20.0, None]


def test_raw_posts_to_a_completion_endpoint_with_an_explicit_timeout() -> None:
    text = (
        "import aiohttp, requests\n"
        'BASE = "http://gw:4000"\n'
        "async def ask(session):\n"
        '    await session.post(f"{BASE}/v1/chat/completions", timeout=aiohttp.ClientTimeout(total=60, sock_read=30))\n'
        '    await session.post(f"{BASE}/v1/chat/completions")\n'
        '    await session.post(f"{BASE}/health", timeout=aiohttp.ClientTimeout(total=5))\n'
        'requests.post(BASE + "/v1/completions")\n'
    )
    assert read(text) == [
        ("http://gw:4000/v1/chat/completions", None, 30.0, "set at app.py:4"),
        ("http://gw:4000/v1/completions", None, None, "requests' default (no timeout)"),
    ]


def _tree(tmp_path: Path, files: dict[str, str]) -> list[Client]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    workspace = Workspace(root=str(tmp_path))
    path = str(tmp_path / "app" / "relay.py")
    return list(clients(workspace.read_source(path), modules=TreeModules(workspace)))


_SETTINGS = (
    "from pydantic_settings import BaseSettings\n"
    "class Env(BaseSettings):\n"
    '    GATEWAY_BASE: str = "http://localhost:4000"\n'
    "env = Env()\n"
    'CHAT_URL = f"{env.GATEWAY_BASE}/v1/chat/completions"\n'
)


def test_a_url_imported_from_another_module_is_followed(tmp_path: Path) -> None:
    """``from .config import CHAT_URL`` (an f-string of a pydantic-settings field default) and
    ``client.stream("POST", CHAT_URL, timeout=30)`` on an httpx client."""
    found = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": _SETTINGS,
            "app/relay.py": (
                "import httpx\n"
                "from .config import CHAT_URL\n"
                "async def relay(body):\n"
                "    async with httpx.AsyncClient() as client:\n"
                '        async with client.stream("POST", CHAT_URL, json=body, timeout=30) as r:\n'
                "            yield r\n"
                "    async with httpx.AsyncClient() as client:\n"
                "        await client.post(CHAT_URL, json=body, timeout=10)\n"
            ),
        },
    )
    assert [(c.library, c.url, c.env, c.read.seconds, c.anchor.line) for c in found] == [
        ("httpx", "http://localhost:4000/v1/chat/completions", "GATEWAY_BASE", 30.0, 5),
        ("httpx", "http://localhost:4000/v1/chat/completions", "GATEWAY_BASE", 10.0, 8),
    ]
    assert found[0].url_said == (
        "`CHAT_URL` of config.py:5: the default of Env.GATEWAY_BASE (written at config.py:3)"
    )


def test_a_settings_object_imported_from_another_module_and_its_prefix(tmp_path: Path) -> None:
    found = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": (
                "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
                "class S(BaseSettings):\n"
                '    model_config = SettingsConfigDict(env_prefix="relay_")\n'
                '    base: str = "http://gw:4000/v1"\n'
                "settings = S()\n"
            ),
            "app/relay.py": (
                "from openai import OpenAI\n"
                "from app.config import settings\n"
                "client = OpenAI(base_url=settings.base)\n"
            ),
        },
    )
    assert [(c.url, c.env) for c in found] == [("http://gw:4000/v1", "RELAY_BASE")]


def test_without_the_run_modules_an_imported_name_stays_unknown(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "config.py").write_text(_SETTINGS)
    text = (
        "import httpx\nfrom .config import CHAT_URL\n"
        "def go():\n    httpx.post(CHAT_URL, timeout=3)\n"
    )
    source = SourceText(path=str(tmp_path / "app" / "relay.py"), text=text)
    # The URL cannot be said to be a completion endpoint: no client is read.
    assert list(clients(source)) == []


def test_a_post_that_is_not_post_is_not_a_request() -> None:
    text = (
        "import httpx\n"
        'URL = "http://gw:4000/v1/chat/completions"\n'
        "def go(client):\n"
        '    client.stream("GET", URL, timeout=3)\n'
        '    client.request("POST", URL, timeout=4)\n'
    )
    assert read(text) == [(URL_GW, None, 4.0, "set at app.py:5")]


URL_GW = "http://gw:4000/v1/chat/completions"
