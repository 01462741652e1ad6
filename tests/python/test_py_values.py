"""What an expression holds (linter/python/analysis/values.py): a search cut short by the
depth limit does not leave its "nothing known" behind for a nearer question, and streams
carried in dict literals are read back by key."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from linter.config import default_settings
from linter.document import Unit
from linter.python.analysis import analysis_of
from linter.python.analysis.model import Keyed, Stream, Sym
from linter.python.handler import HANDLER
from linter.workspace import Workspace


def _analysis(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(body))
    document = HANDLER.load(
        Unit("python", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    analysis = analysis_of(document)
    assert analysis is not None
    return document, analysis  # (the analysis holds its document weakly)


def _call_on_line(analysis, line: int) -> ast.Call:  # type: ignore[no-untyped-def]
    return next(c for c in analysis.calls if c.lineno == line)


def test_a_value_cut_short_deep_down_is_found_when_asked_from_the_top(tmp_path: Path) -> None:
    _document, analysis = _analysis(
        tmp_path,
        """\
        import requests

        def ask(url, body):
            return requests.post(url, json=body, timeout=30)
        """,
    )
    post = _call_on_line(analysis, 4).func
    # Asked at the depth limit (as from the end of a long chain of names): nothing known.
    assert analysis.value(post, depth=12) is None
    # Asked directly, the search goes deep enough: the earlier answer was not kept for it.
    assert analysis.value(post) == Sym("requests.post")


def test_a_stream_in_a_dict_literal_is_read_back_by_its_key(tmp_path: Path) -> None:
    _document, analysis = _analysis(
        tmp_path,
        """\
        import openai

        client = openai.OpenAI()

        def reply(question):
            stream = client.chat.completions.create(
                model="gpt-4o", messages=[], stream=True, max_tokens=100
            )
            return {"answer": stream, "sources": ["faq.md"]}

        result = reply("hi")
        answer = result["answer"]
        sources = result["sources"]
        plain = {"answer": "text"}
        """,
    )
    module = analysis.module
    values = {name: entries[-1][2] for name, entries in module.bindings.items()}
    assert isinstance(analysis.value(values["result"]), Keyed)
    answer = analysis.value(values["answer"])
    assert isinstance(answer, Stream) and answer.role == "stream"
    assert analysis.value(values["sources"]) is None
    # A dict that carries no stream is nothing the analysis keeps.
    assert analysis.value(values["plain"]) is None
