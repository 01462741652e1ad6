"""The signal of a route to the inner nginx of a two-tier chain: the outer location reaches a
streaming location of the config a compose service runs nginx with (linter/nginx/fronts.py
finds them when the document is loaded)."""

from __future__ import annotations

import re

from linter.nginx.backends import Signal
from linter.nginx.context import Stmt
from linter.nginx.model import InnerRoute, NginxDocument
from linter.nginx.targets import Resolved, pass_host
from linter.nginx.tree import may_hold_placeholder


def inner_front_signal(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    """The route proxies to a compose service running an nginx of its own (the inner tier of
    a two-tier chain, linter/nginx/fronts.py) and reaches a streaming location of its config:
    the location `/api/` of the inner config when this one is `/` or `/api/`. That nginx
    hides the backend's `X-Accel-*` headers from this one (unless it passes them on), so the
    app's own opt-out does not unbuffer this route."""
    reached = inner_route_reached(document, block, resolved, upstream)
    if reached is None:
        return None
    inner, how = reached
    return Signal(
        "app",
        f"{how} is a streaming route ({inner.because}), and that nginx hides the backend's "
        "`X-Accel-Buffering` from this one",
    )


def inner_route_reached(
    document: NginxDocument, block: Stmt, resolved: Resolved, upstream: Stmt | None
) -> tuple[InnerRoute, str] | None:
    """The streaming location of an inner nginx the route reaches, and how ("it proxies to
    web:80, where ...; there location /api/ (web.conf:7)"); None when it reaches none."""
    fronts = document.nginx_fronts
    if not fronts or block.is_root:
        return None
    modifier = block.args[0] if len(block.args) == 2 else ""
    if modifier not in ("", "^~", "="):
        return None  # a regex: which inner paths it reaches is not read
    uri = re.sub(r"^[a-z]+://[^/]*", "", resolved.target, flags=re.IGNORECASE)
    if "$" in uri:
        return None
    prefix = uri or block.args[-1]
    if upstream is not None:
        addresses = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    else:
        addresses = [pass_host(resolved.target)]
    for host, port in addresses:
        if "$" in host or may_hold_placeholder(host):
            continue
        host, port = host.lower(), port or "80"
        for inner in (*fronts.get((host, port), ()), *fronts.get((host, ""), ())):
            if _reaches(prefix, inner):
                via = _fallback_via(prefix, inner)
                return (
                    inner,
                    f"it proxies to {host}:{port}, where {inner.service}; there {inner.label} "
                    f"({inner.where}{via})",
                )
    return None


def _landing(prefix: str, inner: InnerRoute) -> str | None:
    """The inner prefix location a request under ``prefix`` lands on (the longest match)."""
    return max((p for p in inner.prefixes if prefix.startswith(p)), key=len, default=None)


def _fallback_via(prefix: str, inner: InnerRoute) -> str:
    if inner.modifier not in ("~", "~*") or prefix == "/":
        return ""
    return f", reached through the `try_files` fallback of its location {_landing(prefix, inner)}"


def _reaches(prefix: str, inner: InnerRoute) -> bool:
    """Requests under ``prefix`` (the path the inner nginx sees) can land on the inner
    location: its path is under the prefix, or the prefix under it. An inner regex only from
    a catch-all."""
    if inner.modifier in ("~", "~*"):
        if prefix == "/":
            return True
        # A request under the prefix lands on the longest inner prefix location it matches;
        # one whose `try_files` falls back into the regex location reaches it.
        landing = _landing(prefix, inner)
        return landing is not None and landing in inner.entered_by
    return inner.path.startswith(prefix) or prefix.startswith(inner.path)
