"""What the PY messages say, word by word where it matters (issue 11 item 9, issue 13 item 7):
a ``next()`` is no loop, "an httpx stream", a call that does not stream is not told about
streams, and a long decorator is quoted whole or as its callee, never cut inside a name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint


def _messages(tmp_path: Path, source: str, code: str) -> list[str]:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source))
    return [f.message for f in lint([path], cwd=tmp_path, select=[code]).findings]


def test_a_next_call_on_a_stream_is_not_called_a_loop(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import openai
        client = openai.OpenAI()

        def first_token():
            stream = client.chat.completions.create(model="m", messages=[], stream=True)
            return next(stream)
        """,
        "PY001",
    )
    assert message.startswith("`next()` on an openai stream (")
    assert "loop" not in message
    assert "wrap the `next()` call in `try:`" in message


def test_an_httpx_stream_takes_an(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import httpx

        def events():
            with httpx.stream("POST", "http://h/v1/chat/completions", json={}, timeout=300) as r:
                for line in r.iter_lines():
                    print(line)
        """,
        "PY001",
    )
    assert message.startswith("`for` over an httpx stream (")
    assert "wrap the loop in `try:`" in message


def test_a_call_that_does_not_stream_reads_as_a_sentence_without_streams(tmp_path: Path) -> None:
    streamed, plain = _messages(
        tmp_path,
        """\
        import openai
        client = openai.OpenAI()
        s = client.chat.completions.create(model="m", messages=[], stream=True)
        r = client.chat.completions.create(model="m", messages=[])
        """,
        "PY002",
    )
    assert streamed.startswith(
        "`client.chat.completions.create(...)` streams an openai generation with no output cap:"
    )
    assert plain.startswith(
        "`client.chat.completions.create(...)` asks for an openai generation with no output cap: "
        "the answer runs until the model stops or the context fills"
    )
    assert "stream" not in plain
    assert plain.endswith("pass `max_completion_tokens=1024`")


def test_a_long_retry_decorator_is_quoted_by_its_callee_not_cut_mid_name(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import openai
        from tenacity import retry, stop_after_attempt, wait_random_exponential
        client = openai.OpenAI()

        @retry(stop=stop_after_attempt(6), wait=wait_random_exponential(min=1, max=60))
        def chunks():
            for c in client.chat.completions.create(model="m", messages=[], stream=True):
                yield c
        """,
        "PY004",
    )
    assert message.startswith("`@retry(...)` on the generator chunks() makes one attempt only")


def test_a_short_retry_decorator_is_quoted_whole(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import openai
        from tenacity import retry, stop_after_attempt
        client = openai.OpenAI()

        @retry(stop=stop_after_attempt(3))
        def chunks():
            for c in client.chat.completions.create(model="m", messages=[], stream=True):
                yield c
        """,
        "PY004",
    )
    assert message.startswith("`@retry(stop=stop_after_attempt(3))` on the generator chunks()")


def test_openai_before_1_0_is_named_so_and_not_inferred(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import openai

        def answer():
            for chunk in openai.ChatCompletion.create(model="m", messages=[], stream=True):
                print(chunk)
        """,
        "PY001",
    )
    assert message.startswith(
        "`for` over an openai 0.x stream (ChatCompletion.create(stream=True) in the same statement)"
    )
    assert "inferred" not in message
    assert "raises requests.exceptions.ChunkedEncodingError here" in message
    assert "`except requests.RequestException:`" in message


def test_a_retry_loop_names_the_handler_that_retries_at_once(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import random
        import time
        import openai
        client = openai.OpenAI()

        def ask():
            for attempt in range(5):
                try:
                    return client.chat.completions.create(model="m", messages=[], max_tokens=9)
                except openai.RateLimitError:
                    time.sleep(2 ** attempt + random.random())
                except openai.APIConnectionError:
                    continue
        """,
        "PY007",
    )
    assert message.startswith(
        "the loop on line 7 retries `client.chat.completions.create(...)` (line 9) after "
        "this `except openai.APIConnectionError` at once, without waiting:"
    )


def test_a_loop_around_a_method_defined_elsewhere_says_why_it_is_an_llm_call(
    tmp_path: Path,
) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import openai

        def ask(provider):
            while True:
                try:
                    return provider.generate("hi")
                except openai.APITimeoutError:
                    pass
        """,
        "PY007",
    )
    assert message.startswith(
        "this loop retries `provider.generate(...)` (line 6; its handler names "
        "`openai.APITimeoutError`, so the call reaches an LLM API) at once"
    )


def test_a_consumer_of_relays_is_reported_naming_the_chain(tmp_path: Path) -> None:
    # The relay's loop only hands chunks on: the consumer's finding names what it reads,
    # what that relays, and the stream's call; with `report-reading-loop` the loop that
    # reads the stream is reported too, naming the consumer (nothing on the way catches a
    # cut); the relay's never is.
    source = """\
        import openai
        client = openai.OpenAI()

        def tokens(q):
            stream = client.chat.completions.create(model="m", messages=q, stream=True)
            for chunk in stream:
                yield chunk.choices[0].delta.content or ""

        def framed(q):
            for n, text in enumerate(tokens(q)):
                yield f"{n}: {text}"

        def main(q):
            print([line for line in framed(q)])
        """
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source))
    (alone,) = lint([path], cwd=tmp_path, select=["PY001"]).findings
    both = {"rules": {"PY001": {"report-reading-loop": True}}}
    reader, finding = lint([path], cwd=tmp_path, select=["PY001"], **both).findings
    assert alone == finding
    assert (reader.line, reader.column) == (6, 5)
    assert "(nor has its consumer here on line 14, reported too)" in reader.message
    assert (finding.line, finding.column) == (14, 29)
    assert finding.message.startswith(
        "`comprehension` over framed() (which relays tokens(), a generator of this file "
        "yielding an openai stream: chat.completions.create(stream=True) on line 5) has no "
        "handler for a cut stream (main() is not called in this file): "
    )
    assert "wrap the statement in `try:`" in finding.message


def test_a_consumer_of_a_generator_that_raises_its_own_error_is_told_to_catch_that(
    tmp_path: Path,
) -> None:
    # The generator's handler turns the cut into BackendError: its loop has a handler and is
    # not reported; the consumer in another module is, told what it really receives.
    (tmp_path / "backend.py").write_text(
        textwrap.dedent(
            """\
            import httpx

            class BackendError(Exception):
                pass

            def tokens(prompt):
                try:
                    with httpx.stream("POST", "http://h/api/generate", json={}, timeout=300) as r:
                        for line in r.iter_lines():
                            yield line
                except httpx.HTTPError as error:
                    raise BackendError("cut") from error
            """
        )
    )
    (tmp_path / "cli.py").write_text(
        textwrap.dedent(
            """\
            from backend import tokens

            def main():
                for token in tokens("hi"):
                    print(token)
            """
        )
    )
    paths = [tmp_path / "backend.py", tmp_path / "cli.py"]
    findings = lint(paths, cwd=tmp_path, select=["PY001"]).findings
    assert [(Path(f.path).name, f.line) for f in findings] == [("cli.py", 4)]
    message = findings[0].message
    assert "raises `BackendError` (raised for httpx.RemoteProtocolError" in message
    assert "`except BackendError:`" in message


def test_a_generator_whose_handler_raises_instead_says_so(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import httpx

        def tokens(prompt):
            try:
                with httpx.stream("POST", "http://h/api/generate", json={}, timeout=300) as r:
                    for line in r.iter_lines():
                        yield line
            except httpx.HTTPError as error:
                raise RuntimeError("cut") from error
        """,
        "PY001",
    )
    assert "has only a handler that raises `RuntimeError` instead, mid-answer" in message
    assert "rather than raise" in message
    assert "wrap the loop" not in message


def test_a_stream_known_by_the_name_of_its_url_says_so(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import requests
        from settings import LLM_ENDPOINT

        def ask(payload):
            return requests.post(LLM_ENDPOINT, json=payload, stream=True).json()
        """,
        "PY006",
    )
    assert "(an LLM stream, by its URL `LLM_ENDPOINT`) has no timeout" in message


def test_a_hand_retry_returning_its_stream_names_where_it_is_read(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import time
        import openai
        client = openai.OpenAI()

        def pieces(completion):
            for chunk in completion:
                yield chunk

        def ask(messages):
            for attempt in range(3):
                try:
                    completion = client.chat.completions.create(model="m", messages=messages, stream=True)
                    return pieces(completion)
                except Exception:
                    time.sleep(2 ** attempt)
        """,
        "PY004",
    )
    assert message.startswith("the retry loop on line 10 retries `client.chat.completions.create(")
    assert "read later by pieces() (line 6), outside the retry" in message


def test_a_wait_chosen_by_the_error_names_its_constant_branch(tmp_path: Path) -> None:
    [message] = _messages(
        tmp_path,
        """\
        import time
        import openai
        client = openai.OpenAI()

        def ask(messages):
            for attempt in range(3):
                try:
                    return client.chat.completions.create(model="m", messages=messages, max_tokens=9)
                except Exception as error:
                    limited = "429" in str(error)
                    time.sleep(2 ** attempt if limited else 1)
        """,
        "PY007",
    )
    assert "after a constant `1` s sleep whenever `limited` is false" in message


def test_a_client_of_the_projects_own_sse_route_names_that_route(tmp_path: Path) -> None:
    (tmp_path / "server.py").write_text(
        textwrap.dedent(
            """\
            from fastapi import FastAPI
            from fastapi.responses import StreamingResponse

            app = FastAPI()

            def ticks():
                yield "data: 1\\n\\n"

            @app.get("/ticks/")
            def stream_ticks():
                return StreamingResponse(ticks(), media_type="text/event-stream")
            """
        )
    )
    client = tmp_path / "client.py"
    client.write_text(
        textwrap.dedent(
            """\
            import requests

            r = requests.get("http://127.0.0.1:8000/ticks/?n=3", stream=True)
            for chunk in r.iter_content(64):
                print(chunk)
            """
        )
    )
    found = lint([client], cwd=tmp_path, select=["PY001", "PY006"]).findings
    messages = {f.code: f.message for f in found}
    route = "an event stream: `/ticks` is an SSE route of this project's app, server.py line 11"
    assert f"`requests.get(..., stream=True)` ({route}) has no timeout" in messages["PY006"]
    assert f"(requests.get(stream=True) on line 3; {route}) has no handler" in messages["PY001"]
