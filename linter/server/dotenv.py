"""Environment files as docker compose reads them (the project's ``.env`` for interpolation, a
service's ``env_file:`` for its container), each value with its place.

The syntax of compose's environment files: ``VAR=VAL`` lines, ``#`` comment lines and blank
lines; single-quoted values are literal; double-quoted and unquoted values are interpolated;
an unquoted value ends at `` #`` (a comment after a blank); ``export`` before the name is
accepted. A line without ``=`` takes its value from the shell: not known here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*(.*)")


@dataclass(frozen=True)
class Variable:
    """A variable of an environment file: its value (None when it is not known), the file, the
    1-based line, and the span of the value in the file's text."""

    name: str
    value: str | None
    path: str
    line: int
    start: int
    end: int
    # Read from the template of an environment file that is not in the tree (``.env`` is
    # gitignored, ``.env.example`` beside it is committed): the file as written.
    template_of: str | None = None


# The names a committed template of an environment file takes beside it.
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")


def template_paths(path: str) -> list[str]:
    """Where the template of the environment file ``path`` would be (``.env.example``, and
    for ``.env`` also ``example.env``/``sample.env``), in order of preference."""
    import os

    found = [path + suffix for suffix in TEMPLATE_SUFFIXES]
    if os.path.basename(path) == ".env":
        folder = os.path.dirname(path)
        found += [os.path.join(folder, name) for name in ("example.env", "sample.env")]
    return found


def parse(
    path: str,
    text: str,
    interpolate: Callable[[str, dict[str, Variable]], str | None] | None = None,
) -> dict[str, Variable]:
    """The variables of an environment file, in order (a later line wins). ``interpolate``
    resolves ``${VAR}`` in unquoted and double-quoted values (it sees the variables read so
    far); without it such a value is unknown."""
    found: dict[str, Variable] = {}
    offset = 0
    for number, raw in enumerate(text.splitlines(keepends=True), start=1):
        line = raw.rstrip("\r\n")
        match = _LINE.fullmatch(line)
        start_of_line, offset = offset, offset + len(raw)
        if match is None or line.lstrip().startswith("#"):
            continue
        name, rest = match.group(1), match.group(2)
        value_start = start_of_line + match.start(2)
        value: str | None
        if rest[:1] == "'":
            close = rest.find("'", 1)
            if close < 0:
                continue
            value, start, end = rest[1:close], value_start + 1, value_start + close
        elif rest[:1] == '"':
            close = _closing_quote(rest)
            if close < 0:
                continue
            inner = rest[1:close]
            value = _unescape(inner)
            start, end = value_start + 1, value_start + close
            if "$" in value:
                value = interpolate(value, found) if interpolate is not None else None
        else:
            comment = re.search(r"[ \t]#", rest)
            inner = (rest[: comment.start()] if comment else rest).rstrip()
            value, start, end = inner, value_start, value_start + len(inner)
            if "$" in value:
                value = interpolate(value, found) if interpolate is not None else None
        found[name] = Variable(name, value, path, number, start, end)
    return found


def _closing_quote(rest: str) -> int:
    index = 1
    while index < len(rest):
        if rest[index] == "\\":
            index += 2
            continue
        if rest[index] == '"':
            return index
        index += 1
    return -1


def _unescape(text: str) -> str:
    escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$$"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), text)
