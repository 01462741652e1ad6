"""Which constructors make an LLM or HTTP client (and the key of its starter table in
``clients``), and which wrappers hand a client back with the same API (``instructor``,
tracing). Module-level functions that act as a client are ``clients.MODULE_CLIENTS``.

Everything here is data.
"""

from __future__ import annotations

# Client classes (constructed) -> the key of their starter table.
CLIENT_CLASSES: dict[str, str] = {
    **{
        f"openai.{c}": "openai"
        for c in (
            "OpenAI",
            "AsyncOpenAI",
            "AzureOpenAI",
            "AsyncAzureOpenAI",
            "Client",
            "AsyncClient",
        )
    },
    **{
        f"anthropic.{c}": "anthropic"
        for c in (
            "Anthropic",
            "AsyncAnthropic",
            "AnthropicBedrock",
            "AsyncAnthropicBedrock",
            "AnthropicVertex",
            "AsyncAnthropicVertex",
            "Client",
            "AsyncClient",
        )
    },
    # Drop-in replacements of the OpenAI SDK's client classes, documented as the same API
    # (they subclass or proxy openai's client and only add tracing): Langfuse's
    # ``langfuse.openai`` (its ``openai`` module re-export is read as openai's own, see
    # analysis.scopes) and PostHog's ``posthog.ai.openai``.
    **{
        f"{module}.{c}": "openai"
        for module in ("langfuse.openai",)
        for c in ("OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI")
    },
    "posthog.ai.openai.OpenAI": "openai",
    "posthog.ai.openai.AsyncOpenAI": "openai",
    "litellm.Router": "litellm",
    "litellm.router.Router": "litellm",
    "ollama.Client": "ollama",
    "ollama.AsyncClient": "ollama",
    "google.genai.Client": "genai",
    "google.genai.client.Client": "genai",
    "google.generativeai.GenerativeModel": "genai_legacy",
    "google.generativeai.generative_models.GenerativeModel": "genai_legacy",
    "volcenginesdkarkruntime.Ark": "ark",
    "volcenginesdkarkruntime.AsyncArk": "ark",
    "zhipuai.ZhipuAI": "zhipu",
    "zai.ZhipuAiClient": "zhipu",
    "zai.ZaiClient": "zhipu",
    "mistralai.Mistral": "mistral",
    "mistralai.client.MistralClient": "mistral_legacy",
    "mistralai.async_client.MistralAsyncClient": "mistral_legacy",
    "llama_cpp.Llama": "llama_cpp",
    "llama_cpp.llama.Llama": "llama_cpp",
    "cohere.Client": "cohere",
    "cohere.AsyncClient": "cohere",
    "cohere.ClientV2": "cohere",
    "cohere.AsyncClientV2": "cohere",
    "groq.Groq": "groq",
    "groq.AsyncGroq": "groq",
    "together.Together": "together",
    "together.AsyncTogether": "together",
    "fireworks.client.Fireworks": "fireworks",
    "fireworks.client.AsyncFireworks": "fireworks",
    "huggingface_hub.InferenceClient": "hf",
    "huggingface_hub.AsyncInferenceClient": "hf",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "httpx2.Client": "httpx2",
    "httpx2.AsyncClient": "httpx2",
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "aiohttp.ClientSession": "aiohttp",
}

# ``instructor`` wraps a client and hands back one that calls it (``from_openai(OpenAI())``:
# its ``chat.completions.create`` is the openai client's, with a ``response_model``).
INSTRUCTOR_WRAPPERS = frozenset(
    {"instructor.from_openai", "instructor.from_anthropic", "instructor.patch", "instructor.apatch"}
)
INSTRUCTOR_LITELLM = frozenset({"instructor.from_litellm"})
# Tracing wrappers documented to patch a client in place and hand it back with the same API
# (``client = wrap_openai(OpenAI())``): the value is the wrapped client's.
TRACING_WRAPPERS = frozenset(
    {
        "langsmith.wrappers.wrap_openai",
        "langsmith.wrappers.wrap_anthropic",
        "opik.integrations.openai.track_openai",
        "braintrust.wrap_openai",
    }
)
