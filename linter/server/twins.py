"""A Kubernetes container that runs, with a command of its own, an image the tree does not
build (a project's published image, ``ragtoriches/prod``), launching the very app a launch
line of the tree launches (``uvicorn core.main.app_entry:app`` in its Dockerfile too): the
app's files are the tree's, read where that launch line finds them.

Evidence only: the same app string (``module:attr``) on both sides; every launch line of the
tree that names it finds the module in one place (two apps of one name link nothing); and the
container's image is a project's own (``owner/name``), not an official base image
(``python:3.12``) whose code comes from somewhere else (a volume, a ConfigMap).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from linter.server.appmodules import missing_module_folder, module_file
from linter.server.model import Launch


def borrow_app_files(
    launches: Sequence[Launch], pool: Sequence[Launch], inside: Callable[[str], bool]
) -> None:
    """Give each container launch of ``launches`` whose app is not in its image's (unknown)
    files the folders its one twin of ``pool`` finds that app in, and say so."""
    for launch in launches:
        app = launch.app
        if (
            launch.foreign_image is None
            or launch.search_dirs
            or not app
            or app.endswith("::")
            or not own_image(launch.foreign_image)
        ):
            continue
        module = app.split(":", 1)[0].strip()
        found: dict[str, Launch] = {}
        for other in pool:
            if other.app != app or other.foreign_image is not None or not other.search_dirs:
                continue
            where = module_file(module, other.search_dirs, inside, other.packages)
            where = where or missing_module_folder(module, other.search_dirs, inside)
            if where is not None:
                found.setdefault(where, other)
        if len(found) != 1:
            continue  # none, or two apps of that name in the tree: not linked
        twin = next(iter(found.values()))
        launch.search_dirs = twin.search_dirs
        launch.packages = twin.packages
        launch.launcher += (
            f" (its image {launch.foreign_image} is not built here; {twin.launcher} launches "
            f"the same app from the tree)"
        )


def own_image(image: str) -> bool:
    """A project's image (``owner/name``, on any registry), not an official one (``python``,
    ``library/python``, ``docker.io/library/python``) that holds no project's code."""
    parts = image.split("@", 1)[0].split("/")
    if len(parts) >= 2 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host
    return len(parts) >= 2 and parts[0] != "library"
