"""What the app-server rules share: where a finding about a setting goes."""

from __future__ import annotations

from linter.model import Finding, Fix, Severity
from linter.registry import Rule
from linter.server.model import Launch, Place, ServerDocument, Setting, worker_name


def place_of(launch: Launch, setting: Setting | None = None, name: str | None = None) -> Place:
    """Where the setting is written, else (a default) the config file of the tree the launch
    reads, where it would be set (``name``: which setting), else the server's command word."""
    if setting is not None and setting.place is not None:
        return setting.place
    if name is not None and setting is not None and setting.value is not None:
        place = launch.default_place(name)
        if place is not None:
            return place
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


def caveat_of(*settings: Setting) -> str | None:
    """The first caveat of the settings a finding rests on (an unread file may set them)."""
    return next((s.caveat for s in settings if s.caveat is not None), None)


def with_caveat(message: str, caveat: str | None) -> tuple[str, Severity | None]:
    """A finding that rests on a caveated setting is reported as info, with the caveat: as
    the NGINX rules report past an include they cannot read."""
    if caveat is None:
        return message, None
    return f"{message} (reported as info: {caveat})", Severity.INFO


def seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


__all__ = ["caveat_of", "place_of", "report", "seconds", "with_caveat", "worker_name"]


def said(setting: Setting, unit: str = "s") -> str:
    return f"{setting.value}{unit} ({setting.origin})"
