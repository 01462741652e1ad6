"""A proxied route: the block that governs a `*_pass` (its location), the pass, the upstream
it names and the signal that makes it a streaming route; and what a location block's own
arguments say about the requests it takes (its path, whether it matches one endpoint
exactly)."""

from __future__ import annotations

from typing import NamedTuple

from linter.nginx.backends import Signal
from linter.nginx.context import Stmt


class Route(NamedTuple):
    block: Stmt  # the location (or the snippet's root) that holds the *_pass
    pass_stmt: Stmt
    family: str  # proxy, fastcgi, uwsgi, scgi, grpc
    upstream: Stmt | None  # the upstream {} the pass names, when there is one
    signal: Signal | None
    opted_out: bool = False
    target: str = ""  # the pass's target, variables set in the server resolved

    @property
    def streaming(self) -> bool:
        return self.signal is not None and not self.opted_out

    def label(self) -> str:
        block = self.block
        if block.is_root:
            return "this snippet's route"
        args = " ".join(arg.raw for arg in block.directive.args) if block.directive else ""
        return f"location {args}".strip()


def route_block(stmt: Stmt) -> Stmt:
    """The block that governs a `*_pass`: its location (through `if`/`limit_except`)."""
    block = stmt.parent
    assert block is not None
    while block.name in ("if", "limit_except") and not block.is_root and block.parent is not None:
        block = block.parent
    return block


def location_path(block: Stmt) -> str:
    if block.is_root or block.name != "location":
        return ""
    return block.args[-1] if block.args else ""


def exact_match(block: Stmt) -> bool:
    """The block is an exact-match location (`location = /api/chat`): one endpoint."""
    if block.is_root or block.name != "location" or not block.args:
        return False
    first = block.args[0]  # `= /p`, or `=/p` written without the space
    return first == "=" or (len(block.args) == 1 and first.startswith("="))
