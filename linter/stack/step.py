"""The engine's stack step: after every unit is checked, the stream paths across the run's
files and the XL rules on them (linter.stack.run), or nothing when no file given could hold an
XL finding (linter.stack.hosts)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from linter.stack import wanted as stack_wanted

if TYPE_CHECKING:
    from linter.config import SettingsResolver
    from linter.discovery import Candidate
    from linter.runner import RunOptions, RunResult
    from linter.workspace import Workspace


def parse_limit(resolver: SettingsResolver, path: str) -> int:
    """The size past which a Python file is not parsed (PY000's ``max-file-size``)."""
    from linter.python.handler import DEFAULT_MAX_FILE_SIZE

    options = resolver.for_path(path).rule_options.get("PY000", {})
    return int(options.get("max-file-size", DEFAULT_MAX_FILE_SIZE))


def stack_step(
    result: RunResult,
    facts: list[Any],
    covered: set[str],
    candidates: Sequence[Candidate],
    paths: Sequence[str],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
) -> None:
    """The stream paths across the files, and the XL rules on them (linter.stack.run)."""
    if options.add_ignore is not None or not candidates:
        return
    root = workspace.root
    if not stack_wanted(resolver.for_path(os.path.join(root, "streamproof-stack")), options.audit):
        return
    whole = _whole(paths, resolver, options)
    if not whole and not options.audit:
        from linter.stack.hosts import may_hold_findings

        # Files given, none of which an XL finding could be placed in: no stack to read.
        if not any(
            may_hold_findings(
                c.path,
                c.relpath,
                workspace,
                parse_limit(resolver, c.path) if c.relpath.endswith(".py") else 0,
            )
            for c in candidates
        ):
            return
    if not whole and facts_unread(workspace):
        return  # (what stack_pass would find: no compose project around the given files)
    from linter.stack.run import stack_pass

    checked = {candidate.path for candidate in candidates}
    found = stack_pass(facts, covered, whole, checked, workspace, resolver, options.audit)
    result.findings.extend(found.findings)
    result.rules_run.update(found.codes)
    result.stack_paths = found.model
    result.stack_notes = found.notes


def _whole(paths: Sequence[str], resolver: SettingsResolver, options: RunOptions) -> bool:
    # Folders given: their stack is what they hold (every file of it is a unit of this run).
    # Files given (pre-commit): the rest of the repository's stack is read for them.
    return options.stdin_filename is None and all(
        os.path.isdir(os.path.join(resolver.cwd, path)) for path in paths
    )


_GIVEN = ("stack", "given-files")


def note_given(
    candidates: Sequence[Candidate],
    paths: Sequence[str],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
) -> None:
    """Before the units are checked: the files given, when files (not folders) are, for
    ``facts_unread``."""
    if not _whole(paths, resolver, options):
        workspace.memo[_GIVEN] = frozenset(candidate.path for candidate in candidates)


def facts_unread(workspace: Workspace) -> bool:
    """Files were given (pre-commit) and no compose project holds them (``project_of``): the
    stack pass returns before it reads a fact, so the units need not take theirs (4 ms of a
    lone NGINX file's check, and the stack's modules). False when unknown (a worker)."""
    given = workspace.memo.get(_GIVEN)
    if not isinstance(given, frozenset):
        return False
    from linter.stack.scope import project_around

    return project_around(workspace, given) is None
