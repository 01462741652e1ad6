"""JS/TS apps behind an NGINX config, read by their literal shapes (linter/server/nodeapps.py):
a compose service that builds a Node app whose handlers stream, and the project's streaming
handlers whose route path a literal gives, for a location that proxies to a loopback port no
launch or compose service names (matched by path)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.record import record
from linter.server.nearcompose import compose_files, compose_path, launch_home

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
    built = service_app_folder(workspace, service)
    if built is not None and nodeapps.is_node_app(built) and folder == service.context_dir:
        folder = built  # the image runs the context's subfolder (a monorepo's app)
    image = None
    command = None
    if folder is None:
        found = _node_image_folder(service)
        if found is not None:
            folder, image = found
    if folder is None:
        command = _node_command(service)
        if command is not None:
            folder = service.context_dir
    if folder is None or not workspace.inside(folder):
        return None
    # The Dockerfile note is part of the key: two targets of one context are said apart.
    key = ("server", "node-app", folder, image, command)
    if key not in workspace.memo:
        shown = relative_posix(folder, workspace.root)
        evidence = nodeapps.app_evidence(folder, shown)
        place = "at the repository's top" if shown == "." else f"in {shown}/"
        if image is not None:
            base, stage, dockerfile_path, line = image
            dockerfile = relative_posix(dockerfile_path, workspace.root)
            built = f"its `{stage}` stage" if stage else "its last stage"
            place += f" (its Dockerfile builds {built} on {base}, {dockerfile}:{line})"
        elif command is not None:
            place += f" (the service's command runs `{command}`)"
        workspace.memo[key] = (
            (place, _node_said(evidence), all(e.unbuffered for e in evidence)) if evidence else None
        )
    return workspace.memo[key]  # type: ignore[return-value]


def service_app_folder(workspace: Workspace, service: ComposeService) -> str | None:
    """The subfolder of a compose service's build context that its image's app comes from,
    read through the Dockerfile's copies (``COPY --from=<stage>`` followed back to the
    tree, linter/server/stagecopies.py): a monorepo built from its top whose image holds
    only ``apps/backend``. None when the image holds the context itself or is not read.
    Once per run and service build."""
    from linter.server import stagecopies
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument

    context, path = service.context_dir, service.dockerfile
    if not context:
        return None
    path = path or os.path.join(context, "Dockerfile")
    key = ("server", "image-app-folder", context, path, service.target)
    if key not in workspace.memo:
        workspace.memo[key] = None
        try:
            if workspace.inside(path) and os.path.isfile(path):
                scratch = ServerDocument(kind="server", source=workspace.read_source(path))
                reader = Reader(scratch, workspace)
                image = reader.image(path, context, service.target)
                if image is not None:
                    resolve = reader.image_resolver(image)
                    workspace.memo[key] = stagecopies.app_folder(image, resolve, workspace.inside)
        except Exception:  # evidence only: an unreadable Dockerfile leaves the context
            pass
    found = workspace.memo[key]
    return found if isinstance(found, str) else None


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
        # A Dockerfile in a subfolder of the context builds that subfolder's app (a monorepo);
        # one outside it (`dockerfile: ../docker/Dockerfile.backend`) builds the context.
        inside = os.path.normpath(folder) == os.path.normpath(context) or not os.path.relpath(
            folder, context
        ).startswith("..")
        if inside and os.path.normpath(folder) != os.path.normpath(context):
            return None
    return context if nodeapps.is_node_app(context) else None


# A command that starts a Node app: a package manager's start or run script, `node` on a
# script, a TypeScript runner. After a command separator, a quote or the start.
_NODE_START = re.compile(
    r"(?:^|[\s;&|(\"'])((?:npm|pnpm|yarn|bun)\s+(?:run\s+[\w:.-]+|start)"
    r"|node\s+[\w./-]+\.[cm]?[jt]s|npx\s+(?:tsx|ts-node|next)\b[^;&|\"']*?)(?=$|[\s;&|)\"'])"
)


def _node_command(service: ComposeService) -> str | None:
    """What a compose service's own `command:` (or `entrypoint:`) runs to start a Node app
    (`sh -c "... && npm start"`, `["node", "dist/server.js"]`) when the service builds a
    context whose checkout holds no `package.json` and whose Dockerfile is not read (a
    partial checkout, a Dockerfile elsewhere): the build context is then the app's folder,
    as the command runs there. None when no such command is given."""
    from yaml import ScalarNode, SequenceNode

    if not service.context_dir:
        return None
    for node in (service.entrypoint, service.command):
        if isinstance(node, ScalarNode):
            text = str(node.value)
        elif isinstance(node, SequenceNode):
            text = " ".join(str(item.value) for item in node.value if isinstance(item, ScalarNode))
        else:
            continue
        match = _NODE_START.search(text)
        if match is not None:
            return " ".join(match.group(1).split())
    return None


# The official Node.js image (Docker Hub's `node`, by any of the names that pull it).
_NODE_IMAGE = re.compile(r"^(?:(?:docker\.io|registry-1\.docker\.io)/)?(?:library/)?node(?:[:@]|$)")


def _node_image_folder(
    service: ComposeService,
) -> tuple[str, tuple[str, str | None, str, int]] | None:
    """A compose service whose build context holds no `package.json` (a partial checkout, a
    generated one) but whose Dockerfile builds the stage it runs (``target:``, else the last)
    on the official `node` image: the build context is the app's folder. The base, the stage's
    name, the Dockerfile and the line of its FROM are the evidence. Stages built on another stage are
    followed to the image they start from."""
    from linter.server import dockerfile as reader

    context, path = service.context_dir, service.dockerfile
    if not context:
        return None
    path = path or os.path.join(context, "Dockerfile")
    if os.path.normpath(os.path.dirname(path)) != os.path.normpath(context):
        return None  # a Dockerfile elsewhere: which folder holds the app is not said
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            stages = [s for s in reader.parse(handle.read()).stages if s.base]
    except OSError:
        return None
    if not stages:
        return None
    by_name = {s.name.lower(): s for s in stages if s.name}
    stage = by_name.get(service.target.lower()) if service.target else stages[-1]
    if stage is None:
        return None  # the target names no stage of this Dockerfile
    name, seen = stage.name, set()
    via: list[str] = []
    while stage.base.lower() in by_name and stage.base.lower() not in seen:
        seen.add(stage.base.lower())
        via.append(stage.base)
        stage = by_name[stage.base.lower()]
    if not _NODE_IMAGE.match(stage.base.lower()):
        return None
    line = next((i.line for i in stage.instructions if i.keyword == "FROM"), 0)
    base = stage.base + "".join(f" by way of stage `{v}`" for v in via[:1])
    return context, (base, name, path, line)


def _node_said(evidence: list[NodeEvidence]) -> str:
    first = evidence[0]
    more = f" (and {len(evidence) - 1} more)" if len(evidence) > 1 else ""
    return f"{first.what} at {first.path}:{first.line}, read from a JS/TS file by its shape{more}"


@record
class PathStream:
    """A streaming handler of a JS/TS app of the project whose route's path a literal gives
    (``/api/conversations``), for a route to a loopback address no launch names."""

    route: str
    said: str  # what streams and where, for a message
    unbuffered: bool
    # Found at the tree's top, the config's own project folder holding none: a looser link.
    far: bool = False


def path_streams(
    workspace: Workspace, nginx_file: str
) -> tuple[tuple[PathStream, ...], frozenset[tuple[str, str]]]:
    """The JS/TS streaming handlers with a known route path in the config's project (the tree
    of ``front.project_folder``), and the loopback addresses the project's launches and
    compose services already name (a route to one of those is that app's, not matched by
    path). Once per run and project folder."""
    from linter.discovery import project_folder

    top = project_folder(os.path.abspath(nginx_file))
    if not workspace.inside(top):
        top = workspace.root
    streams = _streams_below(workspace, top)
    if not streams and top != workspace.root:
        # A config kept in a deployment folder (`config/nginx/`, `deploy/`) whose project
        # folder holds no app: the tree's top, where the app it fronts lies.
        streams = tuple(
            PathStream(s.route, s.said, s.unbuffered, far=True)
            for s in _streams_below(workspace, workspace.root)
        )
    if not streams:
        return (), frozenset()
    return streams, frozenset(_named_loopback(workspace, nginx_file))


def _streams_below(workspace: Workspace, top: str) -> tuple[PathStream, ...]:
    """The streaming handlers with a known route path below ``top``, in JS/TS, Python and
    Java/Kotlin apps. Once per run and folder."""
    from linter.server import jvmapps, nodeapps
    from linter.server.pypaths import python_streams

    key = ("server", "path-streams", top)
    known = workspace.memo.get(key)
    if isinstance(known, tuple):
        return known
    shown = relative_posix(top, workspace.root)
    streams = (
        tuple(
            PathStream(
                e.route,
                f"{e.what} at {e.path}:{e.line}, read from a JS/TS file by its shape",
                e.unbuffered,
            )
            for e in nodeapps.app_evidence(top, shown)
            if e.route.startswith("/") and e.route != "/"
        )
        + tuple(
            PathStream(route, said, unbuffered)
            for route, said, unbuffered in python_streams(workspace, top)
        )
        + tuple(
            PathStream(e.route, jvmapps.said(e), e.unbuffered)
            for e in jvmapps.app_evidence(top, shown)
            if e.route is not None and e.route.startswith("/") and e.route != "/"
        )
    )
    workspace.memo[key] = streams
    return streams


def _named_loopback(workspace: Workspace, nginx_file: str) -> set[tuple[str, str]]:
    """The loopback addresses the launches and compose services near the config bind or
    publish, and the compose services' names (port ""), whatever their apps do."""
    # (Here: only a project with a streaming handler matched by path needs the launches.)
    from linter.hostnames import LOOPBACK
    from linter.server.front import near_ones, server_launches

    named: set[tuple[str, str]] = set()
    for _, launch in near_ones(
        workspace, server_launches(workspace, nginx_file), launch_home, nginx_file
    ):
        port = launch.setting("port", caveated=True).value
        if port:
            named.update((host, port) for host in LOOPBACK)
    for _, launch in near_ones(
        workspace, server_launches(workspace, nginx_file), launch_home, nginx_file
    ):
        if launch.service:
            named.add((launch.service.lower(), ""))
    for compose in near_ones(
        workspace, compose_files(workspace, nginx_file), compose_path, nginx_file
    ):
        for service in compose.services:
            # Its names on the compose network: a route there is that service's, not matched
            # by path (port "" for any port).
            named.update(
                (name.lower(), "")
                for name in (service.name, service.container_name, service.hostname)
                if name
            )
            for published, _, _ in service.ports:
                if published.isdigit():
                    named.update((host, published) for host in LOOPBACK)
    return named
