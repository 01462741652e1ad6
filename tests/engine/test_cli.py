"""The command line contract: formats, exit statuses, streams, and the rule documentation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import streamproof

from linter.cli import main

pytestmark = pytest.mark.usefixtures("toy_kind")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return CliRunner()


def invoke(runner: CliRunner, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_clean_run_prints_nothing_and_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 30\ncap = 1\n")
    result = invoke(runner, "check", ".")
    assert (result.exit_code, result.stdout) == (0, "")


def test_findings_exit_1_and_exit_zero_turns_it_to_0(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    assert invoke(runner, "check", "a.toy").exit_code == 1
    assert invoke(runner, "check", "--exit-zero", "a.toy").exit_code == 0


def test_check_is_the_default_command(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "--output-format", "concise", "a.toy")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "a.toy:1:11: TOY001 [*] timeout 1 is below 10"


def test_unparsable_file_exits_2_even_with_exit_zero_and_others_still_checked(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "bad.toy").write_text("!!\n")
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "--exit-zero", "--output-format", "concise", ".")
    assert result.exit_code == 2
    assert "a.toy:1:11: TOY001" in result.stdout
    assert "bad.toy:1:1: TOY000 fatal toy error" in result.stdout


def test_crashing_rule_is_reported_and_the_other_files_are_checked(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toykind.rules import toy002

    def explode(document, settings):  # type: ignore[no-untyped-def]
        if document.path.endswith("boom.toy"):
            raise ZeroDivisionError("kaput")
        return iter(())

    original = toy002.RULE.check
    object.__setattr__(toy002.RULE, "check", explode)
    try:
        (tmp_path / "boom.toy").write_text("timeout = 30\n")
        (tmp_path / "a.toy").write_text("timeout = 1\n")
        result = invoke(runner, "check", "--output-format", "concise", ".")
    finally:
        object.__setattr__(toy002.RULE, "check", original)
    assert result.exit_code == 2
    assert (
        "boom.toy:1:1: SP900 TOY002 (toy-cap) crashed on this file: ZeroDivisionError: kaput"
        in result.stdout
    )
    assert "a.toy:1:11: TOY001" in result.stdout


def test_a_crash_while_telling_a_files_kind_is_reported_and_the_run_goes_on(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter import kinds, unit_check

    real = kinds.classify

    def classify(relpath, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        if relpath.endswith("boom.py"):
            raise RuntimeError("kaput")
        return real(relpath, data, *args, **kwargs)

    monkeypatch.setattr(unit_check.kinds, "classify", classify)
    client = (
        "from openai import OpenAI\n\nOpenAI().chat.completions.create(model='m', messages=[])\n"
    )
    (tmp_path / "boom.py").write_text(client)
    (tmp_path / "ok.py").write_text(client)
    result = invoke(runner, "check", "--output-format", "concise", "-j", "1", ".")
    assert result.exit_code == 2, result.output
    assert (
        "boom.py:1:1: SP900 streamproof failed on this file: RuntimeError: kaput" in result.stdout
    )
    assert "ok.py:3:1: PY002" in result.stdout


def test_json_output_has_the_documented_keys(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "--output-format", "json", "a.toy")
    [finding] = json.loads(result.stdout)
    assert finding == {
        "code": "TOY001",
        "name": "toy-timeout",
        "severity": "warning",
        "message": "timeout 1 is below 10",
        "path": "a.toy",
        "line": 1,
        "column": 11,
        "end_line": 1,
        "end_column": 12,
        "fix": {
            "applicability": "safe",
            "message": "raise to 10",
            "edits": [
                {
                    "path": "a.toy",
                    "content": "10",
                    "start": {"line": 1, "column": 11, "byte": 10},
                    "end": {"line": 1, "column": 12, "byte": 11},
                }
            ],
        },
    }


def test_json_is_an_empty_array_when_clean(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 30\ncap = 1\n")
    result = invoke(runner, "check", "--output-format", "json", "a.toy")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_full_output_shows_the_excerpt_and_the_fix(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("cap = 1\ntimeout = 1\n")
    result = invoke(runner, "check", "a.toy")
    assert result.stdout.splitlines()[:6] == [
        "a.toy:2:11: TOY001 [*] timeout 1 is below 10",
        "  |",
        "1 | cap = 1",
        "2 | timeout = 1",
        "  |           ^",
        "  |",
    ]
    assert "  = fix: raise to 10" in result.stdout
    assert result.stdout.rstrip().endswith("Found 1 problem (1 fixable with --fix).")


def test_quiet_drops_the_summary(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "-q", "--output-format", "concise", "a.toy")
    assert result.stdout == "a.toy:1:11: TOY001 [*] timeout 1 is below 10\n"


def test_statistics_counts_per_rule(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ntimeout = 2\n")
    result = invoke(runner, "check", "--statistics", "-q", "a.toy")
    assert result.stdout.splitlines() == [
        "    2  TOY001  [*] toy-timeout",
        "    1  TOY002      toy-cap",
    ]


def test_fix_then_nothing_remains(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "--fix", "a.toy")
    assert result.exit_code == 0
    assert (tmp_path / "a.toy").read_text() == "timeout = 10\ncap = 1\n"
    assert result.stdout == ""
    assert result.stderr.strip() == "Fixed 1, 0 remaining."  # on stderr, as --diff's summary


def test_diff_prints_and_exits_1_without_writing(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "--diff", "a.toy")
    assert result.exit_code == 1
    assert "-timeout = 1\n+timeout = 10\n" in result.stdout
    assert (tmp_path / "a.toy").read_text() == "timeout = 1\ncap = 1\n"


def test_stdin_with_fix_prints_the_fixed_text(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["check", "--fix", "--stdin-filename", "x.toy"], input="timeout = 1\ncap = 1\n"
    )
    assert result.stdout == "timeout = 10\ncap = 1\n"
    assert not (tmp_path / "x.toy").exists()


def test_stdin_reports_under_the_given_name(runner: CliRunner) -> None:
    result = invoke(
        runner,
        "check",
        "--output-format",
        "concise",
        "--stdin-filename",
        "sub/x.toy",
        input="timeout = 1\ncap = 1\n",
    )
    assert result.stdout.startswith("sub/x.toy:1:11: TOY001")


def test_config_error_exits_2_naming_the_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "streamproof.toml").write_text("selec = []\n")
    (tmp_path / "a.toy").write_text("timeout = 1\n")
    result = invoke(runner, "check", ".")
    assert result.exit_code == 2
    assert "streamproof.toml:1:1: unknown key 'selec'; did you mean 'select'?" in result.stderr


def test_unknown_rule_in_select_option_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.toy").write_text("timeout = 1\n")
    result = invoke(runner, "check", "--select", "TOY0001", ".")
    assert result.exit_code == 2 and "unknown rule 'TOY0001'" in result.stderr


def test_rule_command_prints_the_documentation(runner: CliRunner) -> None:
    result = invoke(runner, "rule", "SP100")
    assert result.exit_code == 0
    assert result.stdout.startswith("# SP100 unused-suppression\n")
    assert "## What it does" in result.stdout and "## Fix safety" in result.stdout


def test_rule_command_with_unknown_code_suggests(runner: CliRunner) -> None:
    result = invoke(runner, "rule", "SP10")
    assert result.exit_code == 2 and "did you mean" in result.stderr


def test_rules_lists_every_code(runner: CliRunner) -> None:
    from linter import registry

    result = invoke(runner, "rules")
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    assert listed == {r.code for r in registry.all_rules()}


def test_no_colour_without_a_terminal(runner: CliRunner, tmp_path: Path) -> None:
    os.environ.pop("NO_COLOR", None)
    (tmp_path / "a.toy").write_text("timeout = 1\ncap = 1\n")
    result = invoke(runner, "check", "a.toy")
    assert "\x1b[" not in result.stdout


CLEAN_PROJECT = {
    "nginx/nginx.conf": (
        "http {\n    upstream llm {\n        server 127.0.0.1:4000;\n        keepalive 8;\n        keepalive_timeout 4s;\n    }\n"
        "    server {\n        listen 8080;\n        location /v1/chat/completions {\n"
        "            proxy_pass http://llm;\n            proxy_http_version 1.1;\n"
        '            proxy_set_header Connection "";\n            proxy_buffering off;\n'
        "            proxy_read_timeout 600s;\n        }\n    }\n}\n"
    ),
    "litellm/config.yaml": (
        "model_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      max_tokens: 1024\n      stream_timeout: 120\n"
    ),
    "app/chat.py": (
        "import httpx\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
        "    stream = client.chat.completions.create(\n"
        '        model="gpt-4o", messages=[], stream=True, max_tokens=512\n    )\n'
        "    try:\n        for chunk in stream:\n            print(chunk)\n"
        "    except httpx.HTTPError:\n        print('cut')\n"
    ),
}


def test_the_real_command_is_silent_on_a_clean_tree_and_prints_only_results(
    tmp_path: Path,
) -> None:
    """As a hook or an editor runs it: the three kinds, a real process. Clean: nothing on
    stdout or stderr. One defect: its finding on stdout, and nothing on stderr."""
    for name, text in CLEAN_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    proc = streamproof("check", *CLEAN_PROJECT, cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    proc = streamproof("check", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    conf = tmp_path / "nginx/nginx.conf"
    conf.write_text(conf.read_text().replace("            proxy_buffering off;\n", ""))
    proc = streamproof("check", "--output-format", "concise", "-q", *CLEAN_PROJECT, cwd=tmp_path)
    assert proc.returncode == 1 and proc.stderr == ""
    [line] = proc.stdout.splitlines()
    assert line.startswith("nginx/nginx.conf:9:9: NGX002 [*] ")
