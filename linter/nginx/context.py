"""The configuration as nginx sees it: every statement at its place, includes spliced in.

A file's syntax tree is shared by every place that includes it; a ``Stmt`` is one statement at
one of those places: it knows its block (``parent``) and the include it came through (``via``).
Directives of an included file belong to the block that holds the ``include`` (include is
textual). Where the content is not known (an include that could not be read, a template
placeholder standing for statements), the place holds an *unknown* statement, and lookups that
reach it without finding the directive give UNKNOWN instead of a default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from linter.nginx.tree import Directive

CONTEXTS = ("main", "http", "server", "location", "upstream")


@dataclass(eq=False)
class Stmt:
    directive: Directive | None  # None for the root (the context the file is linted in)
    parent: Stmt | None
    via: Stmt | None = None  # the include statement this one came through
    children: list[Stmt] | None = None  # for blocks, the statements inside
    included: list[Stmt] | None = None  # for `include`: what it pulled in
    # The content here is not known (an unreadable include, a placeholder statement).
    unknown: str = ""
    context: str = ""  # the root's context name
    # The statements of this level by name, and the first unknown one, built on the first
    # lookup (the tree is complete by then): a lookup per location per directive must not
    # scan the whole server each time (2,000 locations took minutes).
    _index: _LevelIndex | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        if self.directive is None:
            return self.context
        return self.directive.name.value

    @property
    def path(self) -> str:
        assert self.directive is not None
        return self.directive.path

    @property
    def args(self) -> list[str]:
        return self.directive.values if self.directive is not None else []

    @property
    def is_root(self) -> bool:
        return self.directive is None

    @property
    def is_block(self) -> bool:
        return self.children is not None

    def level(self) -> Iterator[Stmt]:
        """The statements at this block's own level, includes expanded (not nested blocks)."""
        for child in self.children or ():
            yield child
            if child.included is not None:
                yield from _included_level(child)

    def _level_index(self) -> _LevelIndex:
        if self._index is None:
            index = _LevelIndex()
            for position, stmt in enumerate(self.level()):
                if stmt.unknown:
                    if index.first_unknown is None:
                        index.first_unknown = stmt
                elif stmt.directive is not None:
                    index.by_name.setdefault(stmt.name, []).append((position, stmt))
            self._index = index
        return self._index

    def level_named(self, *names: str) -> list[Stmt]:
        by_name = self._level_index().by_name
        if len(names) == 1:
            return [stmt for _, stmt in by_name.get(names[0], ())]
        found = sorted(
            (entry for name in dict.fromkeys(names) for entry in by_name.get(name, ())),
            key=lambda entry: entry[0],
        )
        return [stmt for _, stmt in found]

    def unknown_here(self) -> Stmt | None:
        """The first statement at this level whose content is unknown."""
        return self._level_index().first_unknown

    def blocks(self, *names: str) -> list[Stmt]:
        return [s for s in self.level() if s.is_block and (not names or s.name in names)]

    def walk(self) -> Iterator[Stmt]:
        """Every statement below this one (includes expanded), depth first, in order."""
        for stmt in self.level():
            yield stmt
            if stmt.is_block:
                yield from stmt.walk()

    def chain(self) -> Iterator[Stmt]:
        """This block and the blocks it inherits from, innermost first (a location nested in a
        location, an `if` in a location, ..., the server, http, the root)."""
        current: Stmt | None = self
        while current is not None:
            yield current
            current = current.parent

    def include_chain(self) -> list[Stmt]:
        """The include statements this statement came through, outermost first."""
        found = []
        current = self.via
        while current is not None:
            found.append(current)
            current = current.via
        return list(reversed(found))

    def enclosing(self, *names: str) -> Stmt | None:
        current = self.parent
        while current is not None:
            if current.name in names:
                return current
            current = current.parent
        return None


@dataclass
class _LevelIndex:
    by_name: dict[str, list[tuple[int, Stmt]]] = field(default_factory=dict)
    first_unknown: Stmt | None = None


def _included_level(include: Stmt) -> Iterator[Stmt]:
    for child in include.included or ():
        yield child
        if child.included is not None:
            yield from _included_level(child)


@dataclass
class IncludeSite:
    """Where a file was included from (for messages and for deciding where a fix may go)."""

    stmt: Stmt
    path: str


@dataclass
class Expanded:
    root: Stmt
    # For every included file: the include statements that pulled it in.
    includers: dict[str, list[Stmt]] = field(default_factory=dict)
