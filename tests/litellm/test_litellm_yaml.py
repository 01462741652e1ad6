"""Reading YAML: offsets that land exactly on SourceText.text, aliases never expanded, tags
never constructed, duplicates and errors seen with their line and column."""

from __future__ import annotations

import pytest
import yaml

from linter.litellm import yamltree
from linter.litellm.loading import read_yaml, yaml_problems
from linter.litellm.yamltree import compose, span
from linter.source import SourceText

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


def _source(data: bytes) -> SourceText:
    return SourceText.from_bytes("/x/config.yaml", data)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize(
    "data",
    [
        'model_list:\n  - model_name: "é ✓ 𝄞"\n'
        "    litellm_params: {model: x, timeout: 10}\n".encode(),
        b"\xef\xbb\xbfmodel_list:\r\n  - model_name: caf\xc3\xa9\r\n"
        b"    litellm_params: {model: x, timeout: 10}\r\n",
        "model_list:\r\n  - model_name: '日本語'  # コメント\r\n"
        "    litellm_params:\r\n      timeout: 10\r\n".encode(),
    ],
    ids=["utf8-astral", "bom-crlf", "crlf-cjk"],
)
def test_node_offsets_index_the_decoded_text_exactly(
    loader: type, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamltree, "FastLoader", loader)
    source = _source(data)
    composed = compose(source.text)
    assert composed.error is None
    root = composed.documents[0]
    scalars = [node for node, _, _ in yamltree.walk(root) if isinstance(node, yaml.ScalarNode)]
    assert scalars
    for node in scalars:
        start, end = span(source.text, node)
        raw = source.text[start:end]
        if node.style in ("'", '"'):
            assert raw[0] == raw[-1] == node.style and raw[1:-1] == node.value
        else:
            assert raw == node.value
        # The 1-based position PyYAML reports is the one SourceText computes from the offset.
        line, column = source.position(node.start_mark.index)
        assert (line, column) == (node.start_mark.line + 1, node.start_mark.column + 1)


def test_libyaml_reader_error_byte_offset_becomes_a_character_offset() -> None:
    text = "model_list:\n  - model_name: é\x07\n"
    composed = compose(text)
    assert composed.error is not None
    assert text[composed.error.offset] == "\x07"


def test_billion_laughs_is_composed_by_identity_at_the_cost_of_its_size() -> None:
    lines = ["lol0: &l0 [lol]"]
    for level in range(1, 10):
        previous = f"*l{level - 1}"
        lines.append(f"lol{level}: &l{level} [{', '.join([previous] * 9)}]")
    text = "model_list: []\n" + "\n".join(lines) + "\nrouter_settings: {timeout: *l9}\n"
    composed = compose(text)
    assert composed.error is None
    # 9**9 (387 million) leaves once expanded; composed, each anchored node exists once.
    assert composed.node_count < 200
    top = composed.documents[0].value[-2][1]
    assert all(item is top.value[0] for item in top.value)
    assert composed.shared  # the aliased nodes are known, so no fix edits them in place


def test_billion_laughs_config_is_checked_and_fixed_without_expansion(tmp_path) -> None:
    from helpers import lint

    lines = ["x-lol0: &l0 [lol]"]
    for level in range(1, 10):
        lines.append(f"x-lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    config = tmp_path / "config.yaml"
    config.write_text(
        "\n".join(lines)
        + "\nmodel_list:\n  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      stream_timeout: 5\n      extra_body: {junk: *l9}\n      max_tokens: 10\n"
    )
    result = lint([config], cwd=tmp_path, fix=True)
    assert not result.errors
    assert "stream_timeout: 30" in config.read_text()
    assert [f.code for f in result.findings if f.code.startswith("LIT")] == []


def test_recursive_alias_does_not_hang() -> None:
    composed = compose("model_list: &a [*a]\n")
    assert composed.error is None
    assert composed.node_count == 3  # the mapping, its key, the list that holds itself


def test_unknown_tags_are_recorded_never_constructed(tmp_path) -> None:
    marker = tmp_path / "constructed"
    text = (
        "general_settings:\n"
        f"  master_key: !!python/object/apply:os.system ['touch {marker}']\n"
        "  other: !Ref Something\n"
    )
    source = SourceText.from_text(str(tmp_path / "c.yaml"), text)
    yaml_file = read_yaml(source)
    problems = yaml_problems(yaml_file)
    assert not marker.exists()
    assert [source.position(p.start) for p in problems] == [(2, 15), (3, 10)]
    assert all(not p.fatal for p in problems)
    assert "yaml.safe_load" in problems[0].message


def test_duplicate_keys_stay_visible_and_the_last_one_wins() -> None:
    text = "router_settings:\n  timeout: 600\n  timeout: 20\n"
    source = SourceText.from_text("/x/c.yaml", text)
    yaml_file = read_yaml(source)
    ((_mapping, first, repeated),) = yaml_file.composed.duplicates
    assert (first.start_mark.line, repeated.start_mark.line) == (1, 2)
    items = yaml_file.items(yaml_file.items(yaml_file.root)["router_settings"].value)
    assert items["timeout"].value.value == "20"  # as yaml.safe_load
    assert yaml.safe_load(text)["router_settings"]["timeout"] == 20


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  k: 3\n",
        "a: &x {k: 1}\nc: &y {k: 2, m: 5}\nb:\n  <<: [*x, *y]\n  n: 0\n",
        "a: &x {k: 1}\nb:\n  k: 9\n  <<: *x\n",
    ],
)
def test_merge_keys_resolve_as_yaml_safe_load_does(text: str) -> None:
    source = SourceText.from_text("/x/c.yaml", text)
    yaml_file = read_yaml(source)
    b = yaml_file.items(yaml_file.root)["b"].value
    ours = {name: int(entry.value.value) for name, entry in yaml_file.items(b).items()}
    assert ours == yaml.safe_load(text)["b"]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("model_list:\n  - model_name: x\n\tlitellm_params: {}\n", 3, 1, "'\\t'"),
        ("model_list:\n  - model_name: x\n   bad: indentation\n", 3, 4, "expected <block end>"),
        ("model_list: [a, b\nrouter_settings: {}\n", 2, 16, "expected ',' or ']'"),
        (
            'model_list:\n  - model_name: "unclosed\n    litellm_params: {}\n',
            2,
            17,
            "quoted scalar",
        ),
        ("general_settings:\n  master_key: *nothing\n", 2, 15, "undefined alias"),
    ],
)
def test_invalid_yaml_is_a_fatal_problem_with_line_and_column(
    text: str, line: int, column: int, words: str
) -> None:
    source = SourceText.from_text("/x/c.yaml", text)
    problems = yaml_problems(read_yaml(source))
    assert len(problems) == 1 and problems[0].fatal
    assert source.position(problems[0].start) == (line, column)
    assert words in problems[0].message


@pytest.mark.parametrize("events_first", [True, False], ids=["events-pass", "as-installed"])
def test_hostile_nesting_is_a_finding_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, events_first: bool
) -> None:
    """libyaml's composer recurses in C: 100,000 nested lists would kill the interpreter.
    A libyaml that refuses deep nesting itself (0.2.6) is left to do so; any other gets a
    pass over the events first. Both give the same finding."""
    if events_first:
        monkeypatch.setitem(yamltree._REFUSES_DEEP, yamltree.FastLoader, False)
    scanner_refuses = not events_first and yamltree._libyaml_refuses_deep_nesting()
    depth = 100_000
    for text in (
        "model_list: " + "[" * depth + "]" * depth + "\n",
        "model_list: " + "{a: " * depth + "1" + "}" * depth + "\n",
        "model_list:\n" + "".join(" " * i + "- x:\n" for i in range(0, 4000, 2)),
    ):
        source = SourceText.from_text("/x/c.yaml", text)
        (problem,) = yaml_problems(read_yaml(source))
        assert problem.fatal and "nested more than 1000 levels" in problem.message
        # Block nesting: the events are 1,000 deep at line 501 (a list and a mapping a line);
        # libyaml's scanner counts one indentation level a line and stops at line 1000.
        block_line = 1000 if scanner_refuses else 501
        assert source.position(problem.start)[0] == (
            1 if text.startswith("model_list: ") else block_line
        )


def test_nesting_within_the_limit_is_read() -> None:
    text = "model_list: " + "[" * 900 + "]" * 900 + "\n"
    assert compose(text).error is None
