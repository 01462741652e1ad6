"""The rule registry: what a rule is, and where the rules are found.

A rule is one module under ``rules/<kind>/`` that defines ``RULE = Rule(...)``, listed in
``rules/catalogue.py``. The engine only knows rules through this module: selectors, config and
ignore comments resolve against the catalogue, and rule modules are imported per kind on first
use, so a run over NGINX files never imports the Python rules.
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

KINDS = ("nginx", "litellm", "python", "server", "k8s", "stack")
ENGINE_KIND = "engine"


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


@dataclass(frozen=True)
class Entry:
    """A catalogue row: enough to resolve selectors and comments without importing the rule."""

    code: str
    name: str
    kind: str
    module: str


# Test hook: kinds whose rule modules are found by scanning a package (see tests/toykind).
_EXTRA_RULE_PACKAGES: dict[str, str] = {}


def module_name(kind: str, code: str, name: str) -> str:
    return f"rules.{kind}.{code.lower()}_{name.replace('-', '_')}"


@functools.cache
def catalogue() -> tuple[Entry, ...]:
    from linter.engine_rules import ENGINE_RULES
    from rules.catalogue import CATALOGUE

    entries = [
        Entry(code, name, kind, module_name(kind, code, name)) for code, name, kind in CATALOGUE
    ]
    for package_kind, package_name in _EXTRA_RULE_PACKAGES.items():
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package_name}.{info.name}")
            rule = getattr(module, "RULE", None)
            if isinstance(rule, Rule) and rule.kind == package_kind:
                entries.append(Entry(rule.code, rule.name, rule.kind, module.__name__))
    entries += [Entry(r.code, r.name, ENGINE_KIND, "linter.engine_rules") for r in ENGINE_RULES]
    return tuple(entries)


@functools.cache
def _index() -> dict[str, Entry]:
    index: dict[str, Entry] = {}
    for entry in catalogue():
        index[entry.code] = entry
        index[entry.name] = entry
    return index


def lookup(code_or_name: str) -> Entry | None:
    """The catalogue entry for a code or a name, without importing the rule."""
    key = code_or_name.strip()
    index = _index()
    return index.get(key) or index.get(key.upper())


@functools.cache
def _load(entry: Entry) -> Rule:
    if entry.kind == ENGINE_KIND:
        from linter.engine_rules import ENGINE_RULES

        return next(rule for rule in ENGINE_RULES if rule.code == entry.code)
    rule = getattr(importlib.import_module(entry.module), "RULE", None)
    if not isinstance(rule, Rule) or (rule.code, rule.name) != (entry.code, entry.name):
        raise ImportError(f"{entry.module} does not define RULE {entry.code} {entry.name}")
    return rule


@functools.cache
def rules_for_kind(kind: str) -> tuple[Rule, ...]:
    return tuple(_load(entry) for entry in catalogue() if entry.kind == kind)


def all_rules() -> tuple[Rule, ...]:
    return tuple(_load(entry) for entry in catalogue())


def get_rule(code_or_name: str) -> Rule | None:
    entry = lookup(code_or_name)
    return _load(entry) if entry is not None else None


def codes_matching(selector: str) -> Iterator[str]:
    """Codes a selector names: ``ALL``, a code, a code prefix (``NGX``, ``NGX00``) or a name."""
    selector = selector.strip()
    if selector.upper() == "ALL":
        yield from (entry.code for entry in catalogue())
        return
    entry = lookup(selector)
    if entry is not None:
        yield entry.code
        return
    prefix = selector.upper()
    for candidate in catalogue():
        if candidate.code.startswith(prefix):
            yield candidate.code


def known_selectors() -> list[str]:
    names = ["ALL"]
    for entry in catalogue():
        names.extend((entry.code, entry.name))
    prefixes = {entry.code.rstrip("0123456789") for entry in catalogue()}
    return names + sorted(prefixes)
