"""What a rule is: its code, name, documentation, options and check.

This module sits below everything else of the engine's: the registry (which finds the rules),
the engine's own rules and the configuration (which reads rule options) all import it, and it
imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from linter.model import Applicability, DeferredEdits, Edit, Finding, Fix, Severity
from linter.record import record

if TYPE_CHECKING:
    from linter.source import SourceText


class _ReadDocument(Protocol):
    """What a parse-error rule reads of a Document (named so: linter.document sits above)."""

    @property
    def problems(self) -> Sequence[Any]: ...
    @property
    def sources(self) -> Mapping[str, SourceText]: ...
    @property
    def source(self) -> SourceText: ...


# The kind of the codes the engine itself reports (SP100, SP101, SP900).
ENGINE_KIND = "engine"


@record
class Option:
    """A rule option: name as written in config, its default, and how a config value becomes
    the value the rule uses (``convert`` raises ValueError with a message for a bad value)."""

    name: str
    default: Any
    description: str
    convert: Callable[[Any], Any] = lambda value: value

    def value(self, raw: Any) -> Any:
        return self.convert(raw)


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue: what it finds, how bad it is, its check and its fixes."""

    code: str
    name: str
    kind: str
    summary: str
    severity: Severity
    # What ``--fix`` may do: None (the finding says what to write instead), safe or unsafe.
    fix: Applicability | None
    # Markdown with the sections "What it does", "Why is this bad", "Fix safety", "References";
    # "Example" and "Use instead" are rendered from the rule's fixtures.
    doc: str
    # check(document, settings): settings is a linter.config.Settings (not imported here: the
    # configuration sits above the rules it configures).
    check: Callable[[Any, Any], Iterable[Finding]] | None = None
    options: tuple[Option, ...] = ()
    default_enabled: bool = True
    # Kinds of documents the rule can also report on (engine rules report on any kind).
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(f"{self.code} has no option {name!r}")

    def report(
        self,
        source: SourceText,
        start: int,
        end: int,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
        fatal: bool = False,
    ) -> Finding:
        """A finding of this rule on ``source.text[start:end]``."""
        line, column = source.position(start)
        end_line, end_column = source.position(max(start, end))
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            path=source.path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            fix=fix,
            fatal=fatal,
        )

    def report_problems(self, document: _ReadDocument) -> Iterator[Finding]:
        """The problems a kind met reading ``document`` (every kind's parse-error rule)."""
        for problem in document.problems:
            source = document.sources.get(problem.path, document.source)
            yield self.report(
                source,
                problem.start,
                problem.end,
                problem.message,
                severity=problem.severity,
                fatal=problem.fatal,
            )

    def make_fix(self, edits: Iterable[Edit], description: str, *, unsafe: bool = False) -> Fix:
        applicability = Applicability.UNSAFE if unsafe else (self.fix or Applicability.SAFE)
        kept = edits if isinstance(edits, DeferredEdits) else tuple(edits)
        return Fix(applicability=applicability, edits=kept, description=description)
