"""The Kubernetes Services an NGINX config held in a ConfigMap proxies to, linked to the app the
repository builds for them.

An NGINX config deployed to a cluster (``data: default.conf: |`` in a ConfigMap) names
Services: ``proxy_pass http://api:8000`` reaches the Service ``api`` (or ``api.<namespace>``,
``api.<namespace>.svc.cluster.local``) on its port 8000, which sends to its workload's
container port. When that container runs its image's own command (no ``command``/``args``)
and a compose service of the repository builds that image from a Dockerfile (its ``image:``
is the same, or the image is named as the compose service or its ``container_name``), the
Service runs what the compose service launches. Evidence only: an image no compose service
builds, or that two build, links nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix

if TYPE_CHECKING:
    from linter.server.composefile import ComposeFile, ComposeService
    from linter.stack.model import Service
    from linter.workspace import Workspace

# How many folder entries the walk for manifests looks at (a huge tree: what was found).
_MAX_ENTRIES = 20_000
_YAML = (".yaml", ".yml")


def image_name(image: str) -> str:
    """An image reference without its tag or digest, lowercased (``ghcr.io/o/api``)."""
    name = image.split("@", 1)[0].strip().lower()
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def services(workspace: Workspace, nginx_file: str) -> list[Service]:
    """The Services of the manifests around a config held in a manifest (its folder's parent
    and below: a kustomize base keeps the proxy and the app in sibling folders); none for a
    config that is not in a YAML file. Read once per folder and run."""
    if not nginx_file.lower().endswith(_YAML):
        return []
    top = os.path.dirname(os.path.dirname(os.path.abspath(nginx_file)))
    if not workspace.inside(top):
        top = os.path.dirname(os.path.abspath(nginx_file))
    key = ("server", "kube-services", top)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    from linter.stack import kube
    from linter.stack.model import Service

    sources = []
    kustomizations = []
    for path in _manifests(top):
        try:
            if os.path.basename(path).lower().startswith("kustomization."):
                kustomizations.append(workspace.read_source(path))
                continue
            data = workspace.read_bytes(path)
            if b"{{" in data or not kube.may_hold(data):
                continue  # a Helm template is not a manifest until rendered
            sources.append(workspace.read_source(path))
        except Exception:  # evidence only
            continue
    found: list[Service] = []
    if sources:
        try:
            found = [f for f in kube.read(sources, kustomizations) if isinstance(f, Service)]
        except Exception:  # evidence only: never a crash of the run
            found = []
    workspace.memo[key] = found
    return found


def _manifests(top: str) -> list[str]:
    from linter.discovery import never_entered

    found: list[str] = []
    stack = [top]
    seen = 0
    while stack and seen < _MAX_ENTRIES:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and not never_entered(folder, entry.name):
                    stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(_YAML):
                found.append(entry.path)
    return found


def builder(
    service: Service, composes: list[ComposeFile], root: str
) -> tuple[ComposeFile, ComposeService, str] | None:
    """The compose service that builds the image the Service's workload runs with its own
    command, and how the repository says so; None when none or several do."""
    if not service.image or service.command:
        return None  # a command of its own: not what the compose service launches
    wanted = image_name(service.image)
    last = wanted.rsplit("/", 1)[-1]
    same: list[tuple[ComposeFile, ComposeService, str]] = []
    named: list[tuple[ComposeFile, ComposeService, str]] = []
    for compose in composes:
        shown = relative_posix(compose.path, root)
        for entry in compose.services:
            if entry.dockerfile is None:
                continue  # an image built elsewhere
            where = f"{shown}:{entry.key.line}"
            if entry.image and image_name(entry.image) == wanted:
                said = f"the image compose service `{entry.name}` ({where}) builds and names"
                same.append((compose, entry, said))
            elif last == entry.name.lower():
                said = f"named as compose service `{entry.name}` ({where}), which builds it"
                named.append((compose, entry, said))
            elif last == (entry.container_name or "").lower():
                said = (
                    f"named as the container_name of compose service `{entry.name}` "
                    f"({where}), which builds it"
                )
                named.append((compose, entry, said))
    chosen = same or named
    if len({(c.path, s.name) for c, s, _ in chosen}) != 1:
        return None
    return chosen[0]
