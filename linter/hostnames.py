"""Host names that mean "this machine" or "the machine the containers run on": one list for
the NGINX rules, the app-server readers and the stack linking, so each layer reads a target
the same way."""

from __future__ import annotations

import re

# Addresses of the host a proxy runs on (an app beside it, not a container's name).
LOOPBACK = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"})
# The Docker (or Podman) host as a container reaches it (Docker Desktop; on Linux with
# `extra_hosts: host.docker.internal:host-gateway`): a proxy in a container that sends there
# reaches what binds that port on the host, as a loopback address does for a proxy on it.
DOCKER_HOST = frozenset({"host.docker.internal", "host.containers.internal"})
# Object stores, as a whole part of an upstream's, host's or image's name (`minio_api`,
# `s3-gateway`, `minio/minio`): their guides turn proxy buffering off for large objects.
OBJECT_STORE_PARTS = frozenset({"minio", "s3"})


def object_store_name(name: str) -> bool:
    """A part of the name (cut at anything but letters and digits) names an object store."""
    return not OBJECT_STORE_PARTS.isdisjoint(re.split(r"[^a-z0-9]+", name.lower()))
