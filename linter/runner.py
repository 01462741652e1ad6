"""One run: discover the files, plan them into units (``linter.planning``), check every unit
(``linter.parallel``, one unit at a time ``linter.unit_check``), then collect the findings,
link the stack and write the fixes.

A file that cannot be read, or a rule that crashes, becomes a finding for that file; the run
always goes on with the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linter import registry
from linter.checker import dedupe
from linter.config import Settings, SettingsResolver
from linter.discovery import Candidate, discover, excluded_when_named, find_root
from linter.document import AuditRow
from linter.model import Finding
from linter.parallel import PARALLEL_THRESHOLD, process_all
from linter.planning import units_by_kind, why_not_checked
from linter.workspace import ReadFailure, Workspace

if TYPE_CHECKING:
    # (The fixer is imported where a run fixes: a plain check never needs it.)
    from linter.fixer import FileChange


@dataclass
class RunOptions:
    """How a run goes: the command line's options."""

    fix: bool = False
    unsafe_fixes: bool | None = None  # None: as the config says
    diff: bool = False  # compute the fixes but write nothing
    force_exclude: bool = False
    stdin_filename: str | None = None
    stdin_data: bytes | None = None
    jobs: int | None = None
    # --add-ignore: the reason written in each ignore comment (None: not adding any).
    add_ignore: str | None = None
    # `streamproof audit`: also collect each unit's stream path (handler.audit rows).
    audit: bool = False
    # Called in this process as units finish: progress(done, total).
    progress: Callable[[int, int], None] | None = field(default=None, compare=False, repr=False)


@dataclass
class RunResult:
    """What a run found and changed, for the reporters and the exit status."""

    findings: list[Finding] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    # Problems with the run itself (missing paths, write failures): shown on stderr, exit 2.
    errors: list[str] = field(default_factory=list)
    files_checked: int = 0
    root: str = "."
    workspace: Workspace | None = None
    # Codes of the rules that ran: the selected rules of the kinds present, and the engine's
    # (reporters such as SARIF list every rule that ran, not only those that found something).
    rules_run: set[str] = field(default_factory=set)
    # `streamproof audit` only: what each kind says about the stream path as configured.
    audit_rows: list[AuditRow] = field(default_factory=list)
    # Files named on the command line that no kind reads, and why (a note each on stderr;
    # the exit status does not change).
    not_checked: dict[str, str] = field(default_factory=dict)
    # `streamproof audit` only: the stream paths linked across the files (the model of
    # linter.stack.render), and what could not be linked.
    stack_paths: list[dict[str, Any]] = field(default_factory=list)
    stack_notes: list[str] = field(default_factory=list)


def selected_codes(kind: str, settings: Settings) -> set[str]:
    """The rules a unit of this kind runs under these settings (the engine's included)."""
    rules = (*registry.rules_for_kind(kind), *registry.rules_for_kind(registry.ENGINE_KIND))
    return {rule.code for rule in rules if settings.is_selected(rule.code)}


def run(
    paths: Sequence[str],
    resolver: SettingsResolver,
    options: RunOptions,
) -> RunResult:
    cwd = resolver.cwd
    if options.stdin_filename is not None:
        stdin_path = os.path.abspath(os.path.join(cwd, options.stdin_filename))
        root = find_root([stdin_path if os.path.exists(os.path.dirname(stdin_path)) else cwd], cwd)
        workspace = Workspace(root=root, cwd=cwd)
        workspace.stdin[stdin_path] = options.stdin_data or b""
        candidates = [
            Candidate(stdin_path, os.path.relpath(stdin_path, root).replace(os.sep, "/"), True)
        ]
        if options.force_exclude and excluded_when_named(resolver, stdin_path, folder=False):
            candidates = []
        result = RunResult(root=root)
    else:
        paths = list(paths) or ["."]
        root = find_root(paths, cwd)
        workspace = Workspace(root=root, cwd=cwd)
        workspace.whole_tree = any(
            os.path.isdir(p) and _holds(os.path.realpath(os.path.join(cwd, p)), workspace.root)
            for p in paths
        )
        result = RunResult(root=root)
        candidates, missing = discover(paths, root, resolver, force_exclude=options.force_exclude)
        result.errors.extend(missing)

    result.workspace = workspace
    workspace.many_files = len(candidates) >= PARALLEL_THRESHOLD
    workspace.writing = options.fix and not options.diff and options.stdin_filename is None
    workspace.keeps_reads = options.fix or options.diff or options.add_ignore is not None
    units = units_by_kind(candidates, workspace, result)
    from linter.stack.step import note_given

    note_given(candidates, paths, workspace, resolver, options)
    unwritable: dict[str, str] = {}
    codes: dict[tuple[str, int], set[str]] = {}  # selected_codes by kind and settings
    named = {candidate.path: candidate for candidate in candidates if candidate.explicit}
    facts: list[Any] = []
    covered: set[str] = set()
    checked_paths: set[str] = set()
    for unit, unit_result in zip(
        units,
        process_all(units, workspace, resolver, options, files=len(candidates)),
        strict=True,
    ):
        facts.extend(unit_result.facts)
        if unit_result.covered is not None:
            covered.update(unit_result.covered)
        if not unit_result.checked:
            # Its kind looked at the content and did not want it after all.
            if unit.path in named and not unit_result.findings:
                why = why_not_checked(named[unit.path], workspace)
                if why is not None:
                    result.not_checked[unit.path] = why
            continue
        if unit.path not in checked_paths:  # (a Python script may be a unit of two kinds)
            checked_paths.add(unit.path)
            result.files_checked += 1
        settings = resolver.for_path(unit.path)
        key = (unit.kind, id(settings))
        if key not in codes:
            codes[key] = selected_codes(unit.kind, settings)
        result.rules_run.update(codes[key])
        result.findings.extend(unit_result.findings)
        result.audit_rows.extend(unit_result.audit_rows)
        for path, why in unit_result.unwritable.items():
            if path not in unwritable:
                unwritable[path] = why
                result.errors.append(f"{why}; fix not written")
        for change in unit_result.changes:
            # Units that share a file (an NGINX snippet) fix it in turn: keep the last text.
            previous = next((c for c in result.changes if c.path == change.path), None)
            if previous is None:
                result.changes.append(change)
            else:
                previous.after = change.after
                previous.fixed.extend(change.fixed)

    from linter.stack.step import stack_step

    stack_step(result, facts, covered, candidates, paths, workspace, resolver, options)

    # Reporters read files through the workspace: give them the text the findings describe
    # (worker processes changed only their own copy of the overlay).
    for change in result.changes:
        workspace.overlay[change.path] = change.after
    writes = options.fix or options.add_ignore is not None
    if writes and not options.diff and options.stdin_filename is None:
        from linter.fixer import WriteRefused, write_change

        for change in list(result.changes):
            try:
                expected = workspace.read_bytes(change.path)
            except ReadFailure:
                expected = None
            try:
                write_change(change, expected)
            except WriteRefused as exc:
                result.errors.append(str(exc))
            except OSError as exc:
                result.errors.append(
                    f"cannot write {change.path}: {exc.strerror or exc}; fix not written "
                    "(the file is unchanged)"
                )
            else:
                continue
            # The fixes were not written, so their findings still stand (and none is counted
            # as fixed).
            result.findings.extend(change.fixed)
            result.changes.remove(change)
    result.findings = sorted(dedupe(result.findings), key=lambda f: f.sort_key)
    return result


def _holds(folder: str, root: str) -> bool:
    """``folder`` is the tree's root or a folder above it."""
    return root == folder or root.startswith(folder.rstrip(os.sep) + os.sep)
