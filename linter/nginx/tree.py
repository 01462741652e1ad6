"""The syntax tree of one NGINX file: statements as written, with their exact spans.

A file is parsed once into these nodes, whatever includes it; where the file sits in the whole
configuration (which block, reached through which include) is the job of ``context.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from linter.nginx.lexer import unquote
from linter.source import SourceText

# Template placeholders filled in before nginx sees the file: envsubst's ${VAR}, the __VAR__
# style of sed-based templating, a template engine's expression ({{DOMAIN}}, {{ .Values.port }},
# {% include "x" %}, ERB's <%= @port %>), a word that says it is one (PORT_PLACEHOLDER,
# YOUR_DOMAIN, <backend-host>; not a regex's named group `(?<name>...)`) and configure_file's
# @VAR@. Their value is unknown, never a default.
PLACEHOLDER = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}|__[A-Z][A-Z0-9_]*__"
    r"|\{\{[^\r\n]*?\}\}|\{%[^\r\n]*?%\}|<%=[^\r\n]*?%>"
    r"|(?<![A-Za-z0-9_])(?:[A-Z0-9]+_)*PLACEHOLDER(?:_[A-Z0-9]+)*(?![A-Za-z0-9_])"
    r"|(?<![A-Za-z0-9_])YOUR_[A-Z0-9_]+(?![A-Za-z0-9_])"
    r"|(?<![?\w])<[A-Za-z_][\w.-]*>"
    r"|@[A-Z][A-Z0-9_]*@"
)
WHOLE_PLACEHOLDER = re.compile(r"(?:" + PLACEHOLDER.pattern + r")+")
# Each placeholder holds one of these: most words hold none and are passed over at once.
_MARKS = ("${", "__", "{{", "{%", "<", "PLACEHOLDER", "YOUR_", "@")


def may_hold_placeholder(raw: str) -> bool:
    """A cheap test before the pattern: ``raw`` holds a placeholder's mark (one of
    ``_MARKS``, tested in turn: a generator over them cost a parse of the 200 benchmark
    configs 0.1 s for its tens of thousands of words)."""
    return (
        "${" in raw
        or "__" in raw
        or "{{" in raw
        or "{%" in raw
        or "<" in raw
        or "@" in raw
        or "PLACEHOLDER" in raw
        or "YOUR_" in raw
    )


def template_variable(raw: str) -> str | None:
    """The variable a whole-word placeholder names, for a renderer's environment:
    ``${BACKEND_URL}`` and ``__BACKEND_URL__`` name BACKEND_URL (None for anything else)."""
    match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|__([A-Z][A-Z0-9_]*?)__", raw)
    if match is None:
        return None
    return match.group(1) or match.group(2)


class Word:
    """A directive name or argument: its span (quotes included) and how it was written.

    A plain class with slots, not a dataclass: a parse makes one per word (tens of thousands),
    and the value, read many times per run, is worked out once here."""

    __slots__ = ("end", "quote", "raw", "start", "value")

    def __init__(self, start: int, end: int, raw: str, quote: str = "") -> None:
        self.start = start
        self.end = end
        self.raw = raw
        self.quote = quote
        # The value as nginx reads it (quotes and escapes resolved).
        self.value = raw if not quote and "\\" not in raw else unquote(raw, quote)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Word:
            return NotImplemented
        assert isinstance(other, Word)
        return (self.start, self.end, self.raw, self.quote) == (
            other.start,
            other.end,
            other.raw,
            other.quote,
        )

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.raw, self.quote))

    def __repr__(self) -> str:
        return (
            f"Word(start={self.start!r}, end={self.end!r}, raw={self.raw!r}, quote={self.quote!r})"
        )

    @property
    def has_placeholder(self) -> bool:
        """The value holds a template placeholder, so nginx will see something else."""
        raw = self.raw
        return may_hold_placeholder(raw) and PLACEHOLDER.search(raw) is not None

    @property
    def is_placeholder(self) -> bool:
        """The whole word is template placeholders (``${HTTPS_CONFIG}``)."""
        raw = self.raw
        return may_hold_placeholder(raw) and WHOLE_PLACEHOLDER.fullmatch(raw) is not None


@dataclass(eq=False)
class Directive:
    """One statement: ``name args... ;`` or ``name args... { ... }``.

    ``terminator`` is the span of the `;` or `{` (None when missing); for a block, ``close`` is
    the span of its `}` (None when the file ends first). ``raw`` is the span of a Lua body.
    """

    path: str
    name: Word
    args: list[Word]
    terminator: tuple[int, int] | None = None
    block: list[Directive] | None = None
    close: tuple[int, int] | None = None
    raw: tuple[int, int] | None = None
    # A statement that is a template placeholder (``${HTTPS_CONFIG}`` on its own line): what
    # it stands for is unknown.
    placeholder: bool = False
    line: int = 0  # 1-based line of the name
    _values: list[str] | None = field(default=None, repr=False)

    @property
    def start(self) -> int:
        return self.name.start

    @property
    def end(self) -> int:
        """Offset just after the statement (its `;`, its `}`, or its last word)."""
        if self.close is not None:
            return self.close[1]
        if self.block is not None and self.block:
            return max(self.terminator[1] if self.terminator else 0, self.block[-1].end)
        if self.terminator is not None:
            return self.terminator[1]
        return self.args[-1].end if self.args else self.name.end

    @property
    def header_end(self) -> int:
        """End of the name and arguments (where a finding about the statement should stop)."""
        return self.args[-1].end if self.args else self.name.end

    @property
    def is_block(self) -> bool:
        return self.block is not None

    @property
    def values(self) -> list[str]:
        return list(self.shared_values())

    def shared_values(self) -> list[str]:
        """``values`` worked out once (the arguments never change after the parse) and not
        copied: one list for every reader, which must not change it (``Stmt.args`` is read
        over a hundred thousand times in a run over a tree of configs)."""
        cached = self._values
        if cached is None:
            cached = self._values = [arg.value for arg in self.args]
        return cached

    def walk(self) -> list[Directive]:
        """This statement and every statement below it, in file order (includes not followed)."""
        found = [self]
        for child in self.block or ():
            found.extend(child.walk())
        return found


class FileComment(NamedTuple):
    start: int
    end: int
    text: str


class SyntaxProblem(NamedTuple):
    start: int
    end: int
    message: str


@dataclass
class ParsedFile:
    """One file: its text, its top-level statements, its comments and syntax problems."""

    source: SourceText
    directives: list[Directive] = field(default_factory=list)
    comments: list[FileComment] = field(default_factory=list)
    problems: list[SyntaxProblem] = field(default_factory=list)
    # A file that is not in the tree but known by its standard content (proxy_params, ...).
    stock: bool = False

    @property
    def path(self) -> str:
        return self.source.path

    def walk(self) -> list[Directive]:
        found: list[Directive] = []
        for directive in self.directives:
            found.extend(directive.walk())
        return found
