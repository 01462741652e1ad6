"""The values every stage passes on: findings, fixes and the edits a fix is made of."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

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
_LONG_RUN = re.compile(r"\S{" + str(LONGEST_QUOTE + 1) + ",}")


def _middle_left_out(text: str) -> str:
    return f"{text[:120]}…[{len(text) - 160:,} characters]…{text[-40:]}"


def escape_controls(text: str) -> str:
    """``text`` with control characters but tab, CR and LF written ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(text: str) -> str:
    """``text`` fit to print: control characters escaped, and every quoted value or unbroken
    run longer than LONGEST_QUOTE shortened."""
    text = escape_controls(text)
    if len(text) <= LONGEST_QUOTE:
        return text
    text = _QUOTE.sub(
        lambda m: (
            f"`{_middle_left_out(m.group(1))}`" if len(m.group(1)) > LONGEST_QUOTE else m.group()
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


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    edits: tuple[Edit, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", shown(self.description))

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE


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
