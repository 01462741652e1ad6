"""The fast paths of the Python analysis give what the slow, obvious ways give: child nodes
(read by field name from each node class's signature), character offsets of ``ast``
positions, and a document that is freed without the cyclic garbage collector."""

from __future__ import annotations

import ast
import gc
import json
import sys
import weakref
from pathlib import Path

from linter import checker
from linter.config import default_settings
from linter.document import Unit
from linter.python.analysis import analysis_of, children
from linter.python.handler import HANDLER
from linter.workspace import Workspace

# Syntax of every kind the walk must see into: decorators, defaults and annotations,
# keyword-only defaults with holes (None in ``kw_defaults``), ``**`` in a dict (None in
# ``keys``), comprehensions, lambdas, walrus, f-strings, ``match``, starred targets.
SYNTAX = """\
import openai as oa, httpx
from os import path as p
@decorate(arg=lambda x=1: x)
async def f(a, /, b: int = 2, *args, c, d=3, **kw) -> "Client":
    global g
    async with oa.AsyncOpenAI() as client, other():
        async for chunk in await client.chat.completions.create(stream=True, **kw):
            yield {**chunk, "k": [v async for v in chunk if (w := v)], 1: {x for x in y}}
    try:
        pass
    except (KeyError, oa.APIError) as exc:
        raise
    else:
        del a[1:2, ::3]
    finally:
        assert b, f"{b!r:>{c}}"
class C(Base, metaclass=M):
    x: int = 1
    def m(self, *, key=None, other):
        nonlocal_ = lambda *a, **k: (yield)
        return (a if b else c) + -d, not e, f @ g
match command:
    case {"k": [1, *rest], **others} if rest:
        pass
    case Point(x=0, y=_) | [_, _] as p:
        pass
(a, *b), c = d = e = 1, *f
"""


def _expected_children(node: ast.AST) -> list[ast.AST]:
    skipped = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)
    return [
        child
        for child in ast.iter_child_nodes(node)
        if not isinstance(child, skipped) and not isinstance(node, ast.Constant)
    ]


def test_children_are_the_child_nodes_in_order() -> None:
    sources = [SYNTAX]
    for module in ("ast", "typing", "asyncio.tasks", "dataclasses", "argparse"):
        file = sys.modules.get(module) or __import__(module, fromlist=["_"])
        sources.append(Path(str(file.__file__)).read_text(encoding="utf-8"))
    seen: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            seen.add(type(node).__name__)
            assert [id(c) for c in children(node)] == [id(c) for c in _expected_children(node)], (
                ast.dump(node)[:200]
            )
    assert {"Match", "MatchMapping", "DictComp", "NamedExpr", "JoinedStr", "arguments"} <= seen


def _reference_offset(text: str, lineno: int, col: int) -> int:
    """Characters before line ``lineno`` (a line ends at \\r\\n, \\r or \\n), counted one
    character at a time, plus the characters of the first ``col`` UTF-8 bytes of the line."""
    starts = [0]
    index = 0
    while index < len(text):
        if text[index] == "\r" and text[index + 1 : index + 2] == "\n":
            index += 2
            starts.append(index)
            continue
        if text[index] in "\r\n":
            starts.append(index + 1)
        index += 1
    start = starts[lineno - 1]
    return start + len(text[start:].encode("utf-8")[:col].decode("utf-8"))


def test_offsets_count_characters_for_every_newline_style(tmp_path: Path) -> None:
    body = (
        "import openai\n"
        "s = 'héllo wörld ✓'; t = openai.OpenAI()\n"
        "u = f'{s}→{t!r}'  # ünïcode\n"
        "\n"
        "def f(x='日本'):\n"
        "    return x, 'ascii again'\n"
    )
    variants = {
        "ascii.py": body.encode("ascii", "replace").decode().replace("?", "x"),
        "wide.py": body,
        "crlf.py": body.replace("\n", "\r\n"),
        "cr.py": body.replace("\n", "\r"),
        "mixed.py": body.replace("\n", "\r\n", 2),
    }
    workspace = Workspace(root=str(tmp_path), cwd=str(tmp_path))
    for name, text in variants.items():
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        document = HANDLER.load(Unit("python", str(path)), workspace, default_settings())
        assert document.tree is not None, name
        nodes = [n for n in ast.walk(document.tree) if hasattr(n, "lineno")]
        assert len(nodes) > 20
        for node in nodes:
            expected = _reference_offset(text, node.lineno, node.col_offset)  # type: ignore[attr-defined]
            assert document.start(node) == expected, (name, ast.dump(node)[:80])
            end = _reference_offset(text, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
            assert document.end(node) == end, (name, ast.dump(node)[:80])
        assert document.text_of(nodes[-1]) == "'ascii again'"


def test_a_checked_document_is_freed_without_the_cycle_collector(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text(
        "import openai\n"
        "class Bot:\n"
        "    def __init__(self):\n"
        "        self.client = openai.OpenAI()\n"
        "    def ask(self, q):\n"
        "        for chunk in self.client.chat.completions.create(model='m', messages=[], stream=True):\n"
        "            yield chunk\n"
        "def outer():\n"
        "    def inner():\n"
        "        return Bot()\n"
        "    return inner\n"
        "for part in Bot().ask('q'):\n"
        "    print(part)\n"
    )
    workspace = Workspace(root=str(tmp_path), cwd=str(tmp_path))
    # Both PY001 findings (the consumer's loop, and the generator's with the option): each
    # message is built from the analysis, which must still be freed.
    settings = default_settings(rules={"PY001": {"report-reading-loop": True}})
    enabled = gc.isenabled()
    gc.disable()
    try:
        document = HANDLER.load(Unit("python", str(path)), workspace, settings)
        findings = checker.check_document(document, HANDLER, settings)
        assert [f.code for f in findings] == ["PY001", "PY001", "PY002"]
        analysis = analysis_of(document)
        assert analysis is not None and analysis.classes["Bot"].methods["ask"].cls is not None
        refs = [weakref.ref(document), weakref.ref(analysis), weakref.ref(analysis.functions[-1])]
        tree = weakref.ref(document.tree)  # type: ignore[arg-type]
        del document, analysis
        # Reference counting alone freed them: no cycle kept anything of the file alive.
        assert [ref() for ref in refs] == [None, None, None]
        assert tree() is None
        json.dumps([f.message for f in findings])  # the findings stand on their own
    finally:
        if enabled:
            gc.enable()


RETRIES = """\
import openai
client = openai.OpenAI()
def call():
    return client.chat.completions.create(model="m", messages=[])
for attempt in range(3):                 # a retry loop: try in the body
    try:
        call()
        break
    except openai.APIError:
        pass
while True:                              # the try is in the else clause: not its own
    pass
else:
    try:
        call()
    except Exception:
        pass
for outer in range(2):                   # the try belongs to the inner loop only
    for inner in range(3):
        with open("f") as handle:
            if inner:
                try:
                    call()
                    break
                except Exception:
                    try:
                        call()
                    except KeyError:
                        continue
for item in range(2):                    # the try is in a nested function
    def helper():
        try:
            return call()
        except Exception:
            return None
while True:                              # a try without handlers
    try:
        call()
        break
    finally:
        pass
"""


def test_retry_loops_are_those_a_walk_of_every_loop_finds(tmp_path: Path) -> None:
    from linter.python import retries

    path = tmp_path / "retry.py"
    path.write_text(RETRIES)
    workspace = Workspace(root=str(tmp_path), cwd=str(tmp_path))
    document = HANDLER.load(Unit("python", str(path)), workspace, default_settings())
    analysis = analysis_of(document)
    assert analysis is not None
    every = [r for loop in analysis.statement_loops for r in retries._attempts(analysis, loop)]
    found = retries.retry_loops(analysis)
    assert found == every
    assert sorted(r.loop.lineno for r in found) == [5, 19, 19]  # two tries in the inner loop
    owners = retries._loops_with_attempts(analysis)
    assert sorted(loop.lineno for loop in owners) == [5, 19]  # type: ignore[attr-defined]
