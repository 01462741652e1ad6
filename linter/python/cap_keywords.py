"""The keywords that cap a generation's output (KNOWLEDGE.md section 3): per API call, the
keywords it accepts and the one a fix adds, and for LangChain's and LlamaIndex's model
classes the constructor keyword that carries it. Read by the starter tables (``clients``) and
the cap checks (``caps``).

Everything here is data.
"""

from __future__ import annotations

from linter.record import record


@record
class Cap:
    """The output-cap keywords a call accepts, and the one a fix adds."""

    keywords: tuple[str, ...]
    add: str
    # "kw": a keyword of the call; "options": a key of the ``options=`` dict (ollama);
    # "config": a field of ``config=`` (google-genai GenerateContentConfig or dict).
    where: str = "kw"
    required: bool = False  # missing = the SDK refuses the call (anthropic)


OPENAI_CHAT_CAP = Cap(("max_tokens", "max_completion_tokens"), "max_completion_tokens")
COMPAT_CHAT_CAP = Cap(("max_tokens", "max_completion_tokens"), "max_tokens")
MAX_TOKENS_CAP = Cap(("max_tokens",), "max_tokens")
RESPONSES_CAP = Cap(("max_output_tokens",), "max_output_tokens")
ANTHROPIC_CAP = Cap(("max_tokens",), "max_tokens", required=True)
ANTHROPIC_LEGACY_CAP = Cap(("max_tokens_to_sample",), "max_tokens_to_sample", required=True)
OLLAMA_CAP = Cap(("num_predict",), "num_predict", where="options")
GENAI_CAP = Cap(("max_output_tokens",), "max_output_tokens", where="config")
# google-generativeai: in ``generation_config=`` of the call or of the GenerativeModel.
GENAI_LEGACY_CAP = Cap(("max_output_tokens",), "max_output_tokens", where="generation_config")
HF_TEXT_CAP = Cap(("max_new_tokens",), "max_new_tokens")
# Bedrock's Converse API: ``inferenceConfig={"maxTokens": N}``.
BEDROCK_CAP = Cap(("maxTokens",), "maxTokens", where="inferenceConfig")

# LangChain chat models: class name -> (cap keywords, keyword a fix adds).
LANGCHAIN_MODELS: dict[str, Cap] = {
    "ChatOpenAI": COMPAT_CHAT_CAP,
    "AzureChatOpenAI": COMPAT_CHAT_CAP,
    "ChatOllama": Cap(("num_predict",), "num_predict"),
    # Ollama's text-completion classes (langchain-ollama's ``OllamaLLM``, langchain-community's
    # ``Ollama``): the same ``num_predict`` field, None by default and then not sent.
    "OllamaLLM": Cap(("num_predict",), "num_predict"),
    "Ollama": Cap(("num_predict",), "num_predict"),
    "ChatGoogleGenerativeAI": Cap(("max_output_tokens", "max_tokens"), "max_output_tokens"),
    # langchain-google-vertexai: ``max_output_tokens`` (alias ``max_tokens``) defaults to None
    # and is then not sent, as on ChatGoogleGenerativeAI.
    "ChatVertexAI": Cap(("max_output_tokens", "max_tokens"), "max_output_tokens"),
    "ChatGroq": COMPAT_CHAT_CAP,
    "ChatMistralAI": MAX_TOKENS_CAP,
    "ChatTogether": MAX_TOKENS_CAP,
    "ChatDeepSeek": COMPAT_CHAT_CAP,
}

# LlamaIndex LLM classes whose answers are uncapped unless the constructor says otherwise:
# class name -> cap. ``Ollama`` passes ``additional_kwargs`` on as Ollama's options (its
# ``num_predict``); ``LiteLLM``'s ``max_tokens`` defaults to None.
# Checked in the packages' sources (llama-index-llms-* wheels, 2026): ``OpenAI`` (0.8.3)
# defaults ``max_tokens`` to None and then sends none; its subclasses ``AzureOpenAI``,
# ``OpenAILike`` and the latter's ``Groq``, ``DeepSeek`` inherit it. ``GoogleGenAI`` (0.11.3)
# passes ``max_tokens`` (None) as ``max_output_tokens``. Legacy ``Gemini`` (0.6.2) keeps
# ``max_tokens`` for its metadata only: its requests carry ``generation_config``. Capped by
# default, not listed: ``Anthropic`` and ``MistralAI`` (512), ``BedrockConverse`` (512).
LLAMA_INDEX_MODELS: dict[str, Cap] = {
    "Ollama": Cap(("num_predict",), "num_predict", where="additional_kwargs"),
    "LiteLLM": MAX_TOKENS_CAP,
    "OpenAI": MAX_TOKENS_CAP,
    "AzureOpenAI": MAX_TOKENS_CAP,
    "OpenAILike": MAX_TOKENS_CAP,
    "Groq": MAX_TOKENS_CAP,
    "DeepSeek": MAX_TOKENS_CAP,
    "GoogleGenAI": MAX_TOKENS_CAP,
    "Gemini": Cap(("max_output_tokens",), "max_output_tokens", where="generation_config"),
}
# Another keyword of the constructor that may carry the cap (the OpenAI family merges
# ``additional_kwargs`` into each request; ``GoogleGenAI`` takes a ``generation_config``
# instead of its ``max_tokens``; on ``Gemini`` an explicit ``max_tokens`` may be honoured by
# older releases): a literal dict without a cap key is read, anything else leaves it unknown.
LLAMA_INDEX_OTHER_CAPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "OpenAI": ("additional_kwargs", ("max_tokens", "max_completion_tokens")),
    "AzureOpenAI": ("additional_kwargs", ("max_tokens", "max_completion_tokens")),
    "OpenAILike": ("additional_kwargs", ("max_tokens", "max_completion_tokens")),
    "Groq": ("additional_kwargs", ("max_tokens", "max_completion_tokens")),
    "DeepSeek": ("additional_kwargs", ("max_tokens", "max_completion_tokens")),
    "GoogleGenAI": ("generation_config", ()),
    "Gemini": ("max_tokens", ()),
}
