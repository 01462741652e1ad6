"""JS/TS apps behind an NGINX config, read by their literal shapes (linter/server/nodeapps.py):
a compose service that builds a Node app whose handlers stream, and the project's streaming
handlers whose route path a literal gives, for a location that proxies to a loopback port no
launch or compose service names (matched by path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.front import LOOPBACK, near_ones, server_launches
from linter.server.proxied import compose_files, compose_path, launch_home

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.server.nodeapps import NodeEvidence
    from linter.workspace import Workspace


def node_service(workspace: Workspace, service: ComposeService) -> tuple[str, str, bool] | None:
    """A compose service that builds a Node app (``_node_app_folder``) whose server sources
    stream (linter/server/nodeapps.py, read by literal shapes): the app's
    folder, what streams and where, and whether every such handler sends
    `X-Accel-Buffering: no`. Once per run and folder."""
    from linter.server import nodeapps

    folder = _node_app_folder(service)
    if folder is None or not workspace.inside(folder):
        return None
    key = ("server", "node-app", folder)
    if key not in workspace.memo:
        shown = relative_posix(folder, workspace.root)
        evidence = nodeapps.app_evidence(folder, shown)
        place = "at the repository's top" if shown == "." else f"in {shown}/"
        workspace.memo[key] = (
            (place, _node_said(evidence), all(e.unbuffered for e in evidence)) if evidence else None
        )
    return workspace.memo[key]  # type: ignore[return-value]


def _node_app_folder(service: ComposeService) -> str | None:
    """The folder of the Node app a compose service builds: its Dockerfile's folder when that
    holds a `package.json` (a monorepo builds `apps/chat/Dockerfile` with the top as context),
    else the build context when its Dockerfile is at the context's top and it holds one."""
    from linter.server import nodeapps

    context, dockerfile = service.context_dir, service.dockerfile
    if not context:
        return None
    if dockerfile:
        folder = os.path.dirname(dockerfile)
        if nodeapps.is_node_app(folder):
            return folder
        if os.path.normpath(folder) != os.path.normpath(context):
            return None
    return context if nodeapps.is_node_app(context) else None


def _node_said(evidence: list[NodeEvidence]) -> str:
    first = evidence[0]
    more = f" (and {len(evidence) - 1} more)" if len(evidence) > 1 else ""
    return f"{first.what} at {first.path}:{first.line}, read from a JS/TS file by its shape{more}"


@dataclass(frozen=True)
class PathStream:
    """A streaming handler of a JS/TS app of the project whose route's path a literal gives
    (``/api/conversations``), for a route to a loopback address no launch names."""

    route: str
    said: str  # what streams and where, for a message
    unbuffered: bool


def path_streams(
    workspace: Workspace, nginx_file: str
) -> tuple[tuple[PathStream, ...], frozenset[tuple[str, str]]]:
    """The JS/TS streaming handlers with a known route path in the config's project (the tree
    of ``front.project_folder``), and the loopback addresses the project's launches and
    compose services already name (a route to one of those is that app's, not matched by
    path). Once per run and project folder."""
    from linter.discovery import project_folder
    from linter.server import nodeapps

    top = project_folder(os.path.abspath(nginx_file))
    if not workspace.inside(top):
        top = workspace.root
    key = ("server", "path-streams", top)
    known = workspace.memo.get(key)
    if isinstance(known, tuple):
        streams = known
    else:
        shown = relative_posix(top, workspace.root)
        streams = tuple(
            PathStream(
                e.route,
                f"{e.what} at {e.path}:{e.line}, read from a JS/TS file by its shape",
                e.unbuffered,
            )
            for e in nodeapps.app_evidence(top, shown)
            if e.route.startswith("/") and e.route != "/"
        )
        workspace.memo[key] = streams
    if not streams:
        return (), frozenset()
    return streams, frozenset(_named_loopback(workspace, nginx_file))


def _named_loopback(workspace: Workspace, nginx_file: str) -> set[tuple[str, str]]:
    """The loopback addresses the launches and compose services near the config bind or
    publish (whatever their apps do)."""
    named: set[tuple[str, str]] = set()
    for _, launch in near_ones(
        workspace, server_launches(workspace, nginx_file), launch_home, nginx_file
    ):
        port = launch.setting("port", caveated=True).value
        if port:
            named.update((host, port) for host in LOOPBACK)
    for compose in near_ones(
        workspace, compose_files(workspace, nginx_file), compose_path, nginx_file
    ):
        for service in compose.services:
            for published, _, _ in service.ports:
                if published.isdigit():
                    named.update((host, published) for host in LOOPBACK)
    return named
