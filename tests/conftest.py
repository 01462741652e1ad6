import sys
from pathlib import Path

# Tests import the project from the checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest


@pytest.fixture
def toy_kind(monkeypatch):
    """Register the toy kind of tests/toykind for engine tests that need no real kind."""
    from linter import config, kinds, registry

    monkeypatch.setitem(registry._EXTRA_RULE_PACKAGES, "toy", "toykind.rules")
    monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, "toy"))
    monkeypatch.setitem(kinds.KIND_MODULES, "toy", "toykind.handler")
    for cached in (
        registry.catalogue,
        registry.rules_for_kind,
        registry._index,
        registry._load,
        kinds.handler,
        kinds.detector,
        kinds.available_kinds,
        kinds.claims_per_file,
        kinds._name_tests,
    ):
        cached.cache_clear()
    yield
    for cached in (
        registry.catalogue,
        registry.rules_for_kind,
        registry._index,
        registry._load,
        kinds.handler,
        kinds.detector,
        kinds.available_kinds,
        kinds.claims_per_file,
        kinds._name_tests,
    ):
        cached.cache_clear()
    del config
