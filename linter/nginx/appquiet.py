"""Backends whose own code says a route does not stream, whatever the weaker signals say.

- A Streamlit app (its port 8501, or a name with `streamlit`) talks to the browser over its
  WebSocket (`/_stcore/stream`) only: `proxy_buffering off` in front of it is for that socket
  (an upgraded connection is relayed unbuffered anyway), not for an event stream.
- An object store (MinIO, an S3 endpoint, by the upstream's or host's name, or a compose
  service of the repository that runs an object store's image at the address, as a MinIO
  console published on a host port): its own guide turns `proxy_buffering off` for large
  uploads and downloads, not for an event stream.
- A project whose server code is in the tree and neither serves nor reads a stream
  (linter/server/quietproject.py): buffering turned off, or a comment saying "streaming",
  is then an admin's habit copied from a guide.
- An app of the repository whose own folder (a launch's app folder, a compose service's
  build context) holds its server code and no word of a stream (linter/server/proxied.py's
  ``quiet_apps``): every weak sign of the route (a path that looks like chat, an LLM
  server's port or name, buffering turned off) yields to it; only the block's explicit
  `text/event-stream`, an opt-in comment or the `stream-routes` setting still count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.hostnames import object_store_name
from linter.nginx.context import Stmt
from linter.nginx.targets import Resolved, pass_host
from linter.nginx.tree import may_hold_placeholder

if TYPE_CHECKING:
    from linter.nginx.model import NginxDocument

STREAMLIT_PORT = "8501"


def streamlit_backend(resolved: Resolved, upstream: Stmt | None) -> str | None:
    """What says the route's backend is a Streamlit app (every server of its upstream, or
    its target), or None."""
    if upstream is not None:
        names = [upstream.args[0]] if upstream.args else []
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
        if not addresses:
            return None
    else:
        names = []
        addresses = [pass_host(resolved.target)]
    said = []
    for host, port in addresses:
        if "$" in host:
            return None
        if port == STREAMLIT_PORT:
            said.append(f"{host}:{port}, Streamlit's port")
        elif "streamlit" in host.lower():
            said.append(f"{host}, named for Streamlit")
        elif not any("streamlit" in name.lower() for name in names):
            return None
    if not said:
        said = [f"upstream `{names[0]}`, named for Streamlit"]
    return said[0]


def object_store_backend(
    document: NginxDocument, resolved: Resolved, upstream: Stmt | None
) -> str | None:
    """What says the route's backend is an object store (the upstream's name, else every
    server's or the target's host with a part naming one, or a compose service running an
    object store's image there: ``document.object_stores``), or None."""
    if upstream is not None:
        name = upstream.args[0] if upstream.args else ""
        if name and "$" not in name and object_store_name(name):
            return f"upstream `{name}`, named for an object store"
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    else:
        addresses = [pass_host(resolved.target)]
    hosts = [host for host, _ in addresses]
    if hosts and all(host and "$" not in host and object_store_name(host) for host in hosts):
        return f"{hosts[0]}, named for an object store"
    said = [_compose_object_store(document, host, port) for host, port in addresses]
    return said[0] if said and all(said) else None


def _compose_object_store(document: NginxDocument, host: str, port: str) -> str | None:
    if not host or "$" in host:
        return None
    stores = document.object_stores
    keys = [(host.lower(), port or "80"), (host.lower(), "")]
    return next((stores[key] for key in keys if key in stores), None)


def quiet_app(document: NginxDocument, resolved: Resolved, upstream: Stmt | None) -> str | None:
    """What says every server of the route's upstream (or its target) is an app of the
    repository that never streams (``document.quiet_apps``), or None."""
    quiet = document.quiet_apps
    if not quiet:
        return None
    if upstream is not None:
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    else:
        addresses = [pass_host(resolved.target)]
    said = []
    for host, port in addresses:
        if not host or "$" in host or may_hold_placeholder(host):
            return None
        keys = [(host.lower(), port or "80"), (host.lower(), "")]
        if any(key in document.streaming_backends for key in keys):
            return None
        found = next((quiet[key] for key in keys if key in quiet), None)
        if found is None:
            return None
        said.append(found)
    return said[0] if said else None
