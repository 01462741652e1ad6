"""``--add-ignore``: write a ``# streamproof: ignore[CODE] -- reason`` comment for every current
finding, so that a team can adopt streamproof on an existing repository and then fix the
findings one by one.

Where the comment goes, for each line that has findings:

1. A ``streamproof: ignore[...]`` comment already covers the line (it suppresses other codes):
   the new codes are added inside its brackets.
2. The kind's handler has the optional hook ``suppression_edits`` (see ``linter/document.py``):
   its edits are tried in order, and none means no comment can cover that line.
3. Otherwise a trailing comment on the line itself, unless the line is blank, is a comment,
   already ends in a comment, or ends in a backslash; then (or when the trailing comment does
   not verify) an own-line comment just above, with the line's indentation.

Every change is verified as a fix is: the file must parse again (``handler.load`` and
``handler.verify_fix``), the findings meant must be gone, and no other finding may appear or
vanish. A change that fails is not written, and its findings are reported with the reason.
Running it twice adds nothing: the second run finds nothing left to suppress.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace

from linter.checker import check_document
from linter.config import Settings
from linter.document import Comment, Document, KindHandler, Unit
from linter.engine_rules import INVALID_SUPPRESSION, UNUSED_SUPPRESSION
from linter.fixer import FileChange, FixOutcome, _current_text, _verify, apply_edits
from linter.model import Edit, Finding
from linter.reporters import display_path
from linter.source import SourceText
from linter.suppression import Suppression, parse_suppressions
from linter.workspace import Workspace

DEFAULT_REASON = "added by --add-ignore"
# Findings about suppression comments themselves are fixed (SP100 by --fix), never suppressed
# by yet another comment.
NOT_SUPPRESSED = frozenset({UNUSED_SUPPRESSION.code, INVALID_SUPPRESSION.code})


def comment_text(codes: Sequence[str], reason: str) -> str:
    return f"# streamproof: ignore[{', '.join(codes)}]" + (f" -- {reason}" if reason else "")


def check_reason(reason: str) -> str | None:
    """Why a reason cannot go into a comment (None when it can)."""
    if "\n" in reason or "\r" in reason:
        return "the reason must fit on one line"
    return None


def trailing_edit(source: SourceText, line: int, comment: str) -> Edit:
    """``comment`` at the end of ``line``, after two spaces (or the whitespace already there)."""
    text = source.line_text(line)
    end = source.offset(line, 1) + len(text)
    separator = "" if text[-1:] in (" ", "\t") else "  "
    return Edit(source.path, end, end, separator + comment)


def own_line_edit(source: SourceText, line: int, comment: str) -> Edit:
    """``comment`` on a line of its own just above ``line``, indented as ``line`` is."""
    start = source.offset(line, 1)
    return Edit(source.path, start, start, source.indentation_at(start) + comment + source.newline)


def merge_edit(source: SourceText, suppression: Suppression, codes: Sequence[str]) -> Edit:
    """Add ``codes`` inside the brackets of an existing suppression, after its last code."""
    raw = source.text[suppression.codes_start : suppression.codes_end]
    at = suppression.codes_start + len(raw.rstrip())
    return Edit(source.path, at, at, (", " if raw.strip() else "") + ", ".join(codes))


def default_suppression_edits(
    source: SourceText, line: int, comment: str, comments: Sequence[Comment]
) -> list[Edit]:
    """The generic placements for a kind without the hook, best first: a trailing comment
    where one is possible, then an own-line comment above."""
    text = source.line_text(line)
    on_line = [
        c for c in comments if c.path == source.path and source.position(c.offset)[0] == line
    ]
    candidates = []
    if text.strip() and not on_line and not text.rstrip().endswith("\\"):
        candidates.append(trailing_edit(source, line, comment))
    candidates.append(own_line_edit(source, line, comment))
    return candidates


@dataclass
class _Line:
    """The findings of one line, to be covered by one comment."""

    path: str
    line: int
    findings: list[Finding]

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})


def _suppressions(document: Document, handler: KindHandler, path: str) -> list[Suppression]:
    try:
        comments = list(handler.comments(document, path))
    except Exception:
        return []
    return parse_suppressions(comments, document)[0]


def _candidates(
    document: Document, handler: KindHandler, target: _Line, reason: str
) -> list[Edit] | str:
    """The edits to try for one line, best first, or why the line cannot be covered."""
    source = document.sources[target.path]
    line = min(max(target.line, 1), source.line_count)
    existing = [
        s
        for s in _suppressions(document, handler, target.path)
        if not s.file_level and s.covers_line == line
    ]
    if existing:
        # A trailing suppression first: it is the one on the line itself.
        existing.sort(key=lambda s: s.comment.own_line)
        return [merge_edit(source, existing[0], target.codes)]
    comment = comment_text(target.codes, reason)
    hook = getattr(handler, "suppression_edits", None)
    if hook is not None:
        edits = list(hook(document, target.path, line, comment))
        return edits or "no comment can cover this line in this kind of file"
    try:
        comments = list(handler.comments(document, target.path))
    except Exception as exc:
        return f"the file's comments could not be read ({type(exc).__name__})"
    return default_suppression_edits(source, line, comment, comments)


def _codes_by_path(findings: Sequence[Finding]) -> Counter[tuple[str, str]]:
    return Counter((f.path, f.code) for f in findings)


def add_ignores(
    unit: Unit,
    handler: KindHandler,
    workspace: Workspace,
    settings: Settings,
    *,
    reason: str = DEFAULT_REASON,
    writable: Set[str] | None = None,
) -> FixOutcome:
    """Cover every finding of a unit with an ignore comment, in the workspace overlay.

    Returns the findings left (with ``fix_note`` saying why) and the changed files, whose
    ``fixed`` lists the findings now suppressed. ``writable``: the only files comments may go
    in (None: any), as in ``fix_unit``."""
    document = handler.load(unit, workspace, settings)
    findings = check_document(document, handler, settings)
    if document.fatal:
        note = "no ignore comment added: the file could not be parsed"
        return FixOutcome([replace(f, fix_note=note) for f in findings], [])

    left: list[tuple[Finding, str]] = []  # findings that stay, and why
    targets: dict[tuple[str, int], _Line] = {}
    for finding in findings:
        if finding.fatal or finding.path not in document.sources:
            left.append((finding, "no ignore comment added: the file could not be parsed"))
        elif finding.code in NOT_SUPPRESSED:
            left.append((finding, "no ignore comment added: correct or remove the comment instead"))
        elif writable is not None and finding.path not in writable:
            where = display_path(finding.path, workspace.cwd)
            note = f"no ignore comment added: it would go in {where}, and only the text read from stdin is given back"
            left.append((finding, note))
        else:
            key = (finding.path, finding.line)
            targets.setdefault(key, _Line(finding.path, finding.line, [])).findings.append(finding)

    suppressed: list[Finding] = []

    def attempt(batch: list[tuple[_Line, Edit]]) -> bool:
        nonlocal document, findings
        edits = [edit for _, edit in batch]
        by_path: dict[str, list[Edit]] = {}
        for edit in edits:
            by_path.setdefault(edit.path, []).append(edit)
        saved = dict(workspace.overlay)
        for path, path_edits in by_path.items():
            workspace.overlay[path] = apply_edits(_current_text(workspace, path), path_edits)
        after, _ = _verify(handler, unit, workspace, settings, document, edits)
        if after is not None:
            new_findings = check_document(after, handler, settings)
            expected = _codes_by_path(findings) - _codes_by_path(
                [f for target, _ in batch for f in target.findings]
            )
            if _codes_by_path(new_findings) == expected:
                document, findings = after, new_findings
                for target, _ in batch:
                    suppressed.extend(target.findings)
                return True
        workspace.overlay.clear()
        workspace.overlay.update(saved)
        return False

    # Bottom-up, so that a comment added above a line never moves the lines still to do.
    ordered = sorted(targets.values(), key=lambda t: (t.path, t.line), reverse=True)
    first: list[tuple[_Line, Edit]] = []
    for target in ordered:
        candidates = _candidates(document, handler, target, reason)
        if isinstance(candidates, str):
            left.extend((f, f"no ignore comment added: {candidates}") for f in target.findings)
        else:
            first.append((target, candidates[0]))
    # All at once (one parse in the usual case); if that fails, line by line with fallbacks.
    if first and not attempt(first):
        for target, _ in first:
            candidates = _candidates(document, handler, target, reason)
            if isinstance(candidates, str) or not any(attempt([(target, c)]) for c in candidates):
                why = candidates if isinstance(candidates, str) else "the comment did not verify"
                left.extend((f, f"no ignore comment added: {why}") for f in target.findings)

    # What is left are the findings of the last check (lines may have moved since): give each
    # the reason its original stayed, matched by path, code and message.
    notes = {(f.path, f.code, f.message): note for f, note in left}
    remaining = [
        replace(f, fix_note=notes[(f.path, f.code, f.message)])
        if (f.path, f.code, f.message) in notes
        else f
        for f in findings
    ]
    changes = []
    for path in sorted({f.path for f in suppressed}):
        original = workspace.original_source(path) or workspace.read_source(path)
        text = workspace.overlay.get(path, original.text)
        if text != original.text:
            changes.append(
                FileChange(path, original, text, [f for f in suppressed if f.path == path])
            )
    return FixOutcome(remaining, changes)
