"""What one unit's document says about its layer, as stack facts (``model.py``).

Called where the unit was loaded (a worker process, for large runs), so a whole-tree run
parses nothing twice; a kind without facts gives none. Never raises for odd input: what
cannot be read is left out.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.stack.model import (
    AppLaunch,
    Fact,
    IngressRoute,
    Limit,
    LiteLLMConfig,
    NginxRoute,
    Where,
)

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.document import Document
    from linter.k8s.model import K8sDocument
    from linter.litellm.model import Deployment, LiteLLMDocument
    from linter.nginx.context import Stmt
    from linter.nginx.model import NginxDocument
    from linter.nginx.route import Route
    from linter.server.model import ServerDocument


def facts_of(document: Document, settings: Settings) -> list[Fact]:
    kind = document.kind
    if kind == "nginx":
        return list(_nginx(document, settings))  # type: ignore[arg-type]
    if kind == "litellm":
        found = _litellm(document)  # type: ignore[arg-type]
        return [found] if found is not None else []
    if kind == "server":
        return list(_server(document))  # type: ignore[arg-type]
    if kind == "k8s":
        from linter.stack.gateways import gateway_routes

        return [*_ingress(document), *gateway_routes(document)]  # type: ignore[arg-type]
    if kind == "python":
        from linter.stack.clients import clients

        return list(
            clients(
                document.source,
                getattr(document, "tree", None),
                getattr(document, "project", None),
            )
        )
    return []


# --- NGINX ---------------------------------------------------------------------------------


def _stmt_where(stmt: Stmt) -> Where | None:
    directive = stmt.directive
    if directive is None or not os.path.isabs(directive.path):
        return None
    return Where(directive.path, directive.start, directive.end, directive.line)


def _port_of_listen(value: str) -> str | None:
    if value.startswith("unix:"):
        return None
    tail = value.rsplit("]", 1)[-1]
    port = tail.rsplit(":", 1)[-1] if ":" in tail else tail
    if port.isdigit():
        return port
    return "80" if not value[:1].isdigit() or "." in value else None


def _nginx(document: NginxDocument, settings: Settings) -> list[NginxRoute]:
    from linter.nginx.assess import read_timeout
    from linter.nginx.effective import block_label
    from linter.nginx.routes import all_routes, pass_host
    from linter.nginx.targets import resolve_target

    root = document.workspace_root
    found: list[NginxRoute] = []
    # What a server block and an upstream say is the same for each of their routes.
    servers: dict[int, tuple[list[str], list[str], list[tuple[str, str]], tuple[str, int]]] = {}
    upstream_facts: dict[int, tuple[list[tuple[str, str]], Limit | None, bool]] = {}
    for route in all_routes(document, settings):
        anchor = _stmt_where(route.pass_stmt)
        if anchor is None or not route.pass_stmt.args:
            continue
        block = route.block
        label, prefix, regex = "the included snippet", None, None
        if block.name == "location" and block.args:
            args = block.args
            label = "location " + " ".join(args)
            if args[0] in ("=", "^~") and len(args) > 1:
                prefix = args[1]
            elif args[0] in ("~", "~*") and len(args) > 1:
                regex = (args[0], args[1])
            elif not args[0].startswith(("~", "@")):
                prefix = args[0]
        server: Stmt | None = block
        while server is not None and server.name != "server":
            server = server.parent
        listens, names, regexes, server_key = _server_block(server, servers)
        target = route.pass_stmt.args[0]
        targets: list[tuple[str, str]] = []
        idle: Limit | None = None
        judged = False
        if route.upstream is not None:
            known = upstream_facts.get(id(route.upstream))
            if known is None:
                known = upstream_facts[id(route.upstream)] = _upstream(document, route.upstream)
            targets, idle, judged = known
        elif "$" not in target and "__" not in target:
            targets.append(pass_host(target))
        else:
            # The Docker resolver idiom: `set $backend http://litellm:4000; proxy_pass $backend;`
            resolved = resolve_target(
                route.pass_stmt.parent or block, target, document.template_env
            )
            host, port = pass_host(resolved.target)
            if resolved.sets and "$" not in host:
                targets.append((host, port))
                target = (
                    f"{target} (`set` at {document.where(resolved.sets[0])}: {resolved.target})"
                )
            elif resolved.rendered and "$" not in host and "__" not in host:
                targets.append((host, port))
                target = f"{target} ({'; '.join(resolved.rendered)})"
            else:
                # `http://backend:${BACKEND_PORT}`: the host is written, only the port is a
                # placeholder; the host alone names the service (said in the link).
                host, port = pass_host(target)
                plain = host and not host.startswith("unix:") and "__" not in host
                if plain and not port and not any(c in host for c in "${}:/"):
                    targets.append((host, ""))
                    target = f"{target} (its port is a placeholder, not known here)"
        timeout = read_timeout(route)
        found_at = timeout.found
        if found_at.unknown is not None or found_at.stmt is None:
            origin = found_at.describe(root)  # unknown, or nginx's default
        elif found_at.inherited and found_at.level is not None:
            origin = f"inherited from {block_label(found_at.level)}, set at {document.where(found_at.stmt)}"
        else:
            origin = f"set at {document.where(found_at.stmt)}"
        read = Limit(
            timeout.milliseconds / 1000 if timeout.milliseconds is not None else None,
            f"{timeout.name} {found_at.value}",
            origin,
            _stmt_where(found_at.stmt) if found_at.stmt is not None else None,
        )
        found.append(
            NginxRoute(
                path=anchor.path,
                label=label,
                anchor=anchor,
                listens=tuple(dict.fromkeys(listens)),
                server_names=tuple(names),
                prefix=prefix,
                regex=regex,
                targets=tuple(targets),
                pass_text=f"{route.pass_stmt.name} {target}",
                upstream=route.upstream.args[0]
                if route.upstream is not None and route.upstream.args
                else None,
                streaming=route.streaming,
                read=read,
                idle=idle,
                idle_judged=judged,
                server_key=server_key,
                server_regexes=tuple(regexes),
                reach=_reach(block, route.pass_stmt.args[0]),
                inner=_inner(document, route) if document.nginx_fronts else None,
            )
        )
    return found


def _inner(document: NginxDocument, route: Route) -> tuple[str, int, str] | None:
    """The streaming location of an inner nginx the route reaches (see NginxRoute.inner)."""
    from linter.nginx.front_signal import inner_route_reached
    from linter.nginx.targets import resolve_target

    block = route.block
    target = route.pass_stmt.args[0]
    resolved = resolve_target(route.pass_stmt.parent or block, target, document.template_env)
    reached = inner_route_reached(document, block, resolved, route.upstream)
    if reached is None or reached[0].pass_at is None:
        return None
    file, start = reached[0].pass_at
    return file, start, reached[1]


def _reach(block: Stmt, target: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]] | None:
    from linter.nginx.apppaths import location_reach

    if "$" in target or "__" in target:
        return None  # (a variable's target: its URI is not read here)
    return location_reach(block, target)


def _server_block(
    server: Stmt | None,
    known: dict[int, tuple[list[str], list[str], list[tuple[str, str]], tuple[str, int]]],
) -> tuple[list[str], list[str], list[tuple[str, str]], tuple[str, int]]:
    """Ports a server block listens on, its names, its regex locations, and its place."""
    if server is None:
        return [], [], [], ("", 0)
    found = known.get(id(server))
    if found is not None:
        return found
    listens: list[str] = []
    names: list[str] = []
    regexes: list[tuple[str, str]] = []
    server_key = ("", 0)
    for listen in server.level_named("listen"):
        port = _port_of_listen(listen.args[0]) if listen.args else None
        if port is not None:
            listens.append(port)
    if not server.level_named("listen"):
        listens.append("80")
    for stmt in server.level_named("server_name"):
        names.extend(stmt.args)
    for loc in server.level_named("location"):
        if len(loc.args) > 1 and loc.args[0] in ("~", "~*"):
            regexes.append((loc.args[0], loc.args[1]))
    place = _stmt_where(server)
    if place is not None:
        server_key = (place.path, place.line)
    found = known[id(server)] = (listens, names, regexes, server_key)
    return found


def _upstream(
    document: NginxDocument, upstream: Stmt
) -> tuple[list[tuple[str, str]], Limit | None, bool]:
    """An upstream's server addresses, its idle keep-alive toward them (None: no connection
    cache), and whether NGX007 already judges that keep-alive."""
    from linter.nginx.assess import keepalive_of, keepalive_race, known_backend, launched_backend
    from linter.nginx.routes import pass_host
    from linter.nginx.timevalue import parse_time

    targets = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    judged = (
        keepalive_race(document, upstream) is not None
        or known_backend(upstream) is not None
        or launched_backend(document, upstream) is not None
    )
    mode, _ = keepalive_of(document, upstream)
    if mode not in ("explicit", "implicit"):
        return targets, None, judged
    timeouts = upstream.level_named("keepalive_timeout")
    if timeouts and timeouts[0].args:
        parsed = parse_time(timeouts[0].args[0])
        idle = Limit(
            parsed.milliseconds / 1000 if parsed is not None else None,
            f"keepalive_timeout {timeouts[0].args[0]}",
            f"set at {document.where(timeouts[0])}",
            _stmt_where(timeouts[0]),
        )
    else:
        name = upstream.args[0] if upstream.args else "?"
        idle = Limit(60.0, "keepalive_timeout 60s", f"nginx's default (upstream {name} sets none)")
    return targets, idle, judged


# --- LiteLLM -------------------------------------------------------------------------------


def _litellm(document: LiteLLMDocument) -> LiteLLMConfig | None:
    from linter.litellm.model import value_of
    from linter.litellm.timeouts import NEW, Chains, deciding, effective

    main = document.main
    if main is None or main.root is None or not document.complete:
        return None

    def where(entry: object) -> Where:
        file = document.files[entry.path]  # type: ignore[attr-defined]
        start, end = file.span(entry.value)  # type: ignore[attr-defined]
        return Where(entry.path, start, end, file.line(entry.value))  # type: ignore[attr-defined]

    def shown(path: str) -> str:
        return os.path.relpath(path, os.path.dirname(main.path)) if os.path.isabs(path) else path

    chains = Chains(document)
    targets: list[Deployment | None] = [d for d in document.deployments if d.is_text]
    read: Limit | None = None
    longest: tuple[Limit, Deployment | None] | None = None
    stored = None if targets else _models_in_database(document)
    if stored is not None:
        # Its models (and their timeouts) are added through the admin API and kept in its
        # database: what it waits for is not in the repository.
        read = Limit(None, "stream timeout", f"unknown (its models are in its database: {stored})")
    for deployment in (targets or [None]) if stored is None else []:
        chain = chains.stream(deployment)[NEW]
        link = effective(chain)
        if link is None:
            if deciding(chain) is not None:
                return_unknown = Limit(None, "stream timeout", "unknown (set from the environment)")
                read = read or return_unknown
                continue
            candidate = Limit(
                6000.0, "request_timeout 6000s", "LiteLLM's default (no stream timeout set)"
            )
        else:
            assert link.entry is not None
            seconds = value_of(link.entry.value).number
            place = where(link.entry)
            label = link.label
            if deployment is not None and "." not in label:
                label = f"model_list[{deployment.index}].litellm_params.{label}"
            candidate = Limit(
                seconds,
                f"{label} {seconds:g}s" if seconds is not None else label,
                f"set at {shown(place.path)}:{place.line}",
                place,
            )
        if read is None or (
            candidate.seconds is not None
            and (read.seconds is None or candidate.seconds < read.seconds)
        ):
            read = candidate
        if candidate.seconds is not None and (
            longest is None or (longest[0].seconds or 0) < candidate.seconds
        ):
            longest = (candidate, deployment)
    assert read is not None
    # The deployment that waits longest, when it waits longer than the shortest (XL001: a
    # front that cuts before it takes that deployment's timeout, retry and fallback away).
    waits_longest: Limit | None = None
    if longest is not None and read.seconds is not None and longest[0].seconds is not None:
        limit, deployment = longest
        if limit.seconds > read.seconds and deployment is not None:  # type: ignore[operator]
            waits_longest = Limit(
                limit.seconds,
                limit.text,
                f"{limit.origin}, deployment `{deployment.name}` (model_list[{deployment.index}])",
                limit.place,
            )
    pings: Limit | None = None
    general = document.section_items("litellm_settings")
    entry = general.get("sse_keepalive_ping_interval_seconds")
    if entry is not None:
        value = value_of(entry.value).number
        if value is not None and value > 0:
            place = where(entry)
            pings = Limit(
                value,
                f"sse_keepalive_ping_interval_seconds {value:g}",
                f"set at {shown(place.path)}:{place.line}",
                place,
            )
    for deployment in document.deployments:
        entry = deployment.params.get("keepalive_seconds")
        value = value_of(entry.value).number if entry is not None else None
        if entry is not None and value is not None and value > 0:
            value = min(300.0, max(1.0, value))
            if pings is None or (pings.seconds or 0) > value:
                place = where(entry)
                pings = Limit(
                    value,
                    f"keepalive_seconds {value:g}",
                    f"set at {shown(place.path)}:{place.line}",
                    place,
                )
    section = document.section("litellm_settings")
    if section is not None and section.path == main.path:
        start, end = main.span(section.key)
        anchor = Where(main.path, start, end, main.line(section.key))
        has_key = True
    else:
        first = main.root.value[0][0] if main.root.value else main.root
        start, end = main.span(first)
        anchor = Where(main.path, start, end, main.line(first))
        has_key = False
    return LiteLLMConfig(main.path, anchor, read, pings, has_key, waits_longest)


def _models_in_database(document: LiteLLMDocument) -> str | None:
    """How the config says its models live in its database (`general_settings.
    store_model_in_db: true`, or set from the environment), else None."""
    from linter.litellm.model import ValueKind, value_of

    entry = document.section_items("general_settings").get("store_model_in_db")
    if entry is None:
        return None
    value = value_of(entry.value)
    if value.kind is ValueKind.ENV:
        return f"store_model_in_db {value.text}"
    if value.kind is ValueKind.BOOL and value.is_set:
        return f"store_model_in_db {value.text}"
    return None


# --- app servers and compose ---------------------------------------------------------------


def _server(document: ServerDocument) -> list[Fact]:
    from linter.server import detect
    from linter.server.front import keepalive_of, seconds
    from linter.server.model import worker_name
    from linter.stack import compose
    from linter.stack.appcalls import shortest

    found: list[Fact] = []
    for path, text in document.sources.items():
        if detect.is_compose(os.path.basename(path), text.text):
            found.extend(compose.read(text))
    for launch in document.launches:
        source = document.sources.get(launch.command.path)
        if source is None:
            continue
        line = source.position(launch.command.start)[0]
        anchor = Where(launch.command.path, launch.command.start, launch.command.end, line)
        keepalive = keepalive_of(launch, caveated=True)
        setting = launch.setting("keepalive", caveated=True)
        idle = None
        if keepalive is not None:
            idle = Limit(
                keepalive.seconds,
                f"{launch.server} keep-alive {keepalive.seconds:g}s",
                setting.origin + (f", {keepalive.caveat}" if keepalive.caveat is not None else ""),
                _place(document, setting.place),
                caveat=keepalive.caveat,
            )
        total = None
        worker = launch.setting("worker_class")
        threads = seconds(launch.setting("threads").value)
        if (
            launch.server == "gunicorn"
            and worker.value is not None
            and worker_name(worker.value) == "sync"
            and threads is not None
            and threads <= 1
        ):
            timeout = launch.setting("timeout")
            value = seconds(timeout.value)
            total = Limit(
                value,
                f"gunicorn sync worker timeout {timeout.value}s",
                timeout.origin,
                _place(document, timeout.place),
            )
        found.append(
            AppLaunch(
                path=launch.command.path,
                # A Procfile's process type is no host name: honcho or foreman runs it on the
                # host, where a proxy beside it reaches it on loopback (a host launch).
                service=None if detect.shape(launch.command.path) == "procfile" else launch.service,
                server=launch.server,
                launcher=launch.launcher,
                anchor=anchor,
                port=launch.setting("port", caveated=True).value,
                keepalive=idle,
                total=total,
                streams=launch.stream_evidence() if launch.streams() else None,
                endpoints=tuple(
                    (
                        _absolute(document, e.path),
                        e.line,
                        e.column,
                        e.end_line,
                        e.end_column,
                        e.what,
                        e.pings,
                        None if launch.routes_moved or launch.llm_proxy is not None else e.routes,
                    )
                    for e in launch.evidence
                    if e.column
                ),
                waits=shortest(launch.llm_waits),
                loopback=launch.loopback,
            )
        )
    return found


def _absolute(document: ServerDocument, shown: str) -> str:
    """Evidence names its file relative to the tree's root."""
    return shown if os.path.isabs(shown) else os.path.join(document.workspace_root, shown)


def _place(document: ServerDocument, place: object) -> Where | None:
    if place is None:
        return None
    source = document.sources.get(place.path)  # type: ignore[attr-defined]
    if source is None:
        return None
    line = source.position(place.start)[0]  # type: ignore[attr-defined]
    return Where(place.path, place.start, place.end, line)  # type: ignore[attr-defined]


# --- Kubernetes ingress ----------------------------------------------------------------------


def _ingress(document: K8sDocument) -> list[IngressRoute]:
    """Streaming paths of the unit's Ingresses (the k8s kind's evidence) with the backend
    they name and the proxy read timeout in effect: the k8s rules' own reading of it."""
    from linter.k8s.signals import front_route, ingress_path_evidence
    from linter.stack.kube import CLOUDFLARE_PROXIED, edge_limit
    from rules.k8s._common import community_seconds, effective, nginx_inc, nginx_seconds

    found: list[IngressRoute] = []
    for ingress in document.own.ingresses:
        seconds: float | None
        if ingress.controller == "nginx-inc":
            setting = nginx_inc(document, ingress, "proxy-read-timeout", "60s")
            seconds = nginx_seconds(setting.text) if setting.text is not None else None
            name = "nginx.org/proxy-read-timeout"
        else:
            setting = effective(document, ingress, "proxy-read-timeout", "60")
            whole = community_seconds(setting.text) if setting.text is not None else None
            seconds = float(whole) if whole is not None else None
            name = "proxy-read-timeout"
        place = None
        if setting.value is not None and os.path.isabs(setting.value.path):
            value = setting.value
            place = Where(value.path, value.start, value.end, document.line_of(value))
        read = Limit(
            seconds,
            f"{name} {setting.text}" if setting.text is not None else name,
            setting.origin,
            place,
        )
        if not ingress.served_by_nginx(bool(document.all_configs())):
            # Another controller (Traefik, ALB, GCE) has other limits: ingress-nginx's 60 s is
            # not assumed (the k8s rules' own gate).
            read = Limit(
                None, "read timeout", "unknown: the Ingress names no controller streamproof knows"
            )
        edge = None
        proxied = ingress.annotation(CLOUDFLARE_PROXIED)
        if proxied is not None and (proxied[1].text or "").strip().lower() == "true":
            value = proxied[1]
            if os.path.isabs(value.path):
                line = document.line_of(value)
                edge = edge_limit(
                    Where(value.path, value.start, value.end, line), os.path.basename(value.path)
                )
        for item in ingress.paths:
            if (
                ingress_path_evidence(
                    ingress,
                    item,
                    document.app_backends,
                    chart_apps=document.chart_apps,
                    callers=document.llm_callers,
                    fronts=document.front_backends,
                )
                is None
            ):
                continue
            front = front_route(ingress, item, document.front_backends)
            where = item.where
            if not os.path.isabs(where.path):
                continue
            label = f"Ingress {ingress.name}"
            if item.path is not None and item.path.known:
                label += f", path {item.path.text}"
            found.append(
                IngressRoute(
                    path=where.path,
                    label=label,
                    anchor=Where(where.path, where.start, where.end, document.line_of(where)),
                    service=item.service.text if item.service is not None else None,
                    port=item.port.text if item.port is not None else None,
                    read=read,
                    edge=edge,
                    front=front if front is not None and front.anchor is not None else None,
                )
            )
    return found
