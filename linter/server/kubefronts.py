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

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.stack.model import Limit, Where

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
    # For the stream path (linter/stack/paths.py): the hop this location is, and where it
    # sends. Empty in a route made only to say why a path reaches it.
    via: str = ""  # how the Service runs this nginx
    label: str = ""  # "location /api/"
    anchor: Where | None = None  # its proxy_pass
    read: Limit | None = None  # its read timeout in effect
    target: tuple[str, str] = ("", "")  # the Service (host, port) it sends to
    pass_text: str = ""  # "proxy_pass ${API_UPSTREAM}/ (${API_UPSTREAM} is ...)"
    streams: bool = True  # the backend streams (else it answers after its own LLM call)


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
    from linter.k8s.chartapps import WAITS_ON_LLM

    found: list[tuple[str, FrontRoute]] = []
    for candidate in _proxying_locations(workspace, config, env):
        for address in candidate.addresses:
            evidence = backends.get(address)
            if evidence is None:
                continue
            route = FrontRoute(
                candidate.modifier,
                candidate.path,
                f"{via}; its {candidate.label} ({candidate.where}) proxies to "
                f"{address[0]}:{address[1]}{candidate.rendered}: {evidence}",
                via=via,
                label=candidate.label,
                anchor=candidate.anchor,
                read=candidate.read,
                target=address,
                pass_text=candidate.pass_text,
                streams=not evidence.endswith(WAITS_ON_LLM),
            )
            found.extend((listen, route) for listen in candidate.listens)
            break
    return found


@dataclass(frozen=True)
class _Location:
    """A location of a front's config that proxies to a known address (host, port)."""

    modifier: str
    path: str
    label: str
    where: str
    anchor: Where | None
    read: Limit | None
    addresses: tuple[tuple[str, str], ...]
    rendered: str
    pass_text: str
    listens: tuple[str, ...]


def _proxying_locations(
    workspace: Workspace, config: str, env: dict[str, tuple[str, str]]
) -> list[_Location]:
    """The locations of ``config`` whose target is known once its template variables are
    filled from ``env`` (read once per run for a config and an environment)."""
    key = ("server", "front-locations", config, tuple(sorted(env.items())))
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    from linter.config import default_settings
    from linter.nginx.fronts import _ports
    from linter.nginx.load import load_document
    from linter.nginx.routes import all_routes
    from linter.nginx.targets import pass_host, resolve_target
    from linter.server.nearcompose import read_evidence

    found: list[_Location] = []
    source = read_evidence(workspace, config)
    try:
        if source is not None:
            settings = default_settings()
            document = load_document(source, workspace, settings, None)
            routes = all_routes(document, settings)
        else:
            routes = []
    except Exception:  # evidence only
        routes = []
    for route in routes:
        block, stmt = route.block, route.pass_stmt
        if block.is_root or block.name != "location" or not block.args or not stmt.args:
            continue
        resolved = resolve_target(block, stmt.args[0], env)
        host, port = pass_host(resolved.target)
        if "$" in host or "__" in host or not host:
            continue  # a variable the container's environment does not give
        addresses = (
            [pass_host(s.args[0]) for s in route.upstream.level_named("server") if s.args]
            if route.upstream is not None
            else [(host, port)]
        )
        rendered = f" ({'; '.join(resolved.rendered)})" if resolved.rendered else ""
        found.append(
            _Location(
                block.args[0] if len(block.args) == 2 else "",
                block.args[-1],
                "location " + " ".join(block.args),
                document.where(block),
                _where(stmt),
                _read(route, document, workspace),
                tuple((h.lower(), p or "80") for h, p in addresses),
                rendered,
                f"{stmt.name} {stmt.args[0]}{rendered}",
                tuple(_ports(block.enclosing("server"))),
            )
        )
    workspace.memo[key] = found
    return found


def _where(stmt: object) -> Where | None:
    directive = getattr(stmt, "directive", None)
    if directive is None or not os.path.isabs(directive.path):
        return None
    return Where(directive.path, directive.start, directive.end, directive.line)


def _read(route: object, document: object, workspace: Workspace) -> Limit | None:
    """The location's read timeout in effect, said as the stream path says an NGINX hop's."""
    from linter.nginx.assess import read_timeout
    from linter.nginx.effective import block_label

    try:
        timeout = read_timeout(route)  # type: ignore[arg-type]
    except Exception:  # evidence only
        return None
    found = timeout.found
    where = document.where  # type: ignore[attr-defined]
    if found.unknown is not None or found.stmt is None:
        origin = found.describe(workspace.root)
    elif found.inherited and found.level is not None:
        origin = f"inherited from {block_label(found.level)}, set at {where(found.stmt)}"
    else:
        origin = f"set at {where(found.stmt)}"
    return Limit(
        timeout.milliseconds / 1000 if timeout.milliseconds is not None else None,
        f"{timeout.name} {found.value}",
        origin,
        _where(found.stmt) if found.stmt is not None else None,
    )


def reaches(prefix: str, route: FrontRoute) -> bool:
    """Requests under the route path ``prefix`` (as the front's nginx sees it) can land on the
    location: its path is under the prefix, or the prefix under it; a regex location only
    from a catch-all."""
    if route.modifier in ("~", "~*"):
        return prefix in ("", "/")
    return route.path.startswith(prefix) or prefix.startswith(route.path)
