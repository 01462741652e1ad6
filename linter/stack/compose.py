"""docker-compose services as the stack sees them: names a proxy may use, ports, the command,
mounted files and environment, each with its place. The file is read by the one compose
reader (linter/server/composefile.py); a value that stays unknown (``${VAR}``) is left out
rather than guessed."""

from __future__ import annotations

from linter.server import composefile
from linter.server.composefile import ComposeService, Span
from linter.source import SourceText
from linter.stack.model import Service, Where


def _where(path: str, span: Span) -> Where:
    return Where(path, span.start, span.end, span.line)


def _command(path: str, text: str, service: ComposeService) -> list[tuple[str, Where]]:
    """The entrypoint's words, then the command's, up to the first unknown word."""
    found: list[tuple[str, Where]] = []
    for node in (service.entrypoint, service.command):
        if node is None:
            continue
        for command in composefile.node_commands(text, node, {}):
            for word in command:
                if not word.known:
                    return found
                line = text.count("\n", 0, word.start) + 1
                found.append((word.text, Where(path, word.start, word.end, line)))
    return found


def _service(path: str, text: str, service: ComposeService) -> Service:
    return Service(
        path=path,
        name=service.name,
        anchor=_where(path, service.key),
        container_name=service.container_name,
        hostname=service.hostname,
        ports=tuple((p, c, _where(path, s)) for p, c, s in service.ports),
        expose=tuple((value, _where(path, s)) for value, s in service.expose),
        image=service.image,
        command=tuple(_command(path, text, service)),
        volumes=tuple((local, target, _where(path, s)) for local, target, s in service.volumes),
        environment=tuple(
            (entry.name, entry.value, _where(path, entry.item_span))
            for entry in service.environment
            if entry.value is not None
        ),
    )


def read(source: SourceText) -> list[Service]:
    compose_file = composefile.read(source.path, source.text)
    return [_service(source.path, source.text, service) for service in compose_file.services]
