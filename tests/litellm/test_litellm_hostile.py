"""Arbitrary and mutated LiteLLM configs never crash a rule or the loader, and every fix that
is written keeps the file loadable and is idempotent."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from helpers import lint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FRAGMENTS = [
    "model_list:",
    "litellm_params:",
    "model_info:",
    "router_settings:",
    "litellm_settings:",
    "general_settings:",
    "include:",
    "- model_name: m",
    "model: openai/gpt-4o",
    "model: openai/text-embedding-3-small",
    "mode: chat",
    "mode: embedding",
    "timeout: 5",
    "stream_timeout: 3",
    'stream_timeout: "10"',
    "timeout: 30s",
    "request_timeout: 2",
    "max_tokens: 10",
    "num_retries: 0",
    "max_retries: 3",
    "api_key: sk-abcdefgh1234",
    "api_key: ${OPENAI_API_KEY}",
    "api_key: os.environ.KEY",
    "- os.environ/X",
    "<<: *a",
    "&a",
    "*a",
    "!Ref x",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "- ",
    "#",
    "# streamproof: ignore[LIT003]",
    "|",
    ">",
    "'",
    '"',
    "\t",
    "---",
    "...",
    "x-a: &a {timeout: 1}",
    "include: [missing.yaml]",
    "fallbacks: [a]",
    "default_litellm_params: {stream_timeout: 1}",
    "é",
    "\x85",
    "\u2028",
]
LINES = st.lists(
    st.tuples(st.integers(0, 8), st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4)),
    max_size=25,
)
NEWLINES = st.sampled_from(["\n", "\r\n"])


def _text(lines: list[tuple[int, list[str]]], newline: str) -> str:
    body = newline.join(" " * indent + " ".join(parts) for indent, parts in lines)
    return "model_list:" + newline + body + newline


def _loads(text: str) -> bool:
    try:
        yaml.safe_load(text)
        return True
    except (yaml.YAMLError, RecursionError):
        return False


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(lines=LINES, newline=NEWLINES)
def test_any_config_is_checked_and_fixed_without_crash(
    lines: list[tuple[int, list[str]]], newline: str
) -> None:
    text = _text(lines, newline)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_bytes(text.encode())
        checked = lint([config], cwd=folder)
        assert not checked.errors
        assert not [f for f in checked.findings if f.code == "SP900"], checked.findings
        fixed = lint([config], cwd=folder, fix=True, unsafe=True)
        assert not [f for f in fixed.findings if f.code == "SP900"], fixed.findings
        after = config.read_bytes().decode()
        if after != text:
            assert _loads(after) or not _loads(text)
            again = lint([config], cwd=folder, fix=True, unsafe=True)
            assert not again.changes


SCALARS = st.one_of(
    st.integers(-5, 700),
    st.sampled_from(["10", "30s", "2m", "os.environ/T", "${T}", "", "x y", "0", "1e3"]),
    st.none(),
    st.booleans(),
)
PARAMS = st.dictionaries(
    st.sampled_from(
        ["timeout", "stream_timeout", "request_timeout", "max_tokens", "api_key", "api_base", "rpm"]
    ),
    SCALARS,
    max_size=4,
)
MODELS = st.sampled_from(
    ["openai/gpt-4o", "openai/text-embedding-3-small", "ollama/llama3", "openai/whisper-1"]
)
DEPLOYMENT = st.builds(
    lambda name, model, params, mode: {
        "model_name": name,
        "litellm_params": {"model": model, **params},
        **({"model_info": {"mode": mode}} if mode else {}),
    },
    st.sampled_from(["a", "b", "c"]),
    MODELS,
    PARAMS,
    st.sampled_from([None, "chat", "embedding", "tts"]),
)
CONFIG = st.fixed_dictionaries(
    {"model_list": st.lists(DEPLOYMENT, max_size=4)},
    optional={
        "router_settings": st.dictionaries(
            st.sampled_from(["timeout", "stream_timeout", "num_retries", "max_retries"]),
            SCALARS,
            max_size=3,
        ),
        "litellm_settings": st.dictionaries(
            st.sampled_from(["request_timeout", "timeout", "num_retries"]), SCALARS, max_size=2
        ),
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(config=CONFIG, flow=st.booleans(), newline=NEWLINES)
def test_fixes_of_valid_configs_touch_only_timeouts_caps_and_env_refs(
    config: dict, flow: bool, newline: str
) -> None:
    text = yaml.safe_dump(config, default_flow_style=flow, sort_keys=False).replace("\n", newline)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_bytes(text.encode())
        result = lint([path], cwd=folder, fix=True, unsafe=True)
        assert not [f for f in result.findings if f.code in ("SP900", "LIT000")], result.findings
        after = path.read_bytes().decode()
        assert after.count("\r\n") == after.count("\n") or newline == "\n"
        loaded = yaml.safe_load(after)
        assert _only_intended(config, loaded), (text, after)
        assert not lint([path], cwd=folder, fix=True, unsafe=True).changes


def _only_intended(old: object, new: object, key: str = "") -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        if set(old) - set(new):
            return False
        added = set(new) - set(old)
        if added - {"max_tokens"} or any(new[k] != 4096 for k in added):
            return False
        return all(_only_intended(old[k], new[k], str(k)) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return False
        return all(_only_intended(a, b, key) for a, b in zip(old, new, strict=True))
    if old == new and type(old) is type(new):
        return True
    if isinstance(old, str) and isinstance(new, str) and new.startswith("os.environ/"):
        return True  # ${T}, $T, os.environ.T -> os.environ/T (LIT007)
    if key in ("timeout", "stream_timeout", "request_timeout"):
        # Raised (quotes kept: "10" -> "30") or rewritten as seconds ("2m" -> 120).
        return _number(new) is not None and (_number(old) is None or _number(new) > _number(old))
    return False


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
