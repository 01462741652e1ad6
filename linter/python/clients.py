"""What streamproof knows about LLM and HTTP clients (KNOWLEDGE.md section 3): how each one
starts a stream and what a cut stream raises, by version (the exception classes themselves:
``cut_errors``; the keyword that caps each call's output: ``cap_keywords``; the constructors
that make a client: ``client_classes``).

Everything here is data.
"""

from __future__ import annotations

from linter.python.cap_keywords import (
    ANTHROPIC_CAP,
    ANTHROPIC_LEGACY_CAP,
    BEDROCK_CAP,
    COMPAT_CHAT_CAP,
    GENAI_CAP,
    GENAI_LEGACY_CAP,
    HF_TEXT_CAP,
    MAX_TOKENS_CAP,
    OLLAMA_CAP,
    OPENAI_CHAT_CAP,
    RESPONSES_CAP,
    Cap,
)
from linter.python.cut_errors import (
    AIOHTTP_CUT,
    HTTPX2_CUT,
    HTTPX_CUT,
    LITELLM_CUT,
    OPENAI_MAPPED,
    REQUESTS_CUT,
    Raised,
    _httpx,
)
from linter.record import record


@record
class Client:
    """One library: its display name, the package whose version matters, what a cut stream
    raises (by version), and whether that was verified (otherwise handlers naming the
    library's own classes get the benefit of the doubt)."""

    name: str
    package: str
    raises: tuple[Raised, ...]
    verified: bool = True
    # The library's own exception namespace(s): unverified clients' handlers naming these count.
    namespaces: tuple[str, ...] = ()
    # How to suggest a guard in a message, for versions where ``raises`` applies.
    suggestion: str = "Exception"

    def raised(self, version: tuple[int, ...] | None) -> tuple[Raised, ...]:
        """What a cut stream raises for ``version``; with no version known, every range
        where the SDK raises raw transport errors (the stricter behaviour): SDK classes that
        only some versions map to do not count."""
        if version is None:
            raw = tuple(r for r in self.raises if not r.mapped)
            return raw or self.raises
        found = tuple(r for r in self.raises if r.applies(version))
        return found or self.raises

    @property
    def version_dependent(self) -> bool:
        return bool(self.package) and len(self.raises) > 1


OPENAI = Client(
    "openai",
    "openai",
    (
        Raised(
            "httpx.RemoteProtocolError",
            _httpx("httpx"),
            until=(3, 0),
            note="openai before 3.14 does not map transport errors",
            catch="httpx.HTTPError",
        ),
        Raised(
            "httpx2.RemoteProtocolError",
            _httpx("httpx2"),
            since=(3, 0),
            until=(3, 14),
            note="openai before 3.14 does not map transport errors",
            catch="httpx2.HTTPError",
        ),
        Raised(
            "openai.APIConnectionError",
            OPENAI_MAPPED,
            since=(3, 14),
            note="openai 3.14 and later map transport errors",
            catch="openai.APIError",
            mapped=True,
        ),
    ),
    namespaces=("openai",),
)
ANTHROPIC = Client(
    "anthropic",
    "anthropic",
    (
        Raised(
            "httpx.RemoteProtocolError",
            _httpx("httpx"),
            until=(1, 0),
            note="anthropic does not map transport errors during a stream",
            catch="httpx.HTTPError",
        ),
        Raised(
            "httpx2.RemoteProtocolError",
            _httpx("httpx2"),
            since=(1, 0),
            note="anthropic does not map transport errors during a stream",
            catch="httpx2.HTTPError",
        ),
    ),
    namespaces=("anthropic",),
)
LITELLM = Client(
    "litellm",
    "litellm",
    (
        Raised(
            "litellm.exceptions.MidStreamFallbackError",
            LITELLM_CUT,
            note="a subclass of openai.APIStatusError, not of litellm.APIError or litellm.APIConnectionError",
            catch="openai.APIError",
        ),
    ),
    namespaces=("litellm",),
)
HTTPX = Client("httpx", "httpx", (HTTPX_CUT,), namespaces=("httpx",))
HTTPX2 = Client("httpx2", "httpx2", (HTTPX2_CUT,), namespaces=("httpx2",))
REQUESTS = Client("requests", "requests", (REQUESTS_CUT,), namespaces=("requests",))
AIOHTTP = Client("aiohttp", "aiohttp", (AIOHTTP_CUT,), namespaces=("aiohttp",))
# Read in ollama-python's source (Client._stream): only HTTP status errors become
# ollama.ResponseError; a cut body raises httpx's error from iter_lines() unchanged.
OLLAMA = Client(
    "ollama",
    "ollama",
    (
        Raised(
            "httpx.RemoteProtocolError",
            _httpx("httpx"),
            note="ollama maps only HTTP status errors",
            catch="httpx.HTTPError",
        ),
    ),
    namespaces=(),
)


# openai before 1.0 (``openai.ChatCompletion.create``): its module functions send the request
# with requests (``acreate``: aiohttp) and read the stream with ``iter_lines()``; only the
# request itself is wrapped in ``openai.error.APIConnectionError``, a cut body escapes as the
# transport's own error. Not run against a loopback server here: unverified, so a handler
# naming an ``openai`` class gets the benefit of the doubt.
OPENAI_LEGACY = Client(
    "openai 0.x",
    "",
    (
        Raised(
            REQUESTS_CUT.exception,
            REQUESTS_CUT.catchable_as,
            note="openai before 1.0 reads the stream with requests and does not map a cut body",
            catch=REQUESTS_CUT.catch,
        ),
    ),
    verified=False,
    namespaces=("openai",),
    suggestion="requests.RequestException",
)
OPENAI_LEGACY_ASYNC = Client(
    "openai 0.x",
    "",
    (
        Raised(
            AIOHTTP_CUT.exception,
            AIOHTTP_CUT.catchable_as,
            note="openai before 1.0 reads an async stream with aiohttp and does not map a cut body",
            catch=AIOHTTP_CUT.catch,
        ),
    ),
    verified=False,
    namespaces=("openai",),
    suggestion="aiohttp.ClientError",
)


# A response this file does not create (a helper of another module made the request) whose
# body the file reads as server-sent events: requests or httpx, whichever made it.
SSE_RESPONSE = Client(
    "server-sent events",
    "",
    (REQUESTS_CUT, HTTPX_CUT, HTTPX2_CUT),
    namespaces=(),
)


# The same, read as JSON lines (Ollama's ``/api/chat`` and ``/api/generate``).
JSON_LINES_RESPONSE = Client(
    "JSON-lines",
    "",
    (REQUESTS_CUT, HTTPX_CUT, HTTPX2_CUT),
    namespaces=(),
)


def _unverified(name: str, package: str, *namespaces: str) -> Client:
    return Client(
        name,
        package,
        (Raised("httpx.RemoteProtocolError", _httpx("httpx") | _httpx("httpx2")),),
        verified=False,
        namespaces=namespaces or (package,),
    )


GOOGLE_GENAI = _unverified("google-genai", "google-genai", "google.genai", "google.api_core")
# The legacy google-generativeai SDK (``genai.GenerativeModel``) streams over gRPC by default
# (REST with ``transport="rest"``): what a cut raises was not verified; its own, google
# api_core's and grpc's classes get the benefit of the doubt.
GOOGLE_GENERATIVEAI = Client(
    "google-generativeai",
    "google-generativeai",
    (
        Raised(
            "google.api_core.exceptions.GoogleAPICallError",
            frozenset(
                {
                    "google.api_core.exceptions.GoogleAPICallError",
                    "google.api_core.exceptions.GoogleAPIError",
                }
            ),
            note="from gRPC, unverified",
        ),
    ),
    verified=False,
    namespaces=("google.generativeai", "google.api_core", "grpc", "requests"),
)
# OpenAI-shaped SDKs of Chinese providers (httpx underneath), and DashScope (requests).
ARK = _unverified("volcengine Ark", "volcengine-python-sdk", "volcenginesdkarkruntime")
ZHIPU = _unverified("zhipuai", "zhipuai", "zhipuai", "zai")
DASHSCOPE = Client(
    "dashscope",
    "dashscope",
    (REQUESTS_CUT,),
    verified=False,
    namespaces=("dashscope", "requests", "aiohttp"),
)
MISTRAL = _unverified("mistralai", "mistralai", "mistralai")
COHERE = _unverified("cohere", "cohere", "cohere")
GROQ = _unverified("groq", "groq", "groq")
TOGETHER = _unverified("together", "together", "together")
FIREWORKS = _unverified("fireworks", "fireworks-ai", "fireworks")
# AWS Bedrock through boto3 (``boto3.client("bedrock-runtime")``): its event streams read the
# body through urllib3, and botocore wraps a cut as ResponseStreamingError (not verified here;
# botocore's and urllib3's own classes get the benefit of the doubt).
BEDROCK = Client(
    "AWS Bedrock",
    "botocore",
    (
        Raised(
            "botocore.exceptions.ResponseStreamingError",
            frozenset(
                {
                    "botocore.exceptions.ResponseStreamingError",
                    "botocore.exceptions.BotoCoreError",
                }
            ),
            note="unverified",
        ),
    ),
    verified=False,
    namespaces=("botocore", "boto3", "urllib3"),
)
HUGGINGFACE = _unverified("huggingface_hub", "huggingface_hub", "huggingface_hub", "requests")
# LlamaIndex's LLM classes call the providers' SDKs (openai, anthropic, ...), whose cut
# streams raise raw transport errors; its own exception classes are not verified here.
# llama-cpp-python runs the model in the process: no connection to cut, so its calls only
# matter for the cap (their starters are "never": PY002 alone). ``create_chat_completion``
# defaults to ``max_tokens=None`` ("unlimited, depends on n_ctx", its docstring); not
# ``create_completion``/``__call__``, whose default is 16 tokens.
LLAMA_CPP = _unverified("llama-cpp-python", "llama-cpp-python", "llama_cpp")
LLAMAINDEX = _unverified("LlamaIndex", "llama-index", "llama_index", "openai", "anthropic")
LANGCHAIN = _unverified(
    "LangChain", "langchain", "langchain", "langchain_core", "openai", "anthropic"
)


@record
class Starter:
    """A method (or function) that starts a generation, relative to the client object.

    ``stream``: "kw" streams when called with ``stream=True``; "always" always returns a
    stream; "manager" returns a context manager whose ``with ... as s`` value is the stream;
    "envelope" returns a dict holding the stream (Bedrock's ``response["stream"]``); "never"
    is a plain generation call (PY002 only).
    """

    client: Client
    path: str
    stream: str
    cap: Cap | None


# Module-level functions that behave like a client (``litellm.completion``, ``ollama.chat``,
# the openai module client); their table key.
MODULE_CLIENTS: dict[str, str] = {
    "openai": "openai",
    "litellm": "litellm",
    "ollama": "ollama",
    "dashscope": "dashscope",
    "httpx": "httpx",
    "httpx2": "httpx2",
    "requests": "requests",
}


OPENAI_STARTERS = (
    Starter(OPENAI, "chat.completions.create", "kw", OPENAI_CHAT_CAP),
    Starter(OPENAI, "beta.chat.completions.create", "kw", OPENAI_CHAT_CAP),
    # The legacy completions endpoint caps an answer at 16 tokens when ``max_tokens`` is
    # not given (OpenAI's API reference; vLLM's and most compatible servers' too): no
    # cap to ask for (None), PY002 stays silent.
    Starter(OPENAI, "completions.create", "kw", None),
    Starter(OPENAI, "responses.create", "kw", RESPONSES_CAP),
    Starter(OPENAI, "chat.completions.stream", "manager", OPENAI_CHAT_CAP),
    Starter(OPENAI, "beta.chat.completions.stream", "manager", OPENAI_CHAT_CAP),
    Starter(OPENAI, "responses.stream", "manager", RESPONSES_CAP),
    # openai before 1.0: module-level resources (``openai.ChatCompletion.create``).
    Starter(OPENAI_LEGACY, "ChatCompletion.create", "kw", MAX_TOKENS_CAP),
    Starter(OPENAI_LEGACY_ASYNC, "ChatCompletion.acreate", "kw", MAX_TOKENS_CAP),
    Starter(OPENAI_LEGACY, "Completion.create", "kw", None),  # 16 tokens by default
    Starter(OPENAI_LEGACY_ASYNC, "Completion.acreate", "kw", None),
)

STARTERS: dict[str, tuple[Starter, ...]] = {
    "openai": OPENAI_STARTERS,
    "anthropic": (
        Starter(ANTHROPIC, "messages.create", "kw", ANTHROPIC_CAP),
        Starter(ANTHROPIC, "beta.messages.create", "kw", ANTHROPIC_CAP),
        Starter(ANTHROPIC, "messages.stream", "manager", ANTHROPIC_CAP),
        Starter(ANTHROPIC, "beta.messages.stream", "manager", ANTHROPIC_CAP),
        Starter(ANTHROPIC, "completions.create", "kw", ANTHROPIC_LEGACY_CAP),
    ),
    "litellm": (
        Starter(LITELLM, "completion", "kw", COMPAT_CHAT_CAP),
        Starter(LITELLM, "acompletion", "kw", COMPAT_CHAT_CAP),
        Starter(LITELLM, "text_completion", "kw", MAX_TOKENS_CAP),
        Starter(LITELLM, "atext_completion", "kw", MAX_TOKENS_CAP),
    ),
    # ``converse_stream`` returns a dict whose ``"stream"`` is the event stream ("envelope"),
    # as ``invoke_model_with_response_stream``'s ``"body"`` is (its cap is in a JSON body
    # each model family spells its own way: not checked).
    "bedrock": (
        Starter(BEDROCK, "converse_stream", "envelope", BEDROCK_CAP),
        Starter(BEDROCK, "converse", "never", BEDROCK_CAP),
        Starter(BEDROCK, "invoke_model_with_response_stream", "envelope", None),
    ),
    # ``instructor.from_litellm(litellm.completion)``: an OpenAI-shaped client over litellm.
    "instructor_litellm": (
        Starter(LITELLM, "chat.completions.create", "kw", COMPAT_CHAT_CAP),
        Starter(LITELLM, "chat.completions.create_with_completion", "kw", COMPAT_CHAT_CAP),
    ),
    "ollama": (
        Starter(OLLAMA, "chat", "kw", OLLAMA_CAP),
        Starter(OLLAMA, "generate", "kw", OLLAMA_CAP),
    ),
    "genai": (
        Starter(GOOGLE_GENAI, "models.generate_content_stream", "always", GENAI_CAP),
        Starter(GOOGLE_GENAI, "aio.models.generate_content_stream", "always", GENAI_CAP),
        Starter(GOOGLE_GENAI, "models.generate_content", "never", GENAI_CAP),
        Starter(GOOGLE_GENAI, "aio.models.generate_content", "never", GENAI_CAP),
    ),
    # ``model.start_chat()`` is the same model (values: a pass-through call), so a chat
    # session's ``send_message`` is read on the model.
    "genai_legacy": (
        Starter(GOOGLE_GENERATIVEAI, "generate_content", "kw", GENAI_LEGACY_CAP),
        Starter(GOOGLE_GENERATIVEAI, "generate_content_async", "kw", GENAI_LEGACY_CAP),
        Starter(GOOGLE_GENERATIVEAI, "send_message", "kw", GENAI_LEGACY_CAP),
        Starter(GOOGLE_GENERATIVEAI, "send_message_async", "kw", GENAI_LEGACY_CAP),
    ),
    # google-generativeai before Gemini (PaLM): module-level calls, never streamed. No cap
    # asked for: what the service did without ``max_output_tokens`` was not verified.
    "palm": (
        Starter(GOOGLE_GENERATIVEAI, "generate_text", "never", None),
        Starter(GOOGLE_GENERATIVEAI, "chat", "never", None),
        Starter(GOOGLE_GENERATIVEAI, "chat_async", "never", None),
    ),
    # Ark's Responses API (volcenginesdkarkruntime 2025+): openai's shape, ``max_output_tokens``
    # (default None) and ``stream=`` on ``responses.create``.
    "ark": (
        Starter(ARK, "chat.completions.create", "kw", COMPAT_CHAT_CAP),
        Starter(ARK, "responses.create", "kw", RESPONSES_CAP),
    ),
    "zhipu": (Starter(ZHIPU, "chat.completions.create", "kw", MAX_TOKENS_CAP),),
    "dashscope": (
        Starter(DASHSCOPE, "Generation.call", "kw", MAX_TOKENS_CAP),
        Starter(DASHSCOPE, "AioGeneration.call", "kw", MAX_TOKENS_CAP),
    ),
    "mistral": (
        Starter(MISTRAL, "chat.stream", "always", MAX_TOKENS_CAP),
        Starter(MISTRAL, "chat.stream_async", "always", MAX_TOKENS_CAP),
        Starter(MISTRAL, "chat.complete", "never", MAX_TOKENS_CAP),
        Starter(MISTRAL, "chat.complete_async", "never", MAX_TOKENS_CAP),
    ),
    "mistral_legacy": (
        Starter(MISTRAL, "chat_stream", "always", MAX_TOKENS_CAP),
        Starter(MISTRAL, "chat", "never", MAX_TOKENS_CAP),
    ),
    "llama_cpp": (
        Starter(LLAMA_CPP, "create_chat_completion", "never", MAX_TOKENS_CAP),
        Starter(LLAMA_CPP, "create_chat_completion_openai_v1", "never", MAX_TOKENS_CAP),
    ),
    "cohere": (
        Starter(COHERE, "chat_stream", "always", MAX_TOKENS_CAP),
        Starter(COHERE, "chat", "never", MAX_TOKENS_CAP),
    ),
    "groq": (Starter(GROQ, "chat.completions.create", "kw", COMPAT_CHAT_CAP),),
    "together": (Starter(TOGETHER, "chat.completions.create", "kw", MAX_TOKENS_CAP),),
    "fireworks": (
        Starter(FIREWORKS, "chat.completions.create", "kw", MAX_TOKENS_CAP),
        Starter(FIREWORKS, "chat.completions.acreate", "kw", MAX_TOKENS_CAP),
    ),
    "hf": (
        Starter(HUGGINGFACE, "chat_completion", "kw", MAX_TOKENS_CAP),
        Starter(HUGGINGFACE, "chat.completions.create", "kw", MAX_TOKENS_CAP),
        Starter(HUGGINGFACE, "text_generation", "kw", HF_TEXT_CAP),
    ),
}

# Raw HTTP: calls returning a response whose body can be streamed.
HTTP_REQUEST_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "request", "options", "head"}
)
HTTP_ITER_METHODS = frozenset(
    {
        "iter_lines",
        "iter_content",
        "iter_bytes",
        "iter_text",
        "iter_raw",
        "aiter_lines",
        "aiter_bytes",
        "aiter_text",
        "aiter_raw",
        "iter_sse",
        "aiter_sse",
        "iter_chunked",
        "iter_any",
        "iter_chunks",
        "iter_line",
    }
)
TRANSPORTS = {"httpx": HTTPX, "httpx2": HTTPX2, "requests": REQUESTS, "aiohttp": AIOHTTP}

# Decorators that retry the decorated function.
RETRY_DECORATORS = frozenset(
    {
        "tenacity.retry",
        "backoff.on_exception",
        "backoff.on_predicate",
        "retry.retry",
        "retrying.retry",
        "stamina.retry",
    }
)

# Version-dependent packages whose pins the handler looks up.
PINNED_PACKAGES = ("openai", "anthropic", "litellm")
