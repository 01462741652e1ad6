"""A compose file's services read into launches: each service's ``command:`` or
``entrypoint:`` (run in the image it builds, with that image's environment and files), else
its Dockerfile's own CMD, or the command of an LLM server image it runs; its
``environment:`` and ``env_file:`` values, and what an ``env_file`` missing from the tree
leaves unknown."""

from __future__ import annotations

import os
import posixpath
from typing import TYPE_CHECKING

from linter.document import Problem
from linter.server import composefile
from linter.server.commands import launch_from_words
from linter.server.composefile import ComposeService
from linter.server.model import Launch, Place, unknown_unless_on_command_line
from linter.server.shell import Word

if TYPE_CHECKING:
    from linter.server.images import Env, Resolver
    from linter.server.launches import Reader


def read(reader: Reader, path: str) -> list[Launch]:
    source = reader.document.sources[path]
    compose_file = composefile.read(path, source.text, reader.source)
    reader.variables = compose_file.variables
    if compose_file.error is not None:
        message, start, end = compose_file.error
        reader.document.problems.append(
            Problem(path, start, end, f"YAML error: {message}", fatal=False)
        )
        return []
    launches: list[Launch] = []
    for service in compose_file.services:
        launches.extend(_service(reader, path, source.text, service))
    return launches


def _service(reader: Reader, path: str, text: str, service: ComposeService) -> list[Launch]:
    launches = _service_launches(reader, path, text, service)
    overridden = service.command is not None or service.entrypoint is not None
    if overridden and service.dockerfile is not None:
        # A command of its own run in the image built: the image's packages (``dockerfile``
        # sets them for the image's own command).
        image = reader.image(service.dockerfile, service.context_dir, service.target)
        if image is not None:
            packages = reader.packages(image)
            for launch in launches:
                launch.packages = launch.packages or packages
    if service.image and service.image_span is not None and service.dockerfile is None:
        from linter.server.imagecmd import add_image_evidence

        add_image_evidence(launches, service.image, reader.display(path), service.image_span.line)
    unread = [item for item in service.env_files if isinstance(item, tuple)]
    if unread:
        written, where = unread[0]
        said = (
            f"may be set by env_file {written} ({reader.display(path)}:{where.line}), "
            f"which is not a file of the tree"
        )
        # Such a file is mostly a gitignored ``.env`` of API keys: what the tree says
        # still holds, with the caveat that the file may set the server's variables.
        caveat = f"env_file {written} ({reader.display(path)}:{where.line}), not in the tree,"
        for launch in launches:
            unknown_unless_on_command_line(launch, said, caveat)
    return launches


def _service_launches(
    reader: Reader, path: str, text: str, service: ComposeService
) -> list[Launch]:
    shown = reader.display(path)
    name = service.name
    folder = os.path.dirname(path)
    env: Env = {}
    for item in service.env_files:  # below ``environment:``, in order
        if isinstance(item, tuple):  # a file that cannot be read: handled in _service
            continue
        if item.value is not None:
            origin = f"env_file {reader.display(item.path)}:{item.line} of service `{name}`"
            if item.template_of is not None:
                origin = (
                    f"{reader.display(item.path)}:{item.line}, the template of env_file "
                    f"{item.template_of} (not in the tree) of service `{name}`"
                )
            env[item.name] = (item.value, Place(item.path, item.start, item.end), origin)
    for entry in service.environment:
        if entry.value is not None:
            env[entry.name] = (
                entry.value,
                Place(path, entry.value_span.start, entry.value_span.end),
                f"environment of service `{name}` at {shown}:{entry.item_span.line}",
            )
    context_dir, dockerfile_path, target = (
        service.context_dir,
        service.dockerfile,
        service.target,
    )
    label = f"compose service `{name}`"
    command, entrypoint = service.command, service.entrypoint
    search_dirs = tuple(d for d in (context_dir, folder) if d)
    resolve = reader._local_resolver(context_dir or folder)
    if (command is not None or entrypoint is not None) and dockerfile_path is not None:
        image = reader.image(dockerfile_path, context_dir, target)
        reader.image_only.add(dockerfile_path)
        if image is not None:  # the command runs in the image: its ENV and its files
            env = {**image.env, **env}
            resolve = reader.image_resolver(image)
            # (A file copied into the working folder, `COPY requirements.txt .`, is no folder
            # the app's modules are searched in: as the Dockerfile's own launch reads it.)
            workdir_local = resolve(".")
            search_dirs = tuple(
                dict.fromkeys(d for d in (workdir_local, *search_dirs) if d and os.path.isdir(d))
            )
    runs = composefile.llm_image(service.image) if dockerfile_path is None else None
    if runs is not None and entrypoint is None:
        found = _llm_image(reader, path, text, service, runs, env, search_dirs, resolve)
        if found is not None:
            return found
    if command is None and entrypoint is None:
        if dockerfile_path is not None and reader.workspace.inside(dockerfile_path):
            return reader.dockerfile(
                dockerfile_path,
                context_dir=context_dir,
                target=target,
                outer_env=env,
                service=name,
                label=f"{label}: Dockerfile",
            )
        if dockerfile_path is None:
            from linter.server.imagecmd import compose_image_launches

            return compose_image_launches(reader, path, service, env, label)
        return []
    entry_words = (
        composefile.node_commands(text, entrypoint, reader.variables, reader.display)
        if entrypoint is not None
        else None
    )
    command_words = (
        composefile.node_commands(text, command, reader.variables, reader.display)
        if command is not None
        else None
    )
    first = entrypoint if entrypoint is not None else command
    assert first is not None
    what = "entrypoint" if entrypoint is not None else "command"
    context = reader._context(
        path,
        f"{label} {what} ({shown}:{first.start_mark.line + 1})",
        env,
        search_dirs,
        resolve,
        name,
    )
    if entry_words is not None:
        # The entrypoint runs with the command as its arguments (one list of words).
        argv = [w for c in entry_words for w in c] + [w for c in command_words or [] for w in c]
        return launch_from_words(argv, context)
    launches: list[Launch] = []
    for words in command_words or []:
        launches.extend(launch_from_words(words, context))
    return launches


def _llm_image(
    reader: Reader,
    path: str,
    text: str,
    service: ComposeService,
    runs: tuple[str, tuple[str, ...]],
    env: Env,
    search_dirs: tuple[str, ...],
    resolve: Resolver,
) -> list[Launch] | None:
    """An LLM server image run with the service's ``command`` as its arguments (None: the
    command names a program of its own, read as any command)."""
    program, defaults = runs
    assert service.image_span is not None
    image = service.image_span
    arguments: list[Word] = []
    if service.command is not None:
        arguments = [
            w
            for c in composefile.node_commands(
                text, service.command, reader.variables, reader.display
            )
            for w in c
        ]
        first = arguments[0] if arguments else None
        if first is None or not first.known:
            return []
        if not first.text.startswith("-") and (
            program != "vllm serve" or posixpath.basename(first.text) in ("vllm", "python3")
        ):
            return None
    else:
        arguments = [Word(word, image.start, image.end) for word in defaults]
    shown = reader.display(path)
    context = reader._context(
        path,
        f"compose service `{service.name}`, image {service.image} ({shown}:{image.line})",
        env,
        search_dirs,
        resolve,
        service.name,
    )
    command = [Word(part, image.start, image.end) for part in program.split()]
    return launch_from_words(command + arguments, context)
