"""How long an app waits on its own LLM calls (linter/stack/appcalls.py), and Flask's
development server started by a launched script (linter/server/pyread.flask_runs)."""

from __future__ import annotations

import ast
import textwrap

from linter.server.pyread import flask_runs
from linter.source import SourceText
from linter.stack.appcalls import shortest, waits


def _waits(text: str) -> list[tuple[float | None, int]]:
    text = textwrap.dedent(text)
    source = SourceText.from_text("/repo/app/llm.py", text)
    return [(w.seconds, w.place.line if w.place else 0) for w in waits(ast.parse(text), source)]


def test_sdk_clients_wait_their_timeout_or_the_sdk_default() -> None:
    found = _waits(
        """\
        import openai
        from anthropic import AsyncAnthropic

        a = openai.OpenAI(api_key="k")
        b = AsyncAnthropic(timeout=45)
        """
    )
    assert found == [(600.0, 4), (45.0, 5)]


def test_a_request_that_sets_its_own_timeout_is_a_wait_of_its_own() -> None:
    found = _waits(
        """\
        from openai import OpenAI

        client = OpenAI()
        reply = client.chat.completions.create(model="m", messages=[], timeout=30)
        other = client.files.create(file=b"", timeout=1)
        """
    )
    assert found == [(600.0, 3), (30.0, 4)]  # a files upload is not an LLM call


def test_a_timeout_from_the_environment_is_unknown_not_its_default() -> None:
    text = """\
        import os
        from openai import OpenAI

        client = OpenAI(timeout=os.getenv("LLM_TIMEOUT", 900))
        """
    assert [s for s, _ in _waits(text)] == [None]


def test_shortest_is_said_only_when_every_wait_is_known() -> None:
    text = """\
        from openai import OpenAI
        from .settings import TIMEOUT

        fast = OpenAI(timeout=20)
        slow = OpenAI(timeout=TIMEOUT)
        """
    source = SourceText.from_text("/repo/app/llm.py", textwrap.dedent(text))
    limits = waits(ast.parse(textwrap.dedent(text)), source)
    assert shortest(limits) is None
    assert shortest(limits[:1]) is not None and shortest(limits[:1]).seconds == 20.0  # type: ignore[union-attr]
    assert shortest([]) is None


def test_no_sdk_no_waits() -> None:
    assert _waits("import httpx\nclient = httpx.Client(timeout=5)\n") == []
    assert _waits("from mylib import OpenAI\n") == []  # named, never built


FLASK = """\
    import os
    from flask import Flask

    app = Flask(__name__)

    if __name__ == "__main__":
        app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5001")))
    """


def _runs(text: str) -> list[tuple[str, str | None]]:
    source = SourceText.from_text("/repo/app/server.py", textwrap.dedent(text))
    return [
        (launch.server, launch.setting("port").value)
        for launch in flask_runs(source, "Dockerfile CMD", {}, ("/repo/app",), "app/server.py")
    ]


def test_flask_app_run_in_the_main_block_is_a_launch() -> None:
    assert _runs(FLASK) == [("flask", "5001")]


def test_flask_launch_keeps_unmodelled_settings_unknown() -> None:
    source = SourceText.from_text("/repo/app/server.py", textwrap.dedent(FLASK))
    (launch,) = flask_runs(source, "Dockerfile CMD", {}, ("/repo/app",), "app/server.py")
    assert launch.setting("keepalive").value is None
    assert launch.setting("graceful_timeout").value is None
    assert launch.app == "/repo/app/server.py::"


def test_run_outside_the_main_block_or_on_another_object_is_not_a_launch() -> None:
    assert _runs(FLASK.replace('if __name__ == "__main__":', "if False:")) == []
    assert _runs(FLASK.replace("app = Flask(__name__)", "app = make_app()")) == []
    twice = FLASK.replace("app = Flask(__name__)", "app = Flask(__name__)\n    app = wrap(app)")
    assert ast.parse(textwrap.dedent(twice))  # still Python: the test is about the binding
    assert _runs(twice) == []  # bound twice: which object runs is not said


def test_raw_posts_to_a_completion_endpoint_and_with_options_are_waits() -> None:
    found = _waits(
        """\
        import requests
        from openai import OpenAI

        URL = "https://api.example.com/v1/chat/completions"
        client = OpenAI()

        def ask(body):
            quick = client.with_options(timeout=15).chat.completions.create(model="m", messages=[])
            return requests.post(URL, json=body, timeout=90).json()

        def forever(body):
            return requests.post(URL, json=body).json()  # no timeout: waits as long as it takes

        def other(body):
            return requests.post("https://example.com/upload", json=body, timeout=1)
        """
    )
    assert sorted(found, key=lambda w: w[1]) == [(600.0, 5), (15.0, 8), (90.0, 9), (None, 12)]


def test_a_wait_with_no_timeout_does_not_shorten_the_known_ones() -> None:
    text = textwrap.dedent(
        """\
        import requests
        URL = "http://llm:8000/v1/completions"
        a = requests.post(URL, json={}, timeout=200)
        b = requests.post(URL, json={})
        """
    )
    limits = waits(ast.parse(text), SourceText.from_text("/repo/app/llm.py", text))
    assert [(w.seconds, w.none) for w in limits] == [(200.0, False), (None, True)]
    assert shortest(limits).seconds == 200.0  # type: ignore[union-attr]


def test_a_post_on_an_httpx_client_waits_the_clients_timeout() -> None:
    """`async with httpx.AsyncClient(timeout=...) as c: c.post(...)`: the client's timeout,
    httpx's 5 s when it sets none; a name of the function around the handler is followed."""
    found = _waits(
        """\
        import os
        import httpx

        def build(api):
            host = os.environ.get("OLLAMA_URL", "http://ollama:11434")

            async def slow(body):
                async with httpx.AsyncClient(timeout=None) as c:
                    async with c.stream("POST", f"{host}/api/chat", json=body) as r:
                        yield r

            async def timed(body):
                async with httpx.AsyncClient(timeout=180.0) as c:
                    return await c.post(f"{host}/api/generate", json=body)

            async def default(body):
                async with httpx.AsyncClient() as c:
                    return await c.post(f"{host}/api/generate", json=body)

            async def tags():
                async with httpx.AsyncClient(timeout=2) as c:
                    return await c.post(f"{host}/api/pull", json={})
        """
    )
    assert sorted(found, key=lambda w: w[1]) == [(None, 8), (180.0, 13), (5.0, 17)]


def test_openai_module_client_waits_the_sdk_default() -> None:
    found = _waits(
        """\
        import openai

        def ask(q):
            return openai.chat.completions.create(model="m", messages=[])
        """
    )
    assert found == [(600.0, 4)]
    changed = _waits(
        """\
        import openai

        openai.timeout = 20

        def ask(q):
            return openai.chat.completions.create(model="m", messages=[])
        """
    )
    assert [s for s, _ in changed] == [None]  # set elsewhere in the module: not guessed
