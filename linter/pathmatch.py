"""Paths as the configuration matches them: a path relative to a config's folder, in POSIX
form, and gitignore-like patterns (``exclude``, ``per-file-ignores``) matched against it, a
whole path or one entry of a walk at a time."""

from __future__ import annotations

import functools
import os
import re


def _plain_absolute(path: str) -> bool:
    """An absolute POSIX path that ``os.path.normpath`` leaves as it is."""
    return (
        path.startswith("/")
        and "//" not in path
        and "/./" not in path
        and "/../" not in path
        and not path.endswith(("/", "/.", "/.."))
    )


def relative_posix(path: str, base: str) -> str:
    if (
        os.sep == "/"
        and path.startswith(base)
        and path[len(base) : len(base) + 1] == "/"
        and _plain_absolute(path)
        and _plain_absolute(base)
    ):
        # A file below the folder, both written plainly: what os.path.relpath gives, without
        # its work (it made every file of a large run cost 15 microseconds three times over).
        return path[len(base) + 1 :]
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


@functools.lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    """gitignore-style glob: `*` and `?` stop at `/`, `**` crosses folders."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0 or end == i + 1:  # no class (`[]` matches itself, as in fnmatch)
                out.append(re.escape(char))
            else:
                out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(relative: str, pattern: str) -> bool:
    """gitignore-like matching: ``dir/`` matches a folder and all below it; a pattern without
    ``/`` matches any path component; a pattern with ``/`` matches from the base folder."""
    pattern = pattern.strip()
    if not pattern or relative.startswith("../"):
        return False
    parts = relative.split("/")
    folder_only = pattern.endswith("/")
    body = pattern.strip("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + (0 if folder_only else 1))]
    if "/" in body:
        regex = _glob(body)
        return any(regex.match(prefix) for prefix in prefixes)
    regex = _glob(body)
    names = parts[:-1] if folder_only else parts
    return any(regex.match(name) for name in names)


def entry_matches(relative: str, pattern: str, *, folder: bool) -> bool:
    """``path_matches`` for the last entry of ``relative`` alone: ``path_matches`` is true
    exactly when this is true of the path or of one of the folders on its way."""
    pattern = pattern.strip()
    if not pattern or relative.startswith("../") or relative in ("", ".", ".."):
        return False
    if pattern.endswith("/") and not folder:
        return False
    body = pattern.strip("/")
    regex = _glob(body)
    return bool(regex.match(relative if "/" in body else relative.rpartition("/")[2]))
