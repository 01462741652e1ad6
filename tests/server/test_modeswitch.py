"""Imports made only in one mode of an app factory, decided by the launch's environment."""

from __future__ import annotations

import ast

from linter.server.modeswitch import conditional_imports, decided


def _conditions(source: str) -> dict[str, object]:
    tree = ast.parse(source)
    found = conditional_imports(tree)
    named = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) in found:
            name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            named[name] = found[id(node)]
    return named


FACTORY = """
import os

def create_app():
    if cfg.deployment_mode == "enterprise":
        from .enterprise import make
        return make()
    from .personal import make
    return make()
"""


def test_branch_and_the_statements_after_a_returning_branch_get_opposite_conditions() -> None:
    found = _conditions(FACTORY)
    env = {"APP_DEPLOYMENT_MODE": "enterprise"}
    assert decided(found["enterprise"], env) is True
    assert decided(found["personal"], env) is False
    other = {"APP_DEPLOYMENT_MODE": "personal"}
    assert decided(found["enterprise"], other) is False
    assert decided(found["personal"], other) is True


def test_an_environment_without_the_variable_decides_nothing() -> None:
    found = _conditions(FACTORY)
    assert decided(found["personal"], {"OTHER": "x"}) is None
    # Two variables the attribute could stand for: which one the settings read is not known.
    both = {"A_DEPLOYMENT_MODE": "enterprise", "B_DEPLOYMENT_MODE": "personal"}
    assert decided(found["personal"], both) is None
    # A value compose leaves to the shell is not a value.
    assert decided(found["personal"], {"APP_DEPLOYMENT_MODE": "${MODE}"}) is None


def test_environment_reads_and_transforms() -> None:
    source = """
def build():
    if os.getenv("APP_MODE", "").lower() != "lite":
        import heavy
    else:
        import lite
    if os.environ["EDITION"] == "pro":
        import pro
    if os.environ.get("TIER") == "gold":
        import gold
"""
    found = _conditions(source)
    assert decided(found["heavy"], {"APP_MODE": "LITE"}) is False
    assert decided(found["lite"], {"APP_MODE": "LITE"}) is True
    assert decided(found["pro"], {"EDITION": "pro"}) is True
    assert decided(found["gold"], {"TIER": "silver"}) is False


def test_tests_that_are_not_a_comparison_with_a_literal_leave_imports_unconditional() -> None:
    source = """
def build():
    if settings.debug:
        import debugtools
    if mode == "x":
        import bare_name
    if TYPE_CHECKING:
        import typing_only
"""
    assert _conditions(source) == {}
