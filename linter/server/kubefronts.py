"""Kubernetes Services whose workload runs an nginx with a config of the tree: the front tier
of an app deployed to a cluster (a web UI served by nginx that proxies `/api/` to the app's
Service). A route to such a Service (an Ingress path) carries what that config's locations
proxy to: where a location sends to a Service of the cluster that is an LLM backend, requests
under its path wait on the model too.

Evidence only: the workload runs, with the image's own command, an image the tree builds
(linter/server/kubeapps.py) whose last stage starts from an nginx image and copies the config
under /etc/nginx (linter/server/nginxfronts.py); the location's `proxy_pass` target, its
template variables filled from the container's own literal `env` values, else the image's
ENV (one that neither gives stays unknown, and links nothing); and the Service it names
must be an LLM backend by that Service's own evidence. A Service port links only to the
config's servers that listen on the container port it sends to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix

if TYPE_CHECKING:
    from linter.stack.model import Service
    from linter.workspace import Workspace

# How many configs one front's image is read for.
_MAX_CONFIGS = 8


@dataclass(frozen=True)
class FrontRoute:
    """A location of a front's nginx that proxies to an LLM backend of the cluster."""

    modifier: str  # "", "=", "^~", "~", "~*"
    path: str  # the location's path (or regex) as written
    said: str  # the whole chain, for messages


def kubernetes_nginx_fronts(
    workspace: Workspace, manifest: str, backends: dict[tuple[str, str], str]
) -> dict[tuple[str, str], tuple[FrontRoute, ...]]:
    """(Service name, port) -> the locations of the nginx its workload runs that proxy to one
    of ``backends`` (addresses of LLM backends of the cluster, with their evidence), for the
    Services around ``manifest``."""
    if not backends:
        return {}
    from linter.server import kubeapps
    from linter.server.front import near_ones
    from linter.server.nearcompose import compose_files, compose_path
    from linter.server.nginxfronts import _copied_configs

    services = kubeapps.services(workspace, manifest)
    if not services:
        return {}
    composes = near_ones(workspace, compose_files(workspace, manifest), compose_path, manifest)
    made = kubeapps.builds(workspace, manifest)
    found: dict[tuple[str, str], list[FrontRoute]] = {}
    for service in services:
        built = kubeapps.builder(service, composes, workspace.root, made)
        if built is None:
            continue
        configs, copier = _copied_configs(workspace, built.context, built.dockerfile)
        if not configs:
            continue
        env = _environment(workspace, service, built)
        via = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) runs the "
            f"image {service.image} ({built.how}): nginx with "
        )
        for config in configs[:_MAX_CONFIGS]:
            shown = (
                f"{relative_posix(config, workspace.root)} ({copier} copies it under /etc/nginx)"
            )
            for port, route in _routes(workspace, config, env, backends, via + shown):
                for outside, inside in service.targets:
                    if port in ("", inside):
                        for host in (service.name, *service.aliases):
                            found.setdefault((host.lower(), outside), []).append(route)
    return {address: tuple(routes) for address, routes in found.items()}


def _environment(
    workspace: Workspace, service: Service, built: object
) -> dict[str, tuple[str, str]]:
    """What the container's nginx renders its templates with: the image's ENV, then the
    container's own literal `env` values over it (name -> (value, where it is said))."""
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument
    from linter.server.nearcompose import read_evidence

    values: dict[str, tuple[str, str]] = {}
    dockerfile = getattr(built, "dockerfile", None)
    source = read_evidence(workspace, dockerfile) if dockerfile else None
    if source is not None:
        try:
            reader = Reader(ServerDocument(kind="server", source=source), workspace)
            reader.document.sources[source.path] = source
            image = reader.image(source.path, getattr(built, "context", None), None)
        except Exception:  # evidence only
            image = None
        if image is not None:
            for name, (value, _, said) in image.env.items():
                values[name] = (value, said)
    places = dict(service.env_names)
    for name, value in service.env_values:
        where = places.get(name)
        at = f" at {relative_posix(where.path, workspace.root)}:{where.line}" if where else ""
        values[name] = (value, f"the `env` of the workload of Service `{service.name}`{at}")
    return values


def _routes(
    workspace: Workspace,
    config: str,
    env: dict[str, tuple[str, str]],
    backends: dict[tuple[str, str], str],
    via: str,
) -> list[tuple[str, FrontRoute]]:
    """(port its server listens on, "" for any) and each location of ``config`` that proxies
    to one of ``backends``."""
    from linter.config import default_settings
    from linter.nginx.directives import FAMILIES
    from linter.nginx.fronts import _ports
    from linter.nginx.load import load_document
    from linter.nginx.route import route_block
    from linter.nginx.routes import upstreams
    from linter.nginx.targets import pass_host, resolve_target
    from linter.server.nearcompose import read_evidence

    source = read_evidence(workspace, config)
    if source is None:
        return []
    try:
        document = load_document(source, workspace, default_settings(), None)
    except Exception:  # evidence only
        return []
    known = upstreams(document)
    found: list[tuple[str, FrontRoute]] = []
    for stmt in document.statements():
        if FAMILIES.get(stmt.name) is None or stmt.directive is None or not stmt.args:
            continue
        block = route_block(stmt)
        if block.is_root or block.name != "location" or not block.args:
            continue
        resolved = resolve_target(block, stmt.args[0], env)
        host, port = pass_host(resolved.target)
        if "$" in host or "__" in host or not host:
            continue  # a variable the container's environment does not give
        addresses = (
            [pass_host(s.args[0]) for s in known[host].level_named("server") if s.args]
            if host in known
            else [(host, port)]
        )
        for target_host, target_port in addresses:
            address = (target_host.lower(), target_port or "80")
            evidence = backends.get(address)
            if evidence is None:
                continue
            rendered = f" ({'; '.join(resolved.rendered)})" if resolved.rendered else ""
            label = " ".join(block.args)
            said = (
                f"{via}; its location {label} ({document.where(block)}) proxies to "
                f"{address[0]}:{address[1]}{rendered}: {evidence}"
            )
            route = FrontRoute(block.args[0] if len(block.args) == 2 else "", block.args[-1], said)
            server = block.enclosing("server")
            found.extend((listen, route) for listen in _ports(server))
            break
    return found


def reaches(prefix: str, route: FrontRoute) -> bool:
    """Requests under the route path ``prefix`` (as the front's nginx sees it) can land on the
    location: its path is under the prefix, or the prefix under it; a regex location only
    from a catch-all."""
    if route.modifier in ("~", "~*"):
        return prefix in ("", "/")
    return route.path.startswith(prefix) or prefix.startswith(route.path)
