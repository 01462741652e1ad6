"""The PY fixes that add imports or change statements are made with libcst, and libcst is
imported only when such a fix is used: a plain check that offers them never imports it (a
pre-commit call stays as fast as before), `--diff`/`--fix` do. The edits keep everything
else in the file byte for byte, and the fixed file is checked again."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from helpers import REPO, lint

from linter.model import DeferredEdits, Edit
from linter.python import cstfix
from linter.python.rewrites import deferred, spelling

APP = (
    '"""Tool calls."""\n'
    "import json\n\n"
    "import openai\n\n"
    "client = openai.OpenAI()\n\n\n"
    "def tool_calls(messages) -> list:\n"
    "    calls = []\n"
    "    try:\n"
    "        for chunk in client.chat.completions.create(model='m', messages=messages, stream=True, max_tokens=9):\n"
    "            calls.append(json.loads(chunk.choices[0].delta.content or '{}'))\n"
    "    except json.JSONDecodeError:  # the model wrote bad JSON\n"
    "        calls.append(None)\n"
    "    return calls\n"
)
RELAY = (
    "from httpx import AsyncClient, HTTPError\n\n\n"
    "async def relay(url):\n"
    "    async with AsyncClient() as client:\n"
    "        try:\n"
    "            async with client.stream('POST', url, json={'stream': True}) as response:\n"
    "                async for line in response.aiter_lines():\n"
    "                    yield line\n"
    "        except HTTPError:\n"
    "            yield '[cut]'\n"
)
PROBE = (
    "import sys\nfrom linter.cli import main\n"
    "try:\n    main(sys.argv[1:])\n"
    "except SystemExit:\n    pass\n"
    "print('libcst' in sys.modules, file=sys.stderr)\n"
)


def _project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.streamproof]\npython-target = {openai = "2.54.0"}\n'
    )
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "relay.py").write_text(RELAY)


def _probe(tmp_path: Path, *args: str) -> tuple[str, bool]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    last = proc.stderr.strip().splitlines()[-1]
    assert last in ("True", "False"), proc.stderr[-2000:]
    return proc.stdout, last == "True"


def test_a_plain_check_offers_the_fixes_without_importing_libcst(tmp_path: Path) -> None:
    _project(tmp_path)
    out, imported = _probe(tmp_path, "check", "--output-format", "full", ".")
    assert (
        "unsafe fix (with --unsafe-fixes): add `except httpx.HTTPError:` to the `try` on line 11"
        in out
    )
    assert "add `timeout=httpx.Timeout(10.0, read=300.0)` and `import httpx`" in out
    assert not imported


def test_the_diff_makes_the_fixes_with_libcst(tmp_path: Path) -> None:
    _project(tmp_path)
    out, imported = _probe(tmp_path, "check", "--diff", "--unsafe-fixes", ".")
    assert imported
    assert "+    except httpx.HTTPError:\n" in out
    assert "+            timeout=httpx.Timeout(10.0, read=300.0)" not in out  # one line call
    assert "json={'stream': True}, timeout=httpx.Timeout(10.0, read=300.0))" in out


def test_fixed_files_keep_every_other_byte_and_fix_twice_is_a_no_op(tmp_path: Path) -> None:
    _project(tmp_path)
    first = lint([tmp_path], cwd=tmp_path, fix=True, unsafe=True)
    assert not first.errors
    app = (tmp_path / "app.py").read_text()
    assert app == APP.replace(
        "import openai\n", "import openai\nimport httpx\nimport logging\n"
    ).replace(
        "        calls.append(None)\n",
        "        calls.append(None)\n"
        "    except httpx.HTTPError:\n"
        "        # A dropped connection ends the stream mid-answer: tell the user it is incomplete.\n"
        '        logging.getLogger(__name__).warning("the stream was cut mid-answer: the answer '
        'is incomplete", exc_info=True)\n',
    )
    assert (tmp_path / "relay.py").read_text() == RELAY.replace(
        "HTTPError\n", "HTTPError\nimport httpx\n", 1
    ).replace("{'stream': True})", "{'stream': True}, timeout=httpx.Timeout(10.0, read=300.0))")
    assert [f.code for f in first.findings] == []
    second = lint([tmp_path], cwd=tmp_path, fix=True, unsafe=True)
    assert not second.changes


def test_json_output_prints_the_deferred_edits(tmp_path: Path) -> None:
    _project(tmp_path)
    out, imported = _probe(tmp_path, "check", "--output-format", "json", "relay.py")
    (finding,) = json.loads(out)
    assert imported  # the edits are printed, so they are made
    contents = [edit["content"] for edit in finding["fix"]["edits"]]
    assert contents == [", timeout=httpx.Timeout(10.0, read=300.0)", "\nimport httpx"]


def test_a_handler_on_crlf_lines_keeps_crlf(tmp_path: Path) -> None:
    text = APP.replace("\n", "\r\n")
    edits = cstfix.widen_handler(text, "app.py", 14, ("httpx.HTTPError",), ("httpx",))
    assert [e.content for e in edits] == [
        "\r\nimport httpx",
        "(json.JSONDecodeError, httpx.HTTPError)",
    ]
    assert text[edits[1].start : edits[1].end] == "json.JSONDecodeError"


def test_a_rewrite_that_cannot_be_made_gives_no_edits() -> None:
    edits = deferred("widen_handler", "x.py", "x = (\n", 1, ("httpx.HTTPError",), ())
    assert isinstance(edits, DeferredEdits)
    assert bool(edits)  # offered until made
    assert list(edits) == []


def test_spelling_follows_the_file_imports() -> None:
    tree = ast.parse("import openai as oa\nfrom httpx import HTTPError as E\nimport json\n")
    assert spelling(tree, "openai.APIError") == ("oa.APIError", "")
    assert spelling(tree, "httpx.HTTPError") == ("E", "")
    assert spelling(tree, "httpx.Timeout") == ("httpx.Timeout", "httpx")
    assert spelling(tree, "json.JSONDecodeError") == ("json.JSONDecodeError", "")
    assert spelling(tree, "Exception") == ("Exception", "")


TWO_HANDLERS = (
    "import json\nimport openai\n\nclient = openai.OpenAI()\n\n\n"
    "def answer(messages):\n"
    "    try:\n"
    "        for c in client.chat.completions.create(model='m', messages=messages, stream=True, max_tokens=9):\n"
    "            print(json.loads(c.choices[0].delta.content))\n"
    "    except json.JSONDecodeError:\n"
    "        print('bad json')\n"
    "    except openai.APIError as e:\n"
    "        print('api error', e)\n"
)


def test_py003_reports_a_try_once_and_widens_the_handler_of_the_api(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.streamproof]\npython-target = {openai = "2.54.0"}\n'
    )
    (tmp_path / "app.py").write_text(TWO_HANDLERS)
    (finding,) = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY003"]).findings
    assert (finding.line, finding.column) == (11, 12)  # the first clause that misses
    assert finding.message.startswith(
        "`except json.JSONDecodeError` and `except openai.APIError` around the openai stream "
        "loop on line 9 cannot catch a cut stream"
    )
    assert "these handlers do not catch" in finding.message
    assert finding.message.endswith("add `httpx.HTTPError` to `except openai.APIError`")
    lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY003"], fix=True, unsafe=True)
    fixed = (tmp_path / "app.py").read_text()
    assert "    except (openai.APIError, httpx.HTTPError) as e:\n" in fixed
    assert "    except json.JSONDecodeError:\n        print('bad json')\n" in fixed


def test_py003_without_a_known_version_offers_no_import_that_may_fail(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(TWO_HANDLERS)
    (finding,) = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY003"]).findings
    assert "`httpx.HTTPError` and `httpx2.HTTPError`" in finding.message
    assert finding.fix is None  # httpx2 may not be installed


def test_deferred_edits_cross_process_boundaries_unmade() -> None:
    import pickle

    edits = deferred("widen_handler", "x.py", TWO_HANDLERS, 11, ("httpx.HTTPError",), ("httpx",))
    copy = pickle.loads(pickle.dumps(edits))
    assert copy == edits and not copy.made
    assert [e.content for e in copy][-1] == "(json.JSONDecodeError, httpx.HTTPError)"


def _verified(before: str, after: str, edits: list[Edit]) -> str | None:
    from linter.python.document import PythonDocument
    from linter.python.verify import changed_only_at
    from linter.source import SourceText

    documents = []
    for text in (before, after):
        document = PythonDocument("python", SourceText.from_text("app.py", text))
        document.tree = ast.parse(text)
        documents.append(document)
    return changed_only_at(documents[0], documents[1], edits)


def test_verification_accepts_the_intended_rewrites_only() -> None:
    edits = cstfix.add_except_clause(
        TWO_HANDLERS, "app.py", 11, 0, "httpx.HTTPError", "logging.getLogger", ("httpx", "logging")
    )
    from linter.fixer import apply_edits

    assert _verified(TWO_HANDLERS, apply_edits(TWO_HANDLERS, edits), edits) is None
    # The same text with a statement added elsewhere is refused.
    tampered = apply_edits(TWO_HANDLERS, edits).replace(
        "client = openai.OpenAI()\n", "client = openai.OpenAI()\nclient.close()\n"
    )
    assert _verified(TWO_HANDLERS, tampered, edits) is not None
    # A handler added to a try the edits do not touch is refused.
    elsewhere = [Edit("app.py", 0, 0, "")]
    assert _verified(TWO_HANDLERS, apply_edits(TWO_HANDLERS, edits), elsewhere) is not None


def test_an_import_only_under_type_checking_does_not_count() -> None:
    text = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import httpx\n\n"
        "from httpx import AsyncClient\n\nclient = AsyncClient()\n"
    )
    assert spelling(ast.parse(text), "httpx.Timeout") == ("httpx.Timeout", "httpx")
    edits = cstfix.add_imports(text, "app.py", (), ("httpx",))
    assert [(e.start, e.content) for e in edits] == [(32, "\nimport httpx")]
