"""What a location block's own arguments say about the requests it takes: its path, and
whether it matches one endpoint exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.nginx.context import Stmt


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
