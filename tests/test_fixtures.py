"""Every rule's fixtures: bad ones fire exactly where their `# expect:` comments say, good
ones stay silent, and every fix gives its expected output, parses, and is idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import lint

from linter import kinds, registry
from linter.document import Unit
from linter.fixtures import Fixture, all_fixtures, fixtures_for, is_fixed_output
from linter.model import Applicability
from linter.workspace import Workspace

FIXTURES = all_fixtures()
KIND_RULES = [
    r for kind in (*kinds.available_kinds(), "stack") for r in registry.rules_for_kind(kind)
]


def _copy(fixture: Fixture, tmp_path: Path) -> Path:
    """A private copy of the fixture (fixes write to it), without the expected outputs."""
    target = tmp_path / fixture.name
    if fixture.path.is_dir():
        shutil.copytree(
            fixture.path,
            target,
            ignore=lambda d, names: [n for n in names if is_fixed_output(Path(n))],
        )
    else:
        shutil.copy2(fixture.path, target)
    return target


def _selection(fixture: Fixture) -> set[str]:
    return {fixture.code} | {code for _, code, _ in fixture.expectations()}


def _found(fixture: Fixture, copy: Path, **extra: object) -> set[tuple[str, str, int]]:
    settings = dict(fixture.settings())
    settings.setdefault("extend-select", [])
    settings["extend-select"] = list(settings["extend-select"]) + sorted(_selection(fixture))
    settings.update(extra)
    result = lint([copy], cwd=copy.parent, **settings)
    assert not result.errors, result.errors
    base = copy if copy.is_dir() else copy.parent
    wanted = _selection(fixture)
    return {
        (str(Path(f.path).relative_to(base)), f.code, f.line)
        for f in result.findings
        if f.code in wanted
    }


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f"{f.kind}/{f.code}/{f.name}")
def test_fixture_findings_match_expect_comments(fixture: Fixture, tmp_path: Path) -> None:
    copy = _copy(fixture, tmp_path)
    expected = fixture.expectations()
    found = _found(fixture, copy)
    assert found == expected, (
        f"missing: {sorted(expected - found)}; unexpected: {sorted(found - expected)}"
    )
    if fixture.fires:
        assert any(code == fixture.code for _, code, _ in expected), (
            "a bad fixture must expect its own code"
        )
    else:
        assert not any(code == fixture.code for _, code, _ in expected), (
            "a good fixture must not expect its own code"
        )


def _fixed_files(fixture: Fixture) -> list[tuple[Path, Path]]:
    base = fixture.path if fixture.path.is_dir() else fixture.path.parent
    pairs = []
    for file in fixture.files():
        fixed = fixture.fixed_output(file)
        if fixed is not None:
            pairs.append((file.relative_to(base), fixed))
    return pairs


FIXABLE = [
    f
    for f in FIXTURES
    if f.fires and (rule := registry.get_rule(f.code)) is not None and rule.fix is not None
]


@pytest.mark.parametrize("fixture", FIXABLE, ids=lambda f: f"{f.kind}/{f.code}/{f.name}")
def test_fix_gives_expected_output_and_is_idempotent(fixture: Fixture, tmp_path: Path) -> None:
    rule = registry.get_rule(fixture.code)
    assert rule is not None
    unsafe = rule.fix is Applicability.UNSAFE
    copy = _copy(fixture, tmp_path)
    base = copy if copy.is_dir() else copy.parent
    settings = dict(fixture.settings())
    settings["select"] = [fixture.code]
    # A rule with safe fixes may offer an unsafe one in some shapes (NGX006 on the WebSocket
    # map): such a fixture says `# settings: {"unsafe-fixes": true}` and expects that output.
    unsafe = unsafe or settings.get("unsafe-fixes") is True
    before = lint([copy], cwd=base, unsafe=unsafe, **settings)
    offered = [f for f in before.findings if f.code == fixture.code and f.fix is not None]
    pairs = _fixed_files(fixture)
    if not offered:
        assert not pairs, "an expected fix output exists but no fix is offered"
        return
    assert pairs, f"{fixture.name}: a fix is offered, so its expected output (.fixed) must exist"

    first = lint([copy], cwd=base, fix=True, unsafe=unsafe, **settings)
    assert not first.errors, first.errors
    for relative, expected in pairs:
        target = copy / relative if copy.is_dir() else copy
        assert target.read_bytes() == expected.read_bytes(), (
            f"fixed {relative} differs from {expected.name}"
        )

    snapshot = {p: p.read_bytes() for p in base.rglob("*") if p.is_file()}
    second = lint([copy], cwd=base, fix=True, unsafe=unsafe, **settings)
    assert not second.changes, "fixing twice changed the file again"
    assert {p: p.read_bytes() for p in base.rglob("*") if p.is_file()} == snapshot

    # The fixed text parses again without new problems.
    for relative, _ in pairs:
        target = copy / relative if copy.is_dir() else copy
        kind = fixture.kind
        workspace = Workspace(root=str(base))
        document = kinds.handler(kind).load(
            Unit(kind, str(target)), workspace, _settings_for(settings)
        )
        assert not document.fatal, document.problems


def _settings_for(settings: dict[str, object]):  # type: ignore[no-untyped-def]
    from linter.config import default_settings

    return default_settings(**settings)


@pytest.mark.parametrize("rule", KIND_RULES, ids=lambda r: r.code)
def test_every_rule_has_firing_and_silent_fixtures(rule: registry.Rule) -> None:
    fixtures = fixtures_for(rule.kind, rule.code)
    assert any(f.fires for f in fixtures), f"{rule.code} has no bad_* fixture"
    assert any(not f.fires for f in fixtures), f"{rule.code} has no good_* fixture"
    if rule.fix is not None:
        assert any(_fixed_files(f) for f in fixtures if f.fires), (
            f"{rule.code} has a fix but no .fixed output"
        )
