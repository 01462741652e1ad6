"""What the repository says around an NGINX config, for the NGINX kind's route evidence:

- the environment a template is rendered with: a compose service that mounts the file (or
  builds an image from a folder holding it) and sets the variable its placeholder names
  (``proxy_pass ${BACKEND_URL};`` with ``BACKEND_URL=http://backend:7860``), in the service's
  ``environment:`` (compose's ``${X:-default}`` read as its default) or its Dockerfile's ENV;
- the apps behind an address that stream: a launch line of the project (linter/server/front.py
  matches it by service name, container_name, hostname or loopback port) whose app, in this
  tree, has streaming endpoints (linter/server/apps.py), or a compose service whose image is a
  known LLM server or chat app;
- for a config or an Ingress deployed to a cluster, the Kubernetes Services of the manifests
  around it: their workload's own command read as a launch, or the Dockerfile's launch of an
  image the tree builds (linter/server/kubeapps.py), or an LLM server's or chat app's image.

Evidence only, never a guess: a variable two services set differently, or one whose value is
not in the repository, stays unknown; an address two apps answer is left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from linter.discovery import in_layout_folder
from linter.llmservers import GENERIC_LLM_WORDS, gpt_app_word, llm_name
from linter.pathmatch import relative_posix
from linter.server import composefile, detect
from linter.server.front import LOOPBACK, near_ones, server_launches
from linter.server.treefiles import launch_files

if TYPE_CHECKING:
    from collections.abc import Callable

    from linter.server.composefile import ComposeFile, ComposeService
    from linter.server.model import Evidence, Launch
    from linter.source import SourceText
    from linter.stack.model import Service
    from linter.workspace import Workspace

_T = TypeVar("_T")


@dataclass(frozen=True)
class TemplateValue:
    """A template variable's value and where the repository sets it, for messages."""

    value: str
    said: str  # "the environment of compose service `frontend` at docker-compose.yml:9"


def compose_files(workspace: Workspace, anchor: str | None = None) -> list[ComposeFile]:
    """The run's compose files, read once per process and run."""
    files = launch_files(workspace, anchor)
    key = ("server", "compose-files", files)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    found: list[ComposeFile] = []
    for path in files:
        relpath = relative_posix(path, workspace.root)
        if detect.shape(relpath) != "compose" and not relpath.lower().endswith(
            detect.YAML_SUFFIXES
        ):
            continue
        source = _read(workspace, path)
        if source is None or not detect.is_compose(relpath, source.text):
            continue
        try:
            parsed = composefile.read(path, source.text, lambda p: _read(workspace, p))
        except Exception:  # evidence only
            continue
        if parsed.error is None:
            found.append(parsed)
    workspace.memo[key] = found
    return found


def _read(workspace: Workspace, path: str) -> SourceText | None:
    if not workspace.inside(path) or not os.path.isfile(path):
        return None
    try:
        return workspace.read_source(path)
    except Exception:
        return None


def _provides(service: ComposeService, nginx_file: str, workspace: Workspace) -> str | None:
    """How the service gets the file into its container: a bind mount of the file or of a
    folder holding it, or a build whose Dockerfile copies it; None when it does not."""
    for local, container, _place in service.volumes:
        if nginx_file == local or nginx_file.startswith(local.rstrip(os.sep) + os.sep):
            return f"mounts it at {container}"
    context, dockerfile = service.context_dir, service.dockerfile
    if context and dockerfile and nginx_file.startswith(context.rstrip(os.sep) + os.sep):
        source = _read(workspace, dockerfile)
        if source is not None and os.path.basename(nginx_file) in source.text:
            return f"builds {relative_posix(dockerfile, workspace.root)}, which copies it"
    return None


def _mounting_compose_files(workspace: Workspace, nginx_file: str) -> frozenset[str]:
    """The compose files one of whose services takes ``nginx_file`` into its container (a
    bind mount, or a build that copies it): they belong to its project wherever they lie
    (`docker/docker-compose.yml` mounting `../deploy/nginx/nginx.conf`). For a config of a
    layout folder (`enterprise/nginx/conf.d/app.conf`), also those that mount a file of the
    NGINX folder above it (`enterprise/nginx/nginx.conf`): the vhost is written for the
    deployment that runs its main config, whose services are the backends it names."""
    return frozenset(
        compose.path
        for compose in compose_files(workspace, nginx_file)
        if any(
            _provides(service, nginx_file, workspace) or _mounts_main_config(service, nginx_file)
            for service in compose.services
        )
    )


def _mounts_main_config(service: ComposeService, nginx_file: str) -> bool:
    if not in_layout_folder(nginx_file):
        return False
    top = os.path.dirname(os.path.dirname(nginx_file))
    return any(os.path.dirname(local) == top for local, _, _ in service.volumes)


def template_environment(workspace: Workspace, nginx_file: str) -> dict[str, TemplateValue]:
    """The variables the compose services that take ``nginx_file`` into their container set,
    each with where; a variable two of them set differently is left out."""
    found: dict[str, TemplateValue | None] = {}
    for compose in compose_files(workspace, nginx_file):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            how = _provides(service, nginx_file, workspace)
            if how is None:
                continue
            values = _dockerfile_env(service, workspace)
            for entry in service.environment:
                if entry.value is None:
                    values.pop(entry.name, None)  # set, but to what the tree does not say
                    continue
                values[entry.name] = TemplateValue(
                    entry.value,
                    f"the environment of compose service `{service.name}` at "
                    f"{shown}:{entry.item_span.line}, which {how}",
                )
            for name, value in values.items():
                previous = found.get(name, value)
                found[name] = (
                    value if previous is not None and previous.value == value.value else None
                )
    return {name: value for name, value in found.items() if value is not None}


def _dockerfile_env(service: ComposeService, workspace: Workspace) -> dict[str, TemplateValue]:
    """The ENV of the image the service builds (the file is in its build context)."""
    if not service.dockerfile or not workspace.inside(service.dockerfile):
        return {}
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument

    source = _read(workspace, service.dockerfile)
    if source is None:
        return {}
    try:
        reader = Reader(ServerDocument(kind="server", source=source), workspace)
        reader.document.sources[service.dockerfile] = source
        image = reader.image(service.dockerfile, service.context_dir, service.target)
    except Exception:  # evidence only
        return {}
    if image is None:
        return {}
    return {
        name: TemplateValue(value, f"{said}, the image of compose service `{service.name}`")
        for name, (value, _, said) in image.env.items()
    }


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

    mounting = _mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    for home, launch in _near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        # An env_file not in the tree may set GUNICORN_CMD_ARGS: the port the tree gives is
        # still the address's best reading (a secrets file rarely moves the bind).
        port = launch.setting("port", caveated=True).value
        if port is None:
            continue
        said = f"{launch.launcher} serves {launch.app or 'an app'}, which streams ({_evidence(launch)})"
        via = launch.settings["port"].via if "port" in launch.settings else None
        if via:
            said += f", on port {port} ({via})"
        app = (launch.app, launch.search_dirs[:1], _evidence(launch)) if launch.app else None
        for address, note in _launch_addresses(workspace, nginx_file, home, launch, port):
            add(address, said + note, app)
        for host, named in _hosts(launch, home, names).items():
            if named:  # the service's other names (its own name and loopback are above)
                add((host.lower(), port), f"{named}{said}", app)
    composes = compose_files(workspace, nginx_file)
    for compose in _near_or_mounting(workspace, composes, compose_path, nginx_file, mounting):
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
            product = image_product(service.image)
            if product is None:
                continue
            said = (
                f"compose service `{service.name}` ({shown}:{service.key.line}) runs the image "
                f"{service.image}, an LLM server or chat app that streams ({product})"
            )
            for name in (service.name, service.container_name, service.hostname):
                if name:
                    add((name.lower(), ""), said)
            # An nginx on the host reaches the container at the port compose publishes
            # (`"3000:8080"`: localhost:3000).
            for published, container, _ in service.ports:
                if published.isdigit():
                    published_said = (
                        f"{said}, published on port {published} (container port {container})"
                    )
                    for host in LOOPBACK:
                        add((host, published), published_said)
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
    mounting = _mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    found: dict[tuple[str, str], tuple[str, ...] | None] = {}
    for home, launch in _near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        port = launch.setting("port", caveated=True).value
        if port is None:
            continue
        kept = [e for e in launch.evidence if _answer_stream(e)]
        paths: tuple[str, ...] | None = None
        known = launch.llm_proxy is None and not launch.routes_moved and kept
        if known and all(e.routes is not None for e in kept):
            paths = tuple(sorted({r for e in kept for r in e.routes or ()}))
        addresses = [a for a, _ in _launch_addresses(workspace, nginx_file, home, launch, port)]
        addresses += [
            (host.lower(), port) for host, named in _hosts(launch, home, names).items() if named
        ]
        for address in addresses:
            previous = found.get(address, paths)
            found[address] = paths if previous == paths else None
    return {address: paths for address, paths in found.items() if paths is not None}


def kubernetes_backends(
    workspace: Workspace, manifest: str
) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(Service name, port) -> why the app it runs streams, for the Services around a manifest
    (an Ingress, a ConfigMap's NGINX config) that run an image a compose service builds, or
    an LLM server's or chat app's image; and those whose every stream sends
    `X-Accel-Buffering: no` itself."""
    from linter.server import kubeapps

    streaming: dict[tuple[str, str], str | None] = {}
    unbuffered: dict[tuple[str, str], bool] = {}
    for address, launch, via in _kubernetes_fronts(workspace, manifest):
        said = (
            f"{via}; in it {launch.launcher} serves {launch.app or 'an app'}, which streams "
            f"({_evidence(launch)})"
        )
        previous = streaming.get(address, said)
        streaming[address] = said if previous == said else None
        answers = [e for e in launch.evidence if _answer_stream(e)]
        own = bool(answers) and all(e.unbuffered for e in answers)
        unbuffered[address] = unbuffered.get(address, True) and own
    for service in kubeapps.services(workspace, manifest):
        product = image_product(service.image)
        if product is None:
            continue
        said = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) runs the "
            f"image {service.image}, an LLM server or chat app that streams ({product})"
        )
        for outside, _ in service.targets:
            for host in (service.name, *service.aliases):
                address = (host.lower(), outside)
                previous = streaming.get(address, said)
                if address not in unbuffered:  # an app the repository builds says more
                    streaming[address] = said if previous == said else None
    return (
        {address: said for address, said in streaming.items() if said is not None},
        {address for address, own in unbuffered.items() if own},
    )


def _compose_names(
    workspace: Workspace, nginx_file: str
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(compose file, service) -> the other names the service answers to on its network
    (``container_name``, ``hostname``), each with which it is."""
    return {
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


def kubernetes_llm_callers(
    workspace: Workspace, manifest: str
) -> dict[tuple[str, str], tuple[str, float]]:
    """(Service name, port) -> (why, the seconds it waits), for the Services around a manifest
    whose app does not stream but answers only after an LLM call of its own
    (``waiting_launches``)."""
    from linter.stack.appcalls import shortest

    callers: dict[tuple[str, str], tuple[str, float] | None] = {}
    for address, launch, via in _kubernetes_fronts(workspace, manifest, waiting=True):
        wait = shortest(launch.llm_waits)
        if wait is None or wait.place is None or wait.seconds is None:
            continue
        shown = relative_posix(wait.place.path, workspace.root)
        said = (
            f"{via}; in it {launch.launcher} serves {launch.app or 'an app'}, which answers "
            f"only after its own LLM call ({shown}:{wait.place.line}, {wait.text})",
            wait.seconds,
        )
        previous = callers.get(address, said)
        callers[address] = said if previous == said else None
    return {address: said for address, said in callers.items() if said is not None}


def _kubernetes_fronts(
    workspace: Workspace, nginx_file: str, waiting: bool = False
) -> list[tuple[tuple[str, str], Launch, str]]:
    """(address, launch, how the address reaches it) for the Services around a config or an
    Ingress deployed to a cluster whose workload runs a command of its own, or the image's own
    command in an image the tree builds (linter/server/kubeapps.py): the Service's names on
    each port that sends to the port the launch binds."""
    from linter.server import kubeapps

    kube_services = kubeapps.services(workspace, nginx_file)
    if not kube_services:
        return []
    composes = near_ones(workspace, compose_files(workspace, nginx_file), compose_path, nginx_file)
    launches = (waiting_launches if waiting else streaming_launches)(workspace, nginx_file)
    made = kubeapps.builds(workspace, nginx_file)
    found: list[tuple[tuple[str, str], Launch, str]] = []
    for service in kube_services:
        if service.command:
            found.extend(_own_command_fronts(service, launches, workspace))
            continue
        built = kubeapps.builder(service, composes, workspace.root, made)
        if built is None:
            continue
        dockerfile, how = built.dockerfile, built.how
        via = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) runs the "
            f"image {service.image} ({how})"
        )
        for _, launch in launches:
            # The image's own command: its Dockerfile's, not a compose `command:` override.
            if launch.command.path != dockerfile:
                continue
            port = launch.setting("port", caveated=True).value
            for outside, inside in service.targets:
                if inside == port:
                    for host in (service.name, *service.aliases):
                        found.append(((host.lower(), outside), launch, via))
    return found


def _own_command_fronts(
    service: Service, launches: list[tuple[str, Launch]], workspace: Workspace
) -> list[tuple[tuple[str, str], Launch, str]]:
    """A Service whose workload runs a command of its own: the launch read from that command
    (linter/server/kube.py), on each Service port that sends to the port it binds."""
    found: list[tuple[tuple[str, str], Launch, str]] = []
    for _, launch in launches:
        if not service.runs_command_at(launch.command.path, launch.command.start):
            continue
        port = launch.setting("port", caveated=True).value
        via = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) selects the workload"
        )
        for outside, inside in service.targets:
            if inside == port:
                for host in (service.name, *service.aliases):
                    found.append(((host.lower(), outside), launch, via))
    return found


def launch_home(entry: tuple[str, Launch]) -> str:
    return entry[0]


def compose_path(compose: ComposeFile) -> str:
    return compose.path


def _near_or_mounting(
    workspace: Workspace,
    entries: list[_T],
    file_of: Callable[[_T], str],
    nginx_file: str,
    mounting: frozenset[str],
) -> list[_T]:
    """The entries (in their order) ``near`` the config, and those of a compose file that
    mounts it wherever it is."""
    near_entries = near_ones(workspace, entries, file_of, nginx_file)
    if not mounting:
        return near_entries
    kept = {id(entry) for entry in near_entries}
    return [e for e in entries if id(e) in kept or file_of(e) in mounting]


def unbuffered_backends(workspace: Workspace, nginx_file: str) -> set[tuple[str, str]]:
    """The addresses (as ``streaming_backends`` gives them) of apps whose every streamed
    answer sends ``X-Accel-Buffering: no`` itself (sse_starlette's EventSourceResponse does):
    nginx's buffering is already off for them, whatever its config says."""
    from linter.server.nodebackends import node_service

    found: dict[tuple[str, str], bool] = {}
    mounting = _mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = streaming_launches(workspace, nginx_file)
    for home, launch in _near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        if launch.llm_proxy is not None:
            continue
        port = launch.setting("port", caveated=True).value
        answers = [e for e in launch.evidence if _answer_stream(e)]
        if port is None or not answers:
            continue
        unbuffered = all(e.unbuffered for e in answers)
        addresses = [a for a, _ in _launch_addresses(workspace, nginx_file, home, launch, port)]
        addresses += [
            (host.lower(), port) for host, named in _hosts(launch, home, names).items() if named
        ]
        for address in addresses:
            found[address] = found.get(address, True) and unbuffered
    for compose in _near_or_mounting(
        workspace, compose_files(workspace, nginx_file), compose_path, nginx_file, mounting
    ):
        for service in compose.services:
            node = node_service(workspace, service)
            if node is not None:
                for address, _ in _service_addresses(service):
                    found[address] = found.get(address, True) and node[2]
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
    mounting = _mounting_compose_files(workspace, nginx_file)
    names = _compose_names(workspace, nginx_file)
    launches = server_launches(workspace, nginx_file)
    found: dict[tuple[str, str], str | None] = {}
    for home, launch in _near_or_mounting(workspace, launches, launch_home, nginx_file, mounting):
        port = launch.setting("port", caveated=True).value
        if port is None:
            continue
        quiet = (
            launch.app is not None
            and not launch.partial
            and launch.interface is not None
            and launch.llm_proxy is None
            and not launch.imports_mcp
            and not any(_answer_stream(e) for e in launch.evidence)
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
                    lambda p: _read(workspace, p),
                    workspace.inside,
                    lambda p: relative_posix(p, workspace.root),
                    memo,  # type: ignore[arg-type]
                )
            except Exception:  # evidence only
                continue
        if launch.llm_proxy is not None or any(_answer_stream(e) for e in launch.evidence):
            found.append((home, launch))
        elif not launch.evidence and shortest(launch.llm_waits) is not None:
            waiting.append((home, launch))
    workspace.memo[key] = (found, waiting)
    return found, waiting


# Media types of streamed answers (SSE, JSON lines, text), as opposed to a file download
# (`text/csv`, `application/pdf`, an image) that an app streams too but nobody reads live.
_ANSWER_MEDIA = frozenset(
    {"text/event-stream", "application/x-ndjson", "application/jsonl", "application/json-seq",
     "application/stream+json", "text/plain", "text/markdown"}
)  # fmt: skip


def _answer_stream(evidence: Evidence) -> bool:
    return evidence.media is None or evidence.media in _ANSWER_MEDIA


def _evidence(launch: Launch) -> str:
    """What makes the launch's app a streaming one, for a message (file downloads left out)."""
    if launch.llm_proxy is not None:
        return launch.stream_evidence()
    kept = [e for e in launch.evidence if _answer_stream(e)]
    more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
    return f"{kept[0].what} at {kept[0].path}:{kept[0].line}{more}"
