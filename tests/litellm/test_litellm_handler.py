"""Which files are LiteLLM configs, how units are planned, and bad input: every case becomes a
LIT000 finding with its line and column, never a crash, and the run goes on."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, lint, streamproof

from linter.document import Claim, Unit
from linter.litellm import yamltree
from linter.litellm.detect import looks_like_litellm_config
from linter.litellm.handler import HANDLER
from linter.workspace import Workspace

GITHUB_WORKFLOW = b"""name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo model_list
"""
COMPOSE = b"""services:
  litellm:
    image: ghcr.io/berriai/litellm:main-stable
    command: ["--config", "/app/config.yaml"]
"""
K8S = b"""apiVersion: v1
kind: ConfigMap
metadata:
  name: litellm-config
data:
  config.yaml: |
    model_list:
      - model_name: gpt-4o
"""


@pytest.mark.parametrize("data", [GITHUB_WORKFLOW, COMPOSE, K8S, b"", b"- model_list: x\n"])
def test_other_yaml_is_not_claimed(data: bytes) -> None:
    assert HANDLER.claim("x.yaml", data, Claim.MAYBE) is False


@pytest.mark.parametrize(
    "data",
    [
        b"model_list:\n  - model_name: x\n",
        b"# comment\ngeneral_settings:\n  master_key: x\n",
        b"\xef\xbb\xbfrouter_settings: {num_retries: 2}\r\n",
        b'{"litellm_settings": {"drop_params": true}}',
        "model_list: []\n".encode("utf-16"),
        b"---\nlitellm_settings:\n",
    ],
)
def test_litellm_configs_are_claimed_by_content_whatever_their_name(data: bytes) -> None:
    assert looks_like_litellm_config(data)


def test_claim_never_parses_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("claim() must not compose YAML")

    monkeypatch.setattr(yamltree, "compose", refuse)
    big = GITHUB_WORKFLOW * 20000  # 2.4 MB of another tool's YAML
    assert HANDLER.claim("ci.yml", big, Claim.MAYBE) is False


def test_names_claimed_only_as_maybe() -> None:
    assert HANDLER.claim_by_name("deploy/litellm/config.YAML") is Claim.MAYBE
    assert HANDLER.claim_by_name("a.yml") is Claim.MAYBE
    assert HANDLER.claim_by_name("nginx.conf") is Claim.NO


def test_handler_import_does_not_import_yaml() -> None:
    code = "import sys, linter.kinds as k; k.claims_by_name('a.yaml'); print('yaml' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_included_files_are_not_units_and_cycles_still_get_one(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text("include: [models.yaml]\nlitellm_settings: {}\n")
    (tmp_path / "models.yaml").write_text("model_list: []\n")
    (tmp_path / "a.yaml").write_text("include: [b.yaml]\nmodel_list: []\n")
    (tmp_path / "b.yaml").write_text("include: [a.yaml]\nmodel_list: []\n")
    (tmp_path / "alone.yaml").write_text("router_settings: {}\n")
    paths = [
        str(tmp_path / n) for n in ("main.yaml", "models.yaml", "a.yaml", "b.yaml", "alone.yaml")
    ]
    units = HANDLER.plan(paths, Workspace(root=str(tmp_path)))
    names = sorted(Path(u.path).name for u in units)
    assert names == ["a.yaml", "alone.yaml", "main.yaml"]


def _json(path: Path, *args: str) -> list[dict]:
    proc = streamproof("check", "--output-format", "json", *args, str(path), cwd=path.parent)
    assert proc.returncode in (0, 1, 2), proc.stderr
    return json.loads(proc.stdout)


def test_binary_content_is_a_lit000_finding_with_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(b"model_list:\n  - model_name: x\n    \x00\x01\x02\n")
    found = _json(config)
    assert [(f["code"], f["line"], f["column"]) for f in found] == [("LIT000", 3, 1)]
    assert "binary" in found[0]["message"]


def test_tab_indented_file_is_a_lit000_finding_and_the_run_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list:\n\t- model_name: x\n")
    good = tmp_path / "good.yaml"
    good.write_text("router_settings:\n  num_retries: 0\n")
    proc = streamproof("check", "--output-format", "json", ".", cwd=tmp_path)
    assert proc.returncode == 2  # a file that could not be parsed
    found = {(f["path"], f["code"], f["line"], f["column"]) for f in json.loads(proc.stdout)}
    assert ("bad.yaml", "LIT000", 2, 1) in found
    assert ("good.yaml", "LIT004", 2, 16) in found


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("model_list: []\n---\nrouter_settings: {}\n", 2, "2 YAML documents"),
        ("---\nmodel_list:\n...\n", None, None),
    ],
)
def test_multi_document_files(
    tmp_path: Path, text: str, line: int | None, words: str | None
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    found = [f for f in _json(config) if f["code"] == "LIT000"]
    if line is None:
        assert found == []
    else:
        assert [(f["line"], f["column"]) for f in found] == [(line, 1)]
        assert words in found[0]["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("- model_list: []\n", "not a list"),
        ("just a string\n", "single value"),
    ],
)
def test_empty_list_and_scalar_top_levels_are_reported_without_crash(
    tmp_path: Path, text: str, words: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    document = HANDLER.load(Unit("litellm", str(config)), Workspace(root=str(tmp_path)), None)  # type: ignore[arg-type]
    assert [p.fatal for p in document.problems] == [False]
    assert words in document.problems[0].message


def test_a_hash_inside_quotes_is_no_comment_and_suppressions_work(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n"
        '  - model_name: "a # streamproof: ignore[LIT003]"\n'
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "  - model_name: b\n"
        "    # streamproof: ignore[LIT003] -- capped by the gateway in front\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
    )
    result = lint([config], cwd=tmp_path)
    assert [(f.code, f.line) for f in result.findings] == [("LIT003", 3)]


def test_eight_megabyte_config_is_checked_completely(tmp_path: Path) -> None:
    """Timing lives in tests/litellm/bench_large_config.py; here: all of it is read."""
    spec = importlib.util.spec_from_file_location(
        "bench_large_config", Path(__file__).with_name("bench_large_config.py")
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    write_config = bench.write_config
    config = tmp_path / "config.yaml"
    deployments = write_config(config, megabytes=8)
    assert config.stat().st_size >= 8 * 1024 * 1024
    result = lint([config], cwd=tmp_path)
    codes = [f.code for f in result.findings]
    # Every deployment is seen: each third one lacks max_tokens, the last has a short timeout.
    assert codes.count("LIT003") == len(range(0, deployments, 3))
    assert codes.count("LIT001") == 1
    assert not result.errors


def test_every_config_section_makes_a_file_a_litellm_config() -> None:
    from linter.litellm import known

    for section in known.CONFIG_SECTIONS:
        assert looks_like_litellm_config(f"{section}:\n  x: 1\n".encode())
        assert not looks_like_litellm_config(f"  {section}:\n".encode())  # not top level


def test_no_collection_walks_a_config_while_it_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector is held while a unit runs (load, rules, fixes): a full collection in
    between walks every node of the config for nothing. It runs again afterwards."""
    import gc

    from linter import unit_check

    seen: list[bool] = []
    real = unit_check.check_document

    def check_document(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(unit_check, "check_document", check_document)
    config = tmp_path / "config.yaml"
    config.write_text("model_list:\n  - model_name: a\n    litellm_params: {model: openai/x}\n")
    assert gc.isenabled()
    result = lint([config], cwd=tmp_path)
    assert [f.code for f in result.findings] == ["LIT003"]
    assert seen == [False]
    assert gc.isenabled()
