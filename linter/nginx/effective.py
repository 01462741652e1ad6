"""Effective values: what a directive is at a block, by nginx's inheritance, and from where.

- A scalar directive (``proxy_read_timeout``): the block's own, else the nearest enclosing
  block's, else nginx's default. By nesting level, not by textual order: a server-level value
  written after the locations still applies to them.
- An array directive (``proxy_set_header``, ``add_header``, ...): the directives of the nearest
  level that has *any* of them, and only those; one at a level drops every inherited one.
- A level holding a template placeholder may set anything: when nothing nearer sets the
  directive, the value is UNKNOWN, never a default.
- An include that could not be read is passed over when it cannot set the directive (its
  known content or its name says so, see unread.py); when it could, the lookup still goes on
  and the value found carries a *caveat* (that include), so a rule reports it as uncertain
  instead of staying silent.

Every lookup says where its value comes from, so a finding can name its evidence.
"""

from __future__ import annotations

import functools
import os
from typing import NamedTuple

from linter.nginx.context import Stmt

ARRAY_DIRECTIVES = frozenset(
    {
        "proxy_set_header",
        "add_header",
        "add_trailer",
        "fastcgi_param",
        "uwsgi_param",
        "scgi_param",
        "grpc_set_header",
        "proxy_hide_header",
        "proxy_pass_header",
        "fastcgi_hide_header",
        "fastcgi_pass_header",
        "uwsgi_hide_header",
        "scgi_hide_header",
        "grpc_hide_header",
        "grpc_pass_header",
    }
)


def where(stmt: Stmt, root: str) -> str:
    """``file:line`` of a statement, with the includes it came through."""
    directive = stmt.directive
    assert directive is not None
    text = f"{display_path(directive.path, root)}:{line_of(stmt)}"
    chain = stmt.include_chain()
    if chain:
        outer = chain[-1]
        text += f" (included from {display_path(outer.path, root)}:{line_of(outer)})"
    return text


def display_path(path: str, root: str) -> str:
    if path.startswith("<stock>/"):
        return path[len("<stock>/") :] + " (stock file)"
    if os.path.isabs(path) and os.path.isabs(root):
        return _display_absolute(path, root)
    try:
        relative = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


@functools.lru_cache(maxsize=4096)
def _display_absolute(path: str, root: str) -> str:
    # Messages name the same few files thousands of times (relpath is slow).
    try:
        relative = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def line_of(stmt: Stmt) -> int:
    assert stmt.directive is not None
    return stmt.directive.line


def block_label(block: Stmt) -> str:
    if block.is_root:
        return f"the {block.context} context of the file"
    args = " ".join(arg.raw for arg in block.directive.args) if block.directive else ""
    return f"{block.name} {args} {{}}".replace("  ", " ")


class Lookup(NamedTuple):
    """The effective value of a scalar directive at a block."""

    name: str
    at: Stmt  # the block asked about
    stmt: Stmt | None = None  # the directive that sets it (None: default or unknown)
    level: Stmt | None = None  # the block where it was found
    unknown: Stmt | None = None  # the unknown statement that hides it
    default: str | None = None
    caveat: Stmt | None = None  # an unread include passed over that could set it
    passed: Stmt | None = None  # an unread include passed over that cannot set it

    @property
    def caveat_text(self) -> str:
        """ ", unless `/etc/x.conf` (not read) sets proxy_buffering", or nothing."""
        if self.caveat is None or self.caveat.reach is None:
            return ""
        return f", {self.caveat.reach.caveat(self.name)}"

    @property
    def known(self) -> bool:
        return self.unknown is None

    @property
    def is_default(self) -> bool:
        return self.stmt is None and self.unknown is None

    @property
    def inherited(self) -> bool:
        return self.stmt is not None and self.level is not self.at

    @property
    def args(self) -> list[str]:
        if self.stmt is not None:
            return self.stmt.args
        return self.default.split() if self.default is not None else []

    @property
    def value(self) -> str | None:
        args = self.args
        return args[0] if args else None

    def describe(self, root: str) -> str:
        """Where the value comes from, for a message (with the caveat of an unread include
        that could set it, or why one that cannot was passed over)."""
        return self._origin(root) + self.caveat_text + self._passed_text()

    def _passed_text(self) -> str:
        if self.caveat is not None or self.passed is None or self.passed.reach is None:
            return ""
        return f" ({self.passed.reach.passed()})"

    def _origin(self, root: str) -> str:
        if self.unknown is not None:
            return f"unknown ({self.unknown.unknown} may set it)"
        if self.stmt is None:
            return f"nginx's default {self.default} (nothing sets {self.name} for this block)"
        value = " ".join(arg.raw for arg in self.stmt.directive.args) if self.stmt.directive else ""
        if self.inherited and self.level is not None:
            origin = where(self.stmt, root)
            return f"{value}, inherited from {block_label(self.level)} (set at {origin})"
        return f"{value}, set at {where(self.stmt, root)}"


def lookup(block: Stmt, name: str, default: str | None = None) -> Lookup:
    """The effective value of scalar directive ``name`` in ``block``."""
    caveat = passed = None
    level: Stmt | None = block
    # (The chain of blocks walked by hand: ``chain()``'s generator cost a resumption per
    # block for each of the tens of thousands of lookups a run over a tree makes.)
    while level is not None:
        first = level.first_named(name)
        if first is not None:
            return Lookup(name, block, first, level, None, default, caveat, passed)
        if level.unknown_here() is None:
            level = level.parent
            continue
        hidden, soft = level.unknown_for(name)
        if hidden is not None:
            return Lookup(name, block, level=level, unknown=hidden, default=default)
        caveat = caveat or soft
        if passed is None:
            passed = next(
                (s for s in level.unknowns() if s.reach and not s.reach.could_set(name)), None
            )
        level = level.parent
    return Lookup(name, block, default=default, caveat=caveat, passed=passed)


class ArrayLookup(NamedTuple):
    """The effective directives of an array directive at a block."""

    name: str
    at: Stmt
    stmts: tuple[Stmt, ...] = ()
    level: Stmt | None = None  # where they are defined (None: none anywhere)
    unknown: Stmt | None = None  # unknown content at that level or nearer
    caveat: Stmt | None = None  # an unread include at that level or nearer that could add some

    @property
    def known(self) -> bool:
        return self.unknown is None

    @property
    def inherited(self) -> bool:
        return self.level is not None and self.level is not self.at


def lookup_array(block: Stmt, name: str) -> ArrayLookup:
    """The ``name`` directives in effect at ``block`` (nginx's array inheritance)."""
    caveat = None
    for level in block.chain():
        found = level.level_named(name)
        hidden, soft = level.unknown_for(name) if level.unknown_here() else (None, None)
        caveat = caveat or soft
        if found:
            return ArrayLookup(name, block, tuple(found), level, hidden, caveat)
        if hidden is not None:
            return ArrayLookup(name, block, (), level, hidden)
    return ArrayLookup(name, block, caveat=caveat)


def header_value(lookup_result: ArrayLookup, header: str) -> Stmt | None:
    """The ``proxy_set_header`` (or ``add_header``) that sets ``header``, case-insensitively."""
    found = header_values(lookup_result, header)
    return found[0] if found else None


def header_values(lookup_result: ArrayLookup, header: str) -> tuple[Stmt, ...]:
    """Every ``proxy_set_header`` (or ``add_header``) that sets ``header``, in order: nginx
    sends each line whose value is not empty (one header line apiece), not only the first."""
    wanted = header.lower()
    return tuple(s for s in lookup_result.stmts if s.args and s.args[0].lower() == wanted)
