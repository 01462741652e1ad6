"""The rule registry: what a rule is, and where the rules are found.

A rule is one module under ``rules/<kind>/`` that defines ``RULE = Rule(...)``. The engine only
knows rules through this module; rule modules are imported per kind, on first use, so a run
over NGINX files never imports the Python rules (nor libcst).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linter.model import Applicability, Edit, Finding, Fix, Severity

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.source import SourceText

KINDS = ("nginx", "litellm", "python")
ENGINE_KIND = "engine"
_RULE_PACKAGES = {kind: f"rules.{kind}" for kind in KINDS}


@dataclass(frozen=True)
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
    check: Callable[[Any, Settings], Iterable[Finding]] | None = None
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

    def make_fix(self, edits: Iterable[Edit], description: str, *, unsafe: bool = False) -> Fix:
        applicability = Applicability.UNSAFE if unsafe else (self.fix or Applicability.SAFE)
        return Fix(applicability=applicability, edits=tuple(edits), description=description)


def _engine_rules() -> tuple[Rule, ...]:
    from linter.engine_rules import ENGINE_RULES

    return ENGINE_RULES


@functools.cache
def rules_for_kind(kind: str) -> tuple[Rule, ...]:
    if kind == ENGINE_KIND:
        return _engine_rules()
    package_name = _RULE_PACKAGES[kind]
    package = importlib.import_module(package_name)
    found: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            found.append(rule)
    return tuple(sorted(found, key=lambda r: r.code))


def all_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for kind in (*KINDS, ENGINE_KIND):
        rules.extend(rules_for_kind(kind))
    return tuple(rules)


@functools.cache
def _index() -> dict[str, Rule]:
    index: dict[str, Rule] = {}
    for rule in all_rules():
        index[rule.code] = rule
        index[rule.name] = rule
    return index


def get_rule(code_or_name: str) -> Rule | None:
    return _index().get(code_or_name.strip()) or _index().get(code_or_name.strip().upper())


def codes_matching(selector: str) -> Iterator[str]:
    """Codes a selector names: ``ALL``, a code, a code prefix (``NGX``, ``NGX00``) or a name."""
    selector = selector.strip()
    if selector.upper() == "ALL":
        yield from (rule.code for rule in all_rules())
        return
    rule = get_rule(selector)
    if rule is not None:
        yield rule.code
        return
    prefix = selector.upper()
    for candidate in all_rules():
        if candidate.code.startswith(prefix):
            yield candidate.code


def known_selectors() -> list[str]:
    names = ["ALL"]
    for rule in all_rules():
        names.extend((rule.code, rule.name))
    prefixes = {rule.code.rstrip("0123456789") for rule in all_rules()}
    return names + sorted(prefixes)
