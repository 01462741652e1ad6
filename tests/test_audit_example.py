"""`streamproof audit` on the example project the repository ships, and on a copy with one
defect fixed: the tables change exactly there."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, streamproof

EXAMPLE = REPO / "examples" / "chat-proxy"


def audit_json(path: Path) -> dict[str, Any]:
    proc = streamproof("audit", "--format", "json", str(path), cwd=path)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


def cell(data: dict[str, Any], section: str, subject_part: str, label: str) -> dict[str, str]:
    for found in data["sections"]:
        if found["title"] != section:
            continue
        for row in found["rows"]:
            if subject_part in row["subject"]:
                return next(v for v in row["values"] if v["label"] == label)
    raise AssertionError(f"no {section} row with {subject_part!r}")


def test_audit_of_the_example_shows_each_kind_and_what_to_fix_first() -> None:
    data = audit_json(EXAMPLE)
    titles = [s["title"] for s in data["sections"]]
    assert titles[:2] == ["NGINX streaming routes", "LiteLLM deployments"]
    route = "location /v1/chat/completions"
    assert cell(data, "NGINX streaming routes", route, "buffering") == {
        "label": "buffering", "text": "on", "origin": "nginx default", "status": "risk",
    }  # fmt: skip
    timeout = cell(data, "NGINX streaming routes", route, "read timeout")
    assert (timeout["text"], timeout["status"]) == ("30s", "risk")
    assert timeout["origin"].endswith("nginx/nginx.conf:25")
    stream = cell(data, "LiteLLM deployments", "gpt-4o", "stream timeout")
    assert (stream["text"], stream["status"]) == ("10s", "risk")
    codes = {entry["code"] for entry in data["summary"]["by_rule"]}
    assert {"NGX001", "NGX002", "LIT001", "LIT003", "PY001"} <= codes
    # The one error (a timeout LiteLLM cannot read fails every request to `claude`) first, then
    # what breaks every stream through nginx: buffering, then the 30s read timeout.
    assert [p["code"] for p in data["fix_first"]] == ["LIT002", "NGX002", "NGX001"]
    assert [p["fix"] for p in data["fix_first"]] == ["safe", "safe", "safe"]


def test_fixing_the_buffering_defect_changes_the_route_table(tmp_path: Path) -> None:
    copy = tmp_path / "chat-proxy"
    shutil.copytree(EXAMPLE, copy)
    before = audit_json(copy)
    fixed = streamproof("check", "--fix", "--select", "NGX002", str(copy), cwd=copy)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    after = audit_json(copy)
    route = "location /v1/chat/completions"
    buffering = cell(after, "NGINX streaming routes", route, "buffering")
    assert (buffering["text"], buffering["status"]) == ("off", "ok")
    assert buffering["origin"].endswith("nginx/nginx.conf:24")
    # Nothing else in the route changed (values and verdicts; lines below the insertion moved
    # down by one), and NGX002 left the summary and the priorities.
    for label in ("read timeout", "cache", "gzip", "keep-alive"):
        old, new = (cell(d, "NGINX streaming routes", route, label) for d in (before, after))
        assert (new["text"], new["status"]) == (old["text"], old["status"])
    moved = cell(after, "NGINX streaming routes", route, "read timeout")["origin"]
    assert moved.endswith("nginx/nginx.conf:26")
    assert "NGX002" not in {e["code"] for e in after["summary"]["by_rule"]}
    assert [p["code"] for p in after["fix_first"]] == ["LIT002", "NGX001", "PY001"]
    assert len(after["findings"]) == len(before["findings"]) - 1


def test_terminal_audit_of_the_example_reads_as_aligned_tables(tmp_path: Path) -> None:
    proc = streamproof("audit", str(EXAMPLE), cwd=EXAMPLE)
    assert proc.returncode == 1, proc.stderr
    assert "\x1b[" not in proc.stdout and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "streamproof audit: 3 files checked"
    # In each section, the status column (ok / RISK / ?) starts at one offset on every row.
    sections = [i for i, line in enumerate(lines) if re.fullmatch(r"\S.* \(\d+\)", line)]
    assert [lines[i] for i in sections] == [
        "NGINX streaming routes (1)",
        "LiteLLM deployments (3)",
        "Python stream call sites (2)",
    ]
    # Every row names its file relative to the current folder (the NGINX rows named it relative
    # to the repository root: examples/chat-proxy/nginx/nginx.conf beside litellm/config.yaml).
    assert lines[sections[0] + 1].endswith("upstream litellm  nginx/nginx.conf:22")
    assert lines[sections[1] + 1] == "  gpt-4o  litellm/config.yaml:3"
    assert lines[sections[2] + 1].endswith("in ask()  app/chat.py:12")
    # The stream paths across files follow the tables (the example has no compose file: its
    # NGINX route is not linked further, and the audit says so).
    paths = lines.index("Stream paths (client to model, across the repository's layers)")
    assert (
        "     x not linked further: no compose service or Kubernetes Service of the repository answers to 127.0.0.1:4000"
        in lines
    )
    for start, end in zip(sections, [*sections[1:], paths], strict=True):
        rows = [line for line in lines[start + 1 : end] if line.startswith("    ")]
        assert rows
        marks = {re.search(r"  (ok|RISK|\?)(  |$)", row).start() for row in rows}  # type: ignore[union-attr]
        assert len(marks) == 1, rows
    summary = lines[lines.index("Findings by rule") + 1 :]
    assert summary[0].split() == ["LIT002", "timeout-not-number", "error", "1"]
    assert "  by severity: 1 error, 12 warnings" in summary
    first = lines.index("Fix first")
    assert lines[first + 1].startswith("  1. LIT002 timeout-not-number: ")
    assert lines[first + 2].strip().startswith("first at litellm/config.yaml:12;")


def test_markdown_audit_of_the_example_has_well_formed_tables() -> None:
    proc = streamproof("audit", "--format", "markdown", str(EXAMPLE), cwd=EXAMPLE)
    assert proc.returncode == 1, proc.stderr
    table: list[str] = []
    tables = []
    for line in [*proc.stdout.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            tables.append(table)
            table = []
    # NGINX routes, LiteLLM deployments, Python call sites, the hops of the two stream paths
    # (the OpenAI client's and the raw requests.post's), findings by rule.
    assert len(tables) == 6
    assert "```mermaid\nflowchart LR\n" in proc.stdout
    for rows in tables:
        # Every row has the header's number of cells (a `|` inside a value is escaped).
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows
        assert set(rows[1]) <= {"|", "-"}
    assert "| `nginx/nginx.conf:22` |" in tables[0][2]
    assert "**on** ⚠️ <br><sub>nginx default</sub>" in tables[0][2]


# -- colour and progress only on a terminal ---------------------------------------------------


def run_on_terminal(
    args: list[str], cwd: Path, tty: bool, **extra_env: str
) -> tuple[int, bytes, bytes]:
    """Run the command with stdout and stderr each on its own pseudo-terminal (or pipe)."""
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra_env)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    out_read, out_write = pty.openpty() if tty else os.pipe()
    err_read, err_write = pty.openpty() if tty else os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "linter", *args],
        cwd=cwd,
        stdout=out_write,
        stderr=err_write,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(out_write)
    os.close(err_write)
    data = {out_read: b"", err_read: b""}
    while len(data) > sum(1 for fd in data if fd < 0):
        ready, _, _ = select.select([fd for fd in data if fd >= 0], [], [], 300)
        assert ready, "no output for 300 s"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # a pseudo-terminal whose other end closed
                chunk = b""
            if chunk:
                data[fd] += chunk
            else:
                os.close(fd)
                data[-1 - fd] = data.pop(fd)
    return proc.wait(timeout=300), data[-1 - out_read], data[-1 - err_read]


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_and_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    for number in range(25):  # enough files for the progress bar (20 or more)
        (tmp_path / f"s{number}.conf").write_text(
            f"server {{\n    listen {8000 + number};\n    location /v1/chat/completions {{\n"
            "        proxy_pass http://127.0.0.1:4000;\n    }\n}\n"
        )
    status, out, err = run_on_terminal(["audit", "."], tmp_path, tty=True)
    assert status == 1
    assert b"\x1b[1m" in out and b"\x1b[31m" in out  # bold headings, red RISK
    assert b"25/25 files" in err and b"\x1b[" not in err
    assert b"files" not in out.split(b"checked", 1)[1]  # the bar never goes to stdout
    status, out, err = run_on_terminal(["audit", "."], tmp_path, tty=False)
    assert status == 1
    assert b"\x1b[" not in out and err == b""
    # NO_COLOR wins over a terminal (the progress bar stays: it is not colour).
    status, out, err = run_on_terminal(["audit", "."], tmp_path, tty=True, NO_COLOR="1")
    assert status == 1 and b"\x1b[" not in out and b"25/25 files" in err
    # markdown and json are for pasting and parsing: plain even on a terminal.
    for fmt in ("markdown", "json"):
        status, out, _ = run_on_terminal(["audit", "--format", fmt, "."], tmp_path, tty=True)
        assert status == 1 and b"\x1b[" not in out, fmt
