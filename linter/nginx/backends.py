"""What a route's backend says about it: the target host or the `upstream {}` it names (an LLM
server's name or port), or the values of the `map` its target variable comes from. A name that
is only the generic word `llm` counts beside a second sign (an LLM server's port, a raised read
timeout)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from linter.hostnames import LOOPBACK
from linter.llmservers import GENERIC_LLM_WORDS, LLM_PORTS, MCP_NAME, llm_name, llm_server_port
from linter.nginx.context import Stmt
from linter.nginx.effective import lookup
from linter.nginx.model import NginxDocument
from linter.nginx.targets import Resolved, pass_host
from linter.nginx.timevalue import parse_time


class Signal(NamedTuple):
    kind: str  # comment, setting, sse, path, upstream, app, listen, server_name, litellm, weak
    text: str  # for messages: "... is a streaming route because <text>"


def upstreams(document: NginxDocument) -> dict[str, Stmt]:
    """The upstream blocks by name (the first of each name), found once per document."""
    cached = document.cache.get("upstreams")
    if isinstance(cached, dict):
        return dict(cached)
    found: dict[str, Stmt] = {}
    for stmt in document.statements():
        if stmt.name == "upstream" and stmt.is_block and stmt.args:
            found.setdefault(stmt.args[0], stmt)
    document.cache["upstreams"] = found
    return dict(found)


def upstream_signal(
    document: NginxDocument, block: Stmt, family: str, resolved: Resolved, upstream: Stmt | None
) -> Signal | None:
    found = backend_signal(document, block, family, resolved.target, upstream)
    if found is None:
        return found
    return Signal(found.kind, found.text + target_origin(document, resolved))


def target_origin(document: NginxDocument, resolved: Resolved) -> str:
    """Where a resolved target's variables come from, said after the evidence (or "")."""
    notes = list(resolved.rendered)
    if resolved.sets:
        sets = ", ".join(
            f"`set {stmt.args[0]} {stmt.args[1]}` at {document.where(stmt)}"
            for stmt in resolved.sets
        )
        notes.append(f"its target's variables come from {sets}")
    return f" ({'; '.join(notes)})" if notes else ""


def _named(text: str, name: str, sign: str | None) -> str | None:
    """``text`` when the name ``name`` counts: a product or model name on its own, the generic
    word `llm` only with a second sign (said after it)."""
    if name not in GENERIC_LLM_WORDS:
        return text
    return f"{text} and {sign}" if sign else None


def upstream_evidence(
    upstream: Stmt,
    route_sign: str | None = None,
    mcp_name: bool = True,
    own_ports: Mapping[str, str] | None = None,
) -> str | None:
    """What makes an `upstream {}` an LLM server's (its name, a server's host or port), said
    for a message; None when nothing does. ``route_sign``: what the route that proxies to it
    says besides (a raised read timeout), a second sign for a name that is only `llm`.
    ``mcp_name``: False when the app behind it is known not to serve MCP (backend_signal)."""
    if not upstream.args:
        return None
    servers = [(s.args[0], *pass_host(s.args[0])) for s in upstream.level_named("server") if s.args]
    port_sign = next(
        (f"its server {address} is on {text}" for address, _, port in servers
         if (text := llm_server_port(port))),
        None,
    )  # fmt: skip
    sign = port_sign or route_sign
    name = llm_name(upstream.args[0])
    if name:
        text = f"its upstream `{upstream.args[0]}` is named like an LLM server ({name})"
        if (found := _named(text, name, sign)) is not None:
            return found
    if mcp_name and MCP_NAME.search(upstream.args[0]):
        return f"its upstream `{upstream.args[0]}` is named like an MCP server (streamable HTTP)"
    for address, host, port in servers:
        name = llm_name(host)
        if name:
            text = f"its upstream server {address} is an LLM server ({name})"
            if (found := _named(text, name, route_sign)) is not None:
                return found
        if port in LLM_PORTS and not _own_port(own_ports, host, port):
            return f"its upstream server {address} listens on {LLM_PORTS[port]}"
    return None


def _own_port(own_ports: Mapping[str, str] | None, host: str, port: str) -> bool:
    """The port is one the project's own code listens on, on this host (ownports.py): the
    port says nothing of an LLM server there."""
    return own_ports is not None and port in own_ports and host.lower() in LOOPBACK


def backend_signal(
    document: NginxDocument, block: Stmt, family: str, route_target: str, upstream: Stmt | None
) -> Signal | None:
    host, port = pass_host(route_target)
    if upstream is not None:
        mcp = not _quiet_servers(document, upstream)
        own = document.own_ports
        text = upstream_evidence(upstream, mcp_name=mcp, own_ports=own)
        if text is None and _generic_named(upstream):
            text = upstream_evidence(
                upstream, read_timeout_sign(document, block, family), mcp_name=mcp, own_ports=own
            )
        return Signal("upstream", text) if text else None
    if "$" in host:
        # A host nginx only knows at run time, or a template variable filled in before it
        # reads the file: a variable named for an LLM server (`${OLLAMA_BASE_URL}`) says
        # where the route goes as an upstream's name would.
        return _template_variable_signal(document, block, family, host)
    name = llm_name(host)
    if name:
        text = f"it proxies to {host}, an LLM server or API ({name})"
        sign = llm_server_port(port)
        if name in GENERIC_LLM_WORDS:
            sign = f"port {port} is {sign}" if sign else None
            sign = sign or read_timeout_sign(document, block, family)
        found = _named(text, name, sign)
        if found is not None:
            return Signal("upstream", found)
    if port in LLM_PORTS and not _own_port(document.own_ports, host, port):
        return Signal("upstream", f"it proxies to {host}:{port}, {LLM_PORTS[port]}")
    return None


# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# A target host that is a whole template variable (`${OLLAMA_BASE_URL}`, `${LLM_HOST}:8080`).
_TEMPLATE_HOST = functools.cache(
    lambda: re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=?+][^}]*)?\}(?::(?:\d+|\$\{\w+\}))?$")
)


def _template_variable_signal(
    document: NginxDocument, block: Stmt, family: str, host: str
) -> Signal | None:
    match = _TEMPLATE_HOST().match(host)
    if match is None:
        return None
    variable = match.group(1)
    name = llm_name(variable)
    if not name:
        return None
    placeholder = host[: host.index("}") + 1]
    text = f"its target is the template variable {placeholder}, named for an LLM server ({name})"
    sign = read_timeout_sign(document, block, family) if name in GENERIC_LLM_WORDS else None
    found = _named(text, name, sign)
    return Signal("upstream", found) if found is not None else None


def _quiet_servers(document: NginxDocument, upstream: Stmt) -> bool:
    """Every server of the upstream reaches an app of the repository that was read and never
    streams nor imports an MCP SDK (linter/server/proxied.py): a name promising an MCP
    server is then only a name (`mcp_github` in front of a FastAPI app answering JSON)."""
    quiet = document.quiet_backends
    if not quiet:
        return False
    servers = [pass_host(s.args[0]) for s in upstream.level_named("server") if s.args]
    return bool(servers) and all((host.lower(), port or "80") in quiet for host, port in servers)


def _generic_named(upstream: Stmt) -> bool:
    """The upstream's name, or a server's host, is only the generic word `llm`."""
    names = [upstream.args[0]] if upstream.args else []
    names += [pass_host(s.args[0])[0] for s in upstream.level_named("server") if s.args]
    return any(llm_name(name) in GENERIC_LLM_WORDS for name in names)


def read_timeout_sign(document: NginxDocument, block: Stmt, family: str) -> str | None:
    """A read timeout raised above nginx's 60s default for the route: its admin expects long
    answers, a second sign beside a backend named only `llm`."""
    found = lookup(block, f"{family}_read_timeout")
    if found.stmt is None or not found.stmt.args:
        return None
    value = parse_time(found.stmt.args[0])
    if value is None or value.milliseconds <= 60_000:
        return None
    return f"its {family}_read_timeout is raised to {found.stmt.args[0]} ({document.where(found.stmt)})"


def map_signal(document: NginxDocument, resolved: Resolved) -> Signal | None:
    """A target host that is a `map`'s variable (`map $http_model $pool { ... }` then
    `proxy_pass http://$pool;`): the upstreams or hosts its values name are where the route
    goes, and one of them that is an LLM server's makes the route an LLM route."""
    known = upstreams(document)
    for stmt, variable, value in map_values(document, resolved.target):
        upstream = known.get(value)
        text = upstream_evidence(upstream) if upstream is not None else None
        if (
            text is None
            and "$" not in value
            and (product := llm_name(value))
            and product not in GENERIC_LLM_WORDS
        ):
            text = f"it names {value}, an LLM server ({product})"
        if text:
            return Signal(
                "upstream",
                f"its target {variable} comes from the map at {document.where(stmt)}, "
                f"one of whose values is `{value}`: {text}",
            )
    return None


def map_values(document: NginxDocument, target: str) -> Iterator[tuple[Stmt, str, str]]:
    """(map, variable, value) for each value a `map` can give the variable that is the host of
    ``target`` (`proxy_pass http://$pool;` with `map $http_model $pool { ... }`)."""
    host, _ = pass_host(target)
    match = re.match(r"^\$\{?(\w+)\}?", host)
    if match is None:
        return
    variable = "$" + match.group(1)
    for stmt in document.statements():
        if stmt.name != "map" or not stmt.is_block or stmt.args[1:2] != [variable]:
            continue
        for entry in stmt.walk():
            if entry is not stmt and entry.directive is not None and entry.args:
                yield stmt, variable, entry.args[-1]
