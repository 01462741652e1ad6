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
