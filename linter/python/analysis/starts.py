"""Which calls start a generation or a stream (an SDK's method, an HTTP library's request,
another module's name for one) and which construct an LLM client. A layer of ``Analysis``
below ``Values``, which resolves the callee and asks here what calling it starts."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, cast

from linter.python import clients as K
from linter.python.analysis.aliases import remote_alias
from linter.python.analysis.flags import flag_of
from linter.python.analysis.model import Stream, StreamStart, Sym, Value
from linter.python.analysis.nodes import keyword
from linter.python.analysis.remote_calls import RemoteCalls
from linter.python.client_classes import CLIENT_CLASSES

if TYPE_CHECKING:
    from linter.python.analysis.values import Values

# LlamaIndex: the packages' roots, and the methods of its LLMs and chat engines that stream.
LLAMA_INDEX_ROOTS = frozenset({"llama_index"})
LLAMA_INDEX_STREAMS = frozenset(
    {"stream_chat", "astream_chat", "stream_complete", "astream_complete"}
)


# LangChain's and LangGraph's agent factories (``create_agent``, ``create_react_agent``): a
# compiled graph, not a chat model (no cap or timeout of its own to judge).
_AGENT_FACTORIES = frozenset({"create_agent", "create_react_agent"})
_AGENT = "agent()"


def _token_mode(call: ast.Call) -> bool:
    """``stream_mode="messages"`` (alone or in a list): the graph streams the model's tokens."""
    mode = keyword(call, "stream_mode")
    items = mode.elts if isinstance(mode, (ast.List, ast.Tuple)) else [mode]
    return any(isinstance(i, ast.Constant) and i.value == "messages" for i in items)


class Starts(RemoteCalls):
    # The helpers these call (``flag_of``, ``remote_alias``) take the whole ``Values``: this
    # layer only ever runs as part of it.
    def stream_start(self, call: ast.Call, func: Sym) -> Stream | None:
        path = func.path
        if path.startswith("@"):
            key, _, rest = path[1:].partition(".")
            key = key.split(":", 1)[0]
        else:
            head, _, rest = path.partition(".")
            key = K.MODULE_CLIENTS.get(head, "")
            if path.startswith("google.generativeai."):
                # The legacy PaLM API: module-level ``palm.generate_text(...)``, ``palm.chat``.
                key, rest = "palm", path[len("google.generativeai.") :]
            if path.startswith("httpx_sse.") and rest in ("connect_sse", "aconnect_sse"):
                start = StreamStart(call, K.HTTPX, f"{rest}()", True, None, None, http="httpx")
                return Stream(start, "manager")
        if not key or not rest:
            return None
        if key in ("lc", "lc-retry"):
            method = rest.rsplit(".", 1)[-1]
            if (
                path.startswith(f"@lc:{_AGENT}.")
                and method != "astream_events"
                and (method not in ("stream", "astream") or not _token_mode(call))
            ):
                return None  # a graph's steps (``updates``, ``values``): not the tokens
            if method in ("stream", "astream", "astream_events"):
                start = StreamStart(call, K.LANGCHAIN, f".{method}()", True, None, func.ctor)
                return Stream(start, "stream")
            return None
        if key == "li":
            method = rest.rsplit(".", 1)[-1]
            if method in LLAMA_INDEX_STREAMS:
                start = StreamStart(call, K.LLAMAINDEX, f".{method}()", True, None, func.ctor)
                return Stream(start, "stream")
            return None
        if key in K.TRANSPORTS:
            return self._http_start(call, key, rest, func)
        for starter in K.STARTERS.get(key, ()):
            if starter.path != rest:
                continue
            maybe = False
            if starter.stream == "kw":
                verdict, shown = flag_of(cast("Values", self), call)
                streaming = verdict != "no"
                maybe = verdict == "maybe"
                api = f"{rest}({shown})" if streaming else f"{rest}()"
            else:
                streaming = starter.stream in ("always", "manager", "envelope")
                api = f"{rest}()"
            start = StreamStart(
                call, starter.client, api, streaming, starter.cap, func.ctor, maybe=maybe
            )
            role = starter.stream if starter.stream in ("manager", "envelope") else "stream"
            return Stream(start, role)
        return None

    def _http_start(self, call: ast.Call, key: str, rest: str, func: Sym) -> Stream | None:
        client = K.TRANSPORTS[key]
        if key == "aiohttp":
            if rest in K.HTTP_REQUEST_METHODS and func.path.startswith("@"):
                return Stream(
                    StreamStart(call, client, f"session.{rest}()", True, None, func.ctor, http=key),
                    "response",
                )
            return None
        if key in ("httpx", "httpx2"):
            if rest == "stream":
                where = "client.stream()" if func.path.startswith("@") else f"{key}.stream()"
                return Stream(
                    StreamStart(call, client, where, True, None, func.ctor, http=key), "manager"
                )
            return None
        if key == "requests" and rest in K.HTTP_REQUEST_METHODS:
            verdict, shown = flag_of(cast("Values", self), call)
            if verdict != "no":
                where = (
                    f"session.{rest}({shown})"
                    if func.path.startswith("@")
                    else f"requests.{rest}({shown})"
                )
                start = StreamStart(
                    call, client, where, True, None, func.ctor, http=key, maybe=verdict == "maybe"
                )
                return Stream(start, "response")
        return None

    def _aliased_start(self, call: ast.Call, func: Sym) -> Stream | None:
        """A call of another module's name for an SDK function (see ``aliases``)."""
        alias = remote_alias(cast("Values", self), func)
        if alias is None:
            return None
        found = self.stream_start(call, Sym(alias[0]))
        if found is None:
            return None
        s = found.start
        start = StreamStart(
            s.call, s.client, s.api, s.streaming, s.cap, s.ctor, s.http, s.origin, s.maybe, alias[1]
        )
        return Stream(start, found.role)

    def threaded_start(self, call: ast.Call, depth: int) -> Stream | None:
        """``asyncio.to_thread(ollama.chat, model=..., messages=...)``: the SDK function run
        in a thread with the call's keywords, which are its own (the request is this call,
        and a cap or fix goes among its keywords). Only with the function as the one
        positional argument (the others would shift), and never a raw HTTP request (its URL
        is read from a position)."""
        if len(call.args) != 1 or any(k.arg is None for k in call.keywords):
            return None
        target = self.value(call.args[0], depth + 1)
        if not isinstance(target, Sym):
            return None
        found = self.stream_start(call, target)
        if found is None or found.start.http:
            return None
        s = found.start
        ran = " ".join(self.document.text_of(call.args[0]).split())
        start = StreamStart(
            s.call, s.client, s.api, s.streaming, s.cap, s.ctor, s.http, s.origin, s.maybe,
            f"`{ran}` run in a thread",
        )  # fmt: skip
        return Stream(start, found.role)

    def _construct(self, sym: Sym, call: ast.Call | None) -> Value | None:
        path = sym.path
        key = CLIENT_CLASSES.get(path)
        if key is not None:
            return Sym(f"@{key}", call)
        head = path.split(".", 1)[0]
        last = path.rsplit(".", 1)[-1]
        if head.startswith("langchain") and last[:1].isupper():
            return Sym(f"@lc:{last}", call)
        if head.startswith(("langchain", "langgraph")) and last in _AGENT_FACTORIES:
            # An agent graph: its ``.stream(stream_mode="messages")`` yields the model's tokens.
            return Sym(f"@lc:{_AGENT}", call)
        if head.startswith("langchain") and last == "init_chat_model" and call is not None:
            model = _chat_model_class(call)
            return Sym(f"@lc:{model}", call) if model else None
        if head in LLAMA_INDEX_ROOTS and last[:1].isupper():
            return Sym(f"@li:{last}", call)
        if path.startswith("@local:") and not path.endswith("()"):
            return Sym(path + "()")
        return None

    def _boto3_client(self, call: ast.Call, depth: int) -> bool:
        """``boto3.client("bedrock-runtime")`` (or a boto3 session's ``client(...)``)."""
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "client"):
            return False
        service = keyword(call, "service_name") or (call.args[0] if call.args else None)
        if not (isinstance(service, ast.Constant) and service.value == "bedrock-runtime"):
            return False
        func = self.value(call.func, depth + 1)
        if isinstance(func, Sym):
            return func.path.lstrip("@").split(".", 1)[0] == "boto3"
        # ``session = boto3.Session(...)``, then ``session.client(...)``.
        receiver = call.func.value
        if isinstance(receiver, ast.Name):
            found = self.lookup(receiver.id, self.scope(receiver), self.document.start(receiver))
            if found is not None and found[0] == "expr" and isinstance(found[1], ast.Call):
                receiver = found[1]
        if isinstance(receiver, ast.Call):
            made = self.value(receiver.func, depth + 1)
            return isinstance(made, Sym) and made.path.split(".", 1)[0] == "boto3"
        return False


# ``init_chat_model``'s providers (LangChain's ``model_provider`` names) -> the chat model
# class it builds, for the providers whose class is in ``cap_keywords.LANGCHAIN_MODELS``.
_CHAT_MODEL_PROVIDERS = {
    "openai": "ChatOpenAI",
    "azure_openai": "AzureChatOpenAI",
    "ollama": "ChatOllama",
    "google_genai": "ChatGoogleGenerativeAI",
    "google_vertexai": "ChatVertexAI",
    "groq": "ChatGroq",
    "mistralai": "ChatMistralAI",
    "together": "ChatTogether",
    "deepseek": "ChatDeepSeek",
}


def _chat_model_class(call: ast.Call) -> str:
    """The class ``init_chat_model(...)`` builds: from a literal ``model_provider=``, a
    ``"provider:model"`` name, or an OpenAI model name (``gpt-...``, ``o1``, ``o3``: what
    LangChain infers as openai); "" when not known, or when fields stay configurable at run
    time (the cap may come with them)."""
    provider = keyword(call, "model_provider")
    model = keyword(call, "model") or (call.args[0] if call.args else None)
    if keyword(call, "configurable_fields") is not None or model is None:
        return ""  # (no model: one chosen at run time, through the config)
    name = ""
    if isinstance(provider, ast.Constant) and isinstance(provider.value, str):
        name = provider.value
    elif provider is not None:
        return ""
    elif isinstance(model, ast.Constant) and isinstance(model.value, str):
        text = model.value
        if ":" in text:
            name = text.split(":", 1)[0]
        elif text.startswith(("gpt-", "o1", "o3")):
            name = "openai"
    return _CHAT_MODEL_PROVIDERS.get(name.strip().lower(), "")
