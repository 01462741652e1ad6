"""What the rules assume, checked against the LiteLLM the tests install (litellm==1.103.0,
pinned in pyproject): the Router arguments LIT005 knows, the timeout LIT001 says a stream
gets, and the float() that LIT002 warns about. The linter itself never imports litellm."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import in_ci, lint

from linter.config import default_settings
from linter.document import Unit
from linter.litellm import known
from linter.litellm.handler import HANDLER
from linter.litellm.model import value_of
from linter.litellm.timeouts import NEW, stream_timeout_links
from linter.workspace import Workspace

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must fetch nothing


@pytest.fixture(scope="module")
def litellm() -> Any:
    if in_ci():
        import litellm as module  # under CI a missing litellm is a failure, not a skip
    else:
        module = pytest.importorskip("litellm")
    return module


def test_every_router_argument_of_the_installed_litellm_is_known(litellm: Any) -> None:
    arguments = set(inspect.signature(litellm.Router.__init__).parameters) - {"self"}
    assert arguments <= known.ROUTER_ARGS, sorted(arguments - known.ROUTER_ARGS)
    for misplaced in ("max_retries", "enable_pre_call_check", "health_check_interval"):
        assert misplaced not in arguments


def test_known_general_settings_cover_the_installed_model(litellm: Any) -> None:
    from litellm.proxy._types import ConfigGeneralSettings

    fields = set(ConfigGeneralSettings.model_fields)
    assert fields <= known.GENERAL_SETTINGS_KEYS, sorted(fields - known.GENERAL_SETTINGS_KEYS)


CASES = [
    # (router_settings, litellm_settings, the deployment's litellm_params)
    ({}, {}, {}),
    ({}, {}, {"timeout": 20}),
    ({"timeout": 25}, {}, {}),
    ({"timeout": 600}, {"request_timeout": 10}, {"timeout": 300}),
    ({}, {"request_timeout": 10}, {"timeout": 300}),
    ({"stream_timeout": 50}, {}, {"timeout": 5}),
    ({}, {}, {"stream_timeout": 0, "timeout": 40}),
    ({"default_litellm_params": {"stream_timeout": 70}}, {}, {"timeout": 5}),
    ({"timeout": 600}, {"request_timeout": 10}, {"stream_timeout": 90}),
    ({}, {"request_timeout": 15}, {}),
    ({"timeout": 45}, {"request_timeout": 15}, {}),
    ({"timeout": 45}, {}, {"request_timeout": 8}),
    ({}, {}, {"stream_timeout": "12", "timeout": 5}),
]


@pytest.mark.parametrize(("router_settings", "litellm_settings", "params"), CASES)
def test_lit001_finds_the_timeout_litellm_router_uses_for_a_stream(
    litellm: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    router_settings: dict[str, Any],
    litellm_settings: dict[str, Any],
    params: dict[str, Any],
) -> None:
    deployment = {"model_name": "chat", "litellm_params": {"model": "openai/gpt-4o", **params}}
    config = {
        "model_list": [deployment],
        "router_settings": router_settings,
        "litellm_settings": litellm_settings,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    document = HANDLER.load(
        Unit("litellm", str(path)), Workspace(root=str(tmp_path)), default_settings()
    )
    ((_, links),) = stream_timeout_links(document)
    link = links[NEW]

    # What the proxy does with litellm_settings.request_timeout, then with router_settings.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(litellm, "request_timeout", float(known.DEFAULT_REQUEST_TIMEOUT))
    monkeypatch.setattr(litellm, "request_timeout_explicitly_set", False)
    if "request_timeout" in litellm_settings:
        monkeypatch.setattr(litellm, "request_timeout", litellm_settings["request_timeout"])
        monkeypatch.setattr(litellm, "request_timeout_explicitly_set", True)
    router = litellm.Router(model_list=[deployment], **router_settings)
    used = router._get_timeout(kwargs={"stream": True}, data=router.model_list[0]["litellm_params"])

    ours = known.DEFAULT_REQUEST_TIMEOUT if link is None else value_of(link.entry.value).number
    assert float(used) == ours


@pytest.mark.parametrize(
    ("timeout", "works"), [("30s", False), ("2m", False), ("600", True), (600, True)]
)
def test_litellm_reads_timeouts_with_float(
    litellm: Any, monkeypatch: pytest.MonkeyPatch, timeout: Any, works: bool
) -> None:
    """LIT002: a duration with a unit fails every request; a numeric string works."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(litellm, "suppress_debug_info", True)
    call = {
        "model": "openai/gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "timeout": timeout,
        "mock_response": "hello",  # no network: the call stops before any request
    }
    if works:
        assert litellm.completion(**call).choices[0].message.content == "hello"
    else:
        with pytest.raises(Exception, match="could not convert string to float"):
            litellm.completion(**call)


def test_litellm_settings_timeout_would_replace_a_function(litellm: Any) -> None:
    """LIT005: `litellm_settings.timeout` is set with setattr(litellm, "timeout", ...),
    replacing the `litellm.timeout` decorator instead of setting any request timeout."""
    assert callable(litellm.timeout) and not isinstance(litellm.timeout, (int, float))
    assert isinstance(litellm.request_timeout, (int, float))


def test_model_names_are_judged_as_litellm_s_model_map_says(litellm: Any) -> None:
    """LIT003 without `model_info.mode`: the name decides. Against the mode of every model in
    the map LiteLLM ships, text generators must be judged text (else LIT003 misses them) and
    other models not text (else LIT003 cries wolf)."""
    from yaml.nodes import ScalarNode

    from linter.litellm.model import Entry, judge_mode

    def entry(value: str) -> Entry:
        return Entry(
            "x",
            ScalarNode("tag:yaml.org,2002:str", "model"),
            ScalarNode("tag:yaml.org,2002:str", value),
        )

    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for name, info in litellm.model_cost.items():
        mode = info.get("mode") if isinstance(info, dict) else None
        if not mode or name == "sample_spec":
            continue
        model = name if "/" in name else f"{info.get('litellm_provider', '')}/{name}"
        ours, _ = judge_mode({"model": entry(model)}, {}, {})
        counts[(mode in known.TEXT_MODES, ours == "text")] += 1
    text_total = counts[(True, True)] + counts[(True, False)]
    other_total = counts[(False, True)] + counts[(False, False)]
    assert text_total > 1000 and other_total > 200
    assert counts[(True, True)] / text_total >= 0.98, counts
    assert counts[(False, False)] / other_total >= 0.9, counts


@pytest.mark.parametrize(
    "include",
    [
        "include:\n",
        "include: []\n",
        "include: models.yaml\n",
        "include: [models.yaml, 3]\n",
        "include:\n  - models.yaml\n",
        "include: {a: models.yaml}\n",
    ],
)
def test_lit009_refuses_the_include_values_litellm_refuses(
    litellm: Any, tmp_path: Path, include: str
) -> None:
    """`include:` must be a list of strings: whatever LiteLLM's own check refuses (null and a
    scalar included) is a LIT009 finding on the key, and what it accepts is not."""
    from litellm.proxy.common_utils.config_includes import include_entries

    from linter.litellm.loading import include_entries as ours

    (tmp_path / "models.yaml").write_text("model_list: []\n")
    text = include + "litellm_settings: {}\n"
    try:
        include_entries(yaml.safe_load(text))
        refused = False
    except ValueError:
        refused = True
    config = tmp_path / "config.yaml"
    config.write_text(text)
    document = HANDLER.load(
        Unit("litellm", str(config)), Workspace(root=str(tmp_path)), default_settings()
    )
    main = document.main
    assert main is not None
    _, _, problem = ours(main)
    assert bool(problem) == refused, (include, problem)
    assert [issue.start for issue in document.include_issues] == ([0] if refused else [])


@pytest.mark.parametrize("own_retries", [None, 2])
def test_lit004_fires_exactly_when_the_router_tries_a_failing_request_once(
    litellm: Any, tmp_path: Path, own_retries: int | None
) -> None:
    """`router_settings.num_retries: 0`: a deployment's own `litellm_params.num_retries`
    still retries (it replaces the router's), so LIT004 speaks only when LiteLLM's router
    really makes a single attempt."""
    import asyncio

    params: dict[str, Any] = {"model": "openai/gpt-4o", "max_tokens": 100}
    if own_retries is not None:
        params["num_retries"] = own_retries
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [{"model_name": "a", "litellm_params": params}],
                "router_settings": {"num_retries": 0},
            }
        )
    )
    codes = [f.code for f in lint([config], cwd=tmp_path).findings]

    router = litellm.Router(
        model_list=[
            {
                "model_name": "a",
                "litellm_params": {
                    **params,
                    "api_key": "sk-test",
                    "mock_response": "litellm.InternalServerError",  # fails, no network
                },
            }
        ],
        num_retries=0,
        retry_after=0,
    )
    attempts = 0
    make_call = router.make_call

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal attempts
        attempts += 1
        return await make_call(*args, **kwargs)

    router.make_call = counting
    with pytest.raises(litellm.InternalServerError):
        asyncio.run(router.acompletion(model="a", messages=[{"role": "user", "content": "hi"}]))
    assert attempts == (1 if own_retries is None else own_retries + 1)
    assert ("LIT004" in codes) == (attempts == 1)
