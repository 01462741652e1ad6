"""The apps behind the addresses an NGINX config may name, for the NGINX kind's route
evidence: by (host, port), those that stream (and at which paths), those whose every stream
sends ``X-Accel-Buffering: no`` itself, and those read whole that never stream. An app is a
launch line of the project (linter/server/front.py matches it by service name,
container_name, hostname or loopback port) whose app, in this tree, has streaming endpoints
(linter/server/streamlaunches.py, apps.py), a compose service whose image is a known LLM
server or chat app, or a Kubernetes Service around a config deployed to a cluster
(linter/server/kubebackends.py). The environment a template is rendered with is
linter/server/nginxtemplate.py's.

Evidence only, never a guess: an address two apps answer is left out.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.hostnames import LOOPBACK, object_store_name
from linter.llmservers import GENERIC_LLM_WORDS, gpt_app_word, llm_name
from linter.pathmatch import relative_posix
from linter.server.front import server_launches
from linter.server.kubebackends import kubernetes_backends
from linter.server.nearcompose import (
    compose_files,
    compose_path,
    launch_home,
    mounting_compose_files,
    near_or_mounting,
)
from linter.server.streamlaunches import answer_stream, streaming_launches, streams_said
from linter.server.treefiles import launch_files

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.server.model import Launch
    from linter.workspace import Workspace


def streaming_backends(workspace: Workspace, nginx_file: str) -> dict[tuple[str, str], str]:
    """(host, port) an address of ``nginx_file`` may name -> why the app there streams, for
    the apps of its project (``front.near``). Port "" stands for any port of a compose
    service whose image is an LLM server or chat app (its port is the image's own)."""
    from linter.server.nodebackends import node_service

    found: dict[tuple[str, str], tuple[object, str] | None] = {}

    def add(address: tuple[str, str], said: str, app: object = None) -> None:
        """Two ways to start one app (its Dockerfile, the compose service built from it)
        agree; two different apps at one address leave it unknown."""
        entry = (app if app is not None else said, said)
        previous = found.get(address, entry)
        found[address] = previous if previous is not None and previous[0] == entry[0] else None

    mounting = mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    for home, launch in near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        # An env_file not in the tree may set GUNICORN_CMD_ARGS: the port the tree gives is
        # still the address's best reading (a secrets file rarely moves the bind).
        port = launch.setting("port", caveated=True).value
        said = f"{launch.launcher} serves {launch.app or 'an app'}, which streams ({streams_said(launch)})"
        app = (launch.app, launch.search_dirs[:1], streams_said(launch)) if launch.app else None
        if port is None:
            # Its port is not in the tree (a gunicorn config or env file not committed): the
            # compose service's names still reach it, at whatever port it binds.
            for host, named in _service_hosts(launch, home, names):
                add((host, ""), f"{named}{said} (its port is not known from the tree)", app)
            continue
        via = launch.settings["port"].via if "port" in launch.settings else None
        if via:
            said += f", on port {port} ({via})"
        for address, note in _launch_addresses(workspace, nginx_file, home, launch, port):
            add(address, said + note, app)
        for host, named in _hosts(launch, home, names).items():
            if named:  # the service's other names (its own name and loopback are above)
                add((host.lower(), port), f"{named}{said}", app)
    composes = compose_files(workspace, nginx_file)
    for compose in near_or_mounting(workspace, composes, compose_path, nginx_file, mounting):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            node = node_service(workspace, service)
            if node is not None:
                said = (
                    f"compose service `{service.name}` ({shown}:{service.key.line}) builds the "
                    f"Node app {node[0]}, which streams ({node[1]})"
                )
                for address, note in _service_addresses(service):
                    add(address, said + note, ("node", service.context_dir))
            product = runs_product(service)
            if product is None:
                continue
            said = (
                f"compose service `{service.name}` ({shown}:{service.key.line}) runs the image "
                f"{service.image}, an LLM server or chat app that streams ({product})"
            )
            # The app is the image without its tag: twin compose files of one deployment
            # (`compose.cpu.yml`, `compose.cuda.yml`) run one server built two ways.
            image = ("image", _image_repository(service.image or ""))
            for name in (service.name, service.container_name, service.hostname):
                if name:
                    add((name.lower(), ""), said, image)
            # An nginx on the host reaches the container at the port compose publishes
            # (`"3000:8080"`: localhost:3000).
            for published, container, _ in service.ports:
                if published.isdigit():
                    published_said = (
                        f"{said}, published on port {published} (container port {container})"
                    )
                    for host in LOOPBACK:
                        add((host, published), published_said, image)
    for service, shown, streams in _unlaunched_python_apps(workspace, nginx_file, mounting):
        route, what, _ = streams[0]
        more = f" (and {len(streams) - 1} more)" if len(streams) > 1 else ""
        at = f" at {route}" if route else ""
        said = (
            f"compose service `{service.name}` ({shown}) builds "
            f"{relative_posix(service.context_dir or '', workspace.root)}/, whose app streams{at} "
            f"({what}{more}; no launch line of the tree starts it)"
        )
        for address, note in _service_addresses(service):
            add(address, said + note, ("python", service.context_dir))
    streaming = {address: entry[1] for address, entry in found.items() if entry is not None}
    # A Service of the cluster the config is deployed to answers for its own name, as the
    # app it runs says (over a compose service of the same name: another network).
    streaming.update(kubernetes_backends(workspace, nginx_file)[0])
    return streaming


def streaming_paths(
    workspace: Workspace, nginx_file: str
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(host, port) -> the route paths where the app there streams, for the apps of
    ``streaming_backends``' launches whose every streaming response has known paths
    (linter/server/routepaths.py). An address whose app's paths are not known, or that two
    launches answer with different paths, is left out."""
    mounting = mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    found: dict[tuple[str, str], tuple[str, ...] | None] = {}
    for home, launch in near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        port = launch.setting("port", caveated=True).value
        kept = [e for e in launch.evidence if answer_stream(e)]
        paths: tuple[str, ...] | None = None
        known = launch.llm_proxy is None and not launch.routes_moved and kept
        if known and all(e.routes is not None for e in kept):
            paths = tuple(sorted({r for e in kept for r in e.routes or ()}))
        addresses = _addresses_of(workspace, nginx_file, home, launch, port, names)
        for address in addresses:
            previous = found.get(address, paths)
            found[address] = paths if previous == paths else None
    for service, _, streams in _unlaunched_python_apps(workspace, nginx_file, mounting):
        if any(
            route is None or route == "/" or "{" in route.split("/")[1] for route, _, _ in streams
        ):
            continue  # (where it streams is not known, or is any path: any route to it may)
        paths = tuple(sorted({route for route, _, _ in streams if route}))
        for address, _ in _service_addresses(service):
            previous = found.get(address, paths)
            found[address] = paths if previous == paths else None
    return {address: paths for address, paths in found.items() if paths is not None}


def _addresses_of(
    workspace: Workspace,
    nginx_file: str,
    home: str,
    launch: Launch,
    port: str | None,
    names: dict[tuple[str, str], tuple[tuple[str, str], ...]],
) -> list[tuple[str, str]]:
    """The (host, port) addresses a launch answers at: its service's names at any port when
    the tree does not give its port, else its own addresses and its service's other names."""
    if port is None:
        return [(host, "") for host, _ in _service_hosts(launch, home, names)]
    addresses = [a for a, _ in _launch_addresses(workspace, nginx_file, home, launch, port)]
    addresses += [
        (host.lower(), port) for host, named in _hosts(launch, home, names).items() if named
    ]
    return addresses


def _runs_the_folder_app(service: ComposeService, services: list[ComposeService]) -> bool:
    """The service runs the app of the folder it builds: it is the only service building that
    folder, or the folder is one image (one Dockerfile) that the service runs with the image's
    own command while the others give a command of their own (`api` beside a `worker` that
    runs `python worker.py` from the same build). Several Dockerfiles of one folder (`context:
    .` with a Dockerfile each): which app each runs is its Dockerfile's to say."""
    sharing = [other for other in services if other.context_dir == service.context_dir]
    if len(sharing) == 1:
        return True
    if len({other.dockerfile for other in sharing}) > 1:
        return False
    return service.command is None and service.entrypoint is None


def _unlaunched_python_apps(
    workspace: Workspace, nginx_file: str, mounting: frozenset[str]
) -> list[tuple[ComposeService, str, tuple[tuple[str | None, str, bool], ...]]]:
    """The compose services near the config that build a folder of the tree no launch line
    of the tree starts (its Dockerfile is not in the tree, or its CMD runs a script), whose
    Python app streams (linter/server/pypaths.py): each with where its compose file is shown
    and its streaming answers (route, or None where the path is not known; what and where;
    unbuffered). Where a path is not known, the folder must hold one app only: which of two
    the service runs is not said."""
    from linter.server.pypaths import app_streams

    launched = {
        (home, launch.service)
        for home, launch in server_launches(workspace, nginx_file)
        if launch.service
    }
    found: list[tuple[ComposeService, str, tuple[tuple[str | None, str, bool], ...]]] = []
    composes = compose_files(workspace, nginx_file)
    for compose in near_or_mounting(workspace, composes, compose_path, nginx_file, mounting):
        for service in compose.services:
            context = service.context_dir
            if not context or (compose.path, service.name) in launched:
                continue
            if not _runs_the_folder_app(service, compose.services):
                continue
            if not workspace.inside(context) or runs_product(service) is not None:
                continue
            key = ("server", "python-streams", context)
            if key not in workspace.memo:
                try:
                    apps, entries = app_streams(workspace, context)
                except Exception:  # evidence only
                    apps, entries = 0, []
                unknown = any(route is None for _, route, _, _ in entries)
                streams = (
                    ()
                    if unknown and apps > 1
                    else tuple((route, said, unbuffered) for _, route, said, unbuffered in entries)
                )
                if not streams and not apps:
                    streams = _jvm_streams(workspace, service)
                workspace.memo[key] = streams
            known = workspace.memo[key]
            if isinstance(known, tuple) and known:
                shown = f"{relative_posix(compose.path, workspace.root)}:{service.key.line}"
                found.append((service, shown, known))
    return found


def _jvm_streams(
    workspace: Workspace, service: ComposeService
) -> tuple[tuple[str | None, str, bool], ...]:
    """The streaming handlers of the Spring app a compose service builds (its Dockerfile's
    folder when that is below the build context, else the context; linter/server/jvmapps.py),
    as ``_unlaunched_python_apps`` gives a Python app's."""
    from linter.server import jvmapps

    context = service.context_dir or ""
    folder = context
    if service.dockerfile:
        below = os.path.dirname(service.dockerfile)
        if os.path.normpath(below) != os.path.normpath(context) and not os.path.relpath(
            below, context
        ).startswith(".."):
            folder = below
    try:
        evidence = jvmapps.app_evidence(folder, relative_posix(folder, workspace.root))
    except Exception:  # evidence only
        return ()
    return tuple((e.route, jvmapps.said(e), e.unbuffered) for e in evidence)


def _compose_names(
    workspace: Workspace, nginx_file: str
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(compose file, service) -> the other names the service answers to on its network
    (``container_name``, ``hostname``), each with which it is (once per run's compose
    files: asked for each route of each config)."""
    key = ("server", "compose-names", launch_files(workspace, nginx_file))
    known = workspace.memo.get(key)
    if isinstance(known, dict):
        return known
    known = {
        (compose.path, service.name): tuple(
            (name, field)
            for name, field in (
                (service.container_name, "container_name"),
                (service.hostname, "hostname"),
            )
            if name
        )
        for compose in compose_files(workspace, nginx_file)
        for service in compose.services
    }
    workspace.memo[key] = known
    return known


def _hosts(
    launch: Launch, home: str, names: dict[tuple[str, str], tuple[tuple[str, str], ...]]
) -> dict[str, str]:
    """The hosts a launch answers to (its compose service's names, and loopback), each with
    what to say first when it is not the service's own name."""
    hosts = dict.fromkeys(LOOPBACK, "")
    if launch.service:
        for name, field in names.get((home, launch.service), ()):
            hosts[name] = f"`{name}` is the {field} of compose service `{launch.service}`: "
        hosts[launch.service] = ""
    return hosts


def _service_hosts(
    launch: Launch, home: str, names: dict[tuple[str, str], tuple[tuple[str, str], ...]]
) -> list[tuple[str, str]]:
    """The names a compose service's launch answers to on its network (lower case), each
    with what to say first (as ``_hosts``), without loopback: for a launch whose port the
    tree does not give, a route to one of them reaches it at any port."""
    return [(host.lower(), named) for host, named in _hosts(launch, home, names).items()
            if host not in LOOPBACK]  # fmt: skip


def unbuffered_backends(workspace: Workspace, nginx_file: str) -> set[tuple[str, str]]:
    """The addresses (as ``streaming_backends`` gives them) of apps whose every streamed
    answer sends ``X-Accel-Buffering: no`` itself (sse_starlette's EventSourceResponse does):
    nginx's buffering is already off for them, whatever its config says."""
    from linter.server.nodebackends import node_service

    found: dict[tuple[str, str], bool] = {}
    mounting = mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    for home, launch in near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        if launch.llm_proxy is not None:
            continue
        port = launch.setting("port", caveated=True).value
        answers = [e for e in launch.evidence if answer_stream(e)]
        if not answers:
            continue
        unbuffered = all(e.unbuffered for e in answers)
        addresses = _addresses_of(workspace, nginx_file, home, launch, port, names)
        for address in addresses:
            found[address] = found.get(address, True) and unbuffered
    for compose in near_or_mounting(
        workspace, compose_files(workspace, nginx_file), compose_path, nginx_file, mounting
    ):
        for service in compose.services:
            node = node_service(workspace, service)
            if node is not None:
                for address, _ in _service_addresses(service):
                    found[address] = found.get(address, True) and node[2]
    for service, _, streams in _unlaunched_python_apps(workspace, nginx_file, mounting):
        for address, _ in _service_addresses(service):
            found[address] = found.get(address, True) and all(u for _, _, u in streams)
    streaming, unbuffered_apps = kubernetes_backends(workspace, nginx_file)
    for address in streaming:  # the Service's app, over a compose service of that name
        found[address] = address in unbuffered_apps
    return {address for address, unbuffered in found.items() if unbuffered}


def _service_addresses(service: ComposeService) -> list[tuple[tuple[str, str], str]]:
    """Where a proxy reaches a compose service's app, each with what to add to the message:
    its names on the compose network at any port, and loopback at each port compose publishes."""
    found = [
        ((name.lower(), ""), "")
        for name in (service.name, service.container_name, service.hostname)
        if name
    ]
    for published, container, _ in service.ports:
        if published.isdigit():
            note = f", published on port {published} (container port {container})"
            found.extend(((host, published), note) for host in LOOPBACK)
    return found


def quiet_backends(workspace: Workspace, nginx_file: str) -> dict[tuple[str, str], str]:
    """(host, port) -> what the app there is, for the launches of ``nginx_file``'s project
    whose app module was found and read (apps.py) and has no streaming endpoint, no LLM
    proxy and no MCP SDK import: what a backend's name promises (an MCP server) it does not
    do. An address another app answers, or one of a streaming app, is left out."""
    streaming_launches(workspace, nginx_file)  # fills each launch's evidence, once per run
    mounting = mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = server_launches(workspace, nginx_file)
    found: dict[tuple[str, str], str | None] = {}
    for home, launch in near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        port = launch.setting("port", caveated=True).value
        if port is None:
            continue
        quiet = (
            launch.app is not None
            and not launch.partial
            and launch.interface is not None
            and launch.llm_proxy is None
            and not launch.imports_mcp
            and not any(answer_stream(e) for e in launch.evidence)
        )
        said = (
            f"{launch.launcher} serves {launch.app}, which has no streaming endpoint"
            if quiet
            else None
        )
        addresses = [a for a, _ in _launch_addresses(workspace, nginx_file, home, launch, port)]
        addresses += [
            (host.lower(), port) for host, named in _hosts(launch, home, names).items() if named
        ]
        for address in addresses:
            previous = found.get(address, said)
            found[address] = said if previous == said else None
    return {address: said for address, said in found.items() if said is not None}


def quiet_apps(workspace: Workspace, nginx_file: str) -> dict[tuple[str, str], str]:
    """(host, port) -> what the app there is and that nothing of it streams, for the apps of
    ``nginx_file``'s project whose own folder is in the tree: a launch's app folder, or the
    build context of a compose service (any language). The folder's sources are read whole
    with linter/server/quietproject.py's broad stream words: an app and no word of a stream.
    Port "" stands for any port of a compose service. An address two folders answer, or one
    ``streaming_backends`` gives, is left out."""
    from linter.server.nodebackends import service_app_folder
    from linter.server.quietproject import quiet_folder

    mounting = mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    found: dict[tuple[str, str], tuple[str, str | None] | None] = {}

    def add(address: tuple[str, str], folder: str, said: str | None) -> None:
        """Two ways to start one folder's app (its Dockerfile, the compose service built
        from it) agree; two folders at one address leave it unknown."""
        previous = found.get(address, (folder, said))
        found[address] = previous if previous is not None and previous[0] == folder else None

    launches = server_launches(workspace, nginx_file)
    for home, launch in near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        port = launch.setting("port", caveated=True).value
        if port is None or launch.llm_proxy is not None or not launch.search_dirs:
            continue
        folder = launch.search_dirs[0]
        quiet = quiet_folder(workspace, folder)
        said = f"{launch.launcher} serves {launch.app}, and {quiet}" if quiet else None
        addresses = [a for a, _ in _launch_addresses(workspace, nginx_file, home, launch, port)]
        addresses += [
            (host.lower(), port) for host, named in _hosts(launch, home, names).items() if named
        ]
        for address in addresses:
            add(address, folder, said)
    composes = compose_files(workspace, nginx_file)
    for compose in near_or_mounting(workspace, composes, compose_path, nginx_file, mounting):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            # The folder its image's app comes from (a monorepo built from its top), else
            # the whole build context.
            context = service_app_folder(workspace, service) or service.context_dir
            # (With `build:`, an image runs an LLM server only when its Dockerfile starts from
            # one: runs_product; such an image with a script of the tree beside it is no app.)
            if not context or _builds_on_llm_image(service):
                continue
            quiet = quiet_folder(workspace, context)
            said = (
                f"compose service `{service.name}` ({shown}:{service.key.line}) builds "
                f"{relative_posix(context, workspace.root)}, and {quiet}"
                if quiet
                else None
            )
            for address, _ in _service_addresses(service):
                add(address, context, said)
    streaming = streaming_backends(workspace, nginx_file)
    return {
        address: entry[1]
        for address, entry in found.items()
        if entry is not None and entry[1] is not None and address not in streaming
    }


def object_stores(workspace: Workspace, nginx_file: str) -> dict[tuple[str, str], str]:
    """(host, port) -> what runs there, for the compose services of ``nginx_file``'s project
    that run an object store's image (`minio/minio`): its names at any port, and loopback at
    each port compose publishes (the MinIO console an nginx on the host proxies)."""
    mounting = mounting_compose_files(workspace, nginx_file)
    found: dict[tuple[str, str], str] = {}
    composes = compose_files(workspace, nginx_file)
    for compose in near_or_mounting(workspace, composes, compose_path, nginx_file, mounting):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            image = _image_repository(service.image or "")
            if not image or service.context_dir or not object_store_name(image.split("/")[-1]):
                continue
            said = (
                f"compose service `{service.name}` ({shown}:{service.key.line}) runs the image "
                f"{service.image}, an object store"
            )
            for address, note in _service_addresses(service):
                found.setdefault(address, said + note)
    return found


def _builds_on_llm_image(service: ComposeService) -> bool:
    """A stage of the service's Dockerfile starts from an LLM server's or chat app's image
    (`FROM ollama/ollama`): what runs there is that server, whatever the folder holds."""
    from linter.server import dockerfile as reader

    path = service.dockerfile or os.path.join(service.context_dir or "", "Dockerfile")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            stages = reader.parse(handle.read()).stages
    except OSError:
        return False
    return any(image_product(stage.base) is not None for stage in stages if stage.base)


def _launch_addresses(
    workspace: Workspace, nginx_file: str, home: str, launch: Launch, port: str
) -> list[tuple[tuple[str, str], str]]:
    """Where a proxy reaches a launch's app, each with what to add to the message: its
    compose service's name and loopback at the port it binds, and loopback at each port
    compose publishes for that one (`"8081:8000"`: an nginx on the host proxies to
    localhost:8081)."""
    published_elsewhere = False
    extra: list[tuple[tuple[str, str], str]] = []
    if launch.service:
        for compose in compose_files(workspace, nginx_file):
            if compose.path != home:
                continue
            for service in compose.services:
                if service.name != launch.service:
                    continue
                mapped = [
                    published
                    for published, container, _ in service.ports
                    if container == port and published.isdigit()
                ]
                for published in mapped:
                    if published != port:
                        note = f", published on port {published} (container port {port})"
                        extra.extend(((host, published), note) for host in LOOPBACK)
                # A service that runs an image the tree does not build (no nginx of the
                # repository runs inside it) and publishes its port under another number:
                # loopback at the container port is some other app's (the host's port).
                published_elsewhere = (
                    service.context_dir is None and bool(mapped) and port not in mapped
                )
    hosts = {launch.service} if launch.service else set()
    if not published_elsewhere:
        hosts |= set(LOOPBACK)
    return [((host.lower(), port), "") for host in hosts] + extra


def runs_product(service: ComposeService) -> str | None:
    """The LLM server or chat app a compose service runs by its image (``image_product``).
    With `build:`, `image: gemini-backend:latest` is only the tag the build gets: the
    repository's own app, not a published LLM server's image, unless its Dockerfile starts
    from one."""
    product = image_product(service.image)
    if product is None or (service.context_dir is not None and not _builds_on_llm_image(service)):
        return None
    return product


def _image_repository(image: str) -> str:
    """An image's repository, its tag and digest left out (`ollama/ollama:rocm` ->
    `ollama/ollama`; a registry's port is kept: `host:5000/app:1` -> `host:5000/app`), and
    Docker Hub's own spellings of it made one (`docker.io/library/x` is `x`)."""
    name = image.split("@", 1)[0].lower()
    head, _, last = name.rpartition("/")
    name = f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]
    for hub in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(hub)
    return name.removeprefix("library/")


def image_product(image: str | None) -> str | None:
    """The LLM server or chat app an image is (``ghcr.io/open-webui/open-webui:main``), by
    its repository name (the registry and tag left out): a product or model name, or a word
    made with "gpt" (`chatgpt-web`, `fastgpt`); a generic `llm` word does not count."""
    if not image:
        return None
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1].split(":", 1)[0]
    owner = name.rsplit("/", 2)[-2] if name.count("/") >= 1 else ""
    product = llm_name(last) or (llm_name(owner) if owner else None) or gpt_app_word(last)
    return product if product and product not in GENERIC_LLM_WORDS else None
