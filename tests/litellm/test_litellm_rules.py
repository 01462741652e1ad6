"""Behaviour of the LIT rules beyond their fixtures: the evidence each finding names, the
LiteLLM semantics they follow (timeout chains per version, includes, env references), and
what they never do (guess an unknown value, repeat a secret)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import lint, streamproof

from linter.model import Severity


def _findings(tmp_path: Path, text: str, *codes: str, name: str = "config.yaml") -> list:
    config = tmp_path / name
    config.write_text(text)
    result = lint([config], cwd=tmp_path)
    assert not result.errors
    return [f for f in result.findings if not codes or f.code in codes]


def test_lit001_names_the_version_when_only_newer_litellm_uses_request_timeout(
    tmp_path: Path,
) -> None:
    text = (
        "model_list:\n"
        "  - model_name: gpt-4o\n"
        "    litellm_params: {model: openai/gpt-4o, timeout: 300, max_tokens: 10}\n"
        "router_settings:\n  timeout: 600\n"
        "litellm_settings:\n  request_timeout: 10\n"
    )
    (finding,) = _findings(tmp_path, text, "LIT001")
    assert (finding.line, finding.column) == (7, 20)
    assert "newer LiteLLM (1.106)" in finding.message
    assert "`gpt-4o`" in finding.message


def test_lit001_reports_a_shared_router_value_once_naming_its_deployments(tmp_path: Path) -> None:
    models = "".join(
        f"  - model_name: m{i}\n    litellm_params: {{model: openai/gpt-4o, max_tokens: 10}}\n"
        for i in range(6)
    )
    text = "model_list:\n" + models + "router_settings:\n  stream_timeout: 4\n"
    (finding,) = _findings(tmp_path, text, "LIT001")
    assert finding.severity is Severity.ERROR  # under 5s
    assert "`m0`, `m1`, `m2`, `m3` and 2 more" in finding.message
    assert "(in " not in finding.message  # both versions agree


def test_lit001_never_guesses_an_environment_value(tmp_path: Path) -> None:
    text = (
        "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      stream_timeout: os.environ/STREAM_TIMEOUT\n      max_tokens: 10\n"
        "router_settings:\n  timeout: 1\n"
    )
    assert _findings(tmp_path, text, "LIT001") == []


def test_lit003_says_how_each_deployment_was_judged(tmp_path: Path) -> None:
    text = (
        "model_list:\n"
        "  - model_name: by-mode\n    litellm_params: {model: azure/x}\n"
        "    model_info: {mode: chat}\n"
        "  - model_name: by-name\n    litellm_params: {model: anthropic/claude-sonnet-4-20250514}\n"
        "  - model_name: Local LLM\n    litellm_params: {model: os.environ/MODEL_ID}\n"
        "  - model_name: voice\n    litellm_params: {model: azure/custom}\n"
        "    model_info: {mode: tts}\n"
        "  - model_name: speech\n    litellm_params: {model: elevenlabs/eleven_multilingual_v2}\n"
    )
    messages = [f.message for f in _findings(tmp_path, text, "LIT003")]
    assert len(messages) == 3
    assert "judged text-generating by `model_info.mode: chat`" in messages[0]
    assert "judged text-generating by the model `anthropic/claude-sonnet-4-20250514`" in messages[1]
    assert "judged text-generating by the model_name `Local LLM`" in messages[2]


def test_lit003_explains_caps_that_do_not_count(tmp_path: Path) -> None:
    text = (
        "model_list:\n  - model_name: a\n    max_tokens: 1024\n"
        "    litellm_params:\n      model: openai/gpt-4o\n    model_info:\n      max_tokens: 8192\n"
    )
    (finding,) = _findings(tmp_path, text, "LIT003")
    assert "`model_info.max_tokens` (line 7) is metadata" in finding.message
    assert "`max_tokens` at line 3 sits outside `litellm_params`" in finding.message


def test_findings_in_an_included_file_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "chat.yaml").write_text(
        "model_list:\n  - model_name: a\n    litellm_params:\n"
        "      model: openai/gpt-4o\n      stream_timeout: 7\n"
    )
    text = "include:\n  - models/chat.yaml\nlitellm_settings:\n  request_timeout: 600\n"
    found = {(Path(f.path).name, f.code, f.line) for f in _findings(tmp_path, text)}
    assert ("chat.yaml", "LIT003", 3) in found
    assert ("chat.yaml", "LIT001", 5) in found


def test_include_outside_the_tree_is_an_info_and_does_not_fail_the_run(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "shared.yaml").write_text("model_list: []\n")
    (project / "config.yaml").write_text(
        "include:\n  - ../shared.yaml\nrouter_settings:\n  num_retries: 2\n"
    )
    proc = streamproof("check", "--output-format", "json", "config.yaml", cwd=project)
    found = json.loads(proc.stdout)
    assert [(f["code"], f["severity"], f["line"]) for f in found] == [("LIT009", "info", 2)]
    assert proc.returncode == 0


def test_lit007_lists_are_not_resolved_but_mappings_in_lists_are(tmp_path: Path) -> None:
    text = (
        "litellm_settings:\n  callbacks: [os.environ/CALLBACK]\n"
        "  guardrails:\n    - name: x\n      api_key: os.environ/KEY\n"
    )
    (finding,) = _findings(tmp_path, text, "LIT007")
    assert (finding.line, finding.column) == (2, 15)
    assert "directly in a list" in finding.message


def test_lit008_never_repeats_the_secret(tmp_path: Path) -> None:
    secret = "sk-live-0123456789abcdef"
    text = (
        f"general_settings:\n  master_key: {secret}\n  database_url: postgres://u:hunter2-x@db/x\n"
    )
    findings = _findings(tmp_path, text, "LIT008")
    assert [f.line for f in findings] == [2, 3]
    assert all(secret not in f.message and "hunter2" not in f.message for f in findings)


def test_lit005_suggests_the_closest_known_key(tmp_path: Path) -> None:
    text = "model_lists:\n  - model_name: a\nrouter_settings:\n  routing_stratgy: least-busy\n"
    messages = {f.line: f.message for f in _findings(tmp_path, text, "LIT005")}
    assert "did you mean `model_list`?" in messages[1]
    assert "did you mean `routing_strategy`?" in messages[4]


def test_a_litellm_config_with_any_name_is_checked_when_named(tmp_path: Path) -> None:
    config = tmp_path / "proxy-config"
    config.write_text("router_settings:\n  num_retries: 0\n")
    proc = streamproof("check", "--output-format", "json", "proxy-config", cwd=tmp_path)
    assert [f["code"] for f in json.loads(proc.stdout)] == ["LIT004"]


def test_rule_documentation_renders_examples_from_fixtures() -> None:
    proc = streamproof("rule", "LIT003")
    assert proc.returncode == 0, proc.stderr
    for section in (
        "## What it does",
        "## Why is this bad",
        "## Fix safety",
        "## Example",
        "## Use instead",
    ):
        assert section in proc.stdout
    assert "# expect:" not in proc.stdout


def test_an_unread_include_leaves_router_wide_values_unjudged(tmp_path: Path) -> None:
    text = (
        "include:\n  - missing.yaml\n"
        "model_list:\n  - model_name: a\n    litellm_params:\n"
        "      model: openai/gpt-4o\n      stream_timeout: 5\n      max_tokens: 10\n"
        "  - model_name: b\n    litellm_params: {model: openai/gpt-4o, timeout: 5, max_tokens: 10}\n"
        "router_settings:\n  num_retries: 0\n"
    )
    found = [(f.code, f.line) for f in _findings(tmp_path, text)]
    # The deployment's own stream_timeout is sure; `timeout: 5` may be preempted by a
    # router_settings.stream_timeout in missing.yaml, which may also bring fallbacks.
    assert sorted(found) == [("LIT001", 7), ("LIT009", 2)]


def test_lit001_fix_keeps_the_comment_column_and_says_the_comment_is_stale(
    tmp_path: Path,
) -> None:
    text = (
        "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      stream_timeout: 0.5  # 0.5 second timeout\n      max_tokens: 10\n"
        "  - model_name: b\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      stream_timeout: 10   # v10.5 of the proxy\n      max_tokens: 10\n"
    )
    stale, fresh = _findings(tmp_path, text, "LIT001")
    assert stale.fix is not None and fresh.fix is not None
    assert stale.fix.description == (
        "raise stream_timeout to 30; the comment on this line still says 0.5: update it by hand"
    )
    assert fresh.fix.description == "raise stream_timeout to 30"  # 10.5 is not 10
    config = tmp_path / "config.yaml"
    lint([config], cwd=tmp_path, fix=True)
    lines = config.read_text().splitlines()
    assert lines[4] == "      stream_timeout: 30   # 0.5 second timeout"
    assert lines[9] == "      stream_timeout: 30   # v10.5 of the proxy"
    assert lines[4].index("#") == text.splitlines()[4].index("#")


def test_lit001_fix_leaves_one_blank_before_a_comment_when_the_value_grows(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "router_settings:\n  stream_timeout: '1' # short\n"
        "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o, max_tokens: 9}}\n"
    )
    lint([config], cwd=tmp_path, fix=True)
    assert config.read_text().splitlines()[1] == "  stream_timeout: '30' # short"


def test_lit003_on_a_legacy_completion_model_says_the_answer_is_cut_at_16_tokens(
    tmp_path: Path,
) -> None:
    text = (
        "model_list:\n"
        "  - model_name: instruct\n    litellm_params: {model: gpt-3.5-turbo-instruct}\n"
        "  - model_name: azure\n    litellm_params: {model: azure_text/my-instruct}\n"
        "  - model_name: chat\n    litellm_params: {model: openai/gpt-4o}\n"
    )
    instruct, azure, chat = _findings(tmp_path, text, "LIT003")
    for finding in (instruct, azure):
        assert "legacy Completions API" in finding.message
        assert "defaults to 16" in finding.message
        assert "model's limit" not in finding.message
        assert finding.fix is not None and finding.fix.edits[0].content.endswith("1024")
    assert "until the model's limit" in chat.message
    assert chat.fix is not None and chat.fix.edits[0].content.endswith("4096")
