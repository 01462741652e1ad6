"""JUnit XML, for CI systems that show test reports: one test suite, one test case per finding.

An ``error`` or ``warning`` finding is a failed test case; a file that could not be parsed is a
test case in error; an ``info`` finding (which never fails the run) is a passing test case that
carries its message. A clean run is one passing test case, so the report shows green, not empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from linter.model import Finding, Severity
from linter.reporters import ReportContext, printable

SUITE = "streamproof"
# Characters XML 1.0 cannot hold at all, even escaped (C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML can carry: characters it cannot are written as ``\\xNN`` / ``\\uNNNN``
    (an undecodable byte of a file name as that byte, as everywhere else)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], printable(text))


def _case(finding: Finding, context: ReportContext) -> ET.Element:
    path = xml_text(context.display_path(finding.path))
    where = f"{path}:{finding.line}:{finding.column}"
    message = finding.message + (f" ({finding.fix_note})" if finding.fix_note else "")
    case = ET.Element(
        "testcase",
        {
            "classname": path,
            "name": xml_text(f"{finding.code} {finding.name} at {finding.line}:{finding.column}"),
            "file": path,
            "line": str(finding.line),
        },
    )
    body = xml_text(f"{where}: {finding.code} {message}")
    if finding.fatal:
        outcome = ET.SubElement(case, "error", {"type": finding.code, "message": xml_text(message)})
        outcome.text = body
    elif finding.severity is Severity.INFO:
        ET.SubElement(case, "system-out").text = body
    else:
        outcome = ET.SubElement(
            case, "failure", {"type": finding.code, "message": xml_text(message)}
        )
        outcome.text = body
    return case


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    cases = [_case(finding, context) for finding in findings]
    if not cases:
        cases = [ET.Element("testcase", {"classname": SUITE, "name": "no findings"})]
    errors = sum(1 for f in findings if f.fatal)
    failures = sum(1 for f in findings if not f.fatal and f.severity is not Severity.INFO)
    counts = {
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": "0",
    }
    root = ET.Element("testsuites", {"name": SUITE, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **counts})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
