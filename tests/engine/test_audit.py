"""`streamproof audit`: rows from the kinds, the summary, and what to fix first, in 3 formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from linter.audit import fix_first
from linter.cli import main

pytestmark = pytest.mark.usefixtures("toy_kind")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "a.toy").write_text("timeout = 3\ncap = 1\n")
    (tmp_path / "b.toy").write_text("timeout = 30\n")
    return tmp_path


def audit(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["audit", *args], catch_exceptions=False)


def test_json_audit_has_rows_summary_and_priorities(project: Path) -> None:
    result = audit("--format", "json", ".")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    [section] = data["sections"]
    assert section["title"] == "Toy timeouts"
    assert [
        (r["path"], r["values"][0]["text"], r["values"][0]["status"]) for r in section["rows"]
    ] == [
        ("a.toy", "3", "risk"),
        ("b.toy", "30", "ok"),
    ]
    assert data["summary"]["by_rule"] == [
        {"code": "TOY001", "name": "toy-timeout", "severity": "warning", "count": 1},
        {"code": "TOY002", "name": "toy-cap", "severity": "warning", "count": 1},
    ]
    assert data["summary"]["by_severity"] == {"error": 0, "warning": 2, "info": 0}
    assert [p["code"] for p in data["fix_first"]] == ["TOY001", "TOY002"]
    assert data["fix_first"][0]["fix"] == "safe"


def test_fixing_a_defect_changes_the_tables(project: Path) -> None:
    before = json.loads(audit("--format", "json", ".").stdout)
    CliRunner().invoke(main, ["check", "--fix", "a.toy"])
    after = json.loads(audit("--format", "json", ".").stdout)
    row = lambda data: data["sections"][0]["rows"][0]["values"][0]  # noqa: E731
    assert (row(before)["text"], row(before)["status"]) == ("3", "risk")
    assert (row(after)["text"], row(after)["status"]) == ("10", "ok")
    assert [p["code"] for p in after["fix_first"]] == ["TOY002"]


def test_terminal_audit_is_aligned_and_plain_without_a_terminal(project: Path) -> None:
    out = audit(".").stdout
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert lines[0] == "streamproof audit: 2 files checked"
    assert "Toy timeouts (2)" in lines
    assert any(line.startswith("    timeout  3   RISK  line 1") for line in lines)
    assert "Fix first" in lines
    assert any("1. TOY001 toy-timeout: short toy timeout" in line for line in lines)
    # The summary by rule and severity: one aligned row each, errors first.
    start = lines.index("Findings by rule")
    assert lines[start + 1 : start + 4] == [
        "  TOY001 toy-timeout  warning     1",
        "  TOY002 toy-cap      warning     1",
        "  by severity: 2 warnings",
    ]


def test_summary_counts_each_rule_by_severity_errors_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    # TOY003 (error) twice, TOY001 (warning) once, TOY000 (a file that cannot be parsed: error).
    (tmp_path / "a.toy").write_text("cap = 1\nlabel = x\nlabel = y\ntimeout = 3\n")
    (tmp_path / "bad.toy").write_text("cap = 1\n!!\n")
    data = json.loads(audit("--format", "json", ".").stdout)
    assert [(r["code"], r["severity"], r["count"]) for r in data["summary"]["by_rule"]] == [
        ("TOY000", "error", 1),
        ("TOY003", "error", 2),
        ("TOY001", "warning", 1),
    ]
    assert data["summary"]["by_severity"] == {"error": 3, "warning": 1, "info": 0}
    markdown = audit("--format", "markdown", ".").stdout
    assert "| rule | severity | count |" in markdown
    assert "| `TOY003` toy-label | error | 2 |" in markdown
    assert "By severity: 3 errors, 1 warning." in markdown
    assert "  by severity: 3 errors, 1 warning" in audit(".").stdout.splitlines()


def test_markdown_audit_is_a_table(project: Path) -> None:
    out = audit("--format", "markdown", ".").stdout
    assert "## Toy timeouts" in out
    assert "| where | what | timeout |" in out
    assert "| `a.toy:1` | timeout #1 | **3** ⚠️ <br><sub>line 1</sub> |" in out
    assert "## Fix first" in out


def test_fix_first_puts_fatal_problems_and_errors_before_warnings(project: Path) -> None:
    from linter.model import Finding, Severity

    def finding(code: str, severity: Severity, fatal: bool = False) -> Finding:
        return Finding(code, code.lower(), severity, "m", "p", 1, 1, 1, 2, fatal=fatal)

    ranked = fix_first(
        [
            finding("NGX005", Severity.WARNING),
            finding("NGX002", Severity.WARNING),
            finding("LIT003", Severity.ERROR),
            finding("NGX000", Severity.ERROR, fatal=True),
            finding("NGX009", Severity.INFO),
        ]
    )
    assert [p.code for p in ranked] == ["NGX000", "LIT003", "NGX002"]
