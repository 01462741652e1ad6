"""Checking one unit: confirm its kind, load it, run its rules (or fix it, or add ignore
comments), and take its stack facts and audit rows.

A file that cannot be read, or a rule that crashes, becomes a finding for the unit: the run
always goes on with the others.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from linter import kinds
from linter.checker import check_document, plain_finding
from linter.config import Settings
from linter.document import AuditRow, Unit
from linter.model import Finding
from linter.pathmatch import relative_posix
from linter.source import DecodeFailure
from linter.stack import FACT_KINDS, names_client_text
from linter.stack import wanted as stack_wanted
from linter.stack.step import facts_unread
from linter.workspace import ReadFailure, Workspace

if TYPE_CHECKING:
    # (The fixer is imported where a run fixes: a plain check never needs it.)
    from linter.fixer import FileChange
    from linter.runner import RunOptions


@dataclass
class UnitResult:
    """What checking one unit gave: findings, fixes, stack facts and audit rows."""

    findings: list[Finding]
    changes: list[FileChange] = field(default_factory=list)
    audit_rows: list[AuditRow] = field(default_factory=list)
    # False when the unit turned out not to be of its kind (see Unit.unclaimed).
    checked: bool = True
    # Files whose fixes this run may not write (path -> why; see FixOutcome.unwritable).
    unwritable: dict[str, str] = field(default_factory=dict)
    # What the unit says about its layer of the stream path (linter.stack.facts), and the
    # files it read for that (None: no facts were taken).
    facts: list[Any] = field(default_factory=list)
    covered: tuple[str, ...] | None = None


def _claim(unit: Unit, workspace: Workspace) -> bool:
    """Does the unit's kind want this file after all (see Unit.unclaimed)?"""
    try:
        data = workspace.read_bytes(unit.path)
    except ReadFailure:
        return False  # only a name suggested the kind: an unreadable file is not ours to report
    relpath = relative_posix(unit.path, workspace.root)
    by_name = kinds.detector(unit.kind).claim_by_name(relpath)
    # (A parse the content test makes is kept in the run's trees for the load that follows.)
    found = kinds.classify(
        relpath,
        data,
        {unit.kind: by_name},
        path=unit.path,
        trees=workspace.trees,
        workspace=workspace,
    )
    return found == unit.kind


def process_unit(
    unit: Unit, workspace: Workspace, settings: Settings, options: RunOptions
) -> UnitResult:
    # What a unit builds (the million nodes of an 8 MB LiteLLM config) lives until the unit is
    # done: a full collection meanwhile walks it all to free nothing (1.2 s of 4.5 s there).
    # Cycles made while the unit runs are collected after it.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _process_unit(unit, workspace, settings, options)
    finally:
        if enabled:
            gc.enable()


def _process_unit(
    unit: Unit, workspace: Workspace, settings: Settings, options: RunOptions
) -> UnitResult:
    if unit.unclaimed:
        try:
            claimed = _claim(unit, workspace)
        except Exception as exc:  # a bug of ours must not stop the run (as below)
            return UnitResult([_crashed(unit.path, exc)])
        if not claimed:
            dropped = UnitResult([], checked=False)
            if unit.kind == "python" and stack_wanted(settings, options.audit):
                # Not an LLM file for the python rules, but it may still hold an httpx client
                # with a base URL: looked at here, where its bytes are at hand.
                from linter.stack.clients import clients_in_bytes

                dropped.facts = clients_in_bytes(unit.path, workspace)
                dropped.covered = (unit.path,)
            if not unit.keep:
                workspace.forget(unit.path)
            return dropped
        result = _process_unit(replace(unit, unclaimed=False), workspace, settings, options)
        if not (options.fix or options.diff or options.add_ignore is not None or unit.keep):
            workspace.forget(unit.path)  # keep memory flat: reports read it again if needed
        return result
    handler = kinds.handler(unit.kind)
    # With --stdin-filename only the text read from stdin is given back: no other file changes.
    writable = frozenset(workspace.stdin) if options.stdin_filename is not None else None
    try:
        if options.add_ignore is not None:
            from linter.add_ignore import add_ignores

            outcome = add_ignores(
                unit, handler, workspace, settings, reason=options.add_ignore, writable=writable
            )
            return UnitResult(outcome.findings, outcome.changes)
        if options.fix or options.diff:
            from linter.fixer import fix_unit

            unsafe = settings.unsafe_fixes if options.unsafe_fixes is None else options.unsafe_fixes
            outcome = fix_unit(unit, handler, workspace, settings, unsafe=unsafe, writable=writable)
            return UnitResult(outcome.findings, outcome.changes, unwritable=outcome.unwritable)
        document = handler.load(unit, workspace, settings)
        result = UnitResult(check_document(document, handler, settings))
        if unit.kind in FACT_KINDS and not document.fatal and stack_wanted(settings, options.audit):
            # A Python module gives a fact only where it names a base URL (linter.stack.clients):
            # tested here, so that the others do not import the stack's modules.
            if (
                unit.kind != "python" or names_client_text(document.source.text)
            ) and not facts_unread(workspace):
                from linter.stack.facts import facts_of

                result.facts = facts_of(document, settings)
            result.covered = tuple(document.sources) or (unit.path,)
        audit = getattr(handler, "audit", None)
        if options.audit and audit is not None and not document.fatal:
            result.audit_rows.extend(audit(document, settings))
        return result
    except ReadFailure as exc:
        return UnitResult([plain_finding(handler.parse_error_code, exc.path, exc.message)])
    except DecodeFailure as exc:
        return UnitResult(
            [plain_finding(handler.parse_error_code, unit.path, exc.message, exc.line, exc.column)]
        )
    except Exception as exc:  # a bug of ours must not stop the run
        return UnitResult([_crashed(unit.path, exc)])


def _crashed(path: str, exc: Exception) -> Finding:
    return plain_finding(
        "SP900",
        path,
        f"streamproof failed on this file: {type(exc).__name__}: {exc}; please report it",
    )
