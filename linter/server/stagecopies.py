"""``COPY --from=<stage>`` of a multi-stage Dockerfile mapped back to the build context: the
final stage often copies only from a builder stage (``COPY --from=builder /app/dist ./dist``),
so its paths are files of the tree only through that stage's own copies and working folder.
Used by linter/server/launches.py (``Reader.image``); ``image_resolver`` maps any path of the
image to the tree (launches, packages, installs), ``app_folder`` the folder of the app it runs."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.server.dockerfile import Stage
    from linter.server.images import Image, Resolver

# How many ``--from`` hops are followed (a stage copying from a stage copying from ...).
MAX_DEPTH = 4

# Folders a build writes that the tree does not hold: such a folder of a stage is read as the
# source folder the stage copied in and built it from (`nest build`, `tsc`, `vite build`).
_BUILT_OUTPUT = frozenset({"dist", "build", "out", ".next"})


def _below(path: str, folder: str) -> str | None:
    """What is left of image path ``path`` under ``folder`` ("" for the folder itself), or None
    when it is not at or below it."""
    if path != folder and not path.startswith(folder.rstrip("/") + "/"):
        return None
    return path[len(folder) :].lstrip("/")


def from_flag(words: Sequence[str]) -> str | None:
    """The value of a COPY's ``--from=`` flag, or None."""
    for word in words:
        if word.lower().startswith("--from="):
            return word.split("=", 1)[1]
    return None


def stage_index(value: str, stages: Sequence[Stage], position: int) -> int | None:
    """The earlier stage of the same Dockerfile ``--from=value`` names (its name, or its
    index), or None: an external image (``--from=nginx:alpine``) maps to nothing here."""
    if value.isdigit():
        index = int(value)
        return index if index < position else None
    named = [
        i for i, s in enumerate(stages[:position]) if s.name and s.name.lower() == value.lower()
    ]
    return named[-1] if named else None


def context_path(stage: Image, source: str, exists: Callable[[str], bool]) -> str | None:
    """The build context's path (relative to the context, as ``Image.copies`` keeps origins)
    that ``source``, a path of ``stage``'s filesystem, came from: through the stage's copies
    (the later first). A built output folder the tree lacks (``dist/`` below a copied source
    folder) is that source folder. None when no copy of the stage put it there."""
    absolute = posixpath.normpath(posixpath.join(stage.workdir, source))
    for destination, origin in reversed(stage.copies):
        rest = _below(absolute, destination)
        if rest is None:
            continue
        local = posixpath.normpath(posixpath.join(origin, rest))
        if exists(local):
            return local
        if rest and rest.split("/", 1)[0] in _BUILT_OUTPUT and exists(origin):
            return posixpath.normpath(origin)
    return None


def context_paths(stage: Image, sources: Sequence[str], inside: Callable[[str], bool]) -> list[str]:
    """``context_path`` of each source a ``COPY --from`` names, those that map to the tree."""

    def exists(local: str) -> bool:
        full = os.path.normpath(os.path.join(stage.context_dir, local))
        return inside(full) and os.path.exists(full)

    found = (context_path(stage, source, exists) for source in sources)
    return [local for local in found if local is not None]


def image_resolver(
    image: Image,
    inside: Callable[[str], bool],
    copied_only: bool = False,
    accept: Callable[[str], bool] = os.path.exists,
) -> Resolver:
    """Path in the image -> file of the tree, through the image's copies (the later first),
    then the working folder as the context (``COPY . .``). ``copied_only``: through a COPY
    only; ``accept``: which candidates count (``os.path.isdir`` for a folder)."""

    def resolve(image_path: str) -> str | None:
        if not image_path or "\0" in image_path:
            return None
        absolute = posixpath.normpath(posixpath.join(image.workdir, image_path))
        candidates = []
        for destination, origin in reversed(image.copies):
            rest = _below(absolute, destination)
            if rest is None:
                continue
            candidates.append(os.path.join(image.context_dir, origin, rest))
            if copied_only:
                continue
            # ``COPY app.py /app/`` copies into the folder: the file keeps its name
            # (``COPY src/app.py /app/``: src/app.py).
            if rest and rest == os.path.basename(origin.rstrip("/")):
                candidates.append(os.path.join(image.context_dir, origin))
            candidates.append(os.path.join(image.context_dir, rest))
        in_workdir = None if copied_only else _below(absolute, image.workdir)
        if in_workdir is not None:
            candidates.append(os.path.join(image.context_dir, in_workdir))
        for candidate in candidates:
            candidate = os.path.normpath(candidate)
            if inside(candidate) and accept(candidate):
                return candidate
        return None

    return resolve


def app_folder(image: Image, resolve: Resolver, inside: Callable[[str], bool]) -> str | None:
    """The folder of the build context holding the app an image runs, when it is narrower
    than the context: the folder of the ``package.json`` in the image's working folder (a
    Node app), else the working folder itself. None when that is the context or unknown."""
    found = resolve("package.json")
    folder = os.path.dirname(found) if found and os.path.isfile(found) else resolve(".")
    if folder is None or not os.path.isdir(folder) or not inside(folder):
        return None
    folder, context = os.path.normpath(folder), os.path.normpath(image.context_dir)
    if folder == context or os.path.relpath(folder, context).startswith(".."):
        return None
    return folder
