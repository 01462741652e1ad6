"""Where an app's modules are in the tree: the file a dotted module name is (under the search
folders, their ``src/``, or a package the image copies under its own name), and, when an
import names a module the tree lacks while its package folder is there, the folder's modules
that stand for it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def module_file(
    module: str,
    search_dirs: tuple[str, ...],
    inside: Callable[[str], bool],
    packages: tuple[tuple[str, str, str], ...] = (),
) -> str | None:
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for folder in search_dirs:
        for base in (folder, os.path.join(folder, "src")):
            stem = os.path.join(base, *parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if os.path.isfile(candidate) and inside(candidate):
                    return candidate
    # A package the image copies under its own name (``COPY ./ ./backend/``): its modules
    # are the files of the folder copied.
    for package, folder, _ in packages:
        named = package.split(".")
        if parts[: len(named)] != named:
            continue
        stem = os.path.join(folder, *parts[len(named) :])
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(candidate) and inside(candidate):
                return candidate
    return None


def memo_module_file(
    module: str, dirs: tuple[str, ...], inside: Callable[[str], bool], memo: dict[Any, Any]
) -> str | None:
    """``module_file``, each folder looked at once per run for a module: the modules of an
    app import the same modules (the standard library's among them: eight file tests each,
    36,000 on the benchmark's corpus) from the same search folders (the folder of each
    importing module differs). The run's files do not change while it looks."""
    for folder in dirs:
        key = ("module-file", module, folder)
        if key not in memo:
            memo[key] = module_file(module, (folder,), inside)
        if memo[key] is not None:
            return memo[key]
    return None


def memo_missing_module_folder(
    module: str, dirs: tuple[str, ...], inside: Callable[[str], bool], memo: dict[Any, Any]
) -> str | None:
    for folder in dirs:
        key = ("missing-module-folder", module, folder)
        if key not in memo:
            memo[key] = missing_module_folder(module, (folder,), inside)
        if memo[key] is not None:
            return memo[key]
    return None


# How many modules of a folder read in place of a module that is not in the tree.
FOLDER_MODULES = 30


def missing_module_folder(
    module: str, search_dirs: tuple[str, ...], inside: Callable[[str], bool]
) -> str | None:
    """A module an import names that is not a file of the tree, while its package folder is
    (``from app import create_app`` with ``app/`` but no ``app/__init__.py``; ``from
    app.api.router import router`` with ``app/api/`` but no ``router.py``): the tree holds
    only part of the project (a partial checkout, a sample of files). Python cannot import
    it from what is here, so the folder's modules stand for it. Its package folder, else the
    folder of its parent package; never a search folder itself."""
    parts = module.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for folder in search_dirs:
        for base in (folder, os.path.join(folder, "src")):
            for depth in (len(parts), len(parts) - 1):
                if depth < 1:
                    continue
                candidate = os.path.join(base, *parts[:depth])
                if os.path.isdir(candidate) and inside(candidate):
                    return candidate
    return None


def folder_modules(folder: str, module: str) -> list[tuple[str, str | None]]:
    """The Python modules under ``folder`` (tests and hidden folders left out), in name
    order, each with its dotted name when ``module`` names the folder's package."""
    parts = module.split(".")
    package = ".".join(parts if os.path.basename(folder) == parts[-1] else parts[:-1])
    found: list[tuple[str, str | None]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith((".", "test", "__")) and d.isidentifier()
        )
        relative = os.path.relpath(root, folder)
        prefix = package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}"
        for name in sorted(files):
            stem = name[:-3]
            if not name.endswith(".py") or not stem.isidentifier() or stem.startswith("test"):
                continue
            dotted = prefix if stem == "__init__" else f"{prefix}.{stem}"
            found.append((os.path.join(root, name), dotted or None))
            if len(found) >= FOLDER_MODULES:
                return found
    return found


def read_in_place(module: str, folder: str, display: Callable[[str], str]) -> str:
    return f"(in {display(folder)}/, read in place of `{module}`, not a file of the tree)"
