"""SARIF 2.1.0, as GitHub code scanning reads it.

One run. ``tool.driver.rules`` lists every rule that ran (not only those that found
something), with the documentation of ``streamproof rule CODE`` as its help. Each result points
at a path relative to the linted tree's root (``%SRCROOT%``), with a full region (1-based,
end column exclusive, columns counted in code points), a line-content fingerprint, and the fix
that ``--fix`` would apply where there is one (unsafe fixes only with ``--unsafe-fixes``: a
SARIF viewer may apply a fix in one click).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linter import registry
from linter.model import Finding, Fix, Severity
from linter.reporters import ReportContext
from linter.reporters.fingerprints import LineHashes
from linter.source import SourceText

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
TOOL_NAME = "streamproof"
# The project's home page, as in pyproject.toml [project.urls] (a test keeps them equal).
INFORMATION_URI = "https://github.com/streamproof/streamproof"
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SECTION = re.compile(r"^##\s+(?P<title>.+?)\s*$", re.MULTILINE)


def _section(doc: str, title: str) -> str:
    """The body of a ``## title`` section of a rule's documentation ('' when absent)."""
    matches = list(_SECTION.finditer(doc))
    for index, match in enumerate(matches):
        if match.group("title").lower() == title.lower():
            end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
            return doc[match.end() : end].strip()
    return ""


# GitHub code scanning keeps at most this many characters of a rule's short and full
# description (and 255 of its name); the whole documentation is in ``help``.
DESCRIPTION_LIMIT = 1024
_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def _limited(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text``, or as many of its first whole sentences as fit with an ellipsis after them
    (cut mid-sentence only when not even the first one fits)."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, limit - 2)]
    cut = ends[-1] if ends else limit - 2
    return text[:cut].rstrip() + " …"


def _sentence(summary: str) -> str:
    return (summary[:1].upper() + summary[1:] + ".") if summary else summary


def rule_descriptor(code: str) -> dict[str, Any]:
    rule = registry.get_rule(code)
    if rule is None:  # a code the registry does not know (should not happen): still describe it
        return {
            "id": code,
            "shortDescription": {"text": code},
            "fullDescription": {"text": code},
            "help": {"text": code, "markdown": code},
            "defaultConfiguration": {"level": "error"},
        }
    from linter.ruledoc import render_rule

    what = _section(rule.doc, "What it does") or _sentence(rule.summary)
    # Plain text: the paragraphs of the section, each on one line.
    what_text = "\n\n".join(" ".join(p.split()) for p in what.split("\n\n") if p.strip())
    documentation = render_rule(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _limited(_sentence(rule.summary))},
        "fullDescription": {"text": _limited(what_text), "markdown": _limited(what)},
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.default_enabled},
        "properties": {
            "tags": [rule.kind],
            "fix": rule.fix.value if rule.fix is not None else "none",
        },
    }


def artifact_location(path: str, context: ReportContext) -> dict[str, Any]:
    """Relative to the root (``%SRCROOT%``) when the file lies inside it, else a file: URI."""
    relative = context.root_relative(path)
    if os.path.isabs(relative):
        return {"uri": Path(relative).as_uri()}
    # Percent-encode the file name's bytes (a name that is not valid UTF-8 keeps its bytes).
    return {
        "uri": quote(relative.encode("utf-8", "surrogateescape"), safe="/"),
        "uriBaseId": SRCROOT,
    }


def _root_uri(root: str) -> str:
    uri = Path(os.path.abspath(root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def finding_region(finding: Finding) -> dict[str, int]:
    line = max(finding.line, 1)
    column = max(finding.column, 1)
    end_line = max(finding.end_line, line)
    end_column = max(finding.end_column, 1)
    if end_line == line:
        end_column = max(end_column, column)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _edit_region(source: SourceText | None, start: int, end: int) -> dict[str, int] | None:
    if source is None:
        return None
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    byte_start = source.byte_offset(start)
    return {
        "startLine": line,
        "startColumn": column,
        "endLine": end_line,
        "endColumn": end_column,
        "byteOffset": byte_start,
        "byteLength": source.byte_offset(end) - byte_start,
    }


def sarif_fix(fix: Fix, context: ReportContext) -> dict[str, Any] | None:
    """A SARIF fix: per file, its replacements; None when an edited file cannot be read."""
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        region = _edit_region(context.source_for(edit.path), edit.start, edit.end)
        if region is None:
            return None
        changes.setdefault(edit.path, []).append(
            {"deletedRegion": region, "insertedContent": {"text": edit.content}}
        )
    return {
        "description": {"text": fix.description or "apply the fix"},
        "artifactChanges": [
            {"artifactLocation": artifact_location(path, context), "replacements": replacements}
            for path, replacements in changes.items()
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def _message(finding: Finding) -> str:
    return finding.message + (f" ({finding.fix_note})" if finding.fix_note else "")


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    codes = sorted({*context.rules_run, *(f.code for f in findings)})
    index = {code: position for position, code in enumerate(codes)}
    hashes = LineHashes(context)
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[finding.severity],
            "message": {"text": _message(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(finding.path, context),
                        "region": finding_region(finding),
                    }
                }
            ],
            "partialFingerprints": {
                "primaryLocationLineHash": hashes.line_hash(finding.path, finding.line),
                "primaryLocationStartColumnFingerprint": str(
                    hashes.start_column(finding.path, finding.line, finding.column)
                ),
            },
        }
        if finding.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    "physicalLocation": {
                        "artifactLocation": artifact_location(path, context),
                        "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
                    },
                }
                for number, (path, line, column) in enumerate(finding.related, start=1)
            ]
        fix = finding.fix
        if fix is not None and fix.edits and (fix.is_safe or context.unsafe_fixes):
            converted = sarif_fix(fix, context)
            if converted is not None:
                result["fixes"] = [converted]
        if finding.fatal:
            result["properties"] = {"fatal": True}
        results.append(result)
    driver: dict[str, Any] = {"name": TOOL_NAME, "informationUri": INFORMATION_URI}
    if context.tool_version:
        driver["version"] = driver["semanticVersion"] = context.tool_version
    driver["rules"] = [rule_descriptor(code) for code in codes]
    log = {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(context.root)}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
