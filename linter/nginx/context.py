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
from linter.nginx.unread import Reach

CONTEXTS = ("main", "http", "server", "location", "upstream")


@dataclass(eq=False)
class Stmt:
    """A statement in its context: the directive, its block and how it was included."""

    directive: Directive | None  # None for the root (the context the file is linted in)
    parent: Stmt | None
    via: Stmt | None = None  # the include statement this one came through
    children: list[Stmt] | None = None  # for blocks, the statements inside
    included: list[Stmt] | None = None  # for `include`: what it pulled in
    # The content here is not known (an unreadable include, a placeholder statement).
    unknown: str = ""
    # For an include that could not be read: what it may set (see unread.py). None for other
    # unknown content (a template placeholder), which may set anything and hides it for good.
    reach: Reach | None = None
    context: str = ""  # the root's context name
    # This block's level, indexed on first use (the tree is complete by then and never
    # changes): lookups walk the chain of blocks for every directive of every route.
    _level_cache: list[Stmt] | None = field(default=None, repr=False)
    _by_name: dict[str, list[Stmt]] | None = field(default=None, repr=False)
    _first_unknown: Stmt | None = field(default=None, repr=False)
    _unknowns: list[Stmt] | None = field(default=None, repr=False)
    # The directive's name (the context's for the root): set once here, since rules and
    # lookups read it hundreds of thousands of times in a run over a tree (a property cost
    # the 200 benchmark configs 40 ms).
    name: str = field(init=False, default="")
    # The argument values (shared: never change the list), likewise set once: read over
    # two hundred thousand times in a run over the benchmark's 200 configs.
    args: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        directive = self.directive
        if directive is None:
            self.name, self.args = self.context, []
        else:
            self.name, self.args = directive.name.value, directive.shared_values()

    @property
    def path(self) -> str:
        assert self.directive is not None
        return self.directive.path

    @property
    def is_root(self) -> bool:
        return self.directive is None

    @property
    def is_block(self) -> bool:
        return self.children is not None

    def level(self) -> list[Stmt]:
        """The statements at this block's own level, includes expanded (not nested blocks)."""
        if self._level_cache is None:
            statements: list[Stmt] = []
            by_name: dict[str, list[Stmt]] = {}
            unknowns: list[Stmt] = []
            for child in self.children or ():
                statements.append(child)
                if child.included is not None:
                    statements.extend(_included_level(child))
            for stmt in statements:
                if stmt.unknown:
                    unknowns.append(stmt)
                    if self._first_unknown is None:
                        self._first_unknown = stmt
                elif stmt.directive is not None:
                    by_name.setdefault(stmt.directive.name.value, []).append(stmt)
            self._level_cache, self._by_name, self._unknowns = statements, by_name, unknowns
        return self._level_cache

    def level_named(self, *names: str) -> list[Stmt]:
        self.level()
        assert self._by_name is not None
        if len(names) == 1:
            return list(self._by_name.get(names[0], ()))
        wanted = set(names)
        return [
            s
            for s in self.level()
            if s.directive is not None and s.name in wanted and not s.unknown
        ]

    def first_named(self, name: str) -> Stmt | None:
        """The first statement ``name`` at this level (``level_named(name)[0]``, no copy)."""
        if self._by_name is None:
            self.level()
        assert self._by_name is not None
        found = self._by_name.get(name)
        return found[0] if found else None

    def unknown_here(self) -> Stmt | None:
        """The first statement at this level whose content is unknown."""
        self.level()
        return self._first_unknown

    def unknowns(self) -> list[Stmt]:
        """The statements at this level whose content is unknown."""
        self.level()
        return list(self._unknowns or ())

    def unknown_for(self, name: str) -> tuple[Stmt | None, Stmt | None]:
        """The unknown statements at this level that may set directive ``name``: (the first
        that hides it for good (a placeholder), the first unread include that could set it).
        An unread include that cannot set it (see unread.py) is passed over."""
        self.level()
        if self._first_unknown is None:
            return None, None
        assert self._unknowns is not None
        soft = None
        for stmt in self._unknowns:
            if stmt.reach is None:
                return stmt, None
            if soft is None and stmt.reach.could_set(name):
                soft = stmt
        return None, soft

    def blocks(self, *names: str) -> list[Stmt]:
        return [s for s in self.level() if s.is_block and (not names or s.name in names)]

    def walk(self) -> Iterator[Stmt]:
        """Every statement below this one (includes expanded), depth first, in order."""
        found: list[Stmt] = []
        self._walk_into(found)
        return iter(found)

    def _walk_into(self, found: list[Stmt]) -> None:
        # A list filled by plain recursion: nested generators cost a resumption per level for
        # every statement (a third of the rules' time).
        for stmt in self.level():
            found.append(stmt)
            if stmt.children is not None:
                stmt._walk_into(found)

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


def _included_level(include: Stmt) -> Iterator[Stmt]:
    for child in include.included or ():
        yield child
        if child.included is not None:
            yield from _included_level(child)
