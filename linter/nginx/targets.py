"""Where a `*_pass` sends its requests: host and port of its target, with the variables nginx
would fill in from a `set` in the same server resolved first (the Docker resolver idiom
`set $backend http://litellm:4000; proxy_pass $backend;`), and the ports a server listens on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import NamedTuple

from linter.hostnames import DOCKER_HOST, LOOPBACK
from linter.nginx.context import Stmt

# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
_VARIABLE = functools.cache(lambda: re.compile(r"\$(?:\{(\w+)\}|(\w+))"))
_HOST_PORT = functools.cache(lambda: re.compile(r"^([^:$\[\]]+|\[[^\]]*\]):(\d+)$"))


_SCHEME = re.compile(r"^[a-z]+://", re.IGNORECASE)
_PATH_START = re.compile(r"[/?]")


@functools.lru_cache(maxsize=4096)
def pass_host(target: str) -> tuple[str, str]:
    """(host, port) of a `proxy_pass` target (``http://host:port/path``); port may be ''.
    A variable after a plain host and port (``http://api:3080$request_uri``) leaves them
    plain; a host that is itself a variable is returned with its ``$``. (Remembered: the
    rules and the stack facts ask it of the same few targets thousands of times.)"""
    rest = _SCHEME.sub("", target)
    rest = _PATH_START.split(rest, maxsplit=1)[0]
    if rest.startswith("unix:"):
        return rest, ""
    if "$" in rest:
        head = rest[: rest.index("$")]
        plain = _HOST_PORT().match(head)
        if plain:
            return plain.group(1), plain.group(2)
        if head.endswith(":") and len(head) > 1:
            return head[:-1], ""
        return rest, ""
    if rest.startswith("["):
        host, _, tail = rest.partition("]")
        return host + "]", tail.lstrip(":")
    host, _, port = rest.partition(":")
    return host, port


class Resolved(NamedTuple):
    target: str  # with the variables set in the server replaced by their values
    sets: tuple[Stmt, ...]  # the `set` statements used
    # Template variables the repository gives a value (rendered before nginx reads the file),
    # said for messages: "${BACKEND_URL} is http://backend:7860, set in the environment of ...".
    rendered: tuple[str, ...] = ()


# A template variable in a target: envsubst's ${NAME} (and $NAME, which it fills in too when
# NAME is in its environment; only in capitals here, as nginx's own variables are written in
# small letters) and sed's __NAME__.
_TEMPLATE_VARIABLE = functools.cache(
    lambda: re.compile(r"\$\{([A-Za-z_]\w*)\}|__([A-Z][A-Z0-9_]*?)__|\$([A-Z][A-Z0-9_]*)\b")
)


def resolve_target(
    block: Stmt, target: str, template_env: Mapping[str, tuple[str, str]] | None = None
) -> Resolved:
    """``target`` with each template variable the repository gives a value (``template_env``:
    name -> (value, where it is set)) filled in, then each ``$name`` that one
    `set $name <constant>;` in the route's chain of blocks (location, its `if`s, server)
    gives a value replaced by that value. A variable set twice, set from another variable,
    or not set in the chain stays as it is."""
    rendered: list[str] = []
    if template_env and ("$" in target or "__" in target):

        def fill(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2) or match.group(3)
            known = template_env.get(name)
            if known is None:
                return match.group(0)
            rendered.append(f"{match.group(0)} is {known[0]}, set in {known[1]}")
            return known[0]

        target = _TEMPLATE_VARIABLE().sub(fill, target)
    if "$" not in target:
        return Resolved(target, (), tuple(rendered))
    used: list[Stmt] = []

    def value_of(match: re.Match[str]) -> str:
        name = "$" + (match.group(1) or match.group(2))
        found = _set_in_chain(block, name)
        if found is None:
            return match.group(0)
        used.append(found)
        return found.args[1]

    resolved = _VARIABLE().sub(value_of, target)
    return Resolved(resolved, tuple(used), tuple(rendered))


def _set_in_chain(block: Stmt, name: str) -> Stmt | None:
    server = block if block.name == "server" else block.enclosing("server")
    scope = server if server is not None else _outermost(block)
    found = [
        stmt
        for stmt in scope.walk()
        if stmt.name == "set" and len(stmt.args) == 2 and stmt.args[0] == name
    ]
    if len(found) != 1 or "$" in found[0].args[1]:
        return None
    # Only a `set` on the route's own chain applies to it (one in a sibling location does not).
    chain = set(map(id, block.chain()))
    stmt = found[0]
    parent = stmt.parent
    return stmt if parent is not None and id(parent) in chain else None


def _outermost(block: Stmt) -> Stmt:
    current = block
    while current.parent is not None:
        current = current.parent
    return current


def listen_ports(server: Stmt) -> list[tuple[str, Stmt]]:
    """The ports a server listens on, each with its `listen` statement."""
    found = []
    for stmt in server.level_named("listen"):
        if not stmt.args:
            continue
        address = stmt.args[0]
        if address.startswith("unix:"):
            continue
        port = address.rsplit(":", 1)[-1] if not address.isdigit() else address
        if port.isdigit():
            found.append((port, stmt))
    return found


# A host named as a compose service is (`backend`, `api-server`): one label, no dots.
_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def path_matched_host(host: str) -> bool:
    """A target host a route may be linked to the project's app by path alone: loopback, a
    bare service-style name (`backend`) that nothing in the repository names otherwise, or an
    IP address (the machine the repository's app is deployed on, written by its address)."""
    host = host.lower()
    return (
        host in LOOPBACK
        or host in DOCKER_HOST
        or ip_address_host(host)
        or (_SERVICE_NAME.match(host) is not None and not host.isdigit())
    )


_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")


def ip_address_host(host: str) -> bool:
    """A literal IPv4 address, or a bracketed IPv6 one (`[2001:db8::5]`): a machine, which may
    run several apps at several ports, as the Docker host does."""
    return _IPV4.match(host) is not None or (
        host.startswith("[") and host.endswith("]") and ":" in host
    )
