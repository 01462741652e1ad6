"""The environment an NGINX template is rendered with: a compose service that mounts the file
(or builds an image from a folder holding it) and sets the variable its placeholder names,
in its ``environment:`` or its Dockerfile's ENV. A variable two services set differently,
or one whose value is not in the repository, stays unknown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.pathmatch import relative_posix
from linter.server.nearcompose import compose_files, provides, read_evidence

if TYPE_CHECKING:
    from linter.server.composefile import ComposeService
    from linter.workspace import Workspace


@dataclass(frozen=True)
class TemplateValue:
    """A template variable's value and where the repository sets it, for messages."""

    value: str
    said: str  # "the environment of compose service `frontend` at docker-compose.yml:9"


def template_environment(workspace: Workspace, nginx_file: str) -> dict[str, TemplateValue]:
    """The variables the compose services that take ``nginx_file`` into their container set,
    each with where; a variable two of them set differently is left out."""
    found: dict[str, TemplateValue | None] = {}
    for compose in compose_files(workspace, nginx_file):
        shown = relative_posix(compose.path, workspace.root)
        for service in compose.services:
            how = provides(service, nginx_file, workspace)
            if how is None:
                continue
            values = _dockerfile_env(service, workspace)
            for entry in service.environment:
                if entry.value is None:
                    values.pop(entry.name, None)  # set, but to what the tree does not say
                    continue
                values[entry.name] = TemplateValue(
                    entry.value,
                    f"the environment of compose service `{service.name}` at "
                    f"{shown}:{entry.item_span.line}, which {how}",
                )
            for name, value in values.items():
                previous = found.get(name, value)
                found[name] = (
                    value if previous is not None and previous.value == value.value else None
                )
    return {name: value for name, value in found.items() if value is not None}


def _dockerfile_env(service: ComposeService, workspace: Workspace) -> dict[str, TemplateValue]:
    """The ENV of the image the service builds (the file is in its build context)."""
    if not service.dockerfile or not workspace.inside(service.dockerfile):
        return {}
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument

    source = read_evidence(workspace, service.dockerfile)
    if source is None:
        return {}
    try:
        reader = Reader(ServerDocument(kind="server", source=source), workspace)
        reader.document.sources[service.dockerfile] = source
        image = reader.image(service.dockerfile, service.context_dir, service.target)
    except Exception:  # evidence only
        return {}
    if image is None:
        return {}
    return {
        name: TemplateValue(value, f"{said}, the image of compose service `{service.name}`")
        for name, (value, _, said) in image.env.items()
    }
