"""Fixes change the loaded config only where they mean to: yaml.safe_load of the fixed file
equals yaml.safe_load of the original except for the intended keys, fixing twice changes
nothing, and a fix that would touch anything else is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import lint

from linter import registry
from linter.config import default_settings
from linter.document import Unit
from linter.fixtures import fixtures_for
from linter.litellm.handler import HANDLER
from linter.model import Applicability, Edit
from linter.workspace import Workspace

MISSING = "<missing>"
TIMEOUT_KEYS = {"timeout", "stream_timeout", "request_timeout"}


def data_diff(
    old: Any, new: Any, path: tuple[Any, ...] = ()
) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    """Every place where two loaded YAML documents differ, with the old and new value."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        for key in list(old) + [k for k in new if k not in old]:
            if key not in new:
                out[(*path, key)] = (old[key], MISSING)
            elif key not in old:
                out[(*path, key)] = (MISSING, new[key])
            else:
                out.update(data_diff(old[key], new[key], (*path, key)))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = {}
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            out.update(data_diff(a, b, (*path, index)))
        return out
    if type(old) is type(new) and old == new:
        return {}
    return {path: (old, new)}


def _fix(
    tmp_path: Path, text: str | bytes, *, unsafe: bool = False, select: list[str] | None = None
) -> tuple[str, str]:
    config = tmp_path / "config.yaml"
    if isinstance(text, str):
        config.write_bytes(text.encode())
    else:
        config.write_bytes(text)
    before = config.read_bytes().decode()
    kwargs: dict[str, Any] = {"select": select} if select else {}
    first = lint([config], cwd=tmp_path, fix=True, unsafe=unsafe, **kwargs)
    assert not first.errors, first.errors
    after = config.read_bytes().decode()
    second = lint([config], cwd=tmp_path, fix=True, unsafe=unsafe, **kwargs)
    assert not second.changes, "fixing twice changed the file again"
    assert config.read_bytes().decode() == after
    return before, after


def test_all_fixes_together_change_only_the_intended_keys(tmp_path: Path) -> None:
    text = (
        "# every fixable rule at once\r\n"
        "model_list:\r\n"
        "  - model_name: gpt-4o  # main\r\n"
        "    litellm_params:\r\n"
        "      model: openai/gpt-4o\r\n"
        "      api_key: os.environ.OPENAI_API_KEY   # dotted\r\n"
        "      stream_timeout: '10'                 # short, quoted\r\n"
        "      timeout: 2m                          # unit\r\n"
        "  - {model_name: mini, litellm_params: {model: openai/gpt-4o-mini, timeout: 5}}\r\n"
        "  - model_name: embed\r\n"
        "    litellm_params: {model: openai/text-embedding-3-small, timeout: 3}\r\n"
        "router_settings:\r\n"
        '  timeout: "45s"\r\n'
    )
    before, after = _fix(tmp_path, text, unsafe=True)
    assert after.count("\r\n") == before.count("\r\n") + 1  # one line added, CRLF kept
    assert "# main\r\n" in after and "# dotted\r\n" in after and "# unit\r\n" in after
    changes = data_diff(yaml.safe_load(before), yaml.safe_load(after))
    assert changes == {
        ("model_list", 0, "litellm_params", "api_key"): (
            "os.environ.OPENAI_API_KEY",
            "os.environ/OPENAI_API_KEY",
        ),
        ("model_list", 0, "litellm_params", "stream_timeout"): ("10", "30"),
        ("model_list", 0, "litellm_params", "timeout"): ("2m", 120),
        ("model_list", 0, "litellm_params", "max_tokens"): (MISSING, 4096),
        ("model_list", 1, "litellm_params", "timeout"): (5, 30),
        ("model_list", 1, "litellm_params", "max_tokens"): (MISSING, 4096),
        ("router_settings", "timeout"): ("45s", 45),
    }


def test_safe_fixes_leave_unsafe_ones_alone(tmp_path: Path) -> None:
    text = (
        "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      api_key: ${OPENAI_API_KEY}\n"
    )
    before, after = _fix(tmp_path, text)
    assert before == after  # LIT003 and the ${VAR} rewrite are both unsafe
    before, after = _fix(tmp_path, text, unsafe=True)
    assert data_diff(yaml.safe_load(before), yaml.safe_load(after)) == {
        ("model_list", 0, "litellm_params", "api_key"): (
            "${OPENAI_API_KEY}",
            "os.environ/OPENAI_API_KEY",
        ),
        ("model_list", 0, "litellm_params", "max_tokens"): (MISSING, 4096),
    }


def _intended(code: str, path: tuple[Any, ...], old: Any, new: Any) -> bool:
    key = path[-1]
    if code == "LIT001":
        return key in TIMEOUT_KEYS and float(old) < float(new)
    if code == "LIT002":
        return (
            key in TIMEOUT_KEYS and isinstance(old, (str, bool)) and isinstance(new, (int, float))
        )
    if code == "LIT003":
        return (old == MISSING and key == "max_tokens" and isinstance(new, int)) or (
            old == MISSING and key == "litellm_params" and set(new) == {"max_tokens"}
        )
    if code == "LIT007":
        return (
            isinstance(old, str)
            and isinstance(new, str)
            and new.startswith("os.environ/")
            and old != new
        )
    return False


FIXED = [
    (fixture, file)
    for code in ("LIT001", "LIT002", "LIT003", "LIT007")
    for fixture in fixtures_for("litellm", code)
    if fixture.fires
    for file in fixture.files()
    if fixture.fixed_output(file) is not None
]


@pytest.mark.parametrize(("fixture", "file"), FIXED, ids=lambda v: getattr(v, "name", ""))
def test_fixed_fixture_loads_to_the_same_data_but_the_intended_keys(
    fixture: Any, file: Path
) -> None:
    fixed = fixture.fixed_output(file)
    changes = data_diff(yaml.safe_load(file.read_bytes()), yaml.safe_load(fixed.read_bytes()))
    assert changes, "the expected output changes nothing"
    for path, (old, new) in changes.items():
        assert _intended(fixture.code, path, old, new), (path, old, new)


def _documents(tmp_path: Path, before: str, after: str) -> tuple[Any, Any]:
    config = tmp_path / "config.yaml"
    config.write_text(before)
    workspace = Workspace(root=str(tmp_path))
    settings = default_settings()
    old = HANDLER.load(Unit("litellm", str(config)), workspace, settings)
    workspace.overlay[str(config)] = after
    new = HANDLER.load(Unit("litellm", str(config)), workspace, settings)
    return old, new


BEFORE = (
    "model_list:\n  - model_name: a\n    litellm_params:\n      model: x\n      timeout: 5\n"
    "router_settings:\n  num_retries: 2\n"
)


def test_verify_accepts_a_change_where_the_edit_is(tmp_path: Path) -> None:
    start = BEFORE.index("5\n")
    after = BEFORE[:start] + "30" + BEFORE[start + 1 :]
    old, new = _documents(tmp_path, BEFORE, after)
    edit = Edit(old.path, start, start + 1, "30")
    assert HANDLER.verify_fix(old, new, [edit]) is None


def test_verify_refuses_a_change_elsewhere(tmp_path: Path) -> None:
    start = BEFORE.index("5\n")
    after = BEFORE[:start] + "30" + BEFORE[start + 1 :]
    after = after.replace("num_retries: 2", "num_retries: 3")
    old, new = _documents(tmp_path, BEFORE, after)
    edit = Edit(old.path, start, start + 1, "30")
    reason = HANDLER.verify_fix(old, new, [edit])
    assert reason is not None and "router_settings.num_retries" in reason


def test_an_insertion_in_the_wrong_mapping_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fix whose `max_tokens` would land beside `litellm_params` (a bug in the insertion)
    is refused by verify_fix and nothing is written."""
    import rules.litellm.lit003_max_tokens_missing as lit003

    def misplaced(yaml_file: Any, mapping: Any, key: str, value: str) -> Edit:
        anchor = yaml_file.text.index("router_settings")
        return Edit(yaml_file.path, anchor, anchor, f"    {key}: {value}\n")

    monkeypatch.setattr(lit003, "insert_key", misplaced)
    config = tmp_path / "config.yaml"
    config.write_text(BEFORE)
    result = lint([config], cwd=tmp_path, fix=True, unsafe=True, select=["LIT003"])
    assert config.read_text() == BEFORE
    (finding,) = result.findings
    assert "model_list[0].max_tokens" in finding.fix_note


def test_verify_refuses_a_removed_key(tmp_path: Path) -> None:
    after = BEFORE.replace("      model: x\n", "")
    old, new = _documents(tmp_path, BEFORE, after)
    start = BEFORE.index("      timeout")
    reason = HANDLER.verify_fix(old, new, [Edit(old.path, start, start + 1, " ")])
    assert reason is not None and "model" in reason


def test_every_litellm_fix_rule_declares_its_applicability() -> None:
    fixes = {r.code: r.fix for r in registry.rules_for_kind("litellm")}
    assert fixes["LIT001"] is Applicability.SAFE
    assert fixes["LIT002"] is Applicability.SAFE
    assert fixes["LIT003"] is Applicability.UNSAFE
    assert fixes["LIT007"] is Applicability.SAFE
    assert {code for code, fix in fixes.items() if fix is None} == {
        "LIT000",
        "LIT004",
        "LIT005",
        "LIT006",
        "LIT008",
        "LIT009",
    }
