"""GitLab Code Quality report (a JSON array of Code Climate issues), for
``artifacts: reports: codequality``.

GitLab compares the report of a merge request with its target branch's by ``fingerprint``, so a
fingerprint must stay the same when unrelated lines move and must differ between findings: it
rests on the path, the code and the content of the finding's line, not on its line number.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from linter.model import Finding, Severity
from linter.reporters import ReportContext
from linter.reporters.fingerprints import LineHashes, finding_ids

# GitLab's scale: info, minor, major, critical, blocker. A file that cannot be parsed at all
# blocks every other check of it.
SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def severity(finding: Finding) -> str:
    return "blocker" if finding.fatal else SEVERITIES[finding.severity]


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    ids = finding_ids(findings, context, LineHashes(context))
    issues: list[dict[str, Any]] = []
    for finding, fingerprint in zip(findings, ids, strict=True):
        line = max(finding.line, 1)
        message = finding.message + (f" ({finding.fix_note})" if finding.fix_note else "")
        issues.append(
            {
                "type": "issue",
                "check_name": finding.code,
                "description": f"{finding.code} {message}",
                "categories": ["Bug Risk"],
                "severity": severity(finding),
                "fingerprint": fingerprint,
                "location": {
                    "path": context.root_relative(finding.path),
                    "lines": {"begin": line, "end": max(finding.end_line, line)},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
