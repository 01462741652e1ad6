"""`streamproof audit` and `streamproof check` agree: every setting the audit marks RISK is a
finding `check` reports in that file (of the rule the audit names, when it names one)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import REPO, streamproof

CONFIGS = {
    # An empty model_list: no deployment, so no deployment without a cap (LIT003 is silent).
    "empty.yaml": "model_list:\n",
    "empty-list.yaml": "model_list: []\nlitellm_settings:\n  drop_params: true\n",
    "router-wide.yaml": (
        "model_list:\nrouter_settings:\n  stream_timeout: 5\n  num_retries: 0\n"
        'litellm_settings:\n  request_timeout: "30s"\n'
    ),
    "uncapped.yaml": (
        "model_list:\n  - model_name: gpt\n    litellm_params:\n      model: openai/gpt-4o\n"
    ),
    "router-cap.yaml": (
        "model_list:\n  - model_name: gpt\n    litellm_params:\n      model: openai/gpt-4o\n"
        "router_settings:\n  default_litellm_params:\n    max_tokens: 1024\n"
    ),
}
CODE = re.compile(r"\b([A-Z]{2,3}\d{3})\b")


def risks(audit: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    """(path, label, origin) of every RISK value in the audit's JSON."""
    return [
        (row["path"], value["label"], value["origin"])
        for section in audit["sections"]
        for row in section["rows"]
        for value in row["values"]
        if value["status"] == "risk"
    ]


def assert_agree(folder: Path, *paths: str) -> list[tuple[str, str, str]]:
    audit = streamproof("audit", "--output-format", "json", *paths, cwd=folder)
    check = streamproof("check", "--output-format", "json", *paths, cwd=folder)
    assert audit.returncode == check.returncode, audit.stderr + check.stderr
    findings = json.loads(check.stdout)
    found = risks(json.loads(audit.stdout))
    for path, label, origin in found:
        in_file = {f["code"] for f in findings if f["path"] == path}
        named = set(CODE.findall(origin))
        assert in_file, f"audit: {path} {label} RISK ({origin}); check: nothing in {path}"
        assert named <= in_file, f"audit: {path} {label} RISK ({origin}); check: {in_file}"
    return found


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_audit_marks_risk_only_where_check_finds_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(CONFIGS[name])
    found = assert_agree(tmp_path, name)
    if name.startswith("empty"):
        assert found == []  # not "max_tokens none RISK" against check's silence


def test_the_empty_model_list_row_shows_no_cap_to_miss(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIGS["empty.yaml"])
    audit = json.loads(streamproof("audit", "--output-format", "json", cwd=tmp_path).stdout)
    [row] = audit["sections"][0]["rows"]
    cap = next(v for v in row["values"] if v["label"] == "max_tokens")
    assert (cap["text"], cap["status"]) == ("-", "ok")
    assert streamproof("check", cwd=tmp_path).stdout == ""


def test_audit_and_check_agree_on_the_example_project(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "chat-proxy", tmp_path / "chat-proxy")
    assert len(assert_agree(tmp_path, "chat-proxy")) >= 5
