"""The Kubernetes Services an NGINX config held in a ConfigMap proxies to, linked to the app the
repository builds for them.

An NGINX config deployed to a cluster (``data: default.conf: |`` in a ConfigMap) names
Services: ``proxy_pass http://api:8000`` reaches the Service ``api`` (or ``api.<namespace>``,
``api.<namespace>.svc.cluster.local``) on its port 8000, which sends to its workload's
container port. When that container runs its image's own command (no ``command``/``args``)
and the repository builds that image from one of its Dockerfiles, the Service runs what that
Dockerfile (or the compose service that builds it) launches. What says an image is built here:
a compose service with ``build:`` whose ``image:`` is the same, a GitHub Actions workflow that
builds and tags it (``docker build -t`` in a ``run:`` step, ``docker/build-push-action``
with ``context``/``file`` and ``tags``), a ``skaffold.yaml`` artifact, or else a compose
service with ``build:`` named as the image (its name or ``container_name``). Evidence only:
an image nothing builds, or that two builds make, links nothing.
"""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING, Any

from linter.pathmatch import relative_posix
from linter.record import record

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


def in_cluster(workspace: Workspace, config: str) -> bool:
    """Is a proxy config deployed to a cluster: held in a manifest (a ConfigMap), or a file a
    kustomization beside it or one folder up turns into one (``configMapGenerator``)?"""
    if config.lower().endswith(_YAML):
        return True
    name = os.path.basename(config)
    folder = os.path.dirname(os.path.abspath(config))
    for where in (folder, os.path.dirname(folder)):
        for kustomization in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            path = os.path.join(where, kustomization)
            if not workspace.inside(path) or not os.path.isfile(path):
                continue
            try:
                text = workspace.read_source(path).text
            except Exception:  # evidence only
                continue
            if "configMapGenerator" in text and re.search(
                r"(?m)[\s/'\"=]" + re.escape(name) + r"['\"]?\s*$", text
            ):
                return True
    return False


def services(workspace: Workspace, nginx_file: str) -> list[Service]:
    """The Services of the manifests around a config deployed to a cluster (``in_cluster``):
    its folder's parent and below (a kustomize base keeps the proxy and the app in sibling
    folders); none for another config. Read once per folder and run."""
    if not in_cluster(workspace, nginx_file):
        return []
    top = os.path.dirname(os.path.dirname(os.path.abspath(nginx_file)))
    if not workspace.inside(top):
        top = os.path.dirname(os.path.abspath(nginx_file))
    key = ("server", "kube-services", top)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return _nearest_services(known, nginx_file)
    from linter.stack import kube
    from linter.stack.model import Service

    sources, kustomizations = kube.manifest_sources(_manifests(top), workspace)
    found: list[Service] = []
    if sources:
        try:
            found = [f for f in kube.read(sources, kustomizations) if isinstance(f, Service)]
        except Exception:  # evidence only: never a crash of the run
            found = []
    workspace.memo[key] = found
    return _nearest_services(found, nginx_file)


def _nearest_services(found: list[Service], manifest: str) -> list[Service]:
    """A Service name that several files define (alternative deployments of one app:
    ``k8s/``, ``cloud/aks/``, ``cloud/gke/``) stands, for ``manifest``, for the one of the
    folder that holds it (or a folder above it), when that is one file; else all are kept,
    and the disagreement between them links nothing."""
    by_name: dict[str, list[Service]] = {}
    for service in found:
        by_name.setdefault(service.name, []).append(service)
    if all(len({s.path for s in same}) < 2 for same in by_name.values()):
        return found
    where = os.path.abspath(manifest)
    kept: set[int] = set()
    for same in by_name.values():
        local = [
            s for s in same if where.startswith(os.path.dirname(s.path).rstrip(os.sep) + os.sep)
        ]
        chosen = (
            local if len({s.path for s in same}) > 1 and len({s.path for s in local}) == 1 else same
        )
        kept.update(id(s) for s in chosen)
    return [s for s in found if id(s) in kept]


def _manifests(top: str) -> list[str]:
    from linter.discovery import walk_files

    return walk_files(top, lambda entry: entry.name.lower().endswith(_YAML), _MAX_ENTRIES)


@record
class Build:
    """An image a workflow or skaffold builds from a Dockerfile of the tree."""

    image: str  # image_name(); with a `${{ ... }}` prefix left out, the literal rest
    partial: bool  # the image's registry or owner is an expression: ``image`` is a suffix
    dockerfile: str  # absolute
    context: str  # absolute
    said: str  # "built from backend/Dockerfile by .github/workflows/ci.yml:31"


# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
_EXPRESSION = functools.cache(lambda: re.compile(r"\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"))


def _image_of(tag: str) -> tuple[str, bool] | None:
    """A tag as written (``ghcr.io/${{ github.repository_owner }}/api:${{ github.sha }}``):
    its image name, and whether only a suffix of it is literal (the part after the last
    expression, from a ``/`` on); None when no whole name part is literal."""
    tag = tag.strip().strip("\"'")
    marked = image_name(_EXPRESSION().sub("\x00", tag)) if tag else ""
    if "\x00" not in marked:
        return (marked, False) if marked else None
    rest = marked.rsplit("\x00", 1)[1]
    literal = rest[1:]
    return (literal, True) if rest.startswith("/") and literal else None


def builds(workspace: Workspace, anchor: str) -> list[Build]:
    """The images the workflows and skaffold files of the repositories around ``anchor``
    build (a folder holding ``.github/workflows`` or ``skaffold.yaml``, from the anchor's
    folder up to the tree's root: a workflow's paths are relative to that folder)."""
    found: list[Build] = []
    folder = os.path.dirname(os.path.abspath(anchor))
    while workspace.inside(folder):
        found.extend(_folder_builds(workspace, folder))
        if os.path.normpath(folder) == os.path.normpath(workspace.root):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return found


def _folder_builds(workspace: Workspace, root: str) -> list[Build]:
    key = ("server", "image-builds", root)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    found: list[Build] = []
    workflows = os.path.join(root, ".github", "workflows")
    try:
        names = os.listdir(workflows)
    except OSError:
        names = []
    paths = sorted(os.path.join(workflows, n) for n in names if n.lower().endswith(_YAML))
    paths += [os.path.join(root, n) for n in ("skaffold.yaml", "skaffold.yml")]
    for path in paths:
        if not os.path.isfile(path):
            continue
        try:
            found.extend(_file_builds(workspace, path, root))
        except Exception:  # evidence only
            continue
    workspace.memo[key] = found
    return found


def _file_builds(workspace: Workspace, path: str, root: str) -> list[Build]:
    import yaml

    text = workspace.read_source(path).text
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    shown = relative_posix(path, workspace.root)
    found: list[Build] = []

    def add(tags: list[str], context: str, file: str | None, needle: str) -> None:
        context_dir = os.path.normpath(os.path.join(root, context or "."))
        dockerfile = os.path.normpath(
            os.path.join(root, file) if file else os.path.join(context_dir, "Dockerfile")
        )
        if not workspace.inside(dockerfile) or not os.path.isfile(dockerfile):
            return
        line = text.count("\n", 0, max(text.find(needle), 0)) + 1
        said = f"built from {relative_posix(dockerfile, workspace.root)} by {shown}:{line}"
        for tag in tags:
            image = _image_of(tag)
            if image is not None:
                found.append(Build(image[0], image[1], dockerfile, context_dir, said))

    if not isinstance(data, dict):
        return []
    if "skaffold" in os.path.basename(path):
        for artifact in _list(_at(data, "build", "artifacts")):
            image = _at(artifact, "image")
            if isinstance(image, str):
                context = _at(artifact, "context")
                file = _at(artifact, "docker", "dockerfile")
                context = context if isinstance(context, str) else "."
                dockerfile = os.path.join(context, file) if isinstance(file, str) else None
                add([image], context, dockerfile, image)
        return found
    for job in (_at(data, "jobs") or {}).values() if isinstance(_at(data, "jobs"), dict) else []:
        for step in _list(_at(job, "steps")):
            uses = _at(step, "uses")
            if isinstance(uses, str) and uses.startswith("docker/build-push-action"):
                tags = _at(step, "with", "tags")
                context = _at(step, "with", "context")
                file = _at(step, "with", "file")
                if isinstance(tags, str) and isinstance(context, str):
                    listed = [t for t in re.split(r"[\n,]", tags) if t.strip()]
                    add(listed, context, file if isinstance(file, str) else None, uses)
            run = _at(step, "run")
            if isinstance(run, str) and "docker" in run:
                workdir = _at(step, "working-directory")
                for command in _docker_builds(run):
                    tags, context, file = command
                    base = workdir if isinstance(workdir, str) else "."
                    add(
                        tags,
                        os.path.join(base, context),
                        os.path.join(base, file) if file else None,
                        tags[0],
                    )
    return found


def _docker_builds(run: str) -> list[tuple[list[str], str, str | None]]:
    """``docker build`` / ``docker buildx build`` commands of a run script: (tags, context,
    Dockerfile); a command whose words cannot be read is left out."""
    # (Here: an NGINX config asks this module only whether it is deployed to a cluster.)
    import shlex

    found = []
    for line in run.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        for index, word in enumerate(words):
            rest = words[index + 1 :]
            if word != "docker" or not rest:
                continue
            if rest[0] == "buildx" and rest[1:2] == ["build"]:
                rest = rest[2:]
            elif rest[0] == "build":
                rest = rest[1:]
            else:
                continue
            tags: list[str] = []
            file = None
            positional: list[str] = []
            skip = False
            for position, item in enumerate(rest):
                if skip:
                    skip = False
                    continue
                if item in ("&&", "||", ";", "|"):
                    break
                option, value = item, rest[position + 1] if position + 1 < len(rest) else ""
                if item.startswith(("--tag=", "--file=")):
                    option, _, value = item.partition("=")
                elif item in ("-t", "--tag", "-f", "--file"):
                    skip = True
                if option in ("-t", "--tag"):
                    tags.append(value)
                elif option in ("-f", "--file"):
                    file = value
                elif item.startswith("-"):
                    skip = "=" not in item and item in _VALUED
                else:
                    positional.append(item)
            if tags and len(positional) == 1 and "$" not in positional[0]:
                found.append((tags, positional[0], file))
    return found


# `docker build` options that take a value (the next word is not the context).
_VALUED = frozenset(
    {"--build-arg", "--target", "--platform", "--label", "--secret", "--cache-from",
     "--cache-to", "--network", "--ssh", "--output", "-o", "--progress", "--builder"}
)  # fmt: skip


def _at(node: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


@record
class Built:
    """Where the tree builds an image: its Dockerfile and context, and how that is known."""

    dockerfile: str
    context: str
    target: str | None
    how: str


def builder(
    service: Service, composes: list[ComposeFile], root: str, made: list[Build] | None = None
) -> Built | None:
    """Where the tree builds the image a Service's workload runs with the image's own command
    (so what that Dockerfile launches is what runs); None for a command of its own."""
    if not service.image or service.command:
        return None
    return image_build(service.image, composes, root, made)


def image_build(
    image: str, composes: list[ComposeFile], root: str, made: list[Build] | None = None
) -> Built | None:
    """Where the tree builds ``image``: a compose service that builds and names it, else a
    workflow's or skaffold's build, else a compose service named as it; None when nothing or
    several do."""
    wanted = image_name(image)
    last = wanted.rsplit("/", 1)[-1]
    built = {
        (b.dockerfile, b.said): b
        for b in made or []
        if (b.image == wanted if not b.partial else wanted.endswith("/" + b.image))
    }
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
    chosen: tuple[ComposeFile, ComposeService, str] | None = None
    if same:
        # A workflow may build the same Dockerfile too; another one makes it two images.
        others = {b.dockerfile for b in built.values()} - {c.dockerfile for _, c, _ in same}
        if len({(c.path, e.name) for c, e, _ in same}) != 1 or others:
            return None
        chosen = same[0]
    elif built:
        if len({b.dockerfile for b in built.values()}) != 1:
            return None
        found = next(iter(built.values()))
        return Built(found.dockerfile, found.context, None, found.said)
    elif len({(c.path, e.name) for c, e, _ in named}) == 1:
        chosen = named[0]
    if chosen is None:
        return None
    _, entry, how = chosen
    if entry.dockerfile is None:
        return None
    context = entry.context_dir or os.path.dirname(entry.dockerfile)
    return Built(entry.dockerfile, context, entry.target, how)
