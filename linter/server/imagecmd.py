"""A container that runs an image's own command (no command in the repository), when its
environment says which server that command starts: ``GUNICORN_CMD_ARGS`` is read by gunicorn
only, ``UVICORN_*`` by uvicorn only. What the variable sets is known (unless the image's own
command line sets it too); everything else is the image's, and unknown, never the default.
Used for Kubernetes containers and compose services alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from linter.server.commands import LaunchContext, launch_from_words
from linter.server.model import Launch, Place, Setting
from linter.server.shell import Word

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.server.images import Env
    from linter.server.launches import Reader

_SETTINGS = (
    "worker_class",
    "threads",
    "workers",
    "timeout",
    "graceful_timeout",
    "keepalive",
    "port",
)
UNKNOWN = (
    "may be set by the image's own command line or config file, which are not in the repository"
)


def server_by_env(names: Iterable[str]) -> tuple[str, str] | None:
    """(server, the variable that says so), or None."""
    found = set(names)
    if "GUNICORN_CMD_ARGS" in found:
        return "gunicorn", "GUNICORN_CMD_ARGS"
    uvicorn = sorted(name for name in found if name.startswith("UVICORN_"))
    return ("uvicorn", uvicorn[0]) if uvicorn else None


def image_command_launches(
    env: Mapping[str, tuple[str, Place | None, str]],
    unknown: Iterable[str],
    context: LaunchContext,
    place: Place,
) -> list[Launch]:
    """The launch of the image's own command, placed at ``place`` (where the container or
    service is named); empty when the environment names no server."""
    chosen = server_by_env([*env, *unknown])
    if chosen is None:
        return []
    server, variable = chosen
    context = replace(
        context,
        launcher=f"{context.launcher}, the image's own command (not in the repository; "
        f"`{variable}` is read by {server} only)",
    )
    launches = launch_from_words([Word(server, place.start, place.end)], context)
    from_env = {
        (where.path, where.start, where.end) for _, where, _ in env.values() if where is not None
    }
    for launch in launches:
        for name in _SETTINGS:
            setting = launch.setting(name)
            where = setting.place
            if where is None or (where.path, where.start, where.end) not in from_env:
                launch.settings[name] = Setting(None, None, UNKNOWN)
            elif setting.value is not None:
                launch.settings[name] = Setting(
                    setting.value,
                    where,
                    f"{setting.origin}, unless the image's own command line sets it too",
                )
    return launches


def compose_image_launches(
    reader: Reader, path: str, service: ComposeService, env: Env, label: str
) -> list[Launch]:
    """A compose service running an image built elsewhere with no command of its own."""
    written = service.image_span
    if written is None:
        return []
    context = reader._context(
        path,
        f"{label}, image {service.image} ({reader.display(path)}:{written.line})",
        env,
        (),
        lambda local: None,
        service.name,
    )
    return image_command_launches(env, (), context, Place(path, written.start, written.end))


def add_image_evidence(launches: list[Launch], image: str, shown: str, line: int) -> None:
    """An image built elsewhere: its name may say what it serves (apps.image_evidence)."""
    from linter.server.apps import image_evidence

    found = image_evidence(image, "", shown, line)
    for launch in launches:
        if found is not None and launch.llm_proxy is None:
            launch.evidence.append(found)
