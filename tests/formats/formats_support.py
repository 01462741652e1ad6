"""One toy project whose findings every format test reports, and parsers that read each
format back into the same shape: (code, path, line, column, end_line, end_column, severity,
message)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from click.testing import CliRunner, Result

from linter.cli import main

# Special characters in paths and messages: ':' and ',' (GitHub properties), '%' (GitHub
# escapes), quotes and <>& (XML, JSON), a space and non-ASCII (URIs), and a line break in the
# message (TOY003 adds one).
WEIRD_DIR = "we:ird, dir"
WEIRD_NAME = "f%1 é.toy"
WEIRD_PATH = f"{WEIRD_DIR}/{WEIRD_NAME}"
LABEL = '<a&b> "q" é% 50, x:y'
PROJECT = {
    # TOY002 (no cap, unsafe fix) at 1:1, TOY001 (safe fix) at 1:11, TOY003 (error) on line 2,
    # TOY004 (info) over lines 3-4.
    WEIRD_PATH: f"timeout = 1\nlabel = {LABEL}\nspan = 1\nnext = 2\n",
    "plain.toy": "cap = 1\ntimeout = 3\n",
}

Row = tuple[str, str, int, int, int, int, str, str]


def make_project(root: Path, files: dict[str, str] | None = None) -> None:
    for name, text in (PROJECT if files is None else files).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def run_format(fmt: str, *args: str, input: str | bytes | None = None) -> Result:
    result = invoke("check", "--output-format", fmt, *args, input=input)
    assert result.exit_code in (0, 1, 2), result.output
    return result


def json_rows(text: str) -> list[Row]:
    return [
        (
            f["code"],
            f["path"],
            f["line"],
            f["column"],
            f["end_line"],
            f["end_column"],
            f["severity"],
            f["message"],
        )
        for f in json.loads(text)
    ]


def json_lines_rows(text: str) -> list[Row]:
    rows = []
    for line in text.splitlines():
        f = json.loads(line)
        rows.append(
            (
                f["code"],
                f["path"],
                f["line"],
                f["column"],
                f["end_line"],
                f["end_column"],
                f["severity"],
                f["message"],
            )
        )
    return rows


SARIF_SEVERITY = {"error": "error", "warning": "warning", "note": "info"}


def sarif_rows(text: str) -> list[Row]:
    log = json.loads(text)
    rows = []
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        rows.append(
            (
                result["ruleId"],
                unquote(location["artifactLocation"]["uri"]),
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
                SARIF_SEVERITY[result["level"]],
                result["message"]["text"],
            )
        )
    return rows


GITHUB_LINE = re.compile(
    r"^::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$"
)
GITHUB_SEVERITY = {"error": "error", "warning": "warning", "notice": "info"}


def github_unescape(text: str) -> str:
    return re.sub(
        r"%(25|0D|0A|3A|2C)",
        lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)],
        text,
    )


def github_parse(line: str) -> tuple[str, dict[str, str], str]:
    match = GITHUB_LINE.match(line)
    assert match, line
    properties = {}
    for item in match["properties"].split(","):
        key, _, value = item.partition("=")
        properties[key] = github_unescape(value)
    return match["command"], properties, github_unescape(match["message"])


def github_rows(text: str) -> list[Row]:
    rows = []
    for line in text.splitlines():
        command, properties, message = github_parse(line)
        code = properties["title"].split()[0]
        line_number = int(properties["line"])
        end_line = int(properties["endLine"])
        # Columns are only written for one-line ranges; compare the rest as "unknown".
        column = int(properties.get("col", 0))
        end_column = int(properties.get("endColumn", 0))
        rows.append(
            (
                code,
                properties["file"],
                line_number,
                column,
                end_line,
                end_column,
                GITHUB_SEVERITY[command],
                message,
            )
        )
    return rows


CONCISE_LINE = re.compile(
    r"^(?P<path>.+):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) (?:\[\*\] )?(?P<message>.*)$"
)


def concise_rows(text: str) -> list[tuple[str, str, int, int, str]]:
    rows = []
    for line in text.splitlines():
        match = CONCISE_LINE.match(line)
        assert match, line
        rows.append(
            (
                match["code"],
                match["path"],
                int(match["line"]),
                int(match["column"]),
                match["message"],
            )
        )
    return rows


GITLAB_SEVERITY = {
    "critical": "error",
    "blocker": "error",
    "major": "warning",
    "minor": "warning",
    "info": "info",
}


def gitlab_issues(text: str) -> list[dict[str, Any]]:
    issues = json.loads(text)
    assert isinstance(issues, list)
    return issues


def junit_cases(text: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0], suites[0].findall("testcase")
