"""The Kubernetes Services around an NGINX config or an Ingress deployed to a cluster whose
app streams, or answers only after an LLM call of its own: their workload's own command
read as a launch, the Dockerfile's launch of an image the tree builds
(linter/server/kubeapps.py), or an LLM server's or chat app's image."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.front import near_ones
from linter.server.nearcompose import compose_files, compose_path
from linter.server.streamlaunches import (
    answer_stream,
    streaming_launches,
    streams_said,
    waiting_launches,
)

if TYPE_CHECKING:
    from linter.server.model import Launch
    from linter.stack.model import Service
    from linter.workspace import Workspace


def kubernetes_backends(
    workspace: Workspace, manifest: str
) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """(Service name, port) -> why the app it runs streams, for the Services around a manifest
    (an Ingress, a ConfigMap's NGINX config) that run an image a compose service builds, or
    an LLM server's or chat app's image; and those whose every stream sends
    `X-Accel-Buffering: no` itself."""
    from linter.server import kubeapps
    from linter.server.proxied import image_product  # (proxied.py imports this module)

    streaming: dict[tuple[str, str], str | None] = {}
    unbuffered: dict[tuple[str, str], bool] = {}
    for address, launch, via in _kubernetes_fronts(workspace, manifest):
        said = (
            f"{via}; in it {launch.launcher} serves {launch.app or 'an app'}, which streams "
            f"({streams_said(launch)})"
        )
        previous = streaming.get(address, said)
        streaming[address] = said if previous == said else None
        answers = [e for e in launch.evidence if answer_stream(e)]
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
            found.extend(_service_addresses(service, launch, via))
    return found


def _service_addresses(
    service: Service, launch: Launch, via: str
) -> list[tuple[tuple[str, str], Launch, str]]:
    """The Service's names on each port that sends to the port the launch binds. A port the
    tree does not give (`--port ${PORT}` from an `envFrom` ConfigMap not in the tree) is the
    one container port the Service sends to: its workload has one container (a Service whose
    pod has more is not followed), and that container's server is what listens there. A
    Service that sends to two container ports (an app and its metrics) says nothing then."""
    port = launch.setting("port", caveated=True).value
    inside_ports = {inside for _, inside in service.targets}
    if port is None and len(inside_ports) == 1:
        port = next(iter(inside_ports))
        via += (
            f" (its server's port is not known here; the Service sends to its one container "
            f"port {port})"
        )
    return [
        ((host.lower(), outside), launch, via)
        for outside, inside in service.targets
        if inside == port
        for host in (service.name, *service.aliases)
    ]


def _own_command_fronts(
    service: Service, launches: list[tuple[str, Launch]], workspace: Workspace
) -> list[tuple[tuple[str, str], Launch, str]]:
    """A Service whose workload runs a command of its own: the launch read from that command
    (linter/server/kube.py), on each Service port that sends to the port it binds."""
    found: list[tuple[tuple[str, str], Launch, str]] = []
    for _, launch in launches:
        if not service.runs_command_at(launch.command.path, launch.command.start):
            continue
        via = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) selects the workload"
        )
        found.extend(_service_addresses(service, launch, via))
    return found
