"""Link the facts of one repository into stream paths: client -> nginx -> compose service ->
launch line or LiteLLM config -> provider. Each link says what in which file makes it; where
a link cannot be made the path ends there with the reason (a gap), never a guess."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linter.hostnames import DOCKER_HOST, LOOPBACK
from linter.llmservers import LITELLM_PORT
from linter.stack.model import (
    AppLaunch,
    Client,
    Fact,
    IngressRoute,
    LiteLLMConfig,
    NginxRoute,
    Service,
    StackPath,
    Where,
)

# A chat completion is what a client streams: the path a base URL is completed with.
COMPLETION_SUFFIX = "/chat/completions"


def _shown(path: str, root: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/") if os.path.isabs(path) else path


@dataclass
class Stack:
    """The facts of a run, indexed for linking."""

    root: str
    services: list[Service] = field(default_factory=list)
    launches: list[AppLaunch] = field(default_factory=list)
    routes: list[NginxRoute] = field(default_factory=list)
    configs: dict[str, LiteLLMConfig] = field(default_factory=dict)
    clients: list[Client] = field(default_factory=list)
    ingresses: list[IngressRoute] = field(default_factory=list)
    # Environment values written in the repository: name -> (value, place, how said).
    env: dict[str, list[tuple[str, Where, str]]] = field(default_factory=dict)
    # Loads the LiteLLM config at a path when no unit of the run gave its facts.
    load_config: Callable[[str], LiteLLMConfig | None] = lambda path: None
    _names: dict[str, list[tuple[Service, str]]] | None = None
    # Launches by the service they run, with their folders sorted (see _launches).
    _launches_by_service: dict[str, tuple[list[AppLaunch], list[tuple[str, int]]]] | None = None
    # Services by name (as _index), with the folders they are in (see service_at).
    _named: dict[str, _Named] = field(default_factory=dict)
    # The folders of the compose projects that mount a file (see _mounting_folders).
    _mounting: dict[str, frozenset[str]] = field(default_factory=dict)
    _routes_by_port: dict[str, list[NginxRoute]] | None = None
    _shown: dict[str, str] = field(default_factory=dict)
    _published: dict[str, list[tuple[Service, str, Where]]] | None = None
    # Kubernetes Services whose workload runs, with its own command, an image the tree builds
    # (linter/server/kubeapps.py): (manifest, name) -> (the Dockerfile, how it is known).
    built: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, root: str, facts: Iterable[Fact]) -> Stack:
        stack = cls(root)
        seen: set[tuple[str, ...]] = set()
        for fact in facts:
            key = (type(fact).__name__, fact.path, str(fact.anchor.start))
            if key in seen:
                continue
            seen.add(key)
            if isinstance(fact, Service):
                stack.services.append(fact)
                for name, value, place in fact.environment:
                    said = (
                        f"environment of compose service `{fact.name}` at {stack.at(place)}"
                        if fact.name
                        else f"written at {stack.at(place)}"
                    )
                    stack.env.setdefault(name, []).append((value, place, said))
            elif isinstance(fact, AppLaunch):
                stack.launches.append(fact)
            elif isinstance(fact, NginxRoute):
                stack.routes.append(fact)
            elif isinstance(fact, LiteLLMConfig):
                stack.configs[fact.path] = fact
            elif isinstance(fact, Client):
                stack.clients.append(fact)
            elif isinstance(fact, IngressRoute):
                stack.ingresses.append(fact)
        return stack

    def route_passing_at(self, path: str, start: int) -> NginxRoute | None:
        """The NGINX route whose `*_pass` starts at offset ``start`` of ``path``."""
        path = os.path.normpath(path)
        return next(
            (
                route
                for route in self.routes
                if route.anchor.start == start and os.path.normpath(route.anchor.path) == path
            ),
            None,
        )

    def shown(self, path: str) -> str:
        known = self._shown.get(path)
        if known is None:
            known = self._shown[path] = _shown(path, self.root)
        return known

    def at(self, place: Where | None) -> str:
        return f"{self.shown(place.path)}:{place.line}" if place is not None else "?"

    # -- services -----------------------------------------------------------------------
    def _ports(self, service: Service) -> set[str]:
        ports = {container for _, container, _ in service.ports} | {p for p, _ in service.expose}
        ports |= {port for port, _ in service.targets}  # a Kubernetes Service's port names too
        for launch in self._launches(service):
            if launch.port:
                ports.add(launch.port)
        if service.litellm:
            given = service.option("--port")
            ports.add(given[0] if given else LITELLM_PORT)
        return ports

    def _launches(self, service: Service) -> list[AppLaunch]:
        """The launches of the service's name from its file or a folder whose name begins
        with its file's folder's (in their order): the folders of a name's launches are
        sorted once, those beginning alike are one run of them (a name such as `llm` is a
        service of most projects of a large tree: each look-up tested them all)."""
        built = self.built.get((service.path, service.name)) if service.kubernetes else None
        if built is not None:  # the image's own command: its Dockerfile's launch
            return [launch for launch in self.launches if launch.path == built[0]]
        if service.kubernetes and service.command:  # the launch read from its own command
            return [
                launch
                for launch in self.launches
                if service.runs_command_at(launch.path, launch.anchor.start)
            ]
        if self._launches_by_service is None:
            by_name: dict[str, list[AppLaunch]] = {}
            for launch in self.launches:
                if launch.service is not None:
                    by_name.setdefault(launch.service, []).append(launch)
            self._launches_by_service = {
                name: (
                    launches,
                    sorted(
                        (os.path.dirname(launch.path), at) for at, launch in enumerate(launches)
                    ),
                )
                for name, launches in by_name.items()
            }
        known = self._launches_by_service.get(service.name)
        if known is None:
            return []
        launches, folders = known
        # (A launch in the service's own file is in its folder: found by the same test.)
        folder = os.path.dirname(service.path)
        found = []
        at = bisect.bisect_left(folders, (folder, -1))
        while at < len(folders) and folders[at][0].startswith(folder):
            found.append(folders[at][1])
            at += 1
        return [launches[position] for position in sorted(found)]

    def _index(
        self,
    ) -> tuple[dict[str, list[tuple[Service, str]]], dict[str, list[tuple[Service, str, Where]]]]:
        """Services by each name they answer to, and by each port they publish (made once)."""
        if self._names is None or self._published is None:
            names: dict[str, list[tuple[Service, str]]] = {}
            published: dict[str, list[tuple[Service, str, Where]]] = {}
            for service in self.services:
                if not service.name:
                    continue  # an environment file
                aliases = [
                    ("service name", service.name),
                    ("container_name", service.container_name),
                    ("hostname", service.hostname),
                    *(("DNS name", alias) for alias in service.aliases),
                ]
                seen: set[str] = set()
                for how, name in aliases:
                    if name is not None and name.lower() not in seen:
                        seen.add(name.lower())
                        names.setdefault(name.lower(), []).append((service, how))
                for outside, container, place in service.ports:
                    if outside:
                        published.setdefault(outside, []).append((service, container, place))
            self._names, self._published = names, published
        return self._names, self._published

    def service_at(
        self, host: str, port: str, near: str | None = None
    ) -> tuple[Service, str, Where] | str:
        """The compose service ``host:port`` reaches, with the evidence; else why not. Names
        several compose projects answer to are narrowed to the project whose folder holds
        ``near`` (the file that names the address)."""
        host = host.lower()
        names, published = self._index()
        # (service, how it answers or the port it is published to, where): worded once the one
        # service is found, as a name such as `litellm` is a service of most compose projects
        # of a large tree (4,000 look-ups worded every match: 0.1 s of the benchmark's run).
        named_here = self._named_index(host, names)
        found: list[tuple[Service, str, Where]] = named_here.found if named_here else []
        named = bool(found)
        if not found and (host in LOOPBACK or host in DOCKER_HOST) and port:
            found = list(published.get(port, []))
        distinct: set[tuple[str, str]] | None = None
        if named and near is not None:
            # A config a compose service bind-mounts belongs to that compose project: a
            # service of the same name in another project's folder (a `bare-bones/` or
            # `examples/` variant) is not on its network.
            folders = self._mounting_folders(near)
            if folders:
                mine = [item for item in found if os.path.dirname(item[0].path) in folders]
                if not mine:
                    others = ", ".join(sorted({self.shown(s.path) for s, _, _ in found}))
                    return (
                        f"`{host}` is a service of {others} only, not of the compose project "
                        f"that mounts {self.shown(near)}"
                    )
                if len(mine) < len(found):
                    found = mine
                    named_here = None
        if named_here is not None:
            if near is not None and named_here.files > 1:
                local = named_here.near(near)
                if len({s.path for s, _, _ in local}) == 1:
                    found = local
            if found is named_here.found:
                distinct = named_here.distinct
        elif near is not None and len({s.path for s, _, _ in found}) > 1:
            local = [
                item
                for item in found
                if near.startswith(os.path.dirname(item[0].path).rstrip(os.sep) + os.sep)
            ]
            if len({s.path for s, _, _ in local}) == 1:
                found = local
        if distinct is None:
            distinct = {(s.path, s.name) for s, _, _ in found}
        if not found:
            return f"no compose service or Kubernetes Service of the repository answers to {host}:{port or 80}"
        also = ""
        if len(distinct) > 1 and (merged := _one_project(found)) is not None:
            found, layered = merged
            distinct = {(found[0][0].path, found[0][0].name)}
            also = f", which {', '.join(self.shown(path) for path in layered)} also writes"
        if len(distinct) > 1:
            listed = ", ".join(
                sorted(f"`{name}` ({_shown(path, self.root)})" for path, name in distinct)
            )
            return f"several compose services answer to {host}:{port}: {listed}"
        service, said, place = found[0]
        if named:
            how = f"`{host}` is the {said} of {service.what} `{service.name}`"
        else:
            how = f"compose service `{service.name}` publishes port {port} (to its port {said})"
        how += also
        if "publishes" not in how and port:
            ports = self._ports(service)
            if ports and port not in ports:
                return f"{how}, which listens on {', '.join(sorted(ports))}, not {port}"
        return service, how, place

    def _mounting_folders(self, near: str) -> frozenset[str]:
        """The folders of the compose files one of whose services bind-mounts ``near`` (the
        file or a folder holding it): the project the file belongs to (made once per file)."""
        known = self._mounting.get(near)
        if known is None:
            known = self._mounting[near] = frozenset(
                os.path.dirname(service.path)
                for service in self.services
                if not service.kubernetes
                and any(
                    near == local or near.startswith(local.rstrip(os.sep) + os.sep)
                    for local, _, _ in service.volumes
                )
            )
        return known

    def host_launches_at(self, port: str, near: str) -> list[AppLaunch]:
        """The launches no compose service or Kubernetes workload runs (a Procfile, a
        script, ``uvicorn.run``, a systemd unit: on the host itself) that bind ``port``, of
        the project of ``near`` (a proxy config: see ``front.near``), for a proxy of the
        same host that sends to a loopback address."""
        from linter.server.front import near as same_project

        return [
            launch
            for launch in self.launches
            if launch.service is None
            and launch.loopback
            and launch.port == port
            and same_project(launch.path, near)
        ]

    def _named_index(self, host: str, names: dict[str, list[tuple[Service, str]]]) -> _Named | None:
        known = self._named.get(host)
        if known is None:
            answering = names.get(host)
            if not answering:
                return None
            known = self._named[host] = _Named(
                [(service, how, service.anchor) for service, how in answering]
            )
        return known

    # -- NGINX routes a URL reaches ------------------------------------------------------
    def route_at(self, host: str, port: str, path: str) -> tuple[NginxRoute, str] | str | None:
        """The NGINX location a request to ``host:port/path`` reaches (None: no NGINX of the
        repository listens there)."""
        host = host.lower()
        if self._routes_by_port is None:
            self._routes_by_port = {}
            for route in self.routes:
                for listen in route.listens:
                    self._routes_by_port.setdefault(listen, []).append(route)
        candidates = [
            route
            for route in self._routes_by_port.get(port, [])
            if host in LOOPBACK or host in route.server_names
        ]
        via = f"NGINX listens on {port}"
        for service in self.services:
            if not (service.image or "").split("/")[-1].startswith(("nginx", "openresty")):
                continue
            mounted = [local for local, _, _ in service.volumes]
            inside: list[tuple[str, str]] = []
            if host in LOOPBACK:
                inside = [
                    (
                        c,
                        f"compose service `{service.name}` publishes {port} to NGINX's port {c} ({self.at(p)})",
                    )
                    for published, c, p in service.ports
                    if published == port
                ]
            elif host in (service.name.lower(), (service.container_name or "").lower()):
                inside = [
                    (
                        port,
                        f"`{host}` is the NGINX compose service `{service.name}` ({self.at(service.anchor)})",
                    )
                ]
            for container_port, how in inside:
                found = [
                    route
                    for route in self._routes_by_port.get(container_port, [])
                    if any(
                        route.path == m or route.path.startswith(m.rstrip("/") + "/")
                        for m in mounted
                    )
                ]
                if found:
                    candidates, via = found, how
        if not candidates:
            return None
        servers = {route.server_key for route in candidates}
        if len(servers) > 1:
            return f"several NGINX servers listen on {host}:{port}"
        best: NginxRoute | None = None
        for route in candidates:
            longer = best is None or len(route.prefix or "") > len(best.prefix or "")
            if route.prefix is not None and path.startswith(route.prefix) and longer:
                best = route
        exact = best is not None and any(
            r.prefix == best.prefix and r.label.startswith("location ^~") for r in candidates
        )
        if not exact:
            for operator, expression in candidates[0].server_regexes:
                try:
                    matched = re.search(expression, path, re.IGNORECASE if operator == "~*" else 0)
                except re.error:
                    return f"a regex location ({expression}) of that server cannot be read"
                if matched:
                    answering = next(
                        (r for r in candidates if r.regex == (operator, expression)), None
                    )
                    if answering is None:
                        return (
                            f"the regex location {expression} answers {path}, and it does not proxy"
                        )
                    best = answering
                    break
        if best is None:
            return f"no location of the NGINX server on port {port} proxies {path}"
        return best, f"{via}, {best.label} ({self.at(best.anchor)})"


# The file names of a compose project's base file, which its other files in the folder
# (`docker-compose.dev.yml`, `compose.override.yaml`) are layered on.
_BASE_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def _one_project(
    found: list[tuple[Service, str, Where]],
) -> tuple[list[tuple[Service, str, Where]], list[str]] | None:
    """One service written in several compose files of one folder (a base file and the
    files layered on it with `-f`: one project, so one service on its network), as the
    entry of the base file (else the first file), with the other files; None when they are
    not that. Its launches are those of every file already (Stack._launches), so launches
    that differ still stop the path. A LiteLLM service is left out: its config is the
    --config of one file's command and mounts, which layered files may change."""
    services = [service for service, _, _ in found]
    if (
        any(service.kubernetes or service.litellm or not service.name for service in services)
        or len({service.name for service in services}) > 1
        or len({os.path.dirname(service.path) for service in services}) > 1
    ):
        return None
    paths = sorted({service.path for service in services})
    base = next((p for p in paths if os.path.basename(p).lower() in _BASE_COMPOSE), paths[0])
    return [item for item in found if item[0].path == base][:1], [p for p in paths if p != base]


class _Named:
    """The services that answer to one name (as service_at words them), made once per name:
    how many files they are in, which (file, name) pairs, and which of them are in each
    folder, so that narrowing them to a file's project looks up the file's folders instead
    of testing every one (a name such as `litellm` is a service of most compose projects of a
    large tree)."""

    def __init__(self, found: list[tuple[Service, str, Where]]) -> None:
        self.found = found
        self.files = len({service.path for service, _, _ in found})
        self.distinct = {(service.path, service.name) for service, _, _ in found}
        self.by_folder: dict[str, list[int]] = {}
        for position, (service, _, _) in enumerate(found):
            folder = os.path.dirname(service.path).rstrip(os.sep) + os.sep
            self.by_folder.setdefault(folder, []).append(position)

    def near(self, path: str) -> list[tuple[Service, str, Where]]:
        """Those in a folder ``path`` lies in (in their order). A folder (with its separator)
        that begins ``path`` ends where ``path`` has a separator."""
        positions: list[int] = []
        end = path.find(os.sep)
        while end >= 0:
            positions.extend(self.by_folder.get(path[: end + 1], ()))
            end = path.find(os.sep, end + 1)
        return [self.found[position] for position in sorted(positions)]


def _url_parts(url: str) -> tuple[str, str, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = "443" if parts.scheme == "https" else "80"
    return parts.hostname, str(port) if port else default, parts.path.rstrip("/")


def build(stack: Stack) -> tuple[list[StackPath], list[str]]:
    """Every path, and what could not be linked (for the audit): linter/stack/paths.py."""
    from linter.stack.paths import build_paths

    return build_paths(stack)
