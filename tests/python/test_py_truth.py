"""Truth tests: the installed SDKs against a loopback server that cuts a stream mid-body.

For each client, a program that PY001 (or PY003) flags really dies with the exception the
message names, and the same program written as the message suggests survives and is not
flagged. This is where KNOWLEDGE.md section 3 is checked against the pinned versions.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import in_ci, lint
from py_loopback import cut_stream_server

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not fetch anything


def require(module: str) -> None:
    """Import an SDK; a missing one fails under CI and skips locally."""
    if in_ci():
        importlib.import_module(module)
    else:
        pytest.importorskip(module)


@dataclass(frozen=True)
class Case:
    name: str
    package: str
    setup: str  # module-level code; URL is defined
    loop: str  # the statement(s) that consume the stream
    handler: str | None = None  # an except clause that looks like a guard (PY003 cases)


CASES = [
    Case(
        "openai-sync",
        "openai",
        'import openai\nclient = openai.OpenAI(base_url=URL + "/v1", api_key="test", max_retries=0)\n'
        'stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], '
        "stream=True, max_tokens=16)\n",
        "for chunk in stream:\n    pass\n",
    ),
    Case(
        "openai-async",
        "openai",
        "import asyncio\nimport openai\n",
        "async def main():\n"
        '    client = openai.AsyncOpenAI(base_url=URL + "/v1", api_key="test", max_retries=0)\n'
        '    stream = await client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=16)\n'
        "    async for chunk in stream:\n        pass\n",
    ),
    Case(
        "openai-apierror-before-3.14",
        "openai",
        'import openai\nclient = openai.OpenAI(base_url=URL + "/v1", api_key="test", max_retries=0)\n',
        'for chunk in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=16):\n    pass\n',
        handler="except openai.APIError:",
    ),
    Case(
        "anthropic-stream-manager",
        "anthropic",
        'import anthropic\nclient = anthropic.Anthropic(base_url=URL, api_key="test", max_retries=0)\n',
        'with client.messages.stream(model="m", max_tokens=16, messages=[{"role": "user", "content": "hi"}]) as s:\n'
        "    for text in s.text_stream:\n        pass\n",
    ),
    Case(
        "anthropic-create-stream",
        "anthropic",
        'import anthropic\nclient = anthropic.Anthropic(base_url=URL, api_key="test", max_retries=0)\n',
        'for event in client.messages.create(model="m", max_tokens=16, messages=[], stream=True):\n    pass\n',
        handler="except anthropic.APIError:",
    ),
    Case(
        "litellm",
        "litellm",
        "import litellm\n",
        'for chunk in litellm.completion(model="openai/m", api_base=URL + "/v1", api_key="test", '
        'messages=[{"role": "user", "content": "hi"}], stream=True, max_tokens=16):\n    pass\n',
    ),
    Case(
        "litellm-apiconnectionerror",
        "litellm",
        "import litellm\n",
        'for chunk in litellm.completion(model="openai/m", api_base=URL + "/v1", api_key="test", '
        'messages=[{"role": "user", "content": "hi"}], stream=True, max_tokens=16):\n    pass\n',
        handler="except (litellm.APIConnectionError, litellm.APIError):",
    ),
    Case(
        "httpx",
        "httpx",
        "import httpx\n",
        'with httpx.stream("POST", URL + "/generate", timeout=httpx.Timeout(10, read=300)) as response:\n'
        "    for line in response.iter_lines():\n        pass\n",
    ),
    Case(
        "requests",
        "requests",
        "import requests\n",
        'response = requests.post(URL + "/generate", json={}, stream=True, timeout=(10, 300))\n'
        "for line in response.iter_lines():\n    pass\n",
    ),
    Case(
        "requests-connectionerror",
        "requests",
        "import requests\n",
        'response = requests.post(URL + "/generate", json={}, stream=True, timeout=(10, 300))\n'
        "for line in response.iter_lines():\n    pass\n",
        handler="except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError):",
    ),
    Case(
        "aiohttp",
        "aiohttp",
        "import asyncio\nimport aiohttp\n",
        "async def main():\n"
        "    timeout = aiohttp.ClientTimeout(total=None, sock_read=300)\n"
        "    async with aiohttp.ClientSession(timeout=timeout) as session:\n"
        '        async with session.post(URL + "/generate", json={}) as response:\n'
        "            async for line in response.content:\n                pass\n",
    ),
]


def _program(case: Case, guard: str | None) -> str:
    """The case's program: its loop bare, or wrapped in ``try`` with ``guard``."""
    loop = case.loop
    body_is_async = loop.startswith("async def main")
    if guard is not None:
        if body_is_async:
            head, _, rest = loop.partition("\n")
            inner = textwrap.indent(textwrap.dedent(rest), "        ")
            loop = f"{head}\n    try:\n{inner}    {guard}\n        print('the answer was cut')\n"
        else:
            loop = (
                f"try:\n{textwrap.indent(loop, '    ')}{guard}\n    print('the answer was cut')\n"
            )
    text = "URL = 'http://127.0.0.1:1'\n" + case.setup + loop
    if body_is_async:
        text += "asyncio.run(main())\n"
    imports = {
        m.split(".")[0]
        for m in re.findall(r"except \(?([\w.]+(?:, [\w.]+)*)", loop)
        for m in m.split(", ")
    }
    for module in sorted(imports - {"Exception", "ConnectionError", "TimeoutError", "OSError"}):
        text = f"import {module}\n" + text
    return text


def _target(package: str) -> dict[str, str]:
    return (
        {package: importlib.metadata.version(package)}
        if package in ("openai", "anthropic", "litellm")
        else {}
    )


def _lint(tmp_path: Path, name: str, text: str, package: str) -> list:  # type: ignore[type-arg]
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    result = lint([path], cwd=tmp_path, select=["PY001", "PY003"], python_target=_target(package))
    assert not result.errors, result.errors
    return result.findings


def _run(text: str, url: str) -> BaseException | None:
    namespace: dict[str, object] = {"__name__": "__truth__"}
    try:
        exec(
            compile(text.replace("'http://127.0.0.1:1'", repr(url), 1), "<truth>", "exec"),
            namespace,
        )
    except Exception as exc:  # the program died: with what?
        return exc
    finally:
        asyncio.set_event_loop(None)
    return None


def _named_class(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_flagged_program_dies_with_the_named_exception_and_the_suggested_one_survives(
    case: Case, tmp_path: Path
) -> None:
    require(case.package)
    flagged = _program(case, case.handler)
    findings = _lint(tmp_path, "flagged", flagged, case.package)
    expected_code = "PY003" if case.handler else "PY001"
    assert [f.code for f in findings] == [expected_code], [f.message for f in findings]
    message = findings[0].message
    named = re.search(r"raises (\S+?)(?: here)?[ ,(]", message)
    assert named, message
    suggested = re.search(r"`except ([\w.]+):`|add `([\w.]+)`", message)
    assert suggested, message
    suggestion = suggested.group(1) or suggested.group(2)

    with cut_stream_server() as url:
        died = _run(flagged, url)
        assert died is not None, "the flagged program survived a cut stream"
        assert isinstance(died, _named_class(named.group(1))), (type(died), message)

        guarded = _program(case, f"except {suggestion}:")
        assert _lint(tmp_path, "guarded", guarded, case.package) == []
        assert _run(guarded, url) is None, "the program written as suggested died"


def test_anthropic_without_max_tokens_raises_type_error_before_any_request(tmp_path: Path) -> None:
    require("anthropic")
    import anthropic

    program = "import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model='m', messages=[])\n"
    path = tmp_path / "no_cap.py"
    path.write_text(program)
    findings = lint([path], cwd=tmp_path, select=["PY002"]).findings
    assert [(f.code, f.severity.value) for f in findings] == [("PY002", "error")]
    assert "TypeError" in findings[0].message
    # Port 1 on loopback refuses connections: a request would raise APIConnectionError.
    client = anthropic.Anthropic(base_url="http://127.0.0.1:1", api_key="test", max_retries=0)
    with pytest.raises(TypeError):
        client.messages.create(model="m", messages=[])  # type: ignore[call-overload]


UNPINNED = [c for c in CASES if c.name in ("openai-sync", "anthropic-stream-manager")]


@pytest.mark.parametrize("case", UNPINNED, ids=lambda c: c.name)
def test_without_a_pin_the_message_names_what_the_installed_sdk_raises_and_its_guard_works(
    case: Case, tmp_path: Path
) -> None:
    """No version pin: the message names the exception of every version range that raises raw
    transport errors, and the handler it suggests (a tuple, never ``except A or B``, which
    catches A only) is valid Python that catches what the installed SDK really raises."""
    require(case.package)
    flagged = _program(case, None)
    path = tmp_path / "flagged.py"
    path.write_text(flagged)
    findings = lint([path], cwd=tmp_path, select=["PY001"]).findings
    assert [f.code for f in findings] == ["PY001"], [f.message for f in findings]
    message = findings[0].message
    assert f"no {case.package} version pin found" in message
    suggested = re.search(r"`except (\([\w., ]+\)|[\w.]+):`", message)
    assert suggested, message
    assert " or " not in suggested.group(1)

    with cut_stream_server() as url:
        died = _run(flagged, url)
        assert died is not None, "the flagged program survived a cut stream"
        public = f"{type(died).__module__.split('.')[0]}.{type(died).__name__}"
        assert public in message, (public, message)

        guarded = _program(case, f"except {suggested.group(1)}:")
        assert lint([_write(tmp_path, "guarded.py", guarded)], cwd=tmp_path).findings == []
        assert _run(guarded, url) is None, "the program written as suggested died"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path
