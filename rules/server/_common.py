"""What the app-server rules share: where a finding about a setting goes."""

from __future__ import annotations

from linter.model import Finding, Fix, Severity
from linter.registry import Rule
from linter.server.model import Launch, Place, ServerDocument, Setting, worker_name


def place_of(launch: Launch, setting: Setting | None = None) -> Place:
    """Where the setting is written, else the server's command word (a default)."""
    if setting is not None and setting.place is not None:
        return setting.place
    return launch.command


def report(
    rule: Rule,
    document: ServerDocument,
    place: Place,
    message: str,
    severity: Severity | None = None,
    fix: Fix | None = None,
) -> Finding | None:
    source = document.sources.get(place.path)
    if source is None:
        return None
    return rule.report(source, place.start, place.end, message, severity=severity, fix=fix)


def seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


__all__ = ["place_of", "report", "seconds", "worker_name"]


def said(setting: Setting, unit: str = "s") -> str:
    return f"{setting.value}{unit} ({setting.origin})"
