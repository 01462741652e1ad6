"""The stream path across the files of one repository (DESIGN.md "The next shape").

Where the cross-file model lives and when it is built: each unit, once its kind has loaded it
(in a worker process for large runs), gives small picklable *facts* about the layer it is
(``facts.py``: an NGINX route, a compose service, an app-server launch, a LiteLLM config, a
Python client); the engine then links the facts of the whole run into paths in the main
process (``link.py``) and runs the XL rules over them (``run.py``). No file is parsed twice in
a whole-tree run. A run over some files only (pre-commit) reads the stack files of the rest of
the repository through their kinds' loaders, links the same way and reports only in the files
it was given.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from linter.config import Settings

# Kinds whose documents give stack facts (linter.stack.facts).
FACT_KINDS = frozenset({"nginx", "litellm", "server", "python", "k8s"})
# What a Python module that gives a client fact writes (a base URL keyword, a completion
# endpoint, or a POST whose URL is a name: a constant built elsewhere, ``client.stream("POST",
# COMPLETIONS_URL, ...)``; a route decorator's literal path, ``@app.post("/chat")``, is not
# one): here, so that a module without it is passed over without importing the stack's modules.
_REQUEST = r"""\.(?:post|stream|request)\(\s*(?:["']POST["']\s*,\s*)?[A-Za-z_][\w.]*\s*[,)]"""
CLIENT_TEXT = re.compile(r"\b(?:base_url|api_base)\s*=|/(?:chat/)?completions\b|" + _REQUEST)
CLIENT_BYTES = re.compile(
    rb"\b(?:base_url|api_base)\s*=|/(?:chat/)?completions\b|" + _REQUEST.encode()
)
_SUBSTRINGS = (b"base_url", b"api_base", b"completions", b"post(", b"stream(", b"request(")
_SIZED_SUBSTRINGS = tuple((part, len(part)) for part in _SUBSTRINGS)
_MEMMEM_FROM = 1024  # (below it a call into the C library costs more than the search)


# Every match of CLIENT_TEXT starts at one of these literals (its alternatives each begin with
# one), so the expression is tried only where they are: searched over a whole module it has no
# literal prefix to skip ahead by, and was most of the time ``clients`` took.
_STARTS = ("base_url", "api_base", "/completions", "/chat/completions", ".post(", ".stream(",
           ".request(")  # fmt: skip


def client_text_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches ``CLIENT_TEXT.finditer(text)`` gives, in order, found from their literals."""
    starts: list[int] = []
    for literal in _STARTS:
        index = text.find(literal)
        while index >= 0:
            starts.append(index)
            index = text.find(literal, index + 1)
    end = 0
    for start in sorted(starts):
        if start < end:
            continue  # inside the previous match: finditer never starts there
        found = CLIENT_TEXT.match(text, start)
        if found is not None:
            end = found.end()
            yield found


def names_client_text(text: str) -> bool:
    """``CLIENT_TEXT.search(text) is not None``, from the literals."""
    return next(client_text_matches(text), None) is not None


def names_client_url(data: bytes) -> bool:
    """A byte search before any decoding: does the file name a base URL or a completion
    endpoint? (Substring tests first: the expression has no literal prefix to skip ahead by,
    and took 0.12 ms on each ordinary module of the benchmark, which names none of them.)"""
    size = len(data)
    if size >= _MEMMEM_FROM:
        # Most files name none of them and every literal is searched to the end: the C
        # library's memmem does that in half the time of ``in`` on an ordinary module.
        from linter.python.detect import _libc_memmem

        memmem = _libc_memmem()
        if memmem:
            for part, length in _SIZED_SUBSTRINGS:
                if memmem(data, size, part, length):
                    break
            else:
                return False
            return CLIENT_BYTES.search(data) is not None
    if not any(part in data for part in _SUBSTRINGS):
        return False
    return CLIENT_BYTES.search(data) is not None


def wanted(settings: Settings, audit: bool) -> bool:
    """Does this run need the stack (an XL rule selected, or an audit)? Decided from the
    catalogue: no rule is imported for it."""
    if audit:
        return True
    return any(settings.is_selected(code) for code in _codes())


@functools.cache
def _codes() -> tuple[str, ...]:
    from linter.registry import catalogue

    return tuple(entry.code for entry in catalogue() if entry.kind == "stack")
