"""--add-ignore on the toy kind: where comments go, merging, idempotence, bytes kept."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from formats_support import invoke
from helpers import REPO

from linter.add_ignore import DEFAULT_REASON, own_line_edit, trailing_edit
from linter.fixer import apply_edits
from linter.source import SourceText

pytestmark = pytest.mark.usefixtures("toy_kind")

TAIL = f" -- {DEFAULT_REASON}"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def add_ignore(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return invoke("check", "--add-ignore", "--output-format", "json", *args, input=input)


def remaining(*args: str) -> list[dict[str, object]]:
    result = invoke("check", "--output-format", "json", *args)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_comments_cover_every_finding_and_the_check_is_then_clean(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("timeout = 1\nlabel = x\nspan = 1\nnext = 2\n")
    result = add_ignore("a.toy")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stderr == "Added ignore comments for 4 findings in 1 file.\n"
    assert path.read_text() == (
        f"timeout = 1  # streamproof: ignore[TOY001, TOY002]{TAIL}\n"
        f"label = x  # streamproof: ignore[TOY003]{TAIL}\n"
        f"span = 1  # streamproof: ignore[TOY004]{TAIL}\n"
        "next = 2\n"
    )
    assert remaining("a.toy") == []


def test_running_twice_adds_nothing(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("timeout = 1\nlabel = x\n")
    assert add_ignore("a.toy").exit_code == 0
    once = path.read_bytes()
    again = add_ignore("a.toy")
    assert (again.exit_code, again.stderr, json.loads(again.stdout)) == (0, "", [])
    assert path.read_bytes() == once


def test_codes_are_merged_into_an_existing_ignore_comment(here: Path) -> None:
    path = here / "a.toy"
    path.write_text(
        "timeout = 2  # streamproof: ignore[TOY003] -- kept reason\n"
        "# streamproof: ignore[TOY004 ] -- old\n"
        "label = z\n"
        "cap = 1\n"
    )
    result = add_ignore("a.toy")
    assert path.read_text() == (
        "timeout = 2  # streamproof: ignore[TOY003, TOY001] -- kept reason\n"
        "# streamproof: ignore[TOY004, TOY003 ] -- old\n"
        "label = z\n"
        "cap = 1\n"
    )
    # The comments still name codes that do not fire there: those SP100 findings are left
    # (--fix removes the stale codes), with the reason they were left.
    left = json.loads(result.stdout)
    assert [(f["code"], f["line"]) for f in left] == [("SP100", 1), ("SP100", 2)]
    assert {f["fix_note"] for f in left} == {
        "no ignore comment added: correct or remove the comment instead"
    }
    assert result.exit_code == 1


def test_a_line_ending_in_another_comment_gets_a_comment_above(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("cap = 1\nlabel = x  # shown on purpose\nlabel = y \\\n")
    assert add_ignore("a.toy").exit_code == 0
    assert path.read_text() == (
        "cap = 1\n"
        f"# streamproof: ignore[TOY003]{TAIL}\n"
        "label = x  # shown on purpose\n"
        f"# streamproof: ignore[TOY003]{TAIL}\n"
        "label = y \\\n"
    )
    assert remaining("a.toy") == []


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe")],
)
def test_bytes_are_otherwise_untouched(here: Path, encoding: str, bom: bytes) -> None:
    text = "cap = 1\r\nnäme = é \t\r\n\r\ntimeout = 1\r\n# end"
    path = here / "a.toy"
    path.write_bytes(bom + text.encode(encoding))
    assert add_ignore("a.toy").exit_code == 0
    data = path.read_bytes()
    assert data.startswith(bom)
    added = f"  # streamproof: ignore[TOY001]{TAIL}"
    assert data == bom + text.replace("timeout = 1\r\n", f"timeout = 1{added}\r\n").encode(encoding)


def test_custom_reason_and_no_reason(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("cap = 1\nlabel = x\n")
    assert add_ignore("--add-ignore-reason", "legacy, see #123 [old]", "a.toy").exit_code == 0
    assert (
        path.read_text()
        == "cap = 1\nlabel = x  # streamproof: ignore[TOY003] -- legacy, see #123 [old]\n"
    )
    assert remaining("a.toy") == []
    path.write_text("cap = 1\nlabel = x\n")
    assert add_ignore("--add-ignore-reason", "", "a.toy").exit_code == 0
    assert path.read_text() == "cap = 1\nlabel = x  # streamproof: ignore[TOY003]\n"


def test_an_unparsable_file_is_left_and_reported(here: Path) -> None:
    (here / "bad.toy").write_text("timeout = 1\n!!\n")
    (here / "good.toy").write_text("cap = 1\nlabel = x\n")
    result = add_ignore(".")
    assert result.exit_code == 2
    [left] = json.loads(result.stdout)
    assert (left["code"], left["path"], left["fix_note"]) == (
        "TOY000",
        "bad.toy",
        "no ignore comment added: the file could not be parsed",
    )
    assert (here / "bad.toy").read_text() == "timeout = 1\n!!\n"
    assert (
        here / "good.toy"
    ).read_text() == f"cap = 1\nlabel = x  # streamproof: ignore[TOY003]{TAIL}\n"


def test_a_finding_no_comment_can_cover_is_left_and_the_others_are_covered(here: Path) -> None:
    # TOY002 points at the start of the file; its first line is blank, and a comment above it
    # moves the finding with it: no comment covers it, the verification says so.
    path = here / "a.toy"
    path.write_text("\ntimeout = 1\n")
    result = add_ignore("a.toy")
    assert result.exit_code == 1
    [left] = json.loads(result.stdout)
    assert (left["code"], left["line"]) == ("TOY002", 1)
    assert left["fix_note"] == "no ignore comment added: the comment did not verify"
    assert path.read_text() == f"\ntimeout = 1  # streamproof: ignore[TOY001]{TAIL}\n"


def test_trailing_comment_that_does_not_count_falls_back_to_a_comment_above(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.handler import ToyHandler

    from linter.document import hash_comments

    # A kind where only own-line comments are comments: the trailing one is refused.
    monkeypatch.setattr(
        ToyHandler,
        "comments",
        lambda self, document, path: [
            c for c in hash_comments(document.sources[path]) if c.own_line
        ],
    )
    path = here / "a.toy"
    path.write_text("cap = 1\nlabel = x\n")
    assert add_ignore("a.toy").exit_code == 0
    assert path.read_text() == f"cap = 1\n# streamproof: ignore[TOY003]{TAIL}\nlabel = x\n"


def test_the_kind_hook_decides_where_the_comment_goes(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.handler import ToyHandler

    def suppression_edits(self, document, path, line, comment):  # type: ignore[no-untyped-def]
        source = document.sources[path]
        if source.line_text(line).startswith("span"):
            return []  # e.g. a line inside a multi-line string
        return [own_line_edit(source, line, comment)]

    monkeypatch.setattr(ToyHandler, "suppression_edits", suppression_edits, raising=False)
    path = here / "a.toy"
    path.write_text("cap = 1\nlabel = x\nspan = 1\nnext = 1\n")
    result = add_ignore("a.toy")
    assert (
        path.read_text()
        == f"cap = 1\n# streamproof: ignore[TOY003]{TAIL}\nlabel = x\nspan = 1\nnext = 1\n"
    )
    [left] = json.loads(result.stdout)
    assert left["code"] == "TOY004"
    assert (
        left["fix_note"]
        == "no ignore comment added: no comment can cover this line in this kind of file"
    )


def test_an_edit_that_changes_other_findings_is_refused(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.handler import ToyHandler

    from linter.model import Edit

    def suppression_edits(self, document, path, line, comment):  # type: ignore[no-untyped-def]
        source = document.sources[path]
        # Covers the line, but also adds a line that is a finding of its own.
        start = source.offset(line, 1)
        return [Edit(path, start, start, comment + "\nlabel = new\n")]

    monkeypatch.setattr(ToyHandler, "suppression_edits", suppression_edits, raising=False)
    path = here / "a.toy"
    path.write_text("cap = 1\ntimeout = 1\n")
    result = add_ignore("a.toy")
    assert path.read_text() == "cap = 1\ntimeout = 1\n"
    [left] = json.loads(result.stdout)
    assert (left["code"], left["fix_note"]) == (
        "TOY001",
        "no ignore comment added: the comment did not verify",
    )


def test_diff_shows_the_comments_and_writes_nothing(here: Path) -> None:
    path = here / "a.toy"
    path.write_text("cap = 1\nlabel = x\n")
    result = invoke("check", "--add-ignore", "--diff", "a.toy")
    assert result.exit_code == 1
    assert f"-label = x\n+label = x  # streamproof: ignore[TOY003]{TAIL}\n" in result.stdout
    assert result.stderr == "Would add ignore comments for 1 finding in 1 file.\n"
    assert path.read_text() == "cap = 1\nlabel = x\n"


def test_stdin_prints_the_text_with_its_comments(here: Path) -> None:
    result = invoke(
        "check", "--add-ignore", "--stdin-filename", "x.toy", input="cap = 1\nlabel = x\n"
    )
    assert result.exit_code == 0
    assert result.stdout == f"cap = 1\nlabel = x  # streamproof: ignore[TOY003]{TAIL}\n"
    assert not (here / "x.toy").exists()


def test_several_files(here: Path) -> None:
    (here / "a.toy").write_text("cap = 1\nlabel = x\n")
    (here / "b.toy").write_text("cap = 1\ntimeout = 2\n")
    (here / "c.toy").write_text("cap = 1\n")
    result = add_ignore(".")
    assert result.stderr == "Added ignore comments for 2 findings in 2 files.\n"
    assert (here / "c.toy").read_text() == "cap = 1\n"
    assert remaining(".") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--add-ignore", "--fix"], "--add-ignore and --fix cannot be used together"),
        (["--add-ignore-reason", "x"], "--add-ignore-reason needs --add-ignore"),
        (["--add-ignore", "--add-ignore-reason", "two\nlines"], "the reason must fit on one line"),
    ],
)
def test_usage_errors(here: Path, args: list[str], message: str) -> None:
    (here / "a.toy").write_text("cap = 1\nlabel = x\n")
    result = invoke("check", *args, "a.toy")
    assert result.exit_code == 2
    assert message in result.stderr
    assert (here / "a.toy").read_text() == "cap = 1\nlabel = x\n"


def test_placement_helpers_keep_indentation_and_newline_style() -> None:
    source = SourceText.from_text("/x.toy", "a\r\n\t  b = 1\t\r\nc")
    above = own_line_edit(source, 2, "# c")
    assert apply_edits(source.text, [above]) == "a\r\n\t  # c\r\n\t  b = 1\t\r\nc"
    trailing = trailing_edit(source, 2, "# c")
    assert apply_edits(source.text, [trailing]) == "a\r\n\t  b = 1\t# c\r\nc"
    assert (
        apply_edits(source.text, [trailing_edit(source, 3, "# c")]) == "a\r\n\t  b = 1\t\r\nc  # c"
    )


def test_many_files_in_worker_processes(here: Path) -> None:
    from linter.parallel import PARALLEL_THRESHOLD

    count = PARALLEL_THRESHOLD + 6
    for number in range(count):
        (here / f"f{number:03}.toy").write_text(f"cap = 1\nlabel = {number}\n")
    result = add_ignore("-j", "2", ".")
    assert result.exit_code == 0
    assert result.stderr == f"Added ignore comments for {count} findings in {count} files.\n"
    assert (
        here / "f007.toy"
    ).read_text() == f"cap = 1\nlabel = 7  # streamproof: ignore[TOY003]{TAIL}\n"
    assert remaining("-j", "2", ".") == []


def test_the_example_project_every_kind_adopted_then_clean_then_nothing_more(here: Path) -> None:
    """The three real kinds (NGINX, LiteLLM YAML, Python), as a team adopting streamproof would
    run it on the shipped example: every finding covered by a comment of the documented form,
    the check then clean, a second run a no-op."""
    shutil.copytree(REPO / "examples" / "chat-proxy", here / "proxy")
    before = json.loads(invoke("check", "--output-format", "json", "proxy").stdout)
    assert {f["path"].split("/")[1] for f in before} == {"nginx", "litellm", "app"}
    result = add_ignore("proxy")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert result.stderr == f"Added ignore comments for {len(before)} findings in 3 files.\n"
    comment = re.compile(
        r"# streamproof: ignore\[([A-Z]+\d+(?:, [A-Z]+\d+)*)\] -- " + re.escape(DEFAULT_REASON)
    )
    covered = []
    for name in ("nginx/nginx.conf", "litellm/config.yaml", "app/chat.py"):
        text = (here / "proxy" / name).read_text()
        found = comment.findall(text)
        assert found, name
        covered += [code for codes in found for code in codes.split(", ")]
    assert sorted(covered) == sorted(f["code"] for f in before)
    assert remaining("proxy") == []
    snapshot = {p: p.read_bytes() for p in (here / "proxy").rglob("*") if p.is_file()}
    again = add_ignore("proxy")
    assert (again.exit_code, again.stderr, json.loads(again.stdout)) == (0, "", [])
    assert {p: p.read_bytes() for p in (here / "proxy").rglob("*") if p.is_file()} == snapshot
