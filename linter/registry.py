"""The rule registry: where the rules are found (what a rule is: linter.rule).

A rule is one module under ``rules/<kind>/`` that defines ``RULE = Rule(...)``, listed in
``rules/catalogue.py``. The engine only knows rules through this module: selectors, config and
ignore comments resolve against the catalogue, and rule modules are imported per kind on first
use, so a run over NGINX files never imports the Python rules.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator

from linter.record import record

# Defined below the registry; rule modules import them from here, as they always have.
from linter.rule import ENGINE_KIND as ENGINE_KIND
from linter.rule import Option as Option
from linter.rule import Rule as Rule

KINDS = ("nginx", "litellm", "python", "k8s", "server", "stack")


@record
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
        import pkgutil  # (only for an extra package, a test's: 1 ms of every run's start)

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
