"""SARIF 2.1.0: valid against the OASIS schema, and with what GitHub code scanning requires."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import pytest
from formats_support import WEIRD_PATH, make_project, run_format
from helpers import REPO

from linter import registry
from linter.ruledoc import render_rule

pytestmark = pytest.mark.usefixtures("toy_kind")

# The OASIS schema, kept in the repository (tests/data/README.md says where it comes from).
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
TOY_CODES = {"TOY000", "TOY001", "TOY002", "TOY003", "TOY004"}
ENGINE_CODES = {rule.code for rule in registry.rules_for_kind(registry.ENGINE_KIND)}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    make_project(tmp_path)
    return tmp_path


def sarif(*args: str, input: str | None = None) -> dict[str, Any]:
    return json.loads(run_format("sarif", *args, input=input).stdout)  # type: ignore[no-any-return]


def validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_github_accepts(log: dict[str, Any]) -> None:
    """What GitHub code scanning requires of an uploaded SARIF file (docs: "SARIF support for
    code scanning"), beyond the schema."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].startswith("https://")
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "streamproof"
    assert (
        re.fullmatch(r"\d+\.\d+\.\d+", driver["version"])
        and driver["semanticVersion"] == driver["version"]
    )
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for rule in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"].strip(), (rule["id"], key)
        # GitHub keeps 255 characters of a name and 1024 of each description.
        assert len(rule.get("name", "")) <= 255, rule["id"]
        for key in ("shortDescription", "fullDescription"):
            for text in rule[key].values():
                assert len(text) <= 1024, (rule["id"], key, len(text))
        assert rule["help"]["markdown"].strip()
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert len(run["results"]) <= 25000  # GitHub's limit per run
    base_ids = run["originalUriBaseIds"]
    for base in base_ids.values():
        assert base["uri"].startswith("file:///") and base["uri"].endswith("/")
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"].strip()
        assert 1 <= len(result["locations"]) <= 1000
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        # GitHub shows results whose uri is a relative path (or a file: URI) only.
        assert not urlparse(uri).scheme and not uri.startswith("/"), uri
        assert physical["artifactLocation"]["uriBaseId"] in base_ids
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (
            region["startLine"],
            region["startColumn"],
        )
        assert re.fullmatch(
            r"[0-9a-f]{16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"]
        )


def test_sarif_is_valid_against_the_schema_and_github_accepts_it(project: Path) -> None:
    log = sarif("--unsafe-fixes")
    validator().validate(log)
    assert_github_accepts(log)
    assert len(log["runs"][0]["results"]) == 5


def test_empty_sarif_is_valid_and_lists_the_rules_that_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toy").write_text("timeout = 30\ncap = 1\n")
    result = run_format("sarif", ".")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    validator().validate(log)
    assert_github_accepts(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == TOY_CODES | ENGINE_CODES


def test_only_selected_rules_are_listed(project: Path) -> None:
    log = sarif("--select", "TOY001")
    listed = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert listed == {"TOY001"} | ENGINE_CODES
    assert {result["ruleId"] for result in log["runs"][0]["results"]} == {"TOY001"}


def test_rule_descriptor_carries_the_rule_documentation(project: Path) -> None:
    rules = {rule["id"]: rule for rule in sarif()["runs"][0]["tool"]["driver"]["rules"]}
    toy003 = rules["TOY003"]
    rule = registry.get_rule("TOY003")
    assert rule is not None
    assert toy003["name"] == "toy-label"
    assert toy003["shortDescription"]["text"] == "A label shown as-is."
    assert toy003["fullDescription"]["text"] == "Reports every `label`."
    assert toy003["help"]["markdown"] == render_rule(rule)
    assert toy003["help"]["text"] == render_rule(rule)
    assert toy003["defaultConfiguration"]["level"] == "error"
    assert rules["TOY004"]["defaultConfiguration"]["level"] == "note"
    assert rules["TOY001"]["defaultConfiguration"]["level"] == "warning"


def test_results_point_at_the_exact_region_and_the_file(project: Path) -> None:
    log = sarif()
    run = log["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    by_rule = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r
        for r in run["results"]
    }
    uri = "we%3Aird%2C%20dir/f%251%20%C3%A9.toy"
    toy001 = by_rule[("TOY001", uri)]
    assert toy001["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 11,
        "endLine": 1,
        "endColumn": 12,
    }
    assert toy001["level"] == "warning"
    span = by_rule[("TOY004", uri)]
    assert span["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 8,
        "endLine": 4,
        "endColumn": 9,
    }
    assert span["level"] == "note"
    # The uri resolves against %SRCROOT% to the real file.
    resolved = Path(url2pathname(urlparse(base).path)) / unquote(uri)
    assert resolved.resolve() == (project / WEIRD_PATH).resolve()
    assert resolved.is_file()


def apply_sarif_fixes(data: bytes, results: list[dict[str, Any]]) -> bytes:
    """Apply every replacement of every fix by its byte offsets (from the end)."""
    replacements = []
    for result in results:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                for replacement in change["replacements"]:
                    region = replacement["deletedRegion"]
                    replacements.append(
                        (
                            region["byteOffset"],
                            region["byteLength"],
                            replacement["insertedContent"]["text"],
                        )
                    )
    for offset, length, text in sorted(replacements, reverse=True):
        data = data[:offset] + text.encode("utf-8") + data[offset + length :]
    return data


def test_safe_fixes_are_given_and_applying_them_gives_what_fix_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # BOM, CRLF and a non-ASCII key before the fixed value: byte offsets must count them.
    original = "\ufeffcap = 1\r\nnäme = é\r\ntimeout = 1\r\n".encode()
    (tmp_path / "a.toy").write_bytes(original)
    results = sarif("a.toy")["runs"][0]["results"]
    [toy001] = [r for r in results if r["ruleId"] == "TOY001"]
    [fix] = toy001["fixes"]
    assert fix["description"]["text"] == "raise to 10"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "a.toy", "uriBaseId": "%SRCROOT%"}
    [replacement] = change["replacements"]
    assert replacement["deletedRegion"] == {
        "startLine": 3,
        "startColumn": 11,
        "endLine": 3,
        "endColumn": 12,
        "byteOffset": original.index(b"timeout = 1") + 10,
        "byteLength": 1,
    }
    assert replacement["insertedContent"] == {"text": "10"}
    fixed = apply_sarif_fixes(original, results)
    run_format("concise", "--fix", "a.toy")
    assert (
        fixed
        == (tmp_path / "a.toy").read_bytes()
        == "\ufeffcap = 1\r\nnäme = é\r\ntimeout = 10\r\n".encode()
    )


def test_unsafe_fixes_only_with_unsafe_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.toy").write_text("timeout = 30\n")
    [without] = sarif("a.toy")["runs"][0]["results"]
    assert without["ruleId"] == "TOY002" and "fixes" not in without
    [with_unsafe] = sarif("--unsafe-fixes", "a.toy")["runs"][0]["results"]
    [fix] = with_unsafe["fixes"]
    assert fix["properties"] == {"applicability": "unsafe"}
    region = fix["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    # An insertion at the end of the file: an empty region.
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (
        2,
        1,
        2,
        1,
    )
    assert region["byteLength"] == 0
    assert apply_sarif_fixes(b"timeout = 30\n", [with_unsafe]) == b"timeout = 30\ncap = 5\n"


def line_hashes(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted(
        (r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"]) for r in results
    )


def test_fingerprints_survive_lines_added_above_and_tell_twins_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.toy"
    path.write_text("cap = 1\ntimeout = 1\ntimeout = 1\n")
    before = sarif("a.toy")["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in before]
    assert len(hashes) == 2 and hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]
    # New lines above and other spacing change line numbers, not identities.
    path.write_text("# a comment\n\ncap = 1\ntimeout   =   1\ntimeout = 1\n")
    after = sarif("a.toy")["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] == [4, 5]
    assert line_hashes(after) == line_hashes(before)


def test_a_file_outside_the_root_gets_a_file_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter.reporters import ReportContext
    from linter.reporters.sarif import artifact_location

    context = ReportContext(
        cwd=str(tmp_path), root=str(tmp_path / "repo"), source_for=lambda path: None
    )
    outside = str(tmp_path / "elsewhere" / "a b.toy")
    assert artifact_location(outside, context) == {"uri": Path(outside).as_uri()}
    assert artifact_location(str(tmp_path / "repo" / "x" / "a b.toy"), context) == {
        "uri": "x/a%20b.toy",
        "uriBaseId": "%SRCROOT%",
    }


def test_information_uri_is_the_project_home_page() -> None:
    from linter.reporters.sarif import INFORMATION_URI

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["urls"]["Homepage"] == INFORMATION_URI


def test_fatal_findings_are_errors_in_sarif_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toy").write_text("cap = 1\n!!\n")
    result = run_format("sarif", ".")
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    validator().validate(log)
    [fatal] = log["runs"][0]["results"]
    assert (fatal["ruleId"], fatal["level"], fatal["properties"]) == (
        "TOY000",
        "error",
        {"fatal": True},
    )
    assert fatal["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_the_schema_check_rejects_a_broken_log(project: Path) -> None:
    import jsonschema

    log = sarif()
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(log)


def test_the_schema_is_oasis_sarif_2_1_0_kept_in_the_repository_and_it_rejects_bad_logs(
    project: Path,
) -> None:
    """Every fresh clone validates against it (nothing read from outside the repository)."""
    import jsonschema

    assert SCHEMA.resolve().is_relative_to(REPO.resolve())
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    log = sarif()
    validator().validate(log)
    for broken in ({**log, "version": "2.0.0"}, {**log, "runs": [{"results": []}]}):
        with pytest.raises(jsonschema.ValidationError):
            validator().validate(broken)


def test_the_example_project_with_every_real_rule_is_valid_and_github_accepts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real rules' descriptors (their documentation) and findings, not only the toy's."""
    import shutil

    shutil.copytree(REPO / "examples" / "chat-proxy", tmp_path / "chat-proxy")
    monkeypatch.chdir(tmp_path)
    log = sarif("--unsafe-fixes", "chat-proxy")
    validator().validate(log)
    assert_github_accepts(log)
    run = log["runs"][0]
    # The example project holds NGINX, LiteLLM and Python files: the rules of those kinds run,
    # and the stream-path rules that link them.
    example_kinds = {"nginx", "litellm", "python", "stack", registry.ENGINE_KIND}
    real = {rule.code for rule in registry.catalogue() if rule.kind in example_kinds} - TOY_CODES
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == real
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"NGX001", "NGX002", "LIT001", "PY001", "PY002"}
    # Safe and unsafe fixes both appear (--unsafe-fixes), each applicable to the file.
    assert any(r.get("fixes") for r in results if r["ruleId"] == "NGX002")
    assert any(r.get("fixes") for r in results if r["ruleId"] == "PY002")
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (tmp_path / unquote(uri)).is_file(), uri


def test_long_rule_descriptions_are_cut_at_a_sentence_within_githubs_limit() -> None:
    from linter.reporters.sarif import DESCRIPTION_LIMIT, _limited, rule_descriptor

    assert _limited("short.") == "short."
    text = "One sentence. " * 100
    cut = _limited(text)
    assert len(cut) <= DESCRIPTION_LIMIT and cut.endswith("sentence. …")
    assert _limited("x" * 2000).endswith("x …") and len(_limited("x" * 2000)) == DESCRIPTION_LIMIT
    # A rule whose "What it does" is longer than GitHub keeps: whole sentences, and the help
    # still holds all of it.
    rule = registry.get_rule("PY001")
    assert rule is not None
    descriptor = rule_descriptor("PY001")
    full = descriptor["fullDescription"]["text"]
    assert len(full) <= DESCRIPTION_LIMIT < len(" ".join(rule.doc.split()))
    assert full.endswith(". …")
    assert full[: -len(" …")] in " ".join(descriptor["help"]["text"].split())
