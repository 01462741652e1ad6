"""What a chart container's environment says about the app it runs."""

from __future__ import annotations

import pytest

from linter.k8s.chartapps import llm_endpoint_variable


@pytest.mark.parametrize(
    "name",
    [
        "INFERENCE_ENDPOINT",
        "INFERENCE_SERVER_URL",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "OLLAMA_HOST",
        "OLLAMA_BASE_URL",
        "LITELLM_URL",
        "VLLM_ENDPOINT",
        "LLM_API_URL",
    ],
)
def test_an_address_of_inference_or_an_llm_server_says_the_app_calls_one(name: str) -> None:
    assert llm_endpoint_variable(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "OPENAI_API_KEY",  # a key, not an address
        "INFERENCE_TIMEOUT",
        "EMBEDDING_ENDPOINT",
        "OLLAMA_EMBEDDING_URL",
        "LLM_DB_HOST",
        "MILVUS_HOST",
        "S3_ENDPOINT_URL",
        "API_URL",
        "URL",
        "LANGFUSE_HOST",
    ],
)
def test_other_addresses_and_settings_say_nothing(name: str) -> None:
    assert llm_endpoint_variable(name) is None
