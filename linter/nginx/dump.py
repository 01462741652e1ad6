"""`nginx -T` output: the files it concatenates, split back apart.

``nginx -T`` prints ``nginx: the configuration file ... syntax is ok`` lines and then every
file it read, each behind a ``# configuration file /path:`` line. Each section becomes a file
of its own for include resolution, while every offset stays the offset in the dump, so
findings and fixes point into the dump itself.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

SECTION = re.compile(r"^# configuration file (?P<path>/[^\r\n]*?):[ \t]*\r?$", re.MULTILINE)
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
_NGINX_STATUS = functools.cache(lambda: re.compile(r"^nginx: [^\r\n]*\r?\n?", re.MULTILINE))


class Section(NamedTuple):
    path: str  # the absolute path nginx read
    start: int  # first character of the file's text in the dump
    end: int


def is_dump(text: str) -> bool:
    return "# configuration file /" in text and SECTION.search(text) is not None


def split_dump(text: str) -> list[Section]:
    """The files of a dump, in order; the first is the main configuration file."""
    matches = list(SECTION.finditer(text))
    sections = []
    for index, match in enumerate(matches):
        start = match.end()
        if start < len(text) and text[start] == "\n":
            start += 1
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        sections.append(Section(match.group("path"), start, end))
    return sections


def masked(text: str, start: int, end: int) -> str:
    """The dump with everything outside ``[start, end)`` turned into spaces (line breaks
    kept), so a section parses on its own while offsets, lines and columns stay the dump's."""

    def blank(part: str) -> str:
        return re.sub(r"[^\r\n]", " ", part)

    return blank(text[:start]) + text[start:end] + blank(text[end:])


def status_lines(text: str) -> list[tuple[int, int]]:
    """Spans of nginx's own `nginx: ...` status lines before the first section."""
    first = SECTION.search(text)
    limit = first.start() if first else len(text)
    return [(m.start(), m.end()) for m in _NGINX_STATUS().finditer(text, 0, limit)]
