"""A Dockerfile read as the image it builds: the stage a launch runs (and the stages it
inherits from or copies from), its environment, working folder and CMD/ENTRYPOINT, and how a
path inside the image maps to a file of the build context. Mixed into ``launches.Reader``,
which reads the launches themselves."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from linter.server import dockerfile, installed, stagecopies
from linter.server.dockerfile import Instruction
from linter.server.model import Place
from linter.server.shell import Word, split_commands
from linter.source import SourceText
from linter.workspace import Workspace

Resolver = Callable[[str], "str | None"]


Env = dict[str, tuple[str, Place | None, str]]


@dataclass
class Image:
    path: str
    context_dir: str
    env: Env = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    # (destination in the image, source in the build context), in order.
    copies: list[tuple[str, str]] = field(default_factory=list)
    # The line of the COPY (or ADD) that last wrote each destination.
    copy_lines: dict[str, int] = field(default_factory=dict)
    cmd: tuple[Instruction, list[Word] | None] | None = None
    entry: tuple[Instruction, list[Word] | None] | None = None
    # (working folder, line) of each RUN that installs the project there (installed.py).
    installs: list[tuple[str, int]] = field(default_factory=list)


class ImageReading:
    """The Dockerfile half of ``launches.Reader`` (which provides the three below)."""

    workspace: Workspace

    def source(self, path: str) -> SourceText | None:
        raise NotImplementedError

    def display(self, path: str) -> str:
        raise NotImplementedError

    def _plain_env(self, env: Env) -> dict[str, str]:
        return {name: value for name, (value, _, _) in env.items()}

    def image(
        self, path: str, context_dir: str | None = None, target: str | None = None
    ) -> Image | None:
        """The final stage of a Dockerfile (or ``target``) as it starts: its environment, its
        CMD and ENTRYPOINT, and how paths inside the image map to files of the tree."""
        source = self.source(path)
        if source is None:
            return None
        text = source.text
        stages = dockerfile.parse(text).stages
        if not stages:
            return None
        index = len(stages) - 1
        if target is not None:
            named = [i for i, s in enumerate(stages) if s.name == target]
            index = named[0] if named else index
        return self._stage_image(path, text, stages, index, context_dir, 0)

    def _stage_image(
        self,
        path: str,
        text: str,
        stages: list[dockerfile.Stage],
        index: int,
        context_dir: str | None,
        depth: int,
    ) -> Image:
        chain = [stages[index]]
        while True:  # FROM <earlier stage>: what it set is inherited
            position = next(i for i, s in enumerate(stages) if s is chain[-1])
            earlier = [s for s in stages[:position] if s.name and s.name == chain[-1].base]
            if not earlier:
                break
            chain.append(earlier[-1])
        chain.reverse()
        image = Image(path, os.path.normpath(context_dir or os.path.dirname(path)))
        shown = self.display(path)
        for stage in chain:
            for instruction in stage.instructions:
                plain = {**image.args, **self._plain_env(image.env)}
                start, end = instruction.args_start, instruction.args_end
                if instruction.keyword in ("ENV", "ARG"):
                    for name, word in dockerfile.env_pairs(text, instruction, plain):
                        if not word.known:
                            continue
                        if instruction.keyword == "ARG":
                            image.args[name] = word.text
                        else:
                            image.env[name] = (
                                word.text,
                                Place(path, word.start, word.end),
                                f"ENV at {shown}:{instruction.line}",
                            )
                elif instruction.keyword == "WORKDIR":
                    words = [w for c in split_commands(text, start, end, plain) for w in c]
                    if words and words[0].known:
                        image.workdir = posixpath.normpath(
                            posixpath.join(image.workdir, words[0].text)
                        )
                elif instruction.keyword in ("COPY", "ADD"):
                    listed = dockerfile.exec_form(text, start, end)
                    words = (
                        listed
                        if listed is not None
                        else [w for c in split_commands(text, start, end, plain) for w in c]
                    )
                    origin = stagecopies.from_flag([w.text for w in words])
                    words = [w for w in words if not w.text.startswith("--")]
                    if len(words) >= 2 and all(w.known for w in words):
                        destination = posixpath.normpath(
                            posixpath.join(image.workdir, words[-1].text)
                        )
                        sources = [item.text for item in words[:-1]]
                        if origin is not None:  # another stage's files (or an image's: none)
                            sources = self._from_stage(
                                path, text, stages, stage, origin, image.context_dir, depth, sources
                            )
                        image.copies.extend((destination, item) for item in sources)
                        image.copy_lines[destination] = instruction.line
                elif instruction.keyword == "RUN":
                    if installed.installs_project(text[start:end]):
                        image.installs.append((image.workdir, instruction.line))
                elif instruction.keyword == "CMD":
                    image.cmd = (instruction, dockerfile.exec_form(text, start, end))
                elif instruction.keyword == "ENTRYPOINT":
                    image.entry = (instruction, dockerfile.exec_form(text, start, end))
                    image.cmd = None  # an ENTRYPOINT resets the CMD inherited so far
        return image

    def _from_stage(
        self,
        path: str,
        text: str,
        stages: list[dockerfile.Stage],
        stage: dockerfile.Stage,
        value: str,
        context_dir: str,
        depth: int,
        sources: list[str],
    ) -> list[str]:
        """The build context's paths a ``COPY --from=<stage>`` copies, through that stage's
        own copies (stagecopies.py); none for an external image or beyond the depth limit."""
        position = next(i for i, s in enumerate(stages) if s is stage)
        index = stagecopies.stage_index(value, stages, position)
        if index is None or depth >= stagecopies.MAX_DEPTH:
            return []
        earlier = self._stage_image(path, text, stages, index, context_dir, depth + 1)
        return stagecopies.context_paths(earlier, sources, self.workspace.inside)

    def image_resolver(
        self,
        image: Image,
        copied_only: bool = False,
        accept: Callable[[str], bool] = os.path.exists,
    ) -> Resolver:
        """Path in the image -> file of the tree (stagecopies.image_resolver)."""
        return stagecopies.image_resolver(image, self.workspace.inside, copied_only, accept)

    def packages(self, image: Image) -> tuple[tuple[str, str, str], ...]:
        """Folders of the build context the image copies below its working folder under a
        name of their own (``WORKDIR /app`` + ``COPY ./ ./backend/``): (dotted name, the
        local folder, which instruction says so), the later copy first."""
        base = image.workdir.rstrip("/") + "/"
        found: dict[str, tuple[str, str, str]] = {}
        for destination, origin in reversed(image.copies):
            if not destination.startswith(base):
                continue
            parts = destination[len(base) :].strip("/").split("/")
            if not all(part.isidentifier() for part in parts):
                continue
            local = os.path.normpath(os.path.join(image.context_dir, origin))
            if os.path.isdir(local) and self.workspace.inside(local):
                line = image.copy_lines.get(destination)
                where = f"{self.display(image.path)}:{line}" if line else self.display(image.path)
                said = f"the image copies {self.display(local)}/ to {destination}/ ({where})"
                found.setdefault(".".join(parts), (".".join(parts), local, said))
        for workdir, line in image.installs:
            project = self._local_folder(image, workdir)
            if project is None:
                continue
            how = f"{self.display(image.path)}:{line}"
            for name, local, said in installed.declared_packages(
                project, self.workspace.inside, self.display, how
            ):
                found.setdefault(name, (name, local, said))
        return tuple(found.values())

    def _local_folder(self, image: Image, folder: str) -> str | None:
        """The build context's folder a COPY put at ``folder`` of the image (or above it)."""
        return self.image_resolver(image, copied_only=True, accept=os.path.isdir)(folder)
