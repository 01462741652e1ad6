"""--add-ignore on Python: never a "comment" inside a string, none after a backslash
continuation, and the coding cookie stays where Python reads it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linter.add_ignore import DEFAULT_REASON
from linter.cli import main
from linter.config import default_settings
from linter.document import Unit
from linter.python.handler import HANDLER
from linter.workspace import Workspace

IGNORE = "# streamproof: ignore[{}] -- " + DEFAULT_REASON


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def add_ignore(path: Path, *codes: str) -> Result:
    return invoke(
        "check", "--add-ignore", "--output-format", "json", "--select", ",".join(codes), str(path)
    )


def findings(path: Path, *codes: str) -> list[dict[str, object]]:
    result = invoke("check", "--output-format", "json", "--select", ",".join(codes), str(path))
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_a_line_ending_inside_a_triple_quoted_string_gets_the_comment_above(here: Path) -> None:
    path = write(
        here / "prompt.py",
        '''\
        import openai

        client = openai.OpenAI()
        stream = client.chat.completions.create(model="m", stream=True, messages=[{"content": """
        Say hello.
        """}])
        ''',
    )
    before = path.read_text()
    assert [f["line"] for f in findings(path, "PY002")] == [4]
    assert add_ignore(path, "PY002").exit_code == 0
    after = path.read_text()
    lines = after.splitlines()
    assert lines[3] == IGNORE.format("PY002")
    assert after.replace(lines[3] + "\n", "", 1) == before  # the string is untouched
    assert findings(path, "PY002") == []
    assert add_ignore(path, "PY002").exit_code == 0
    assert path.read_text() == after  # twice adds nothing


def test_an_f_string_spanning_lines_is_not_commented_into(here: Path) -> None:
    path = write(
        here / "fprompt.py",
        '''\
        import openai

        client = openai.OpenAI()


        def ask(topic):
            for chunk in client.chat.completions.create(model="m", max_tokens=5, stream=True, messages=[{"content": f"""
        Tell me about {topic}.
        """}]):
                print(chunk)
        ''',
    )
    before = path.read_text()
    assert [f["line"] for f in findings(path, "PY001")] == [7]
    assert add_ignore(path, "PY001").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[6] == "    " + IGNORE.format("PY001")
    assert lines[7].endswith('f"""')  # no comment after the opening quotes
    assert path.read_text().replace(lines[6] + "\n", "", 1) == before
    assert findings(path, "PY001") == []


def test_a_backslash_line_takes_no_trailing_comment(here: Path) -> None:
    path = write(
        here / "joined.py",
        """\
        import openai

        client = openai.OpenAI()
        for chunk in \\
                client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):
            print(chunk)
        """,
    )
    assert [f["line"] for f in findings(path, "PY001")] == [4]
    assert add_ignore(path, "PY001").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[3] == IGNORE.format("PY001")
    assert lines[4] == "for chunk in \\"
    assert findings(path, "PY001") == []


def test_the_line_after_a_backslash_takes_a_trailing_comment_not_one_above(here: Path) -> None:
    path = write(
        here / "after.py",
        """\
        import openai

        client = openai.OpenAI()
        total = 1 + \\
            len(list(client.chat.completions.create(model="m", messages=[], stream=True)))
        """,
    )
    assert [f["line"] for f in findings(path, "PY002")] == [5]
    assert add_ignore(path, "PY002").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[3] == "total = 1 + \\"
    assert lines[4].endswith(")))  " + IGNORE.format("PY002"))
    assert findings(path, "PY002") == []


def test_an_existing_comment_gets_the_directive_appended_when_nothing_else_fits(
    here: Path,
) -> None:
    path = write(
        here / "noted.py",
        """\
        import openai

        client = openai.OpenAI()
        total = 1 + \\
            len(list(client.chat.completions.create(model="m", messages=[], stream=True)))  # count
        """,
    )
    assert add_ignore(path, "PY002").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[4].endswith(")))  # count  " + IGNORE.format("PY002"))
    assert findings(path, "PY002") == []


def test_a_line_between_two_continuations_cannot_be_covered_and_says_so(here: Path) -> None:
    path = write(
        here / "boxed.py",
        """\
        import openai

        client = openai.OpenAI()
        total = 1 + \\
            len(list(client.chat.completions.create(model="m", messages=[], stream=True))) + \\
            2
        """,
    )
    before = path.read_text()
    result = add_ignore(path, "PY002")
    assert result.exit_code == 1
    [left] = json.loads(result.stdout)
    assert left["code"] == "PY002"
    assert left["line"] == 5
    assert path.read_text() == before
    full = invoke("check", "--add-ignore", "--select", "PY002", str(path)).stdout
    assert "no ignore comment added: no comment can cover this line" in full


def test_coding_cookie_and_encoding_survive(here: Path) -> None:
    path = here / "latin.py"
    text = (
        "#!/usr/bin/env python\n"
        "# -*- coding: latin-1 -*-\n"
        "import openai\n"
        "client = openai.OpenAI()\n"
        "GREETING = 'héllo'\n"
        "for chunk in client.chat.completions.create(model='m', messages=[], stream=True):\n"
        "    print(GREETING, chunk)\n"
    )
    path.write_bytes(text.encode("latin-1"))
    assert sorted(f["code"] for f in findings(path, "PY001", "PY002")) == ["PY001", "PY002"]
    assert add_ignore(path, "PY001", "PY002").exit_code == 0
    data = path.read_bytes()
    lines = data.decode("latin-1").splitlines()
    assert lines[:2] == ["#!/usr/bin/env python", "# -*- coding: latin-1 -*-"]
    assert "'h\xe9llo'" in lines[4] and b"h\xe9llo" in data  # still one latin-1 byte
    assert lines[5].endswith("  " + IGNORE.format("PY001, PY002"))
    assert findings(path, "PY001", "PY002") == []


def _document(path: Path):  # type: ignore[no-untyped-def]
    workspace = Workspace(str(path.parent))
    return HANDLER.load(Unit("python", str(path)), workspace, default_settings())


def test_no_comment_line_above_a_line_that_would_push_the_cookie_or_shebang(tmp_path: Path) -> None:
    """Placement itself: a comment line above line 1 or 2 would move a line-2 cookie to line 3
    (or a shebang off line 1), so none is offered there; below them it is."""
    path = tmp_path / "head.py"
    path.write_bytes(b"#!/usr/bin/env python\n# coding: latin-1\nimport openai\n")
    document = _document(path)
    comment = IGNORE.format("PY001")
    for line in (1, 2):
        assert list(HANDLER.suppression_edits(document, str(path), line, comment)) == []
    header = len("#!/usr/bin/env python\n# coding: latin-1\n")
    edits = HANDLER.suppression_edits(document, str(path), 3, comment)
    assert [(e.start, e.content) for e in edits] == [
        (header + len("import openai"), "  " + comment),  # trailing first
        (header, comment + "\n"),  # then a line above line 3: the header stays
    ]
    # With a cookie on line 1 only, a comment line above line 1 keeps it within the first two.
    other = tmp_path / "first.py"
    other.write_bytes(b"# coding: latin-1\nimport openai\n")
    edits = HANDLER.suppression_edits(_document(other), str(other), 1, comment)
    assert [e.start for e in edits] == [0]
