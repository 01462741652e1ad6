"""Whether an app's streaming responses send heartbeats (linter/server/apps.py), the evidence
XL003 reads for a stream path that ends at the app."""

from __future__ import annotations

import ast

from linter.server.apps import _Facts

HEAD = (
    "from fastapi.responses import StreamingResponse\n"
    "from sse_starlette.sse import EventSourceResponse\n"
    "from .gen import imported_tokens\n"
)


def pings(body: str) -> list[tuple[int, bool | None]]:
    text = HEAD + body
    facts = _Facts(ast.parse(text), "app.main", "/r/app/main.py", text)
    return [(e.line, e.pings) for e in facts.streaming_calls("app/main.py")]


def test_event_source_response_pings_unless_turned_off() -> None:
    body = "def a(g):\n    return EventSourceResponse(g())\ndef b(g):\n    return EventSourceResponse(g(), ping=0)\n"
    assert pings(body) == [(5, True), (7, False)]


def test_a_generator_of_the_module_is_read_for_a_ping() -> None:
    body = (
        "async def quiet():\n    yield 'data: x\\n\\n'\n"
        "async def beating():\n    yield ': ping\\n\\n'\n    yield 'data: x\\n\\n'\n"
        "async def chat():\n"
        "    return StreamingResponse(quiet(), media_type='text/event-stream')\n"
        "async def chat2():\n"
        "    return StreamingResponse(beating(), media_type='text/event-stream')\n"
        "async def chat3():\n"
        "    return StreamingResponse(imported_tokens(), media_type='text/event-stream')\n"
    )
    assert pings(body) == [(10, False), (12, True), (14, None)]


def test_a_word_elsewhere_in_the_module_is_not_a_ping_of_this_generator() -> None:
    body = (
        "def health(redis):\n    return redis.ping()\n"
        "async def quiet():\n    yield 'x'\n"
        "async def chat():\n    return StreamingResponse(quiet())\n"
    )
    assert pings(body) == [(9, False)]


def test_a_download_is_not_judged() -> None:
    body = (
        "async def rows():\n    yield 'a,b\\n'\n"
        "async def export():\n    return StreamingResponse(rows(), media_type='text/csv')\n"
        "async def audio():\n    return StreamingResponse(rows(), media_type='audio/mpeg')\n"
    )
    assert pings(body) == [(7, None), (9, None)]


def test_each_handler_s_own_generator_is_read() -> None:
    body = (
        "async def one():\n"
        "    async def stream_generator():\n        yield ': ping\\n\\n'\n"
        "    return StreamingResponse(stream_generator())\n"
        "async def two():\n"
        "    async def stream_generator():\n        yield 'data: x\\n\\n'\n"
        "    return StreamingResponse(stream_generator())\n"
    )
    assert pings(body) == [(7, True), (11, False)]


def test_a_dict_key_in_an_event_is_not_an_sse_comment() -> None:
    body = (
        "import json\n"
        "async def quiet(x):\n    yield f\"data: {json.dumps({'tok': x})}\\n\\n\"\n"
        "async def beating(x):\n    yield f':{x}\\n\\n'\n"
        "async def chat(x):\n    return StreamingResponse(quiet(x))\n"
        "async def chat2(x):\n    return StreamingResponse(beating(x))\n"
    )
    assert pings(body) == [(10, False), (12, True)]


def flask_evidence(body: str) -> list[tuple[int, bool | None, str | None, int]]:
    text = "import fastapi\nfrom flask import Response, stream_with_context\n" + body
    facts = _Facts(ast.parse(text), "app.main", "/r/app/main.py", text)
    return [(e.line, e.pings, e.media, e.column) for e in facts.streaming_calls("app/main.py")]


def test_a_flask_response_of_a_generator_is_read_for_a_ping_through_stream_with_context() -> None:
    body = (
        "def chat():\n"
        "    def quiet():\n        yield 'data: x\\n\\n'\n"
        "    return Response(stream_with_context(quiet()), mimetype='text/event-stream')\n"
        "def chat2():\n"
        "    def beating():\n        yield ': ping\\n\\n'\n"
        "    return Response(beating(), content_type='text/event-stream; charset=utf-8')\n"
        "def export():\n"
        "    def rows():\n        yield 'a,b\\n'\n"
        "    return Response(rows(), mimetype='text/csv')\n"
    )
    found = flask_evidence(body)
    # The Response (with its place) and the stream_with_context call (without one).
    assert (6, False, "text/event-stream", 12) in found
    assert (10, True, "text/event-stream", 12) in found
    assert (14, None, "text/csv", 12) in found  # a download: not judged for pings
    assert [e for e in found if e[3] == 0] == [(6, None, None, 0)]


def test_a_response_class_named_through_its_module_is_evidence() -> None:
    body = (
        "async def tokens():\n    yield 'x'\n"
        "async def chat():\n    return fastapi.responses.StreamingResponse(tokens())\n"
        "async def other(reports):\n    return reports.responses.StreamingResponse(tokens())\n"
    )
    assert flask_evidence(body) == [(6, False, None, 12)]


def test_a_body_held_whole_or_an_attachment_is_not_a_stream() -> None:
    body = (
        "import io\n"
        "async def tokens():\n    yield 'x'\n"
        "async def a(data):\n    return fastapi.responses.StreamingResponse(iter([data]))\n"
        "async def b(data):\n    return fastapi.responses.StreamingResponse((data,))\n"
        "async def c(data):\n    return fastapi.responses.StreamingResponse(io.BytesIO(data))\n"
        "async def d():\n    return fastapi.responses.StreamingResponse(\n"
        "        tokens(), headers={'Content-Disposition': 'attachment; filename=a.txt'})\n"
        "async def e():\n    return fastapi.responses.StreamingResponse(tokens())\n"
    )
    assert [line for line, *_ in flask_evidence(body)] == [16]  # e() only
