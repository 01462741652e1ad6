"""`streamproof audit` rows for app servers: each launch with how it starts (where), its worker
class, timeouts and keep-alive, and the streaming endpoints of the app it serves."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.document import AuditRow, AuditValue
from linter.pathmatch import relative_posix
from linter.server.front import keepalive_of
from linter.server.model import Launch, ServerDocument, Setting, worker_name

SECTION = "App servers"


def _value(
    document: ServerDocument, setting: Setting, unit: str = "", status: str = "ok"
) -> AuditValue:
    if setting.value is None:
        return AuditValue("unknown", setting.origin, "unknown")
    return AuditValue(f"{setting.value}{unit}", setting.origin, status)


def _worker(launch: Launch) -> AuditValue:
    worker = launch.setting("worker_class")
    threads = launch.setting("threads")
    if worker.value is None:
        return AuditValue("unknown", worker.origin, "unknown")
    name = worker_name(worker.value)
    text = worker.value
    if name == "sync" and threads.value not in (None, "1", "0"):
        text = f"gthread ({threads.value} threads: {threads.origin})"
    elif threads.value not in (None, "1") and threads.place is not None:
        text += f", {threads.value} threads"
    status = "risk" if name == "sync" and text == worker.value and launch.streams() else "ok"
    return AuditValue(text, worker.origin, status)


def audit_rows(document: ServerDocument, settings: Settings) -> Iterator[AuditRow]:
    for launch in document.launches:
        source = document.sources.get(launch.command.path, document.source)
        line, _ = source.position(launch.command.start)
        shown = relative_posix(launch.command.path, document.workspace_root)
        app = launch.app or "unknown app"
        if app.endswith("::"):
            app = f"app of {relative_posix(app[:-2], document.workspace_root)}"
        values: list[tuple[str, AuditValue]] = [
            ("launched by", AuditValue(launch.launcher, f"{shown}:{line}")),
        ]
        if launch.server == "gunicorn":
            values.append(("worker", _worker(launch)))
            timeout = launch.setting("timeout")
            values.append(("timeout", _value(document, timeout, "s")))
        graceful = launch.setting("graceful_timeout")
        limit = _seconds(graceful.value)
        status = (
            "risk"
            if limit is not None and 0 < limit < settings.max_stream and launch.streams()
            else "ok"
        )
        if graceful.value is None and graceful.place is None and "default" in graceful.origin:
            values.append(("graceful timeout", AuditValue("none (waits)", graceful.origin)))
        else:
            values.append(("graceful timeout", _value(document, graceful, "s", status)))
        keepalive = keepalive_of(launch)
        if keepalive is None:
            if launch.server == "gunicorn" and launch.setting("worker_class").value is not None:
                values.append(
                    ("keep-alive", AuditValue("none (sync worker closes each connection)"))
                )
            else:
                origin = launch.setting("keepalive").origin
                values.append(("keep-alive", AuditValue("unknown", origin, "unknown")))
        else:
            racing = [p for p in launch.proxies if keepalive.seconds <= p.seconds]
            values.append(
                (
                    "keep-alive",
                    AuditValue(
                        f"{keepalive.seconds:g}s"
                        + (
                            f", not above nginx upstream {racing[0].upstream}'s {racing[0].seconds:g}s"
                            if racing
                            else ""
                        ),
                        launch.setting("keepalive").origin,
                        "risk" if racing else "ok",
                    ),
                )
            )
        if launch.llm_proxy is not None:
            streams = AuditValue(f"{launch.llm_proxy} (an LLM proxy)")
        elif launch.evidence:
            shown_evidence = "; ".join(f"{e.what} {e.path}:{e.line}" for e in launch.evidence[:5])
            more = f" (+{len(launch.evidence) - 5})" if len(launch.evidence) > 5 else ""
            streams = AuditValue(shown_evidence + more)
        else:
            streams = AuditValue("none found", "", "unknown")
        values.append(("streaming endpoints", streams))
        yield AuditRow(SECTION, f"{launch.server} {app}", shown, line, tuple(values))


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
