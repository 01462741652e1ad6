"""What the summary line and --statistics say: counts of exactly the findings printed.

Every finding printed is counted once, by severity: errors and warnings are problems (they set
exit status 1), ``info`` findings are notes (they never do). A finding counts as fixable when its
`[*]` mark is shown: it carries edits that this run's --fix would apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from linter.model import Finding, Severity
from linter.record import record


def can_fix(finding: Finding, unsafe: bool) -> bool:
    """Would --fix (with --unsafe-fixes when ``unsafe``) apply this finding's fix? A fix that
    was tried and refused (its note says why) is not one it can apply."""
    return bool(
        finding.fix
        and finding.fix.edits
        and (finding.fix.is_safe or unsafe)
        and not finding.fix_note
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@record
class Counts:
    problems: int  # errors and warnings
    notes: int  # info
    fixable: int  # by --fix as this run was asked (with --unsafe-fixes when it was)
    unsafe_only: int  # by --fix only once --unsafe-fixes is added

    @classmethod
    def of(cls, findings: Sequence[Finding], unsafe: bool) -> Counts:
        notes = sum(1 for f in findings if f.severity is Severity.INFO)
        return cls(
            problems=len(findings) - notes,
            notes=notes,
            fixable=sum(1 for f in findings if can_fix(f, unsafe)),
            unsafe_only=0
            if unsafe
            else sum(1 for f in findings if can_fix(f, True) and not can_fix(f, False)),
        )

    def line(self, fixed: int = 0) -> str:
        """``Found 9 problems and 12 notes (3 fixable with --fix).``; empty when there is
        nothing to say (nothing printed, nothing fixed)."""
        if not (self.problems or self.notes or fixed):
            return ""
        if fixed:
            text = f"Fixed {fixed}, {self.problems} remaining"
            if self.notes:
                text += f" and {_plural(self.notes, 'note')}"
        elif self.problems:
            text = f"Found {_plural(self.problems, 'problem')}"
            if self.notes:
                text += f" and {_plural(self.notes, 'note')}"
        else:
            text = f"Found {_plural(self.notes, 'note')}"
        extras = []
        if self.fixable:
            extras.append(f"{self.fixable} fixable with --fix")
        if self.unsafe_only:
            # "more" only after a count it adds to: one hidden fix alone is "fixable with".
            extras.append(
                f"{self.unsafe_only} {'more' if extras else 'fixable'} with --unsafe-fixes"
            )
        return text + (f" ({'; '.join(extras)})" if extras else "") + "."


def statistics(findings: Sequence[Finding], unsafe: bool) -> str:
    """One line per rule: how many findings, `[*]` when --fix can fix some, the name, and
    `(note)` for a rule whose findings are all notes, so the lines add up to the summary."""
    counts = Counter((f.code, f.name) for f in findings)
    fixable = Counter((f.code, f.name) for f in findings if can_fix(f, unsafe))
    notes = Counter((f.code, f.name) for f in findings if f.severity is Severity.INFO)
    lines = []
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        code, name = key
        mark = "[*]" if fixable[key] else "   "
        kind = ""
        if notes[key] == count:
            kind = " (notes)" if count > 1 else " (note)"
        elif notes[key]:
            kind = f" ({_plural(notes[key], 'note')})"
        lines.append(f"{count:>5}  {code:<7} {mark} {name}{kind}")
    return "\n".join(lines) + ("\n" if lines else "")
