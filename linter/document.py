"""What every kind of document shares, and the contract a kind of file fulfils.

A kind (nginx, litellm, python) is a ``KindHandler``: it says which files are its own, groups
them into units (a main file and what it includes), parses a unit into a Document, and judges
whether a fixed document changed only where the fix meant to. Rules only ever see Documents.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from linter.model import Edit, Severity, shown
from linter.record import record
from linter.source import SourceText

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace


class Claim(enum.IntEnum):
    """How sure a file name alone makes a kind: NO, MAYBE (look at the content), YES."""

    NO = 0
    MAYBE = 1
    YES = 2


@record
class Problem:
    """Something the parser (or include resolution) could not make sense of.

    ``fatal`` problems mean the file could not be read or parsed at all (exit status 2); others
    (a missing include, a recovered syntax error) are ordinary findings of the kind's
    parse-error rule.
    """

    path: str
    start: int
    end: int
    message: str
    severity: Severity = Severity.ERROR
    fatal: bool = True


@dataclass(frozen=True)
class Unit:
    """Files that are checked together: a main file and, where the kind follows includes, the
    files it pulls in. ``context`` is a kind-specific hint (e.g. the NGINX block a fragment is
    linted in).

    ``report`` (empty: everything) names the files the run was asked about when the main file
    was not: a fragment given alone (pre-commit passes only the changed file) is read through
    the file that includes it, for its context, and only findings in the given files (and
    what they include: the kind sets ``Document.report_paths``) are reported."""

    kind: str
    path: str
    context: str | None = None
    report: tuple[str, ...] = ()
    # Units of one group share files (an NGINX snippet and its includers): they are checked
    # in one process, one after the other, so fixes to a shared file never race.
    group: str | None = None
    # The kind has not looked at the content yet: the unit is claimed (or dropped) where it is
    # checked, so large runs read and sniff files in the worker processes, not before.
    unclaimed: bool = False
    # Another unit of the same file follows this one (a Python script read by two kinds): the
    # file's bytes are kept for it, so the file is still read once.
    keep: bool = False


@dataclass
class Document:
    """One unit as its kind loaded it: the files it read and the problems met."""

    kind: str
    source: SourceText
    # Every file this document read, by absolute path (the main file included).
    sources: dict[str, SourceText] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # None: report findings in every file read. Else only findings in these files are reported
    # (and only fixes that edit nothing else): set by the kind for a Unit with ``report``.
    report_paths: frozenset[str] | None = None

    def __post_init__(self) -> None:
        self.sources.setdefault(self.source.path, self.source)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    def source_for(self, path: str) -> SourceText:
        return self.sources[path]


@record
class Comment:
    """A comment in a file: where its ``#`` starts and its text (``#`` included). ``own_line``
    is true when nothing but whitespace precedes it on its line."""

    path: str
    offset: int
    text: str
    own_line: bool


@record
class AuditValue:
    """One setting on the stream path as configured: its value, where the value comes from
    (a file and line, inherited from an outer block, included, or the default), and whether
    it is a risk for a stream."""

    text: str
    origin: str = ""
    status: str = "ok"  # "ok", "risk" or "unknown"

    def __post_init__(self) -> None:
        # Values come from the files: fit to print, as messages are (linter.model.shown).
        object.__setattr__(self, "text", shown(self.text))
        object.__setattr__(self, "origin", shown(self.origin))


@record
class AuditRow:
    """One place a stream passes (an NGINX route, a LiteLLM deployment, a Python call site),
    for `streamproof audit`. ``section`` groups rows into one table; ``values`` are its
    columns, in order."""

    section: str
    subject: str
    path: str
    line: int
    values: tuple[tuple[str, AuditValue], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", shown(self.subject))


class KindHandler(Protocol):
    name: str
    parse_error_code: str

    def claim_by_name(self, relpath: str) -> Claim:
        """From the path alone (relative, '/'-separated): is this file ours?"""
        ...

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        """Final word with the content at hand (cheap: no full parse unless needed)."""
        ...

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        """Group this kind's files into units (files only included elsewhere are not units)."""
        ...

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> Document:
        """Parse a unit. Never raises for bad input: problems go into ``Document.problems``."""
        ...

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        """None when ``after`` differs from ``before`` only where ``edits`` meant it to; else
        the reason the fix must not be written."""
        ...

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        """The comments of one file of the document (for inline suppressions)."""
        ...

    # Optional: `audit(document, settings) -> Iterable[AuditRow]`, the stream path as
    # configured, for `streamproof audit` (a handler without it contributes findings only).


class PlacesSuppressions(Protocol):
    """An OPTIONAL method a KindHandler may have, for ``--add-ignore`` (linter/add_ignore.py).

    ``suppression_edits`` returns the ways to insert ``comment`` (a whole
    ``# streamproof: ignore[CODES] -- reason``) so that it covers 1-based ``line`` of ``path``
    (one file of ``document``), best first; an empty sequence when no comment can cover that
    line (inside a multi-line string, a YAML block scalar). It is asked only when no ignore
    comment covers the line yet (then the codes are merged into that one). Each edit is
    verified like a fix (re-parse, ``verify_fix``, the findings must go and no other change);
    the first that passes is kept. Without this method a kind gets the generic placement,
    ``linter.add_ignore.default_suppression_edits``: a trailing comment where the line has
    none, else an own-line comment above with the line's indentation. A kind may return a
    part of that list, or its own edits (``trailing_edit``, ``own_line_edit`` help).
    """

    def suppression_edits(
        self, document: Document, path: str, line: int, comment: str
    ) -> Sequence[Edit]: ...


def hash_comments(source: SourceText) -> Iterator[Comment]:
    """Comments in a ``#``-comment language where ``#`` opens a comment after whitespace or at
    the start of a line (NGINX, YAML). Kinds with strings that may hold ``#`` override this."""
    text = source.text
    index = text.find("#")
    while index >= 0:
        line_start = text.rfind("\n", 0, index) + 1
        before = text[line_start:index]
        if index == line_start or text[index - 1] in " \t":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            yield Comment(source.path, index, text[index:end].rstrip("\r"), not before.strip())
            index = text.find("#", end)
        else:
            index = text.find("#", index + 1)
