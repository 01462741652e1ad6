"""Where PY005 and PY007 stand: PY005 at what restarts the stream (the retry loop's header,
the retrying decorator), PY007 at the wait that does not grow (or at the loop when nothing
in it waits, or at the ``except`` of a handler that goes round at once while others wait).
The exact line and column, the same in the JSON and SARIF output, and an ignore comment on
that line silences the finding."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from helpers import lint, streamproof

RETRIES = """\
import asyncio
import random
import time

import openai

client = openai.OpenAI()
aclient = openai.AsyncOpenAI()


def ask(question):
    for attempt in range(5):
        try:
            return client.chat.completions.create(model="m", messages=[], max_tokens=9)
        except openai.RateLimitError:
            time.sleep(30)
        except openai.APIConnectionError:
            continue


async def ask_async(question):
    while True:
        try:
            return await aclient.chat.completions.create(model="m", messages=[], max_tokens=9)
        except openai.APIError:
            await asyncio.sleep(1)


def ask_in_a_burst(question):
    for attempt in range(5):
        try:
            return client.chat.completions.create(model="m", messages=[], max_tokens=9)
        except openai.APIError:
            pass


def tell(question):
    for attempt in range(3):
        try:
            stream = client.chat.completions.create(
                model="m", messages=[], stream=True, max_tokens=9
            )
            for chunk in stream:
                yield chunk.choices[0].delta.content or ""
            return
        except Exception:
            time.sleep(2 ** attempt + random.random())
"""

# (code, line, column, end line, end column): 1-based, end exclusive as the engine reports.
WANTED = [
    ("PY005", 38, 5, 38, 28),  # `for attempt in range(3)`
    ("PY007", 16, 13, 16, 27),  # `time.sleep(30)`
    ("PY007", 17, 9, 17, 41),  # `except openai.APIConnectionError`
    ("PY007", 26, 13, 26, 35),  # `await asyncio.sleep(1)`
    ("PY007", 30, 5, 30, 28),  # `for attempt in range(5)`: nothing in the loop waits
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(text))
    return path


def test_the_findings_stand_on_the_retry_and_on_the_wait(tmp_path: Path) -> None:
    path = _write(tmp_path, RETRIES)
    found = lint([path], cwd=tmp_path, select=["PY005", "PY007"]).findings
    got = sorted((f.code, f.line, f.column, f.end_line, f.end_column) for f in found)
    assert got == sorted(WANTED)
    lines = RETRIES.splitlines()
    assert lines[15].strip() == "time.sleep(30)"
    assert lines[16].strip() == "except openai.APIConnectionError:"
    assert lines[25].strip() == "await asyncio.sleep(1)"
    assert lines[37].strip() == "for attempt in range(3):"


def test_the_messages_name_the_other_line(tmp_path: Path) -> None:
    path = _write(tmp_path, RETRIES)
    found = lint([path], cwd=tmp_path, select=["PY005", "PY007"]).findings
    by_line = {f.line: f.message for f in found}
    # PY005 at the loop names the stream loop (line 43) and where chunks go out (line 44).
    assert by_line[38].startswith(
        "this retry loop restarts the openai stream read on line 43 after chunks were already "
        "yielded (line 44)"
    )
    # PY007 at the wait names the loop and the retried call.
    assert by_line[16].startswith(
        "the loop on line 12 retries `client.chat.completions.create(...)` (line 14) from "
        "`except openai.RateLimitError` (line 15) after this constant `time.sleep(30)`"
    )
    assert by_line[17].startswith(
        "the loop on line 12 retries `client.chat.completions.create(...)` (line 14) after this "
        "`except openai.APIConnectionError` at once"
    )
    assert by_line[26].startswith("the loop on line 22 retries ")
    assert by_line[30].startswith("this loop retries ")


def test_json_and_sarif_positions_follow(tmp_path: Path) -> None:
    _write(tmp_path, RETRIES)
    args = ("check", "--select", "PY005,PY007", "--exit-zero", "app.py")
    proc = streamproof(*args[:1], "--output-format", "json", *args[1:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    got = sorted((r["code"], r["line"], r["column"], r["end_line"], r["end_column"]) for r in rows)
    assert got == sorted(WANTED)
    proc = streamproof(*args[:1], "--output-format", "sarif", *args[1:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    regions = sorted(
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            r["locations"][0]["physicalLocation"]["region"]["endLine"],
            r["locations"][0]["physicalLocation"]["region"]["endColumn"],
        )
        for r in results
    )
    assert regions == sorted(WANTED)


def test_an_ignore_on_the_new_line_silences_it_and_one_on_the_old_line_does_not(
    tmp_path: Path,
) -> None:
    lines = RETRIES.splitlines()
    # On the wait (PY007) and on the retry loop (PY005): silenced.
    lines[15] += "  # streamproof: ignore[PY007]"
    lines[37] += "  # streamproof: ignore[PY005]"
    path = _write(tmp_path, "\n".join(lines) + "\n")
    found = lint([path], cwd=tmp_path, select=["PY005", "PY007"]).findings
    got = sorted((f.code, f.line) for f in found)
    assert got == [("PY007", 17), ("PY007", 26), ("PY007", 30)]
    # Where they stood before (the first loop's header, the stream loop): nothing to silence
    # any more, so the comments are reported as unused and the findings stay.
    lines = RETRIES.splitlines()
    lines[11] += "  # streamproof: ignore[PY007]"
    lines[42] += "  # streamproof: ignore[PY005]"
    path = _write(tmp_path, "\n".join(lines) + "\n")
    found = lint([path], cwd=tmp_path, select=["PY005", "PY007"]).findings
    codes = [(f.code, f.line) for f in found]
    assert ("PY007", 16) in codes and ("PY005", 38) in codes
    unused = [f for f in found if f.line in (12, 43) and f.code not in ("PY005", "PY007")]
    assert len(unused) == 2, codes


GENERATOR_RETRY = """\
    import time

    import openai

    client = openai.OpenAI()


    def chunks(prompt):
        stream = client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=9)
        for chunk in stream:
            yield chunk


    def ask(prompt):
        while True:
            try:
                got = chunks(prompt)
                return [c for c in got]
            except Exception:
                time.sleep(2)
"""


def test_a_generator_of_the_file_iterated_on_every_pass_is_the_retried_call(
    tmp_path: Path,
) -> None:
    # Making the generator sends nothing; iterating it in the attempt does, on every pass.
    path = _write(tmp_path, GENERATOR_RETRY)
    [found] = lint([path], cwd=tmp_path, select=["PY007"]).findings
    assert found.line == 20
    assert found.message.startswith(
        "the loop on line 15 retries `chunks(...)` (line 17; chunks() calls "
        "`client.chat.completions.create(...)` on line 9)"
    )
    # Only made there (handed back, iterated by the caller): no request is retried.
    made_only = GENERATOR_RETRY.replace("return [c for c in got]", "return got")
    path = _write(tmp_path, made_only)
    assert lint([path], cwd=tmp_path, select=["PY007"]).findings == []
