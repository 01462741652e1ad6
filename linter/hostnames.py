"""Host names that mean "this machine" or "the machine the containers run on": one list for
the NGINX rules, the app-server readers and the stack linking, so each layer reads a target
the same way."""

from __future__ import annotations

# Addresses of the host a proxy runs on (an app beside it, not a container's name).
LOOPBACK = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"})
# The Docker (or Podman) host as a container reaches it (Docker Desktop; on Linux with
# `extra_hosts: host.docker.internal:host-gateway`): a proxy in a container that sends there
# reaches what binds that port on the host, as a loopback address does for a proxy on it.
DOCKER_HOST = frozenset({"host.docker.internal", "host.containers.internal"})
