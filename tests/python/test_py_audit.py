"""`streamproof audit` rows for Python: one per stream call site with its client (and how it
was resolved), guard, cap and timeout; a value is a risk exactly where the rule behind its
column reports."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import REPO

from linter.cli import main
from linter.config import SettingsResolver
from linter.document import AuditRow, AuditValue
from linter.fixtures import Fixture, all_fixtures
from linter.runner import RunOptions, RunResult, run


def audit(path: Path, **overrides: Any) -> RunResult:
    resolver = SettingsResolver(
        overrides={k.replace("_", "-"): v for k, v in overrides.items()},
        cwd=str(path if path.is_dir() else path.parent),
    )
    return run([str(path)], resolver, RunOptions(audit=True))


def program(tmp_path: Path, text: str, name: str = "chat.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def rows_of(path: Path, **overrides: Any) -> list[AuditRow]:
    return sorted(audit(path, **overrides).audit_rows, key=lambda r: (r.path, r.line))


def values(row: AuditRow) -> dict[str, AuditValue]:
    return dict(row.values)


def test_openai_call_site_names_client_guard_cap_and_timeout(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests\nopenai==1.109.1\n")
    path = program(
        tmp_path,
        """\
        from openai import OpenAI

        client = OpenAI(timeout=120)


        def ask(question):
            stream = client.chat.completions.create(
                model="gpt-4o", messages=[], stream=True, max_tokens=512
            )
            try:
                for chunk in stream:
                    print(chunk)
            except Exception:
                print("cut")
        """,
    )
    [row] = rows_of(path)
    assert row.section == "Python stream call sites"
    assert row.subject == "chat.py: client.chat.completions.create(stream=True) in ask()"
    assert (row.path, row.line) == (str(path), 7)
    assert [label for label, _ in row.values] == ["client", "guard", "cap", "timeout"]
    got = values(row)
    assert got["client"] == AuditValue(
        "openai 1.109.1 (from openai import OpenAI; client = OpenAI(...))",
        "chat.py:3; version from requirements.txt:2",
        "ok",
    )
    assert got["guard"] == AuditValue("`except Exception` (try on line 10)", "chat.py:13", "ok")
    assert got["cap"] == AuditValue("max_tokens=512", "chat.py:8", "ok")
    assert got["timeout"] == AuditValue("timeout=120", "chat.py:3", "ok")


def test_aliased_import_and_self_attribute_are_shown_as_resolved(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        from openai import AsyncOpenAI as Client


        class Bot:
            def __init__(self):
                self.llm = Client()

            async def reply(self, messages):
                stream = await self.llm.chat.completions.create(
                    model="gpt-4o", messages=messages, stream=True
                )
                async for chunk in stream:
                    yield chunk
        """,
    )
    [row] = rows_of(path)
    got = values(row)
    assert row.subject == "chat.py: self.llm.chat.completions.create(stream=True) in Bot.reply()"
    assert got["client"].text == (
        "openai (version not pinned: the older behaviour is assumed) "
        "(from openai import AsyncOpenAI as Client; self.llm = Client())"
    )
    assert (got["client"].origin, got["client"].status) == ("chat.py:6", "unknown")
    assert got["guard"].status == "risk"
    assert got["guard"].text == (
        "none (the `async for` on line 12: reply() is not called in this file)"
    )
    assert got["cap"] == AuditValue(
        "none (`max_completion_tokens` not passed)", "chat.py:9", "risk"
    )
    assert got["timeout"] == AuditValue("600 s (openai's default; connect 5 s)", "SDK default")


def test_handler_that_cannot_catch_is_a_risk_naming_it(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import anthropic

        client = anthropic.Anthropic()
        try:
            with client.messages.stream(model="m", max_tokens=100, messages=[]) as stream:
                for text in stream.text_stream:
                    print(text)
        except KeyboardInterrupt:
            pass
        """,
    )
    [row] = rows_of(path)
    got = values(row)
    assert row.subject == "chat.py: client.messages.stream() at module level"
    assert got["client"].text.startswith("anthropic (")
    assert got["client"].text.endswith("(import anthropic; client = anthropic.Anthropic())")
    assert got["guard"].status == "risk"
    assert got["guard"].text.startswith("none: `except KeyboardInterrupt` (line 8) cannot catch ")
    assert got["guard"].origin == "chat.py:8"
    assert got["cap"] == AuditValue("max_tokens=100", "chat.py:5", "ok")


def test_guard_in_the_caller_of_a_generator(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import litellm


        def tokens(prompt):
            for chunk in litellm.completion(model="m", messages=[], stream=True, max_tokens=9):
                yield chunk


        def main():
            try:
                print("".join(tokens("hi")))
            except Exception:
                print("cut")
        """,
    )
    [row] = rows_of(path)
    got = values(row)
    assert got["client"].text.startswith("litellm")
    assert got["client"].text.endswith("(import litellm)")
    assert got["guard"] == AuditValue(
        "caller of tokens(): `except Exception` (try on line 10)",
        "chat.py:11",
        "ok",
    )
    assert got["timeout"] == AuditValue("6000 s (litellm's default request_timeout)", "SDK default")


def test_consumer_in_a_comprehension_is_named_at_its_line_as_py001_reports(
    tmp_path: Path,
) -> None:
    # A comprehension node has no line of its own: the audit named the generator's loop
    # (line 5) while PY001 reports the comprehension (line 10).
    path = program(
        tmp_path,
        """\
        import litellm


        def tokens(prompt):
            for chunk in litellm.completion(model="m", messages=[], stream=True, max_tokens=9):
                yield chunk


        def main():
            return "".join([t for t in tokens("hi")])
        """,
    )
    [row] = rows_of(path)
    guard = values(row)["guard"]
    assert guard.status == "risk"
    assert guard.origin == "chat.py:10"
    assert "its consumer on line 10" in guard.text
    found = run([str(path)], SettingsResolver(cwd=str(tmp_path)), RunOptions())
    assert [(f.code, f.line) for f in found.findings if f.code == "PY001"] == [("PY001", 10)]


def test_raw_http_timeouts_are_risks_where_py006_reports(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import httpx
        import requests

        client = httpx.Client()


        def relay(url):
            try:
                with requests.post(url, json={}, stream=True, timeout=(5, 10)) as r:
                    yield from r.iter_lines()
                with requests.get(url, stream=True, timeout=(5, 300)) as r:
                    yield from r.iter_lines()
                with client.stream("GET", url) as r:
                    yield from r.iter_lines()
            except (requests.RequestException, httpx.HTTPError):
                return
        """,
    )
    rows = rows_of(path)
    assert [r.subject for r in rows] == [
        "chat.py: requests.post(stream=True) in relay()",
        "chat.py: requests.get(stream=True) in relay()",
        "chat.py: client.stream() in relay()",
    ]
    timeouts = [values(r)["timeout"] for r in rows]
    assert timeouts == [
        AuditValue("10 s per read", "chat.py:9", "risk"),
        AuditValue("300 s per read", "chat.py:11", "ok"),
        AuditValue("httpx's default: 5 s per read", "chat.py:4", "risk"),
    ]
    assert [values(r)["cap"].status for r in rows] == ["unknown"] * 3
    assert [values(r)["guard"].status for r in rows] == ["ok"] * 3
    assert values(rows[2])["client"].text == "httpx (import httpx; client = httpx.Client())"


def test_raw_generation_body_cap(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import requests

        body = {"model": "llama3", "prompt": "hi"}
        with requests.post("http://localhost:11434/api/generate", json=body, stream=True, timeout=(5, 300)) as r:
            for line in r.iter_lines():
                print(line)
        """,
    )
    [row] = rows_of(path)
    assert values(row)["cap"] == AuditValue(
        'none (add "options": {"num_predict": N} to the body)', "chat.py:3", "risk"
    )


def test_non_streaming_calls_are_rows_only_where_py002_looks(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import anthropic
        import openai

        claude = anthropic.Anthropic()
        gpt = openai.OpenAI()

        claude.messages.create(model="m", messages=[])
        gpt.chat.completions.create(model="m", messages=[], max_tokens=None)
        """,
    )
    # With all-calls off, anthropic's calls still count: its max_tokens is required.
    [row] = rows_of(path, rules={"PY002": {"all-calls": False}})
    assert row.subject == "chat.py: claude.messages.create() at module level"
    assert values(row)["guard"] == AuditValue("not a stream", "", "ok")
    assert values(row)["cap"] == AuditValue("none (`max_tokens` not passed)", "chat.py:7", "risk")
    rows = rows_of(path)  # all-calls is on by default
    assert [r.line for r in rows] == [7, 8]
    assert values(rows[1])["cap"] == AuditValue("max_tokens=None (no cap)", "chat.py:8", "risk")


def test_opaque_kwargs_make_the_cap_unknown_not_a_risk(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        import ollama


        def ask(**settings):
            for part in ollama.chat(model="m", messages=[], stream=True, **settings):
                print(part)
        """,
    )
    [row] = rows_of(path)
    cap = values(row)["cap"]
    assert cap.status == "unknown"
    assert cap.text == "not known (`**kwargs` may set it)"
    assert values(row)["client"].text == "ollama (import ollama)"


def test_stream_returned_to_another_file_is_not_iterated_here(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """\
        from openai import OpenAI


        def start(client: OpenAI, messages):
            return client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=5)
        """,
    )
    [row] = rows_of(path)
    got = values(row)
    assert got["guard"] == AuditValue("not iterated in this file", "", "unknown")
    assert got["client"].text.endswith(
        "(from openai import OpenAI; client: OpenAI (a parameter of start()))"
    )
    assert got["timeout"].status == "unknown"  # the client is made by the caller


PYTHON_FIXTURES = [f for f in all_fixtures() if f.kind == "python"]
ALL_PY = [f"PY00{n}" for n in range(8)]


def _origin_lines(value: AuditValue) -> set[tuple[str, int]]:
    return {(name, int(line)) for name, line in re.findall(r"([\w.-]+\.py):(\d+)", value.origin)}


@pytest.mark.parametrize("fixture", PYTHON_FIXTURES, ids=lambda f: f"{f.code}/{f.name}")
def test_risks_are_exactly_where_the_rules_report_on_every_fixture(
    fixture: Fixture, tmp_path: Path
) -> None:
    """Over every Python fixture: a guard is a risk exactly where PY001/PY003 report (at its
    origin), a cap where PY002 reports the call, a raw HTTP timeout where PY006 does."""
    copy = tmp_path / fixture.name
    if fixture.path.is_dir():
        shutil.copytree(fixture.path, copy)
    else:
        shutil.copy2(fixture.path, copy)
    settings = dict(fixture.settings())
    settings["extend-select"] = ALL_PY
    result = audit(copy, **settings)
    assert result.files_checked >= 1
    findings: dict[str, set[tuple[str, int]]] = {}
    for finding in result.findings:
        findings.setdefault(finding.code, set()).add((os.path.basename(finding.path), finding.line))
    seen: dict[str, set[tuple[str, int]]] = {"guard": set(), "cap": set(), "timeout": set()}
    for row in result.audit_rows:
        if not row.path.endswith(".py"):
            continue  # a fixture's NGINX config (PY008) has rows of its own kind
        got = values(row)
        here = (os.path.basename(row.path), row.line)
        if got["guard"].status == "risk":
            seen["guard"] |= _origin_lines(got["guard"])
        if got["cap"].status == "risk":
            seen["cap"].add(here)
        if got["timeout"].status == "risk":
            seen["timeout"].add(here)
    assert seen["guard"] == findings.get("PY001", set()) | findings.get("PY003", set())
    assert seen["cap"] == findings.get("PY002", set())
    assert seen["timeout"] == findings.get("PY006", set())
    if fixture.fires and fixture.code in ("PY001", "PY002", "PY003", "PY006"):
        assert result.audit_rows  # the comparison above is not between two empty sets


def test_audit_command_shows_the_python_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    program(
        tmp_path,
        """\
        import openai

        client = openai.OpenAI()
        for chunk in client.chat.completions.create(model="m", messages=[], stream=True):
            print(chunk)
        """,
    )
    result = CliRunner().invoke(main, ["audit", "--format", "json", "."], catch_exceptions=False)
    data = json.loads(result.stdout)
    [section] = data["sections"]
    assert section["title"] == "Python stream call sites"
    [row] = section["rows"]
    assert row["subject"] == "chat.py: client.chat.completions.create(stream=True) at module level"
    assert [(v["label"], v["status"]) for v in row["values"]] == [
        ("client", "unknown"),
        ("guard", "risk"),
        ("cap", "risk"),
        ("timeout", "ok"),
    ]
    markdown = CliRunner().invoke(main, ["audit", "--format", "markdown", "."]).stdout
    assert "## Python stream call sites" in markdown
    assert "| where | what | client | guard | cap | timeout |" in markdown


def test_fixing_the_example_project_turns_its_risk_into_ok(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "chat-proxy"
    shutil.copytree(REPO / "examples" / "chat-proxy", project)
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")

    def python_rows() -> dict[str, dict[str, tuple[str, str]]]:
        out = CliRunner().invoke(main, ["audit", "--format", "json", "."]).stdout
        [section] = [s for s in json.loads(out)["sections"] if s["title"].startswith("Python")]
        return {
            row["subject"]: {v["label"]: (v["text"], v["status"]) for v in row["values"]}
            for row in section["rows"]
        }

    subject = "chat.py: requests.post(stream=True) in ask_raw()"
    before = python_rows()
    assert before[subject]["timeout"] == ("none (requests waits forever)", "risk")
    assert before[subject]["client"] == ("requests (import requests)", "ok")
    openai_row = before["chat.py: client.chat.completions.create(stream=True) in ask()"]
    assert openai_row["client"][0].startswith("openai 1.109.1 (from openai import OpenAI;")
    CliRunner().invoke(main, ["check", "--fix", "--select", "PY006", "app/chat.py"])
    after = python_rows()
    assert after[subject]["timeout"] == ("300 s per read", "ok")
    # The fix added a line (one argument per line): the loop moved down, and is still a risk.
    assert after[subject]["guard"] == (
        "none (the `for` on line 32: ask_raw() is not called in this file)",
        "risk",
    )


def test_version_origin_names_the_pin_file_as_findings_do(tmp_path: Path) -> None:
    """Relative to the linted root, as the PY001 message names it: not `../requirements.txt`
    relative to the source file's folder."""
    (tmp_path / "requirements.txt").write_text("openai==1.109.1\n")
    (tmp_path / "app").mkdir()
    path = program(
        tmp_path / "app",
        """\
        from openai import OpenAI

        client = OpenAI()
        for chunk in client.chat.completions.create(model="m", messages=[], stream=True):
            print(chunk)
        """,
    )
    resolver = SettingsResolver(cwd=str(tmp_path))
    result = run([str(path)], resolver, RunOptions(audit=True))
    [row] = result.audit_rows
    assert values(row)["client"].origin == "chat.py:3; version from requirements.txt:1"
    [py001] = [f for f in result.findings if f.code == "PY001"]
    assert "from requirements.txt: openai==1.109.1" in py001.message
