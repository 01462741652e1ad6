"""Three-valued "streams" (linter/python/analysis/flags.py): one answer per call for every rule,
and ``**kwargs`` dicts read exactly only when every key is a literal."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from helpers import lint

from linter.config import default_settings
from linter.document import Unit
from linter.python.analysis import analysis_of
from linter.python.analysis.flags import flag_of, kwargs_entries
from linter.python.handler import HANDLER
from linter.workspace import Workspace


def _analysis(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "m.py"
    path.write_text("import openai\nclient = openai.OpenAI()\n" + textwrap.dedent(body))
    document = HANDLER.load(
        Unit("python", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    analysis = analysis_of(document)
    assert analysis is not None
    return document, analysis


def _last_create(analysis):  # type: ignore[no-untyped-def]
    calls = [
        c for c in analysis.calls if isinstance(c.func, ast.Attribute) and c.func.attr == "create"
    ]
    return calls[-1]


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (
            "def f(m):\n    client.chat.completions.create(model='x', messages=m, stream=True)\n",
            "yes",
        ),
        (
            "def f(m):\n    client.chat.completions.create(model='x', messages=m, stream=False)\n",
            "no",
        ),
        ("def f(m):\n    client.chat.completions.create(model='x', messages=m)\n", "no"),
        (
            "def f(m, s):\n    client.chat.completions.create(model='x', messages=m, stream=s)\n",
            "maybe",
        ),
        (
            "def f(m):\n    s = True\n    client.chat.completions.create(model='x', messages=m, stream=s)\n",
            "yes",
        ),
        (
            "def f(m, s):\n    client.chat.completions.create(**{'model': 'x', 'stream': s})\n",
            "maybe",
        ),
        (
            "def f(m):\n    kw = dict(model='x')\n    kw['stream'] = True\n    client.chat.completions.create(**kw)\n",
            "yes",
        ),
        # Opaque: a parameter's dict: nothing known.
        ("def f(m, **kw):\n    client.chat.completions.create(**kw)\n", "no"),
        # A literal `stream: True` in a dict updated from elsewhere: the update may override
        # it, so it may stream; a literal False stays "no".
        (
            "def f(m, o):\n    kw = {'stream': True}\n    kw.update(o)\n    client.chat.completions.create(**kw)\n",
            "maybe",
        ),
        (
            "def f(m, o):\n    kw = dict(model='x', stream=True)\n    kw[o] = 1\n    client.chat.completions.create(**kw)\n",
            "maybe",
        ),
        (
            "def f(m, o):\n    kw = {'stream': False}\n    kw.update(o)\n    client.chat.completions.create(**kw)\n",
            "no",
        ),
    ],
)
def test_the_stream_flag_in_three_values(tmp_path: Path, body: str, verdict: str) -> None:
    _document, analysis = _analysis(tmp_path, body)
    call = _last_create(analysis)
    assert flag_of(analysis, call)[0] == verdict
    starts = [s for s in analysis.starts if s.call is call]
    assert [s.streaming for s in starts] == [verdict != "no"]
    assert [s.maybe for s in starts] == [verdict == "maybe"]


def test_a_literal_kwargs_dict_is_read_with_every_store(tmp_path: Path) -> None:
    _document, analysis = _analysis(
        tmp_path,
        """\
        def f(m, t):
            kw = {"model": "x"}
            kw["messages"] = m
            kw.update(temperature=t)
            kw.setdefault("stream", True)
            print(kw.get("model"))
            client.chat.completions.create(**kw)
        """,
    )
    call = _last_create(analysis)
    entries = kwargs_entries(analysis, call.keywords[0].value)
    assert entries is not None
    assert sorted(entries) == ["messages", "model", "stream", "temperature"]


def test_every_rule_reads_a_maybe_stream_as_a_stream(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        textwrap.dedent(
            """\
            import openai
            import tenacity

            client = openai.OpenAI()


            @tenacity.retry(wait=tenacity.wait_exponential())
            def ask(messages, stream):
                return client.chat.completions.create(model="m", messages=messages, stream=stream)


            def show(messages, stream):
                for chunk in client.chat.completions.create(model="m", messages=messages, stream=stream):
                    print(chunk)
            """
        )
    )
    found = lint([tmp_path], cwd=tmp_path, select=["PY001", "PY002", "PY004"]).findings
    assert sorted((f.code, f.line) for f in found) == [
        ("PY001", 13),
        ("PY002", 9),
        ("PY002", 13),
        ("PY004", 7),
    ]


OPTIONS_CAP = """\
    from openai import OpenAI

    client = OpenAI()


    def ask(q, opts={}):
        return client.chat.completions.create(
            model="m", messages=[], max_tokens=opts.get("max_tokens")
        )


    def run(q):
        return ask(q, {"temperature": 0}), ask(q)
"""


@pytest.mark.parametrize(
    ("change", "fires"),
    [
        (("", ""), True),  # every call leaves the key out (one by the default)
        (('{"temperature": 0}', '{"max_tokens": 9}'), False),  # a call puts it in
        (("ask(q)", "ask(q, extra)"), False),  # a dict the file cannot read
        (("opts={}", 'opts={"max_tokens": 9}'), False),  # the default holds it
        (('opts.get("max_tokens")', 'opts.get("max_tokens", 512)'), False),  # a default cap
        (("    return client", '    opts["x"] = 1\n        return client'), False),  # stored into
        (('    def run(q):\n        return ask(q, {"temperature": 0}), ask(q)\n', ""), False),
    ],
)
def test_a_cap_read_from_a_callers_options_dict_is_none_only_when_no_call_fills_it(
    tmp_path: Path, change: tuple[str, str], fires: bool
) -> None:
    old, new = change
    text = textwrap.dedent(OPTIONS_CAP)
    text = text.replace(textwrap.dedent(old), textwrap.dedent(new)) if old else text
    assert old == "" or text != textwrap.dedent(OPTIONS_CAP)
    (tmp_path / "app.py").write_text(text)
    found = lint([tmp_path], cwd=tmp_path, select=["PY002"]).findings
    assert bool(found) is fires, [f.message for f in found]
    if fires:
        assert "which is None: no call of ask() puts `max_tokens` in `opts`" in found[0].message
        assert found[0].fix is None  # the value is the callers'
