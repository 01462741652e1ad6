"""The command line on hostile trees: file names no output can carry as they are, and a bug of
ours that escapes the engine. Each runs the real command in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import REPO

STREAMING_LOCATION = (
    "server {\n"
    "    location /v1/chat/completions {\n"
    "        proxy_pass http://127.0.0.1:4000;\n"
    "    }\n"
    "}\n"
)
STREAM_LOOP = (
    "import openai\n"
    "for c in openai.OpenAI().chat.completions.create(model='m', messages=[], stream=True):\n"
    "    print(c)\n"
)


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "linter", *args],
        cwd=cwd,
        capture_output=True,
        env=dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO), **env),
        timeout=120,
    )


def _hostile_names(tree: Path) -> None:
    (tree / "conf.d").mkdir()
    for name in (b"caf\xe9.conf", b"new\nline.conf", b"x\xff\nz.conf"):
        (tree / "conf.d" / os.fsdecode(name)).write_text(STREAMING_LOCATION)
    (tree / os.fsdecode(b"app\xe9.py")).write_text(STREAM_LOOP)


def _parse(fmt: str, text: str) -> object:
    if fmt in ("json", "sarif", "gitlab"):
        return json.loads(text)
    if fmt == "json-lines":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "junit":
        return ET.fromstring(text)
    return text


# Python's stdout is "strict" in most UTF-8 locales (en_US.UTF-8) and "surrogateescape" in the
# C locale: the first used to raise half way through the report (a traceback, exit 1), the
# second to write bytes that are not UTF-8 (JSON and SARIF no consumer can read).
@pytest.mark.parametrize("stdout_errors", ["strict", "surrogateescape"])
@pytest.mark.parametrize(
    "fmt", ["full", "concise", "github", "json", "json-lines", "sarif", "gitlab", "junit"]
)
def test_file_names_that_are_not_utf8_or_hold_newlines(
    fmt: str, stdout_errors: str, tmp_path: Path
) -> None:
    _hostile_names(tmp_path)
    proc = _run(
        ["check", "--output-format", fmt, "."],
        tmp_path,
        PYTHONIOENCODING=f"utf-8:{stdout_errors}",
    )
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")
    assert proc.stderr == b""
    text = proc.stdout.decode("utf-8")  # valid UTF-8, whatever the names
    _parse(fmt, text)
    # Each undecodable byte is shown as `\xNN`; a newline in a name is never a raw line break
    # inside one finding's line in the line-based formats.
    if fmt in ("json", "json-lines", "gitlab"):
        found = _parse(fmt, text)
        assert isinstance(found, list)
        paths = {f["location"]["path"] if fmt == "gitlab" else f["path"] for f in found}
        assert paths == {
            "app\\xe9.py",
            "conf.d/caf\\xe9.conf",
            "conf.d/new\nline.conf",
            "conf.d/x\\xff\nz.conf",
        }
    elif fmt == "concise":
        assert {line.split(":", 1)[0] for line in text.splitlines()[:-1]} == {
            "app\\xe9.py",
            "conf.d/caf\\xe9.conf",
            "conf.d/new\\nline.conf",
            "conf.d/x\\xff\\nz.conf",
        }
    elif fmt == "sarif":
        # URIs carry the bytes themselves, percent-encoded (RFC 3986): nothing is lost.
        assert "app%E9.py" in text and "conf.d/x%FF%0Az.conf" in text
    else:
        assert "app\\xe9.py" in text and "caf\\xe9.conf" in text


def test_fix_and_diff_with_names_that_are_not_utf8(tmp_path: Path) -> None:
    _hostile_names(tmp_path)
    diff = _run(["check", "--diff", "."], tmp_path, PYTHONIOENCODING="utf-8:strict")
    assert diff.returncode == 1, diff.stderr
    assert b"+++ b/conf.d/caf\\xe9.conf\n" in diff.stdout
    fixed = _run(["check", "--fix", "."], tmp_path, PYTHONIOENCODING="utf-8:strict")
    assert fixed.returncode == 1, fixed.stderr  # PY001 and PY002 have no safe fix
    assert b"Fixed 6, 2 remaining" in fixed.stderr
    for name in (b"caf\xe9.conf", b"new\nline.conf", b"x\xff\nz.conf"):
        assert b"proxy_buffering off;" in (tmp_path / "conf.d" / os.fsdecode(name)).read_bytes()


def test_audit_json_with_names_that_are_not_utf8(tmp_path: Path) -> None:
    _hostile_names(tmp_path)
    proc = _run(["audit", "--format", "json", "."], tmp_path, PYTHONIOENCODING="utf-8:strict")
    assert proc.returncode == 1, proc.stderr
    audit = json.loads(proc.stdout.decode("utf-8"))
    assert {f["path"] for f in audit["findings"]} == {
        "app\\xe9.py",
        "conf.d/caf\\xe9.conf",
        "conf.d/new\nline.conf",
        "conf.d/x\\xff\nz.conf",
    }


def test_a_bug_that_escapes_the_engine_exits_2_not_1(tmp_path: Path) -> None:
    """1 means "findings": a crash (here in the reporter) must not read as that."""
    (tmp_path / "nginx.conf").write_text("http {\n" + STREAMING_LOCATION + "}\n")
    code = (
        "import sys\n"
        "import linter.reporters.concise as concise\n"
        "def explode(findings, context):\n"
        "    raise RuntimeError('reporter exploded')\n"
        "concise.render = explode\n"
        "from linter.cli import main\n"
        "main(['check', '--output-format', 'concise', '.'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert proc.returncode == 2
    assert "RuntimeError: reporter exploded" in proc.stderr  # the traceback, to report it
    assert "streamproof: internal error" in proc.stderr


def test_huge_values_and_lines_are_shown_shortened(tmp_path: Path) -> None:
    """A statement of 100,000 arguments, a deployment named by a megabyte, a 1 MB line of code:
    each finding is still found and said in a few hundred characters (quoted whole, one
    finding was 2 MB; a long line was printed whole, then again as carets)."""
    arguments = " ".join(f"{i}s" for i in range(100_000))
    (tmp_path / "nginx.conf").write_text(
        "http {\n    proxy_buffering off;\n    proxy_read_timeout " + arguments + ";\n}\n"
    )
    name = "m" * 1_000_000
    (tmp_path / "config.yaml").write_text(
        f"model_list:\n  - model_name: {name}\n    litellm_params:\n"
        "      model: openai/gpt-4o\n      stream_timeout: 600\n"
    )
    call = "s = c.chat.completions.create(model='m', messages=[], stream=True)"
    line = "import openai; c = openai.OpenAI(); " + "x = 1; " * 150_000 + call
    (tmp_path / "app.py").write_text(line + "\n")
    # Over the default max-file-size (1,000,000 characters): raised so that the line is read.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.streamproof.rules.PY000]\nmax-file-size = "2MB"\n'
    )

    proc = _run(["check", "--output-format", "json", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = {(f["path"], f["code"]): f for f in json.loads(proc.stdout)}
    assert set(found) == {("nginx.conf", "NGX009"), ("config.yaml", "LIT003"), ("app.py", "PY002")}
    for finding in found.values():
        assert len(finding["message"]) < 700, finding["message"][:300]
    ngx009 = found["nginx.conf", "NGX009"]["message"]
    assert ngx009.startswith("`proxy_read_timeout 0s 1s 2s ")
    assert (
        "…[688,748 characters]…" in ngx009 and "99998s 99999s`: nginx refuses this line" in ngx009
    )
    assert (
        f"deployment `{'m' * 120}…[999,840 characters]…{'m' * 40}` sets no `max_tokens`"
        in (found["config.yaml", "LIT003"]["message"])
    )
    column = found["app.py", "PY002"]["column"]
    assert line[column - 1 :].startswith("c.chat.completions.create(")

    full = _run(["check", "--output-format", "full", "app.py"], tmp_path).stdout.decode()
    assert len(full) < 2000
    excerpt, carets = (text for text in full.splitlines() if text.startswith(("1 |", "  |  ")))
    assert excerpt.startswith("1 | …") and len(excerpt) < 220
    # The carets still stand under the call.
    at = carets.index("^")
    assert excerpt[at:].startswith("c.chat.completions.create(")
    assert carets[at:] == "^" * len("c.chat.completions.create")  # the call's name, as PY002 marks


# Set the terminal's title, clear the screen, C1 CSI: what a linted file must not do to the
# terminal that shows the report.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_control_characters_from_the_files_never_reach_the_terminal(tmp_path: Path) -> None:
    """A YAML escape ("\\e") puts a control character in a value that messages and the audit
    quote; a raw ESC byte in a comment sits in the lines an excerpt shows; a file's name can
    hold one. Messages and names write them `\\xNN`, excerpts as one visible character each
    (so that the carets stay under their column)."""
    (tmp_path / "config.yaml").write_text(
        'model_list:\n  - model_name: "\\e]0;pwned\\a\\e[2J\\x9b31m"\n    litellm_params:\n'
        "      model: openai/gpt-4o\n      stream_timeout: 5\n"
    )
    (tmp_path / "ng\x1bx.conf").write_text(
        f"http {{\n    server {{ # {ESCAPES}\n        location /v1/chat/completions {{\n"
        "            proxy_pass http://127.0.0.1:4000;\n        }\n    }\n}\n"
    )
    for args in (
        ["check", "."],
        ["check", "--output-format", "concise", "."],
        ["check", "--output-format", "github", "."],
        ["audit", "."],
        ["audit", "--format", "markdown", "."],
    ):
        proc = _run(args, tmp_path)
        assert proc.returncode == 1, proc.stderr
        text = proc.stdout.decode("utf-8")
        assert not CONTROL.findall(text), (args, CONTROL.findall(text))
        assert "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m" in text  # the deployment's name
        assert "ng\\x1bx.conf" in text
    full = _run(["check", "--select", "NGX002", "."], tmp_path).stdout.decode("utf-8")
    assert "2 |     server { # ␛]0;pwned␇␛[2J\ufffd31m\n" in full
    # JSON keeps every character, escaped as JSON does.
    found = json.loads(_run(["check", "--output-format", "json", "."], tmp_path).stdout)
    assert {f["path"] for f in found} == {"config.yaml", "ng\\x1bx.conf"}


@pytest.mark.parametrize("command", ["check", "audit"])
def test_an_interrupted_run_exits_2_not_1(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C: click said "Aborted!" and exited 1, which reads as "findings"."""
    from click.testing import CliRunner

    from linter import cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, [command, "."])
    assert result.exit_code == 2
    assert result.stderr.strip() == "streamproof: interrupted"
