"""The content test: is this text NGINX? Asked only for files whose name leaves it open
(detect.py decides the others without parsing)."""

from __future__ import annotations

from linter.nginx import dump
from linter.nginx.directives import looks_like_nginx_name
from linter.nginx.parser import parse_source
from linter.nginx.signs import BLOCK_SIGNAL, in_nginx_folder
from linter.source import DecodeFailure, SourceText


def sniff(
    data: bytes,
    relpath: str = "",
    path: str | None = None,
    trees: dict[tuple[str, str], object] | None = None,
    *,
    strict: bool = False,
) -> bool:
    """Is this content NGINX? Block structure of http/server/location/upstream with mostly
    NGINX directive names, or (in an NGINX-looking folder) a snippet of NGINX directives that
    parses cleanly. INI files, redis.conf, supervisord.conf and the like fail both.

    ``strict`` (for a name that says nothing) asks for the blocks and a clean parse.

    With the file's ``path`` and the run's ``trees``, the tree is kept for the load that
    follows (see includes.parsed_once), so a sniffed file is not parsed twice."""
    from linter.workspace import MAX_PARSE_BYTES

    if strict and not BLOCK_SIGNAL.search(data[: 1 << 20]):
        return False
    if len(data) > MAX_PARSE_BYTES:
        # Too large to parse (loading it reports that): its first megabyte says what it is.
        data = data[: data.rfind(b"\n", 0, 1 << 20) + 1] or data[: 1 << 20]
        path = None  # nor is the tree of a part kept for the load
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if dump.is_dump(text):
        return True
    if path is not None and trees is not None:
        try:
            source = SourceText.from_bytes(path, data)
        except DecodeFailure:
            return False
        parsed = parse_source(source)
        trees[("nginx", path)] = parsed
    else:
        parsed = parse_source(SourceText.from_text(relpath or "<sniff>", text))
    statements = parsed.walk()
    if not statements or (strict and parsed.problems):
        return False
    known = sum(1 for d in statements if looks_like_nginx_name(d.name.value) or d.placeholder)
    share = known / len(statements)
    if BLOCK_SIGNAL.search(data) and share >= 0.5:
        return True
    if parsed.problems or share < 1.0:
        return False
    distinct = sum(
        1 for d in statements if looks_like_nginx_name(d.name.value) and "_" in d.name.value
    )
    return distinct >= 1 if in_nginx_folder(relpath) else distinct >= 2
