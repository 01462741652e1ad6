"""The values every stage passes on: findings, fixes and the edits a fix is made of."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from linter.record import record

# Messages quote what the file says, so two things are kept out of them:
# - control characters a value can hold through an escape (YAML "\e]0;title\a", "\x9b"):
#   printed as they are, a plain-text config could drive the terminal that shows the report;
#   they are written `\xNN` (tab, CR and LF stay: each format writes line breaks its way);
# - size: a value can be a megabyte (a statement of 100,000 arguments, a 1 MB model name):
#   quoted whole, one finding was 2 MB of output. Past LONGEST_QUOTE the middle of a quoted
#   span, or of any unbroken run of characters, is left out.
LONGEST_QUOTE = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_QUOTE = re.compile(r"`([^`\n]*)`")  # every span, in pairs from the left
# Some span between backticks too long to quote whole (a test before _QUOTE's substitution,
# which calls back into Python for every quoted span of every long message).
_LONG_QUOTED = re.compile(r"`[^`\n]{" + str(LONGEST_QUOTE + 1) + ",}`")
_LONG_RUN = re.compile(r"\S{" + str(LONGEST_QUOTE + 1) + ",}")


def _middle_left_out(text: str) -> str:
    return f"{text[:120]}…[{len(text) - 160:,} characters]…{text[-40:]}"


def escape_controls(text: str) -> str:
    """``text`` with control characters but tab, CR and LF written ``\\xNN``."""
    if _CONTROL.search(text) is None:
        return text  # (most texts: no substitution to call back for)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(text: str) -> str:
    """``text`` fit to print: control characters escaped, and every quoted value or unbroken
    run longer than LONGEST_QUOTE shortened."""
    text = escape_controls(text)
    if len(text) <= LONGEST_QUOTE:
        return text
    if _LONG_QUOTED.search(text) is not None:
        text = _QUOTE.sub(
            lambda m: (
                f"`{_middle_left_out(m.group(1))}`"
                if len(m.group(1)) > LONGEST_QUOTE
                else m.group()
            ),
            text,
        )
    return _LONG_RUN.sub(lambda m: _middle_left_out(m.group()), text)


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` of the file at ``path`` with ``content``.

    Offsets count characters of the decoded text (BOM removed, newlines as in the file), so an
    edit never splits a character; reporters convert them to lines, columns and bytes.
    """

    path: str
    start: int
    end: int
    content: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit range {self.start}..{self.end}")

    def overlaps(self, other: Edit) -> bool:
        if self.path != other.path:
            return False
        if self.start == self.end == other.start == other.end:
            return True  # two insertions at one point: their order would be a guess
        return self.start < other.end and other.start < self.end


@record
class Rewrite:
    """How to make a fix's edits later: ``module.function(text, path, *args)`` returns them.
    For rewrites too costly to make on every check (libcst: 0.28 s to import): they are made
    only when the edits are needed (the fix is applied, shown as a diff, or printed).
    Plain values only, so findings still cross process boundaries."""

    module: str
    function: str
    path: str
    text: str
    args: tuple[Any, ...] = ()


class DeferredEdits(Sequence[Edit]):
    """The edits of a ``Rewrite``, made on first use. True before they are made (a fix is
    offered); a rewrite that fails gives no edits (the fix then changes nothing)."""

    __slots__ = ("_edits", "rewrite")

    def __init__(self, rewrite: Rewrite) -> None:
        self.rewrite = rewrite
        self._edits: tuple[Edit, ...] | None = None

    @property
    def made(self) -> bool:
        return self._edits is not None

    def _resolved(self) -> tuple[Edit, ...]:
        if self._edits is None:
            import importlib

            rewrite = self.rewrite
            try:
                function = getattr(importlib.import_module(rewrite.module), rewrite.function)
                self._edits = tuple(function(rewrite.text, rewrite.path, *rewrite.args))
            except Exception:  # a rewrite that cannot be made is a fix not offered
                self._edits = ()
        return self._edits

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return len(self._resolved())

    def __iter__(self) -> Iterator[Edit]:
        return iter(self._resolved())

    @overload
    def __getitem__(self, index: int) -> Edit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Edit]: ...
    def __getitem__(self, index: int | slice) -> Edit | Sequence[Edit]:
        return self._resolved()[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeferredEdits) and other.rewrite == self.rewrite

    def __hash__(self) -> int:
        return hash(self.rewrite)

    def __reduce__(self) -> tuple[Any, ...]:
        return (DeferredEdits, (self.rewrite,))

    def __repr__(self) -> str:
        return f"DeferredEdits({self.rewrite.module}.{self.rewrite.function})"


@record
class Fix:
    applicability: Applicability
    # A tuple, or DeferredEdits made only when a fix is applied or its edits are printed.
    edits: Sequence[Edit]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", shown(self.description))

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def paths(self) -> tuple[str, ...]:
        """The files the fix edits, known without making deferred edits."""
        if isinstance(self.edits, DeferredEdits):
            return (self.edits.rewrite.path,)
        return tuple(dict.fromkeys(edit.path for edit in self.edits))


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Lines and columns are 1-based; ``end_column`` is exclusive
    (it names the column just after the last character), as in SARIF and ruff."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = None
    # A finding that means the file could not be read or parsed at all: exit status 2.
    fatal: bool = False
    # Where the fix could not be applied, why (shown beside the finding).
    fix_note: str = ""
    related: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shown(self.message))
        object.__setattr__(self, "fix_note", shown(self.fix_note))

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
