"""The source files the evidence scans read without a parser (JS/TS apps, browser apps,
a project's code for its ports): which names count, and their bytes. Apart from nodeapps.py
so that a lone NGINX file's check, which reads its browser apps and ports, does not import
the JS/TS backends' reader."""

from __future__ import annotations

# The largest file read (a bundle is not a source).
_MAX_BYTES = 512 * 1024


def read_source(path: str) -> bytes | None:
    """A source file's bytes for an evidence scan, read directly (outside the units' cache),
    or None when it cannot be read or is over the size limit."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= _MAX_BYTES else None


def is_source(name: str, suffixes: tuple[str, ...]) -> bool:
    """A JS/TS (or other ``suffixes``) file that is not a declaration, a bundle or a test."""
    return (
        name.endswith(suffixes)
        and not name.endswith((".d.ts", ".min.js"))
        and ".test." not in name
        and ".spec." not in name
    )
