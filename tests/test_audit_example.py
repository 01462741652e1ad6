"""`streamproof audit` on the example project the repository ships, and on a copy with one
defect fixed: the tables change exactly there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from helpers import REPO, streamproof

EXAMPLE = REPO / "examples" / "chat-proxy"


def audit_json(path: Path) -> dict[str, Any]:
    proc = streamproof("audit", "--format", "json", str(path), cwd=path)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


def cell(data: dict[str, Any], section: str, subject_part: str, label: str) -> dict[str, str]:
    for found in data["sections"]:
        if found["title"] != section:
            continue
        for row in found["rows"]:
            if subject_part in row["subject"]:
                return next(v for v in row["values"] if v["label"] == label)
    raise AssertionError(f"no {section} row with {subject_part!r}")


def test_audit_of_the_example_shows_each_kind_and_what_to_fix_first() -> None:
    data = audit_json(EXAMPLE)
    titles = [s["title"] for s in data["sections"]]
    assert titles[:2] == ["NGINX streaming routes", "LiteLLM deployments"]
    route = "location /v1/chat/completions"
    assert cell(data, "NGINX streaming routes", route, "buffering") == {
        "label": "buffering", "text": "on", "origin": "nginx default", "status": "risk",
    }  # fmt: skip
    timeout = cell(data, "NGINX streaming routes", route, "read timeout")
    assert (timeout["text"], timeout["status"]) == ("30s", "risk")
    assert timeout["origin"].endswith("nginx/nginx.conf:25")
    stream = cell(data, "LiteLLM deployments", "gpt-4o", "stream timeout")
    assert (stream["text"], stream["status"]) == ("10s", "risk")
    codes = {entry["code"] for entry in data["summary"]["by_rule"]}
    assert {"NGX001", "NGX002", "LIT001", "LIT003", "PY001"} <= codes
    assert len(data["fix_first"]) == 3
    assert "NGX002" in [p["code"] for p in data["fix_first"]]


def test_fixing_the_buffering_defect_changes_the_route_table(tmp_path: Path) -> None:
    copy = tmp_path / "chat-proxy"
    shutil.copytree(EXAMPLE, copy)
    before = audit_json(copy)
    fixed = streamproof("check", "--fix", "--select", "NGX002", str(copy), cwd=copy)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    after = audit_json(copy)
    route = "location /v1/chat/completions"
    buffering = cell(after, "NGINX streaming routes", route, "buffering")
    assert (buffering["text"], buffering["status"]) == ("off", "ok")
    assert buffering["origin"].endswith("nginx/nginx.conf:24")
    # Nothing else in the route changed (values and verdicts; lines below the insertion moved
    # down by one), and NGX002 left the summary and the priorities.
    for label in ("read timeout", "cache", "gzip", "keep-alive"):
        old, new = (cell(d, "NGINX streaming routes", route, label) for d in (before, after))
        assert (new["text"], new["status"]) == (old["text"], old["status"])
    moved = cell(after, "NGINX streaming routes", route, "read timeout")["origin"]
    assert moved.endswith("nginx/nginx.conf:26")
    assert "NGX002" not in {e["code"] for e in after["summary"]["by_rule"]}
    assert "NGX002" not in [p["code"] for p in after["fix_first"]]
    assert len(after["findings"]) == len(before["findings"]) - 1
