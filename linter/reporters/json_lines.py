"""One JSON object per line (the keys of the ``json`` format), for streaming consumers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from linter.model import Finding
from linter.reporters import ReportContext
from linter.reporters.json_array import finding_dict


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    # No indentation: a newline inside a message is escaped by JSON, so each object stays on
    # its own line.
    return "".join(
        json.dumps(finding_dict(finding, context), ensure_ascii=False) + "\n"
        for finding in findings
    )
