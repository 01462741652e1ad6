"""The hops of each stream path, from the facts a ``Stack`` indexes: a Python client's URL,
an NGINX route or an Ingress, to the service it reaches, that service's launch line or LiteLLM
config, and the provider. What links each hop to the next is said with its evidence; where a
link cannot be made the path stops there with the reason (a gap), never a guess."""

from __future__ import annotations

import os

from linter.hostnames import DOCKER_HOST, LOOPBACK
from linter.stack.link import (
    COMPLETION_SUFFIX,
    Stack,
    _shown,
    _url_parts,
)
from linter.stack.model import (
    AppLaunch,
    Client,
    Hop,
    IngressRoute,
    Limit,
    Link,
    LiteLLMConfig,
    NginxRoute,
    Service,
    StackPath,
    Where,
)


def _nginx_hop(route: NginxRoute, stack: Stack) -> Hop:
    return Hop(
        "nginx",
        f"NGINX {route.label} ({stack.at(route.anchor)})",
        route.anchor,
        read=route.read,
        idle=route.idle,
        fact=route,
    )


def _service_hops(service: Service, stack: Stack) -> tuple[list[Hop], str, str | None]:
    """The hops from a compose service to the model, what links the service to its first hop
    (its launch line or LiteLLM config), and a gap when the path stops there."""
    where = stack.shown(service.path)
    if service.litellm:
        given = service.option("--keepalive_timeout", "--keepalive-timeout")
        # The server kind reads how the image runs LiteLLM (uvicorn, or --run_gunicorn /
        # --run_hypercorn / --run_granian, KEEPALIVE_TIMEOUT): its keep-alive, when known.
        launched = {launch.keepalive for launch in stack._launches(service)}
        if (
            len(launched) == 1
            and (keepalive := next(iter(launched))) is not None
            and keepalive.known
        ):
            own = keepalive
        elif given is not None and given[0].replace(".", "", 1).isdigit():
            own = Limit(
                float(given[0]),
                f"keep-alive {given[0]}s",
                f"set at {stack.at(given[1])}",
                given[1],
            )
        else:
            own = Limit(
                5.0,
                "keep-alive 5s",
                "uvicorn's default, as LiteLLM runs it (no --keepalive_timeout)",
            )
        option = service.option("--config")
        config: LiteLLMConfig | None = None
        gap: str | None = None
        via = f"{service.what} `{service.name}` runs LiteLLM"
        if option is None:
            gap = f"{service.what} `{service.name}` passes no --config: its config is not in the repository"
        else:
            value, place = option
            local = next((local for local, target, _ in service.volumes if target == value), None)
            mount = next((p for _, target, p in service.volumes if target == value), None)
            if local is None:
                gap = f"--config {value} ({stack.at(place)}) is not a file the service mounts from the repository"
            else:
                config = stack.configs.get(local) or stack.load_config(local)
                if config is None:
                    gap = f"--config {value} is {_shown(local, stack.root)}, which is not a LiteLLM config that could be read"
                else:
                    via += (
                        f" with --config {value} ({stack.at(place)}), mounted from "
                        f"{_shown(local, stack.root)} ({stack.at(mount)})"
                    )
        name = f"LiteLLM proxy ({service.what} `{service.name}`, {where}"
        name += f"; config {_shown(config.path, stack.root)})" if config is not None else ")"
        hop = Hop(
            "litellm",
            name,
            config.anchor if config is not None else service.anchor,
            read=config.read if config is not None else None,
            own_idle=own,
            pings=config.pings if config is not None else None,
            fact=config if config is not None else service,
        )
        if config is None:
            return [hop], via, gap
        provider = Hop("provider", "the model provider", None)
        return [hop, provider], via, None
    launches = stack._launches(service)
    if not launches:
        return [], "", f"no launch line of the repository starts {service.what} `{service.name}`"
    if len({(launch.server, launch.keepalive, launch.total) for launch in launches}) > 1:
        return [], "", f"compose service `{service.name}` has launches with different settings"
    launch = launches[0]
    hops, said = _launch_hops(launch, stack)
    built = stack.built.get((service.path, service.name)) if service.kubernetes else None
    if built is not None:
        return hops, f"which runs the image {service.image} ({built[1]}), launched by {said}", None
    return hops, f"launched by {said}", None


def _launch_hops(launch: AppLaunch, stack: Stack) -> tuple[list[Hop], str]:
    """The app server's hop (and its app's own LLM call behind it), and how to name its
    launch line."""
    server = "Flask's development server" if launch.server == "flask" else launch.server
    hop = Hop(
        "app server",
        f"{server} ({launch.launcher})",
        launch.anchor,
        read=Limit(None, "no read timeout", f"{launch.server} has none", none=True),
        own_idle=launch.keepalive,
        total=launch.total,
        fact=launch,
    )
    where = stack.at(launch.anchor)
    # The launcher's words often name the place already ("Dockerfile CMD (Dockerfile:34)").
    said = launch.launcher if f"({where})" in launch.launcher else f"{launch.launcher} ({where})"
    return [hop, *_app_calls(launch, stack)], said


def _host_launch(
    hops: list[Hop],
    links: list[Link],
    port: str,
    said: str,
    place: Where,
    stack: Stack,
    docker_host: str | None = None,
) -> StackPath | None:
    """A loopback address no compose service answers: the app server the same project
    launches on the host at that port (a script, a Procfile, ``uvicorn.run``), when one
    launch, or several with the same limits, bind it; None when none does."""
    launches = stack.host_launches_at(port, place.path)
    if not launches:
        return None
    first = launches[0]
    if any(
        (launch.server, launch.keepalive, launch.total, launch.waits)
        != (first.server, first.keepalive, first.total, first.waits)
        for launch in launches[1:]
    ):
        listed = ", ".join(stack.at(launch.anchor) for launch in launches)
        return StackPath(
            hops, links, f"launches with different settings bind port {port} ({listed})"
        )
    more, launched = _launch_hops(first, stack)
    address = (
        f"`{docker_host}`, the Docker host seen from a container"
        if docker_host
        else "a loopback address"
    )
    evidence = (
        f"{said}: {address}, and the app server {launched} binds port {port} on the "
        f"host (same project)"
    )
    if len(launches) > 1:
        others = ", ".join(stack.at(launch.anchor) for launch in launches[1:])
        evidence += f"; so do the launches at {others}, with the same limits"
    name = os.path.basename(place.path).lower()
    if any(word in name for word in ("example", "sample")):
        evidence += (
            f"; {stack.shown(place.path)} is an example config (its name says so): this holds "
            f"where it is deployed as written, on the host that runs that launch"
        )
    links = [*links, Link(evidence, place)]
    if len(more) > 1:
        links.append(_inner_link(more[0], stack))
    return StackPath([*hops, *more], links, None)


def _app_calls(launch: AppLaunch, stack: Stack) -> list[Hop]:
    """The app's own LLM call, when its modules make one whose wait is known: the layer
    behind the app server, as long as the app waits for the model before it answers."""
    waits = launch.waits
    if waits is None or waits.seconds is None:
        return []
    return [
        Hop(
            "app llm call",
            f"the app's {waits.text.split(' ', 1)[0]} call ({stack.at(waits.place)})",
            waits.place,
            read=waits,
            fact=waits,
        )
    ]


def _inner_link(hop: Hop, stack: Stack) -> Link:
    """How the first hop a service leads to reaches the next one."""
    launch = hop.fact
    if isinstance(launch, AppLaunch) and launch.waits is not None:
        return Link(
            f"the app it serves makes the LLM call at {stack.at(launch.waits.place)} "
            f"(a module its imports reach), and waits {launch.waits.text} for it "
            f"({launch.waits.origin})",
            launch.waits.place,
        )
    return Link("the config's model_list", hop.anchor)


def _from_target(
    hops: list[Hop], links: list[Link], host: str, port: str, said: str, place: Where, stack: Stack
) -> StackPath:
    if host.lower() in DOCKER_HOST and port:
        # A proxy in a container that names the Docker host, not a service of its network,
        # reaches a process outside the containers: the app server the project launches on
        # the host at that port first, else a compose service that publishes the port.
        on_host = _host_launch(hops, links, port, said, place, stack, docker_host=host)
        if on_host is not None:
            return on_host
    found = stack.service_at(host, port, place.path)
    if isinstance(found, str):
        on_host = (
            _host_launch(hops, links, port, said, place, stack)
            if host.lower() in LOOPBACK and port and found.startswith("no compose service")
            else None
        )
        return on_host if on_host is not None else StackPath(hops, links, found)
    service, how, where = found
    more, via, gap = _service_hops(service, stack)
    if not more:
        return StackPath(hops, links, gap)
    evidence = f"{said}: {how} ({stack.at(where)})" + (f", {via}" if via else "")
    links = [*links, Link(evidence, place)]
    if len(more) > 1:  # LiteLLM -> provider, or the app server -> its own LLM call
        links.append(_inner_link(more[0], stack))
    return StackPath([*hops, *more], links, gap)


def _client_url(client: Client, stack: Stack) -> tuple[str | None, str]:
    """The URL a client uses: an environment value written in the repository (one value
    only), else the code's literal or default."""
    if client.env is not None:
        values = stack.env.get(client.env, [])
        distinct = {value for value, _, _ in values}
        if len(distinct) == 1:
            value, _, said = values[0]
            return value, f"${client.env} = {value} ({said})"
        if len(distinct) > 1:
            return None, f"${client.env} has {len(distinct)} different values in the repository"
    return client.url, client.url_said


def build_paths(stack: Stack) -> tuple[list[StackPath], list[str]]:
    """Every path, and what could not be linked (for the audit)."""
    paths: list[StackPath] = []
    notes: list[str] = []
    used: set[int] = set()
    for client in stack.clients:
        where = stack.at(client.anchor)
        hop = Hop(
            "client",
            f"{client.library} client ({where})",
            client.anchor,
            read=client.read,
            fact=client,
        )
        url, said = _client_url(client, stack)
        parts = _url_parts(url) if url is not None else None
        if parts is None:
            notes.append(f"{where}: the {client.library} client's URL is unknown ({said})")
            continue
        host, port, path = parts
        # A base URL is completed with the endpoint; a raw POST's URL already names it.
        endpoint = (
            path if path.endswith(("/completions", "/completions/")) else path + COMPLETION_SUFFIX
        )
        reached = stack.route_at(host, port, endpoint)
        evidence = f"{'URL' if endpoint == path else 'base URL'} {url} ({said})"
        if isinstance(reached, tuple):
            route, how = reached
            used.add(id(route))
            first = Link(f"{evidence}: {how}", client.anchor)
            paths.append(_route_path(route, stack, [hop, _nginx_hop(route, stack)], [first]))
            continue
        if isinstance(reached, str):
            paths.append(StackPath([hop], [], reached))
            continue
        path_found = _from_target([hop], [], host, port, evidence, client.anchor, stack)
        if len(path_found.hops) > 1:
            paths.append(path_found)
        else:
            notes.append(f"{where}: {evidence}: {path_found.gap}")
    for route in stack.routes:
        if id(route) in used:
            continue
        found = _route_path(route, stack, [_nginx_hop(route, stack)], [])
        # The config may believe the route streams ("# Disable buffering for streaming") while
        # the app behind it, read, streams nothing and answers after its own LLM call: plain.
        apps = [hop.fact for hop in found.hops if isinstance(hop.fact, AppLaunch)]
        if route.streaming and not (
            apps and not apps[0].streams and any(h.layer == "app llm call" for h in found.hops)
        ):
            paths.append(found)
        elif any(hop.layer == "app llm call" for hop in found.hops):
            # A route that does not stream still waits for the app's own LLM call: only the
            # read limits count on it (no heartbeat reaches a plain answer).
            found.streamed = False
            paths.append(found)
    for ingress in stack.ingresses:
        found = _ingress_path(ingress, stack)
        # An Ingress to an app that does not stream but waits on its own LLM call (the k8s
        # kind's evidence for it): a plain route, as for NGINX.
        apps = [hop.fact for hop in found.hops if isinstance(hop.fact, AppLaunch)]
        if apps and not apps[0].streams and any(h.layer == "app llm call" for h in found.hops):
            found.streamed = False
        paths.append(found)
    return paths, notes


def _ingress_path(ingress: IngressRoute, stack: Stack) -> StackPath:
    """An Ingress's backend service, linked as NGINX's proxy_pass is: by its name."""
    hop = Hop(
        "gateway" if ingress.total_cap else "ingress",
        f"{ingress.label} ({stack.at(ingress.anchor)})",
        ingress.anchor,
        read=ingress.read,
        fact=ingress,
    )
    hops: list[Hop] = [hop]
    links: list[Link] = []
    if ingress.edge is not None:
        # The CDN in front, as the repository says it is there (its place: the annotation).
        edge = Hop(
            "edge",
            f"Cloudflare proxy (in front of {ingress.label})",
            ingress.edge.place,
            read=ingress.edge,
        )
        hops = [edge, hop]
        where = stack.at(ingress.edge.place)
        links = [Link(f"Cloudflare proxies the hostname ({where})", ingress.edge.place)]
    if not ingress.service:
        return StackPath(
            hops, links, "the backend service is a template value that could not be resolved"
        )
    said = f"backend service {ingress.service}" + (f":{ingress.port}" if ingress.port else "")
    front = ingress.front
    if front is not None:
        # The Service runs an nginx of the tree (a web front): its location that proxies to
        # the LLM backend is the next hop, and that location's target the one after it.
        hops = [
            *hops,
            Hop(
                "nginx",
                f"NGINX {front.label} ({stack.at(front.anchor)})",
                front.anchor,
                read=front.read,
            ),
        ]
        links = [*links, Link(f"{said}: {front.via}", ingress.anchor)]
        host, port = front.target
        found_path = _from_target(hops, links, host, port, front.pass_text, front.anchor, stack)
        found_path.streamed = front.streams
        return found_path
    found = stack.service_at(ingress.service, ingress.port or "", ingress.anchor.path)
    if not isinstance(found, str) and not found[0].kubernetes:
        said += " (the Kubernetes Service taken to run what the compose service of that name runs)"
    return _from_target(
        hops, links, ingress.service, ingress.port or "", said, ingress.anchor, stack
    )


def _route_path(
    route: NginxRoute, stack: Stack, hops: list[Hop], links: list[Link], depth: int = 0
) -> StackPath:
    if route.inner is not None and depth < 3:
        # It reaches a streaming location of the nginx a compose service runs with another
        # config of the tree (a two-tier chain): that location is the next hop.
        inner = stack.route_passing_at(route.inner[0], route.inner[1])
        if inner is not None and inner is not route:
            link = Link(f"{route.pass_text}: {route.inner[2]}", route.anchor)
            return _route_path(
                inner, stack, [*hops, _nginx_hop(inner, stack)], [*links, link], depth + 1
            )
    if not route.targets:
        return StackPath(hops, links, f"{route.pass_text}: the address is a variable")
    results = [
        _from_target(hops, links, host, port, route.pass_text, route.anchor, stack)
        for host, port in route.targets
    ]
    first = results[0]
    if any(
        len(r.hops) != len(first.hops) or [h.name for h in r.hops] != [h.name for h in first.hops]
        for r in results[1:]
    ):
        if not all(_replica(first, r) for r in results[1:]):
            return StackPath(
                hops, links, f"the servers of upstream {route.upstream} reach different layers"
            )
        # Replicas: each server of the upstream reaches its own launch of the same layers with
        # the same limits (app-1, app-2, app-3 of one compose file): the first one stands for
        # all, and its link names the others.
        index = len(hops) - 1
        others = [
            f"{host}:{port} ({r.hops[index + 1].name})"
            for (host, port), r in zip(route.targets[1:], results[1:], strict=True)
        ]
        link = first.links[index]
        evidence = (
            f"{link.evidence}; the upstream's other servers reach launches with the same "
            f"limits: {', '.join(others)}"
        )
        links = [*first.links[:index], Link(evidence, link.place), *first.links[index + 1 :]]
        return StackPath(first.hops, links, first.gap, first.streamed)
    return first


def _replica(first: StackPath, other: StackPath) -> bool:
    """Do two paths go through the same kinds of layers with the same limits (their places
    aside)? Replicas of one service, each launched by its own line."""
    if len(first.hops) != len(other.hops) or first.gap != other.gap:
        return False
    if len(first.links) != len(other.links):
        return False
    for one, two in zip(first.hops, other.hops, strict=True):
        if one.layer != two.layer:
            return False
        for name in ("read", "idle", "own_idle", "total", "pings"):
            a, b = getattr(one, name), getattr(two, name)
            if (a is None) != (b is None):
                return False
            if a is not None and (a.seconds, a.none, a.caveat is None) != (
                b.seconds,
                b.none,
                b.caveat is None,
            ):
                return False
    return True
