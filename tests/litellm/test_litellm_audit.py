"""`streamproof audit` on LiteLLM configs: each deployment with its effective stream timeout,
timeout, retries and max_tokens, where each comes from, and the tables follow the fixes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import streamproof

CONFIG = """\
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      timeout: 20
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-20250514
      stream_timeout: 300
      max_tokens: 4096
  - model_name: embed
    litellm_params:
      model: openai/text-embedding-3-small
      num_retries: 3
router_settings:
  num_retries: 0
  timeout: 600
litellm_settings:
  request_timeout: 90
"""


def _rows(folder: Path) -> dict[str, dict[str, tuple[str, str, str]]]:
    proc = streamproof("audit", "--format", "json", "config.yaml", cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    (section,) = [s for s in data["sections"] if s["title"] == "LiteLLM deployments"]
    return {
        row["subject"]: {v["label"]: (v["text"], v["status"], v["origin"]) for v in row["values"]}
        for row in section["rows"]
    }


def test_audit_shows_each_deployment_as_the_router_runs_it(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    rows = _rows(tmp_path)
    gpt = rows["gpt-4o"]
    # router_settings.timeout is given, so newer LiteLLM uses litellm_settings.request_timeout
    # per attempt, ahead of the deployment's own timeout (older LiteLLM: the deployment's).
    assert gpt["stream timeout"][:2] == ("90s", "ok")
    assert gpt["stream timeout"][2].startswith("litellm_settings.request_timeout, line 19")
    assert "older LiteLLM (1.74): timeout" in gpt["stream timeout"][2]
    assert gpt["retries"][:2] == ("0", "risk")
    assert gpt["max_tokens"][:2] == ("none", "risk")
    assert rows["claude"]["stream timeout"] == ("300s", "ok", "stream_timeout, line 9")
    assert rows["claude"]["max_tokens"] == ("4096", "ok", "max_tokens, line 10")
    embed = rows["embed"]
    assert embed["generates"][0] == "embedding"
    assert "stream timeout" not in embed
    assert embed["max_tokens"][:2] == ("-", "ok")
    # Its own num_retries replaces the router's 0.
    assert embed["retries"] == ("3", "ok", "num_retries, line 14")


def test_audit_tables_follow_the_fixes(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.replace("request_timeout: 90", "request_timeout: 10"))
    before = _rows(tmp_path)
    assert before["gpt-4o"]["stream timeout"][:2] == ("10s", "risk")
    fixed = streamproof("check", "--fix", "--unsafe-fixes", "config.yaml", cwd=tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    after = _rows(tmp_path)
    assert after["gpt-4o"]["stream timeout"][:2] == ("30s", "ok")
    assert after["gpt-4o"]["max_tokens"][:2] == ("4096", "ok")
    assert after["gpt-4o"]["retries"][:2] == ("0", "risk")  # LIT004 has no fix


def test_audit_without_model_list_shows_the_router_defaults(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("router_settings:\n  stream_timeout: 120\n")
    rows = _rows(tmp_path)
    ((subject, values),) = rows.items()
    assert subject.startswith("(every deployment")
    assert values["stream timeout"][:2] == ("120s", "ok")
    assert values["timeout"][:2] == ("6000s", "ok")
    assert values["retries"] == ("2", "ok", "LiteLLM default")
