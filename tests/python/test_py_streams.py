"""Knowing a stream when it sees one: every stream starter of KNOWLEDGE.md section 3, reached
through the ways a file names its client, found unguarded (PY001 on the loop) and silent once
the same loop sits in a ``try`` that catches ``Exception``; and look-alikes that are no stream.

Each case is a consumer body; ``# loop`` marks the line PY001 must report. The body becomes
``def consume():`` (``async def`` when it awaits), which this file never calls, so nothing
but a ``try`` in the body itself can guard it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import lint

OPENAI = "import openai\nclient = openai.OpenAI()\n"
ASYNC_OPENAI = "import openai\nclient = openai.AsyncOpenAI()\n"
ANTHROPIC = "import anthropic\nclient = anthropic.Anthropic()\n"
ASYNC_ANTHROPIC = "import anthropic\nclient = anthropic.AsyncAnthropic()\n"

# (id, module-level setup, consumer body)
STARTERS = [
    # openai
    (
        "openai chat create",
        OPENAI,
        'for c in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "openai completions create",
        OPENAI,
        's = client.completions.create(model="m", prompt="p", stream=True, max_tokens=5)\nfor c in s:  # loop\n    print(c)\n',
    ),
    (
        "openai responses create",
        OPENAI,
        'for e in client.responses.create(model="m", input="x", stream=True, max_output_tokens=5):  # loop\n    print(e)\n',
    ),
    (
        "openai chat stream manager",
        OPENAI,
        'with client.chat.completions.stream(model="m", messages=[], max_tokens=5) as s:\n    for e in s:  # loop\n        print(e)\n',
    ),
    (
        "openai beta chat stream manager",
        OPENAI,
        'with client.beta.chat.completions.stream(model="m", messages=[], max_tokens=5) as s:\n    for e in s:  # loop\n        print(e)\n',
    ),
    (
        "openai responses stream manager",
        OPENAI,
        'with client.responses.stream(model="m", input="x", max_output_tokens=5) as s:\n    for e in s:  # loop\n        print(e)\n',
    ),
    (
        "openai async chat create",
        ASYNC_OPENAI,
        's = await client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\nasync for c in s:  # loop\n    print(c)\n',
    ),
    (
        "openai async responses stream",
        ASYNC_OPENAI,
        'async with client.responses.stream(model="m", input="x", max_output_tokens=5) as s:\n    async for e in s:  # loop\n        print(e)\n',
    ),
    (
        "openai azure client",
        "from openai import AzureOpenAI\nclient = AzureOpenAI()\n",
        'for c in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "openai module client",
        "import openai\n",
        'for c in openai.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    # anthropic
    (
        "anthropic create stream",
        ANTHROPIC,
        'for e in client.messages.create(model="m", max_tokens=5, messages=[], stream=True):  # loop\n    print(e)\n',
    ),
    (
        "anthropic stream manager text_stream",
        ANTHROPIC,
        'with client.messages.stream(model="m", max_tokens=5, messages=[]) as s:\n    for t in s.text_stream:  # loop\n        print(t)\n',
    ),
    (
        "anthropic async stream manager",
        ASYNC_ANTHROPIC,
        'async with client.messages.stream(model="m", max_tokens=5, messages=[]) as s:\n    async for t in s.text_stream:  # loop\n        print(t)\n',
    ),
    (
        "anthropic beta stream manager",
        ANTHROPIC,
        'with client.beta.messages.stream(model="m", max_tokens=5, messages=[]) as s:\n    for e in s:  # loop\n        print(e)\n',
    ),
    (
        "anthropic legacy completions",
        ANTHROPIC,
        'for e in client.completions.create(model="m", prompt="p", max_tokens_to_sample=5, stream=True):  # loop\n    print(e)\n',
    ),
    # litellm
    (
        "litellm completion",
        "import litellm\n",
        'for c in litellm.completion(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "litellm acompletion",
        "import litellm\n",
        'r = await litellm.acompletion(model="m", messages=[], stream=True, max_tokens=5)\nasync for c in r:  # loop\n    print(c)\n',
    ),
    (
        "litellm router",
        "from litellm import Router\nrouter = Router(model_list=[])\n",
        'r = await router.acompletion(model="m", messages=[], stream=True, max_tokens=5)\nasync for c in r:  # loop\n    print(c)\n',
    ),
    # ollama
    (
        "ollama module chat",
        "import ollama\n",
        'for p in ollama.chat(model="m", messages=[], stream=True, options={"num_predict": 5}):  # loop\n    print(p)\n',
    ),
    (
        "ollama async client generate",
        "from ollama import AsyncClient\nclient = AsyncClient()\n",
        'r = await client.generate(model="m", prompt="p", stream=True, options={"num_predict": 5})\nasync for p in r:  # loop\n    print(p)\n',
    ),
    # the other SDKs
    (
        "google-genai stream",
        "from google import genai\nclient = genai.Client()\n",
        'for c in client.models.generate_content_stream(model="m", contents="x", config={"max_output_tokens": 5}):  # loop\n    print(c)\n',
    ),
    (
        "google-genai async stream",
        "from google import genai\nclient = genai.Client()\n",
        'r = await client.aio.models.generate_content_stream(model="m", contents="x", config={"max_output_tokens": 5})\nasync for c in r:  # loop\n    print(c)\n',
    ),
    (
        "mistralai chat stream",
        "from mistralai import Mistral\nclient = Mistral(api_key='k')\n",
        'for c in client.chat.stream(model="m", messages=[], max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "cohere chat_stream",
        "import cohere\nclient = cohere.ClientV2()\n",
        'for e in client.chat_stream(model="m", messages=[], max_tokens=5):  # loop\n    print(e)\n',
    ),
    (
        "groq",
        "from groq import Groq\nclient = Groq()\n",
        'for c in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "together",
        "from together import Together\nclient = Together()\n",
        'for c in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n',
    ),
    (
        "huggingface chat_completion",
        "from huggingface_hub import InferenceClient\nclient = InferenceClient()\n",
        "for c in client.chat_completion(messages=[], stream=True, max_tokens=5):  # loop\n    print(c)\n",
    ),
    (
        "huggingface text_generation",
        "from huggingface_hub import InferenceClient\nclient = InferenceClient()\n",
        'for t in client.text_generation("p", stream=True, max_new_tokens=5):  # loop\n    print(t)\n',
    ),
    (
        "langchain stream",
        "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(max_tokens=5)\n",
        'for c in llm.stream("x"):  # loop\n    print(c)\n',
    ),
    (
        "langchain astream through a chain",
        "from langchain_openai import ChatOpenAI\nfrom langchain_core.prompts import ChatPromptTemplate\n"
        'chain = ChatPromptTemplate.from_template("{q}") | ChatOpenAI(max_tokens=5)\n',
        'async for c in chain.astream({"q": "x"}):  # loop\n    print(c)\n',
    ),
    # raw HTTP
    (
        "httpx client stream",
        "import httpx\nclient = httpx.Client(timeout=httpx.Timeout(10, read=300))\n",
        'with client.stream("POST", "http://h/v1/chat/completions", json={}) as r:\n    for line in r.iter_lines():  # loop\n        print(line)\n',
    ),
    (
        "httpx module stream",
        "import httpx\n",
        'with httpx.stream("POST", "http://h/api/generate", json={}, timeout=300) as r:\n    for line in r.iter_lines():  # loop\n        print(line)\n',
    ),
    (
        "httpx async client stream",
        "import httpx\n",
        'async with httpx.AsyncClient(timeout=300) as client:\n    async with client.stream("POST", "http://h/x", json={"messages": []}) as r:\n'
        "        async for line in r.aiter_lines():  # loop\n            print(line)\n",
    ),
    (
        "httpx_sse connect_sse",
        "import httpx\nfrom httpx_sse import connect_sse\n",
        'with httpx.Client(timeout=300) as client:\n    with connect_sse(client, "GET", "http://h/x") as source:\n'
        "        for event in source.iter_sse():  # loop\n            print(event)\n",
    ),
    (
        "requests iter_lines",
        "import requests\n",
        'r = requests.post("http://h/api/chat", json={}, stream=True, timeout=(10, 300))\nfor line in r.iter_lines():  # loop\n    print(line)\n',
    ),
    (
        "requests session iter_content of an SSE body",
        "import requests\nsession = requests.Session()\n",
        'r = session.get("http://h/x", headers={"Accept": "text/event-stream"}, stream=True, timeout=(10, 300))\n'
        "for chunk in r.iter_content(chunk_size=None):  # loop\n    print(chunk)\n",
    ),
    (
        "aiohttp response content",
        "import aiohttp\n",
        "async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=300)) as session:\n"
        '    async with session.post("http://h/v1/chat/completions", json={}) as r:\n'
        "        async for line in r.content:  # loop\n            print(line)\n",
    ),
    # other ways to consume
    (
        "next() on a stream",
        OPENAI,
        'stream = client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\nfirst = next(stream)  # loop\nprint(first)\n',
    ),
    (
        "comprehension over a stream",
        OPENAI,
        'stream = client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\nparts = [c for c in stream]  # loop\nprint(parts)\n',
    ),
]

# How a file names its client: (id, module-level setup, consumer body).
RESOLUTION = [
    (
        "from-import alias",
        "from openai import OpenAI as O\nc = O()\n",
        's = c.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\nfor x in s:  # loop\n    print(x)\n',
    ),
    (
        "module alias",
        "import openai as oa\nc = oa.OpenAI()\n",
        'for x in c.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(x)\n',
    ),
    (
        "litellm module alias",
        "import litellm as ll\n",
        'for x in ll.completion(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(x)\n',
    ),
    (
        "from-import of a function, aliased",
        "from litellm import completion as complete\n",
        'for x in complete(model="m", messages=[], stream=True, max_tokens=5):  # loop\n    print(x)\n',
    ),
    (
        "client made by a factory function",
        "import anthropic\n\ndef make():\n    return anthropic.Anthropic()\n\nclient = make()\n",
        'with client.messages.stream(model="m", max_tokens=5, messages=[]) as s:\n    for t in s.text_stream:  # loop\n        print(t)\n',
    ),
    (
        "parameter annotation",
        "from typing import Optional\nfrom openai import OpenAI\n",
        None,  # see below: the client is a parameter
    ),
    (
        "walrus",
        OPENAI,
        'if (s := client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)):\n    for x in s:  # loop\n        print(x)\n',
    ),
    (
        "stream returned by a helper",
        OPENAI
        + '\ndef start(messages):\n    return client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=5)\n',
        "for x in start([]):  # loop\n    print(x)\n",
    ),
    (
        "stream unpacked from a tuple",
        OPENAI
        + '\ndef start(messages):\n    return len(messages), client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=5)\n',
        "count, s = start([])\nfor x in s:  # loop\n    print(x)\n",
    ),
]


def _program(setup: str, body: str, guarded: bool) -> tuple[str, int]:
    """The program and the line of its ``# loop`` marker."""
    is_async = "await " in body or "async " in body
    if guarded:
        body = "try:\n" + textwrap.indent(body, "    ") + "except Exception:\n    print('cut')\n"
    head = setup + "\n\n" + ("async def" if is_async else "def") + " consume():\n"
    text = head + textwrap.indent(body, "    ")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t.endswith("# loop"))
    return text, line


def _py001(tmp_path: Path, text: str) -> list[int]:
    path = tmp_path / "app.py"
    path.write_text(text)
    result = lint([path], cwd=tmp_path, select=["PY001", "PY003"])
    assert not result.errors, result.errors
    return [f.line for f in result.findings]


CASES = [c for c in STARTERS + RESOLUTION if c[2] is not None]


@pytest.mark.parametrize(("setup", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_unguarded_stream_is_reported_on_its_loop(tmp_path: Path, setup: str, body: str) -> None:
    text, line = _program(setup, body, guarded=False)
    assert _py001(tmp_path, text) == [line], text


@pytest.mark.parametrize(("setup", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_same_stream_in_a_try_is_silent(tmp_path: Path, setup: str, body: str) -> None:
    text, _ = _program(setup, body, guarded=True)
    assert _py001(tmp_path, text) == [], text


@pytest.mark.parametrize(
    "annotation", ["OpenAI", "Optional[OpenAI]", "OpenAI | None", '"OpenAI"'], ids=str
)
def test_a_client_parameter_is_known_by_its_annotation(tmp_path: Path, annotation: str) -> None:
    text = (
        "from typing import Optional\nfrom openai import OpenAI\n\n\n"
        f"def consume(client: {annotation}):\n"
        '    for x in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):\n'
        "        print(x)\n"
    )
    assert _py001(tmp_path, text) == [6]


def test_self_attribute_assigned_in_init(tmp_path: Path) -> None:
    text = (
        "import litellm\nfrom openai import AsyncOpenAI\n\n\n"
        "class Bot:\n"
        "    def __init__(self):\n"
        "        self.llm = AsyncOpenAI()\n"
        "        self.router = litellm.Router(model_list=[])\n\n"
        "    async def reply(self):\n"
        '        s = await self.llm.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\n'
        "        async for x in s:\n"
        "            print(x)\n\n"
        "    def route(self):\n"
        '        for x in self.router.completion(model="m", messages=[], stream=True, max_tokens=5):\n'
        "            print(x)\n"
    )
    assert _py001(tmp_path, text) == [12, 16]


NOT_STREAMS = {
    "stream=False": OPENAI
    + 'r = client.chat.completions.create(model="m", messages=[], stream=False, max_tokens=5)\nfor choice in r.choices:\n    print(choice)\n',
    "a local class named like a client": "class OpenAI:\n    pass\n\nclient = OpenAI()\n"
    "# openai\n"
    'for x in client.chat.completions.create(model="m", messages=[], stream=True):\n    print(x)\n',
    "the name holds something else by then": OPENAI
    + "client = [1, 2]\nfor x in client:\n    print(x)\n",
    "ollama pull progress": "import ollama\nfor p in ollama.pull('m', stream=True):\n    print(p)\n",
    "requests without stream=True": "import requests\n"
    'for line in requests.post("http://h/api/chat", json={}, timeout=5).iter_lines():\n    print(line)\n',
    "httpx download to a file": "import httpx\n"
    'with httpx.stream("GET", "http://h/file.bin", timeout=60) as r, open("f", "wb") as out:\n'
    "    for chunk in r.iter_bytes():\n        out.write(chunk)\n",
    "the item of the tuple that is no stream": OPENAI
    + '\ndef start():\n    return "label", client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5)\n\n'
    "label, s = start()\nfor letter in label:\n    print(letter)\ns.close()\n",
}


@pytest.mark.parametrize("text", list(NOT_STREAMS.values()), ids=list(NOT_STREAMS))
def test_look_alikes_are_not_streams(tmp_path: Path, text: str) -> None:
    assert _py001(tmp_path, text) == [], text


SSE_LOOP = (
    "    for line in response.iter_lines(decode_unicode=True):\n"
    '        if line.startswith("data:"):\n'
    "            yield line[5:]\n"
)


@pytest.mark.parametrize(
    ("head", "named"),
    [
        ("import requests\n\n\ndef events(response: requests.Response):\n", "a requests stream"),
        ("import httpx\n\n\ndef events(response: 'httpx.Response'):\n", "an httpx stream"),
        (
            "from .api import Api\n\n\ndef events(api: Api):\n    response = api.get('/x')\n",
            "a server-sent events stream",
        ),
        ("def events(response):\n", "a server-sent events stream"),
    ],
    ids=["requests annotation", "httpx annotation", "another module's helper", "bare parameter"],
)
def test_server_sent_events_from_a_response_made_elsewhere(
    tmp_path: Path, head: str, named: str
) -> None:
    text = head + SSE_LOOP
    path = tmp_path / "events.py"
    path.write_text(text)
    findings = lint([path], cwd=tmp_path, select=["PY001"]).findings
    assert [f.line for f in findings] == [text.count("\n", 0, text.index("for line")) + 1]
    assert f"over {named} (" in findings[0].message
    # Read whole (no stream=True) by a library this file calls: not a stream, not reported.
    whole = (
        "import requests\n\n\ndef events():\n    response = requests.get('http://h/x', timeout=9)\n"
        + SSE_LOOP
    )
    path.write_text(whole)
    assert lint([path], cwd=tmp_path, select=["PY001"]).findings == []
    # Lines that are not server-sent events: no evidence of a stream.
    path.write_text(head + "    for line in response.iter_lines():\n        print(line)\n")
    assert lint([path], cwd=tmp_path, select=["PY001"]).findings == []


@pytest.mark.parametrize(
    ("manager", "guarded"),
    [
        ("stream_guard(emit)", True),
        ("handle_errors()", True),
        ("errors.suppress_cut_streams()", True),
        ("tracing.span('relay')", False),
        ("warnings.catch_warnings()", False),
        ("contextlib.suppress(KeyError)", False),
    ],
)
def test_a_context_manager_from_elsewhere_guards_when_its_name_says_so(
    tmp_path: Path, manager: str, guarded: bool
) -> None:
    text = (
        "import contextlib\nimport httpx\nimport errors\nimport tracing\nimport warnings\n"
        "from .guards import handle_errors, stream_guard\n\n\n"
        "def relay(url, emit):\n"
        f"    with {manager}:\n"
        "        with httpx.stream('POST', url, json={'messages': []}, timeout=300) as r:\n"
        "            for line in r.iter_lines():\n"
        "                emit(line)\n"
    )
    path = tmp_path / "relay.py"
    path.write_text(text)
    findings = lint([path], cwd=tmp_path, select=["PY001"]).findings
    assert [f.line for f in findings] == ([] if guarded else [12])
