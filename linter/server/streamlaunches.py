"""The run's launches whose app streams, or waits on LLM calls of its own: each launch's app
read for its evidence once per run (linter/server/apps.py), and what of that evidence is a
streamed answer (not a file download), said for messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.front import server_launches
from linter.server.nearcompose import read_evidence
from linter.server.treefiles import launch_files

if TYPE_CHECKING:
    from linter.server.model import Evidence, Launch
    from linter.workspace import Workspace


def streaming_launches(workspace: Workspace, anchor: str | None = None) -> list[tuple[str, Launch]]:
    """The run's launches whose app streams (its evidence looked up once per run)."""
    return _launches_read(workspace, anchor)[0]


def waiting_launches(workspace: Workspace, anchor: str | None = None) -> list[tuple[str, Launch]]:
    """The run's launches whose app does not stream but waits on LLM calls of its own whose
    timeouts are all known (linter/stack/appcalls.py): a proxy's read timeout in front counts
    for them, its buffering does not."""
    return _launches_read(workspace, anchor)[1]


def _launches_read(
    workspace: Workspace, anchor: str | None
) -> tuple[list[tuple[str, Launch]], list[tuple[str, Launch]]]:
    key = ("server", "streaming-launches", launch_files(workspace, anchor))
    known = workspace.memo.get(key)
    if isinstance(known, tuple):
        return known
    from linter.server import apps
    from linter.stack.appcalls import shortest

    memo = workspace.memo.setdefault(("server", "app-modules"), {})
    found: list[tuple[str, Launch]] = []
    waiting: list[tuple[str, Launch]] = []
    for home, launch in server_launches(workspace, anchor):
        if not launch.evidence and launch.llm_proxy is None and not launch.llm_waits:
            try:
                apps.find_evidence(
                    launch,
                    lambda p: read_evidence(workspace, p),
                    workspace.inside,
                    lambda p: relative_posix(p, workspace.root),
                    memo,  # type: ignore[arg-type]
                )
            except Exception:  # evidence only
                continue
        if launch.llm_proxy is not None or any(answer_stream(e) for e in launch.evidence):
            found.append((home, launch))
        elif not launch.evidence and shortest(launch.llm_waits) is not None:
            waiting.append((home, launch))
    workspace.memo[key] = (found, waiting)
    return found, waiting


# Media types of streamed answers (SSE, JSON lines, text), as opposed to a file download
# (`text/csv`, `application/pdf`, an image) that an app streams too but nobody reads live.
ANSWER_MEDIA = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq",
     "application/stream+json", "text/plain", "text/markdown"}
)  # fmt: skip


def answer_stream(evidence: Evidence) -> bool:
    return evidence.media is None or evidence.media in ANSWER_MEDIA


def streams_said(launch: Launch) -> str:
    """What makes the launch's app a streaming one, for a message (file downloads left out)."""
    if launch.llm_proxy is not None:
        return launch.stream_evidence()
    kept = [e for e in launch.evidence if answer_stream(e)]
    more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
    return f"{kept[0].what} at {kept[0].path}:{kept[0].line}{more}"
