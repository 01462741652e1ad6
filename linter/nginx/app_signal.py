"""The app of the same repository behind a route: whether it streams where the location sends
its requests (a compose service or launch line whose app streams, linter/server/proxied.py;
or, for a loopback port or host nothing names, the project's streaming handlers matched by
path), and whether that app sends `X-Accel-Buffering: no` itself."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from linter.hostnames import DOCKER_HOST, LOOPBACK
from linter.nginx.apppaths import longer_prefixes, reaches, taken_by_longer
from linter.nginx.backends import Signal, target_origin
from linter.nginx.route import location_path
from linter.nginx.targets import (
    Resolved,
    ip_address_host,
    pass_host,
    path_matched_host,
)
from linter.nginx.tree import may_hold_placeholder

if TYPE_CHECKING:
    from linter.nginx.context import Stmt
    from linter.nginx.model import NginxDocument
    from linter.nginx.route import Route


def app_signal(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    """The route's backend is an app of the same repository that streams (a compose service
    or launch line whose app has streaming endpoints, or whose image is an LLM server or chat
    app; linter/server/proxied.py finds them), at a path the location can reach when the
    app's streaming paths are known (linter/nginx/apppaths.py)."""
    backends = document.streaming_backends
    if not backends:
        return None
    if upstream is not None:
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
        via = f" (a server of upstream `{upstream.args[0]}`)" if upstream.args else ""
    else:
        addresses = [pass_host(resolved.target)]
        via = ""
    for host, port in addresses:
        if "$" in host or may_hold_placeholder(host):
            continue
        host, port = host.lower(), port or "80"
        # Port "": any port of a compose service (an LLM image's, or an app whose port the
        # tree does not give); its paths are keyed the same way.
        key = (host, port) if (host, port) in backends else (host, "")
        said = backends.get(key)
        paths = document.streaming_paths.get(key)
        if said and (paths is None or reaches(block, resolved.target, paths)):
            return Signal(
                "app",
                f"it proxies to {host}:{port}{via}, where {said}{target_origin(document, resolved)}",
            )
    return None


def _path_matches(
    document: NginxDocument, block: Stmt, target: str, upstream: Stmt | None
) -> list[tuple[str, str, bool]]:
    """The project's JS/TS streaming handlers (``document.path_streams``) a prefix location
    other than `/` reaches, when it proxies to a loopback port no launch or compose service
    of the repository names (an app started by hand or by pm2): the path is then the only
    link, and it is said so. nginx maps `location P` with `proxy_pass http://h:p/U` to `U`
    plus the rest of the request's path; without a URI the path goes on unchanged."""
    if not document.path_streams or upstream is not None or block.is_root:
        return []
    path = location_path(block)
    modifier = block.args[0] if len(block.args) == 2 else ""
    if modifier not in ("", "^~") or not path.startswith("/") or path == "/":
        return []
    host, port = pass_host(target)
    host = host.lower()
    if host in LOOPBACK:
        if not port or (host, port) in document.named_loopback:
            return []
    elif host in DOCKER_HOST or ip_address_host(host):
        # (A port compose publishes on the host is that service's, not matched by path. An IP
        # address is a machine as the Docker host is: the repository's own, where an nginx
        # of the repository sends a path its app serves; never so in a cluster's config.)
        if not port or ("127.0.0.1", port) in document.named_loopback:
            return []
        if host not in DOCKER_HOST and not document.bare_hosts_by_path:
            return []
    elif (
        not document.bare_hosts_by_path
        or not path_matched_host(host)
        or (host, "") in document.named_loopback
    ):
        return []
    uri = re.sub(r"^[a-z]+://[^/]*", "", target, flags=re.IGNORECASE)
    if "$" in uri:
        return []
    machine = host in DOCKER_HOST or ip_address_host(host)
    if (machine or document.path_streams_far) and uri == "/":
        # The host runs many apps at many ports (a config proxies to several), or the
        # handlers are the whole tree's: a prefix cut down to `/` would match every one of
        # them, whatever app it belongs to.
        return []
    upstream_prefix = uri or path
    return [stream for stream in document.path_streams if _under(stream[0], upstream_prefix)]


def _under(route: str, prefix: str) -> bool:
    """The route's path is reached through ``prefix`` (`/api/` reaches `/api/chat`; `/api`
    reaches `/api/chat` and `/api`, not `/apiary`)."""
    if prefix.endswith("/"):
        return route.startswith(prefix) or route == prefix.rstrip("/")
    return route == prefix or route.startswith(prefix + "/")


def path_app_signal(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    matches = _path_matches(document, block, resolved.target, upstream)
    if not matches:
        return None
    route, said, _ = matches[0]
    host, port = pass_host(resolved.target)
    more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
    where = f"{host}:{port}" if port else host
    nobody = (
        "an address no launch file of the repository names"
        if host.lower() in LOOPBACK | DOCKER_HOST or ip_address_host(host)
        else "a host no compose service or launch file of the repository names"
    )
    return Signal(
        "app",
        f"it proxies {location_path(block)} to {where}, {nobody}, and the repository's app "
        f"serves {route} under that path and streams there ({said}{more}; matched by path)",
    )


def app_unbuffers(document: NginxDocument, route: Route) -> str | None:
    """The app every server of the route's backend reaches sends `X-Accel-Buffering: no`
    with each streamed answer: what to say, or None."""
    matches = _path_matches(document, route.block, route.target, route.upstream)
    if matches and all(unbuffered for _, _, unbuffered in matches):
        return f"the app serving {matches[0][0]} sends `X-Accel-Buffering: no` itself"
    unbuffered = document.unbuffered_backends
    if not unbuffered:
        return None
    if route.upstream is not None:
        addresses = [pass_host(s.args[0]) for s in route.upstream.level_named("server") if s.args]
    else:
        addresses = [pass_host(route.target or (route.pass_stmt.args or [""])[0])]
    keys = [(host.lower(), port or "80") for host, port in addresses]
    # (Port "": any port of a compose service whose app is known, as the app signal reads it.)
    if keys and all(key in unbuffered or (key[0], "") in unbuffered for key in keys):
        host, port = keys[0]
        return f"the app at {host}:{port} sends `X-Accel-Buffering: no` with its streamed answers"
    return None


def client_signal(document: NginxDocument, block: Stmt) -> Signal | None:
    """The project's browser app reads a path this prefix location takes (no longer prefix
    beside it takes that path first) as an event stream (linter/server/clientreaders.py): the
    page's own origin is this NGINX, so the stream goes through the location."""
    if not document.client_streams or block.is_root or block.name != "location":
        return None
    modifier = block.args[0] if len(block.args) == 2 else ""
    path = block.args[-1] if block.args else ""
    if modifier not in ("", "^~", "=") or not path.startswith("/") or path == "/":
        return None
    longer = [] if modifier == "=" else longer_prefixes(block, path)
    for route, said in document.client_streams:
        if modifier == "=":
            matched = route == path
        else:
            matched = route.startswith(path) or route == path.rstrip("/")
        if matched and not taken_by_longer(route, longer):
            return Signal("client", f"its path {path} takes {route}, where {said}")
    return None
