"""What the XL rules share: where a finding goes, and how a hop and a link are named."""

from __future__ import annotations

import math

from linter.model import Finding, Severity
from linter.registry import Rule
from linter.stack.model import Hop, Limit, StackDocument, StackPath, Where


def report(
    rule: Rule,
    document: StackDocument,
    where: Where | None,
    message: str,
    severity: Severity | None = None,
) -> Finding | None:
    if where is None:
        return None
    source = document.source_of(where.path)
    if source is None:
        return None
    return rule.report(source, where.start, where.end, message, severity=severity)


def said(limit: Limit) -> str:
    return f"{limit.text} ({limit.origin})"


def hop_name(hop: Hop) -> str:
    return hop.name


def linked_by(path: StackPath, front: int, behind: int) -> str:
    """The links from hop ``front`` to hop ``behind``, as a message names them."""
    steps = [link.evidence for link in path.links[front:behind]]
    return "; then ".join(steps) if steps else "the same file"


def pinged_behind(path: StackPath, index: int, seconds: float) -> bool:
    return path._pinged(index, seconds)


def ping_interval(seconds: float) -> int:
    """A heartbeat interval that keeps an idle timer of ``seconds`` from firing."""
    return max(1, min(15, math.floor(seconds / 2)))
