"""What says a backend is an LLM server: the names, ports and paths of LLM servers, hosted LLM
APIs and chat apps, as they appear in host names, upstream and service names, listen lines and
request paths. One source for every kind that judges a route (NGINX, Kubernetes, the stack)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# Path fragments of streaming endpoints (matched on the location's path or regex).
STREAMING_PATH = re.compile(
    r"chat[\\/]+completions|(?:^|[\\/^(|])v1[\\/]+(?:completions|responses|messages)"
    r"|api[\\/]+(?:chat|generate)(?![\w-])|generate[_-]stream|stream-chat|chat-stream|event-stream"
    r"|(?:^|[\\/^(|])(?:stream|streaming|sse|events|eventsource)(?:$|[\\/$)|?(])",
    re.IGNORECASE,
)
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# The endpoints of LLM servers' own APIs (OpenAI-style, Ollama, TGI) among those: a path that
# says the backend is an LLM server, not only that an app streams there (`/stream`, `/events`).
_LLM_API_PATH = functools.cache(
    lambda: re.compile(
        r"chat[\\/]+completions|(?:^|[\\/^(|])v1[\\/]+(?:completions|responses|messages)"
        r"|api[\\/]+(?:chat|generate)\b|generate_stream",
        re.IGNORECASE,
    )
)


def llm_api_path(path: str) -> bool:
    """A location path (or regex) that names an LLM server's own API endpoint."""
    return _LLM_API_PATH().search(path) is not None


# MCP's streamable HTTP transport is one endpoint (`/mcp`). A prefix location going on past
# it may hold a server a gateway mounts there (`/mcp/github/`); an exact-match location going
# on past it is one endpoint of an app's own REST API (`= /api/mcp/tools`), not the transport.
# Right under an app's API prefix (`/api/mcp`) it names a resource of that API, the settings
# of the MCP servers the app uses (DeerFlow's and LibreChat's JSON endpoints), not a transport.
_NOT_UNDER_API = r"(?<!api[\\/])"
_MCP_SEGMENT = re.compile(
    r"(?:^|[\\/^(|])" + _NOT_UNDER_API + r"mcp(?:$|[\\/$)|?(])", re.IGNORECASE
)
_MCP_LAST_SEGMENT = functools.cache(
    lambda: re.compile(
        r"(?:^|[\\/^(|])" + _NOT_UNDER_API + r"mcp[\\/]?(?:$|[$)|?(])", re.IGNORECASE
    )
)

# Paths that are not streams even on an LLM server (health checks, metrics, UIs, auth): the
# weaker signals (upstream, server_name, a LiteLLM config, `proxy_buffering off` copied into
# every location) do not make these streaming routes.
NOT_STREAMING_SEGMENTS = frozenset(
    [
        "health",
        "healthz",
        "healthcheck",
        "health_check",
        "liveliness",
        "liveness",
        "livez",
        "readiness",
        "readyz",
        "ready",
        "live",
        "metrics",
        "status",
        "ping",
        # Info and status pages (Apache's `/server-info` and `/server-status`, nginx's
        # `stub_status`, an app's `/version`): one small answer each.
        "info",
        "version",
        "server-info",
        "server_info",
        "server-status",
        "nginx_status",
        "stub_status",
        "favicon.ico",
        "robots.txt",
        "static",
        "assets",
        "ui",
        "login",
        "logout",
        "auth",
        "oauth",
        "oauth2",
        "callback",
        "sso",
        "saml",
        "docs",
        "redoc",
        "openapi.json",
        "swagger",
        "swagger-ui",
        ".well-known",
        "_next",
        "image",
        "images",
        "img",
        "css",
        "js",
        "fonts",
        "uploads",
        "files",
        # Socket.IO (Engine.IO) endpoints: the library heartbeats every 25 s by default
        # (pingInterval, Node and python-engineio alike), so nginx's 60 s idle limit is never
        # reached, and an upgraded WebSocket is relayed unbuffered.
        "socket.io",
        "engine.io",
        # A WebSocket endpoint named so: an upgraded connection is relayed unbuffered, and
        # socket servers ping (uvicorn every 20 s), so neither buffering nor the idle limit
        # holds its messages back.
        "ws",
        "websocket",
        "websockets",
        # Streamlit's own endpoints (`/_stcore/stream` is its WebSocket, the others answer
        # in one piece): a Streamlit app never serves an event stream.
        "_stcore",
        # OpenAI-style endpoints that answer in one piece.
        "embeddings",
        "embedding",
        "moderations",
        "rerank",
        "tokenize",
        "detokenize",
    ]
)


# Segments that name an endpoint answering in one piece when they end the path: an app's or
# a proxy's configuration (`= /config`, `/api/config`: Open WebUI's, LibreChat's, Gradio's
# are JSON). Under it (`/config/...`) another word may name a stream, so only the last counts.
NOT_STREAMING_LAST_SEGMENTS = frozenset({"config"})


@functools.lru_cache(maxsize=4096)  # pure; called per route, with few distinct texts
def not_streaming_path(path: str) -> bool:
    """A segment of the path (every alternative of it, for a regex) names something that is
    not a stream: `/health`, `= /metrics`, `^/auth/saml`, `/ui/`, `/mcp/oauth/callback`."""
    # An escaped dot (`socket\.io`, `openapi\.json`) is part of its segment, not a separator.
    text = re.sub(r"^[=~*^\s]+", "", path.replace("\\.", ".")).lstrip("^/\\")
    for segment in re.split(r"[/\\]+", text):
        segment = segment.strip("()$?^")
        if not segment or "(" in segment or ")" in segment:
            continue
        alternatives = [a.strip("()$?").replace("\\.", ".") for a in segment.split("|")]
        if all(a.lower() in NOT_STREAMING_SEGMENTS for a in alternatives if a) and any(
            alternatives
        ):
            return True
    last = re.split(r"[/\\]+", text.rstrip("/\\$"))[-1].lower()
    if last in NOT_STREAMING_LAST_SEGMENTS:
        return True
    return _static_files_path(text) or _answering_endpoint(text)


# Endpoints of LLM servers that answer in one piece, as a location path ends in them: Ollama's
# model list, version, running models, model details and embeddings, and the OpenAI-style model
# list (a drop-in proxy routes them apart from the streaming `/api/chat`, `/v1/...`). Not
# Ollama's `/api/pull`, `/api/push` or `/api/create`: they stream progress by default.
_ANSWERING_ENDPOINT = re.compile(
    r"(?:^|/)(?:api/(?:tags|version|ps|show|embed|embeddings)|v1/(?:models|embeddings))/?$",
    re.IGNORECASE,
)
# One group of plain alternatives in a regex location (`^/api/(tags|version)$`).
_ALTERNATIVES = re.compile(r"\((?:\?:)?([\w|-]+)\)")


def _answering_endpoint(text: str) -> bool:
    """The location's path only matches endpoints that answer in one piece (every
    alternative of one group of a regex): `/api/tags`, `= /v1/models`, `^/api/(ps|show)$`."""
    text = text.strip().rstrip("$").replace("\\/", "/")
    if not text.startswith("/"):
        text = "/" + text
    groups = _ALTERNATIVES.findall(text)
    if len(groups) > 1:
        return False
    if groups:
        match = _ALTERNATIVES.search(text)
        assert match is not None
        return all(
            _ANSWERING_ENDPOINT.search(text[: match.start()] + word + text[match.end() :])
            for word in groups[0].split("|")
        )
    return _ANSWERING_ENDPOINT.search(text) is not None


# File types a location serves as static assets (a regex location matching them, as
# `~* \.(css|js|png)$`, or a path ending in one): never a stream, whatever the backend is.
_STATIC_EXTENSIONS = frozenset(
    {"css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "ico", "svg", "svgz", "webp",
     "avif", "bmp", "woff", "woff2", "ttf", "otf", "eot", "html", "htm", "mp3", "mp4", "webm",
     "ogg", "wav", "pdf", "zip", "gz"}
)  # fmt: skip
_EXTENSION_END = re.compile(r"\.\(?(?:\?:)?([a-z0-9|]+)\)?\$?$", re.IGNORECASE)


def _static_files_path(text: str) -> bool:
    """The path ends in a file extension of static assets (every alternative of a regex)."""
    match = _EXTENSION_END.search(text.strip())
    if match is None:
        return False
    alternatives = [a for a in match.group(1).lower().split("|") if a]
    return bool(alternatives) and all(a in _STATIC_EXTENSIONS for a in alternatives)


# Names of LLM servers and hosted LLM APIs, as they appear in host names and upstream names.
LLM_NAMES = (
    "litellm",
    "ollama",
    "vllm",
    "openwebui",
    "open-webui",
    "librechat",
    "anythingllm",
    "localai",
    "lmstudio",
    "lm-studio",
    "sglang",
    "llamacpp",
    "llama-cpp",
    "llama_cpp",
    "llama-server",
    "llamafile",
    "koboldcpp",
    "oobabooga",
    "text-generation",
    "tabbyapi",
    "openllm",
    "xinference",
    "lmdeploy",
    "fastchat",
    # Chat apps and LLM app builders that stream their answers (SSE or Gradio's queue).
    "flowise",
    "langflow",
    "dify-api",
    "lobe-chat",
    "lobechat",
    "nextchat",
    "chatgpt-next-web",
    "chatbot-ui",
    "big-agi",
    "h2ogpt",
    "privategpt",
    "private-gpt",
    "ragflow",
    "fastgpt",
    "text-generation-webui",
    "gradio",
    # Self-hosted chat and RAG apps whose chat endpoints stream (SSE or NDJSON).
    "geekai",
    "maxkb",
    "qanything",
    "chatchat",
    "khoj",
    "quivr",
    "danswer",
    "perplexica",
    "api.openai.com",
    "openai.azure.com",
    "api.anthropic.com",
    "openrouter.ai",
    "generativelanguage.googleapis.com",
    "api.mistral.ai",
    "api.groq.com",
    "api.deepseek.com",
    "api.together.xyz",
    "api.cohere.ai",
    "api.cohere.com",
    "api.ai21.com",
    "api-inference.huggingface.co",
    "api.fireworks.ai",
    "api.perplexity.ai",
)
# Short names that only count as a whole part of a host name (`tgi`, `llm-gateway`).
LLM_NAME_PARTS = frozenset({"tgi", "llm", "llms", "llama", "vllm", "ollama", "litellm", "openai"})
# The generic word alone (`llm-server`, `llm_api`): it names an app about LLMs, which may answer
# over REST or a WebSocket as well as stream, so it counts only beside a second sign (the port of
# an LLM server, a raised read timeout); a product or model name counts on its own.
GENERIC_LLM_WORDS = frozenset({"llm", "llms"})


def llm_word_only(product: str) -> bool:
    """What ``llm_name`` found is only the word `llm`, alone or made into another word
    (`llmbook`, `millm`), not a product's name (`litellm`, `anythingllm`): it names a topic
    (an app or a site about LLMs) as often as an LLM server."""
    return product in GENERIC_LLM_WORDS or ("llm" in product and product not in LLM_NAMES)


# Model families, as a whole part of a name once a version number is taken off
# (`backend_qwen3_8b`, `llama31`): an upstream named for a model serves it.
MODEL_FAMILIES = frozenset(
    {"llama", "qwen", "mistral", "mixtral", "gemma", "deepseek", "gpt", "claude", "gemini"}
)
# An MCP server (its streamable HTTP transport answers in SSE), as a whole part of a name.
MCP_NAME = re.compile(r"(?:^|[^a-z0-9])mcp(?:$|[^a-z0-9])", re.IGNORECASE)
# Ports LLM servers listen on by default, distinctive enough to count on their own.
LLM_PORTS = {
    "4000": "LiteLLM's port 4000",
    "11434": "Ollama's port 11434",
    "3080": "LibreChat's port 3080",
    "1234": "LM Studio's port 1234",
    "7860": "Gradio's port 7860 (Gradio apps stream over SSE)",
}
GRADIO_PORT = "7860"
# Ports a server listening on makes it a drop-in proxy for that LLM server.
LLM_LISTEN_PORTS = {
    "11434": "Ollama's port 11434",
    "4000": "LiteLLM's port 4000",
    "1234": "LM Studio's port 1234",
}
# vLLM's and TGI's 8000 is every web app's port too: it counts only beside an LLM name.
VLLM_PORT = "8000"


# A part of a host or service name that makes it a side service of the product it names
# (`librechat-admin`, `ollama-exporter`, `litellm-db`): not the server that streams.
SIDE_SERVICE_PARTS = frozenset(
    {"admin", "dashboard", "db", "database", "postgres", "postgresql", "pgvector", "mongo",
     "mongodb", "redis", "meilisearch", "exporter", "metrics", "prometheus", "grafana",
     "monitor", "monitoring", "docs", "minio", "qdrant", "chromadb", "weaviate", "milvus"}
)  # fmt: skip


@functools.lru_cache(maxsize=4096)  # pure; called per route, with few distinct texts
def llm_name(text: str) -> str | None:
    lowered = text.lower()
    parts = re.split(r"[^a-z0-9]+", lowered)
    if not any(c.isspace() for c in lowered) and SIDE_SERVICE_PARTS.intersection(parts):
        return None  # a name, not prose: `librechat-admin:3000` is the admin panel's
    # Written with spaces or other separators in prose (`# Open WebUI proxy`).
    compact = re.sub(r"[\s_.-]+", "", lowered)
    for name in LLM_NAMES:
        if name in lowered or ("." not in name and name.replace("-", "") in compact):
            return name
    for part in parts:
        if part in LLM_NAME_PARTS:
            return part
        family = part.rstrip("0123456789")
        if family in MODEL_FAMILIES or (family in LLM_NAME_PARTS and family != part):
            return family
        # `routellm`, `llmproxy`: a word made with "llm" (no English word holds it).
        if len(part) > 3 and (part.startswith("llm") or part.endswith("llm")):
            return part
    return None


def llm_port(port: str) -> str | None:
    """What a port number says about the server behind it ("LiteLLM's port 4000"), if much."""
    return LLM_PORTS.get(port.strip())


def llm_server_port(port: str) -> str | None:
    """An LLM server's port as a second sign beside a name: the distinctive ones, and vLLM's and
    TGI's 8000 (every web app's port too, so never a sign on its own)."""
    port = port.strip()
    if port == VLLM_PORT:
        return "vLLM's and TGI's port 8000"
    return LLM_PORTS.get(port)


def streaming_path(path: str, exact: bool = False) -> bool:
    """A path (or a location's regex) that names a streaming endpoint. ``exact``: the path is
    an exact-match location's (`location = /api/mcp/tools`), which names one endpoint."""
    if STREAMING_PATH.search(path) is not None:
        return True
    return (_MCP_LAST_SEGMENT() if exact else _MCP_SEGMENT).search(path) is not None


# Chat apps (not LLM servers) that serve their API, streams included, under a prefix, and
# their pages at `/` (an LLM server or proxy answers OpenAI paths at its root too).
CHAT_APPS = ("librechat", "open-webui", "openwebui", "anythingllm", "flowise", "langflow",
             "lobe-chat", "lobechat", "nextchat", "chatbot-ui", "big-agi", "ragflow", "fastgpt")  # fmt: skip
CHAT_APP_PORTS = {"3080": "librechat"}


# LLM servers served by uvicorn (its idle keep-alive is 5s by default), by name and by port.
UVICORN_LLM_SERVERS = {"litellm": "LiteLLM", "vllm": "vLLM"}
UVICORN_LLM_PORTS = {"4000": "LiteLLM"}
# LiteLLM proxy's default port (`litellm --port`).
LITELLM_PORT = "4000"


@functools.lru_cache(maxsize=4096)  # pure; called per route, with few distinct texts
def gpt_app_word(name: str) -> str | None:
    """`docgpt`, `chatgpt`, `gptbot`, `gpt4all`: a word made with "gpt" in a host name names a
    GPT app as one made with "llm" does (no English word holds it either). Only for a
    server's own name (the NGINX catch-all signal) and a container image's (`chatgpt-web`,
    an app that ships its API with it): elsewhere such words name a UI as often as a backend
    (`.Values.gpts.portal.host` in a Helm chart is a web portal's)."""
    for part in re.split(r"[^a-z0-9]+", name.lower()):
        if len(part) > 3 and (part.startswith("gpt") or part.endswith("gpt")):
            return part
    return None


# The first label of a host name that names a service of its own (`docs.`, `grafana.`,
# `status.`): an LLM word further right names the owner's domain, not what this host serves.
OTHER_SERVICE_LABELS = frozenset(
    {"docs", "doc", "wiki", "blog", "www-docs", "status", "grafana", "prometheus", "kibana",
     "metrics", "monitor", "monitoring", "dashboard", "admin", "auth", "sso", "login",
     "keycloak", "mail", "smtp", "cdn", "static", "assets", "img", "images", "minio", "s3",
     "storage", "portainer", "traefik", "n8n", "langfuse", "jenkins", "git", "gitlab"}
)  # fmt: skip


@functools.lru_cache(maxsize=4096)  # pure; called per server, with few distinct names
def server_name_product(name: str) -> str | None:
    """The LLM app a server's own name names, for the catch-all signal. The name is cut into
    words at dots, dashes and underscores, the same for every word: a word that is an LLM
    product or a model family (`ollama.`, `gpt-suite.`) counts, and so does one made with
    "gpt" or "llm" (`docgpt.`, `chatgpt.`, `routellm.`), since no English word holds either.
    None when the first label names another service (`docs.docgpt.example`,
    `grafana.ollama.example`), or for a wildcard or regex name."""
    lowered = name.lower().strip(".")
    if not lowered or lowered.startswith("~") or lowered == "_":
        return None
    labels = lowered.split(".")
    if labels[0] in OTHER_SERVICE_LABELS:
        return None
    return llm_name(lowered) or gpt_app_word(lowered)


def _alternation(names: Iterable[str]) -> re.Pattern[str]:
    """One pattern for many names, the longest first (`text-generation-webui` before
    `text-generation`)."""
    return re.compile("|".join(sorted({re.escape(n) for n in names}, key=len, reverse=True)))


# Product names as a location's path writes them (`/open-webui/`) or without their separators
# (`/open_webui/`); `tgi` only as a whole word (`/tgi/`, not `/tgif/`).
_PATH_PRODUCTS = _alternation(n for n in LLM_NAMES if "." not in n)
_PATH_PRODUCTS_COMPACT = _alternation(n.replace("-", "") for n in LLM_NAMES if "." not in n)
_PATH_WORDS = re.compile(r"(?<![a-z0-9])(tgi)(?![a-z0-9])")


@functools.lru_cache(maxsize=4096)  # pure; called per route, with few distinct texts
def llm_server_in_path(path: str) -> str | None:
    """The LLM server or chat app a location's path names (`/vllm/`, `/ollama/api/`,
    `^/open-webui/(.*)`): a route under it goes to that server as surely as to an upstream
    named so. Product names only: a generic word (`/llm/`, `/ai/`, `/gpt/`, a model family)
    names an app's own route as often as a server."""
    lowered = path.lower()
    if _answering_compound(lowered):
        return None
    match = (
        _PATH_PRODUCTS.search(lowered)
        or _PATH_PRODUCTS_COMPACT.search(re.sub(r"[_.-]+", "", lowered))
        or _PATH_WORDS.search(lowered)
    )
    return match.group(0) if match else None


# Words that, joined to a product name in a path's last segment, name an app's endpoint that
# answers in one piece about that server (`/api/ollama-models`, `/vllm_status`), not a mount.
_ANSWERING_WORDS = frozenset(
    {"models", "model", "tags", "list", "version", "versions", "status", "health", "info",
     "stats", "config", "settings"}
)  # fmt: skip


def _answering_compound(path: str) -> bool:
    last = re.split(r"[/\\]+", path.strip("=~*^$ ").rstrip("/\\"))[-1]
    words = [w for w in re.split(r"[_.-]+", last) if w]
    return len(words) > 1 and any(w in _ANSWERING_WORDS for w in words)
