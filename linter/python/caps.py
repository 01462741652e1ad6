"""Output caps: whether a generation call passes the cap its SDK reads (``max_tokens``,
``options={"num_predict": N}``, a google-genai ``config``), where it is, and the edit that adds
one. Shared by PY002 and `streamproof audit`, so the audit's "cap" column is a risk exactly
where PY002 reports."""

from __future__ import annotations

import ast

from linter.model import Edit
from linter.python import clients as K
from linter.python.analysis import Analysis, StreamStart, Sym, keyword
from linter.python.analysis.flags import flag_of, kwargs_entries
from linter.python.edits import add_entry, add_keyword
from linter.record import record

_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")


@record
class CapState:
    """``present``, ``unknown`` (behind something opaque: stay silent), ``missing`` or
    ``none`` (an explicit ``None``). ``edits`` is the fix where one is certain. ``name`` and
    ``value`` are the cap found (``present``/``none``), for the audit."""

    state: str
    detail: str = ""
    edits: tuple[Edit, ...] = ()
    added: str = ""
    name: str = ""
    value: ast.expr | None = None


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def entries_state(mapping: ast.Dict, names: tuple[str, ...]) -> CapState:
    state = CapState("missing")
    for key, value in zip(mapping.keys, mapping.values, strict=False):
        if key is None:
            state = CapState("unknown")  # ``**other`` may hold it
        elif isinstance(key, ast.Constant) and key.value in names:
            return CapState("none" if _is_none(value) else "present", name=key.value, value=value)
    return state


def _keywords_state(analysis: Analysis, call: ast.Call, names: tuple[str, ...]) -> CapState:
    """The cap among the keywords of ``call``, looking into ``**d`` when ``d`` is a dict
    literal of the file."""
    for item in call.keywords:
        if item.arg in names:
            if _is_none(item.value):
                return CapState(
                    "none", f"`{item.arg}=None` disables the cap", name=item.arg, value=item.value
                )
            return CapState("present", name=item.arg or "", value=item.value)
    detail = ""
    for item in call.keywords:
        if item.arg is None:
            mapping = analysis.literal_dict(item.value)
            if mapping is None:
                exact = kwargs_entries(analysis, item.value)
                if exact is None:
                    return CapState("unknown", f"`**{analysis.document.text_of(item.value)}`")
                for name in names:
                    for value in exact.get(name, ()):
                        state = "none" if _is_none(value) else "present"
                        return CapState(state, name=name, value=value)
                # Every key of the dict is known, and none is a cap.
                detail = f" (nor does `**{analysis.document.text_of(item.value)}`, whose keys are all literal)"
                continue
            inner = entries_state(mapping, names)
            if inner.state == "none":
                return CapState(
                    "none",
                    f"`{inner.name}: None` in the `**{analysis.document.text_of(item.value)}` dict "
                    f"(line {mapping.lineno}) disables the cap",
                    name=inner.name,
                    value=inner.value,
                )
            if inner.state in ("present", "unknown"):
                return inner
            detail = f" (nor does the `**{analysis.document.text_of(item.value)}` dict on line {mapping.lineno})"
    return CapState("missing", detail)


def cap_state(analysis: Analysis, call: ast.Call, cap: K.Cap, add: str, default: int) -> CapState:
    document = analysis.document
    if cap.where == "kw":
        found = _keywords_state(analysis, call, cap.keywords)
        if (
            found.state == "none"
            and found.value is not None
            and found.value in [k.value for k in call.keywords]
        ):
            start, end = document.span(found.value)
            return CapState(
                "none",
                found.detail,
                (Edit(document.path, start, end, str(default)),),
                f"{add}={default}",
                found.name,
                found.value,
            )
        if found.state == "missing":
            return CapState(
                "missing",
                found.detail,
                tuple(add_keyword(document, call, add, str(default))),
                f"{add}={default}",
            )
        return found
    holder_name = cap.where  # "options", "config", "additional_kwargs", "generation_config"
    holder = keyword(call, holder_name)
    entry = f'{{"{add}": {default}}}'
    if holder is None:
        if any(item.arg is None for item in call.keywords):
            return CapState("unknown", "`**kwargs`")
        return CapState(
            "missing",
            f" (no `{holder_name}=`)",
            tuple(add_keyword(document, call, holder_name, entry)),
            f"{holder_name}={entry}",
        )
    if isinstance(holder, ast.Dict):
        found = entries_state(holder, cap.keywords)
        if found.state == "missing":
            return CapState(
                "missing",
                f" (`{holder_name}` has no `{add}`)",
                tuple(add_entry(document, holder, add, str(default))),
                f'"{add}": {default}',
            )
        return found
    if isinstance(holder, ast.Call):
        found = _keywords_state(analysis, holder, cap.keywords)
        if found.state == "missing":
            return CapState(
                "missing",
                f" (`{holder_name}` has no `{add}`)",
                tuple(add_keyword(document, holder, add, str(default))),
                f"{add}={default}",
            )
        if found.state == "none" and found.value is not None:
            start, end = document.span(found.value)
            return CapState(
                "none",
                f"`{add}=None` disables the cap",
                (Edit(document.path, start, end, str(default)),),
                f"{add}={default}",
                found.name,
                found.value,
            )
        return found
    mapping = analysis.literal_dict(holder)
    if mapping is not None:
        found = entries_state(mapping, cap.keywords)
        if found.state == "missing":
            return CapState(
                "missing", f" (the `{holder_name}` dict on line {mapping.lineno} has no `{add}`)"
            )
        return found
    return CapState("unknown", f"`{holder_name}={document.text_of(holder)}`")


def openai_keyword(analysis: Analysis, call: ast.Call, ctor: ast.Call | None) -> str:
    """max_completion_tokens for OpenAI itself and reasoning models; max_tokens for an
    OpenAI-compatible server (a client made with base_url), which often reads only that."""
    model = keyword(call, "model")
    if (
        isinstance(model, ast.Constant)
        and isinstance(model.value, str)
        and model.value.startswith(_REASONING_MODELS)
    ):
        return "max_completion_tokens"
    if ctor is not None and keyword(ctor, "base_url") is not None:
        return "max_tokens"
    return "max_completion_tokens"


def checked(start: StreamStart, all_calls: bool) -> bool:
    """Whether PY002 looks at this generation call under the current settings."""
    cap = start.cap
    if cap is None or start.http or resumed_stream(start):
        return False
    return start.streaming or all_calls or cap.required


def resumed_stream(start: StreamStart) -> bool:
    """``responses.stream(response_id=..., starting_after=...)`` resumes a stored Responses
    stream: the SDK rejects an output cap there (the original request set it)."""
    return start.cap is K.RESPONSES_CAP and keyword(start.call, "response_id") is not None


def sdk_cap(analysis: Analysis, start: StreamStart, default: int) -> tuple[CapState, str]:
    """The cap state of an SDK generation call and the keyword a fix adds."""
    assert start.cap is not None
    add = start.cap.add
    if start.client is K.OPENAI and start.cap is K.OPENAI_CHAT_CAP:
        add = openai_keyword(analysis, start.call, start.ctor)
    found = cap_state(analysis, start.call, start.cap, add, default)
    if start.cap is K.GENAI_LEGACY_CAP and found.state == "missing":
        found = _model_config(analysis, start, found, add, default)
    return found, add


def _model_config(
    analysis: Analysis, start: StreamStart, at_call: CapState, add: str, default: int
) -> CapState:
    """google-generativeai also takes ``generation_config=`` where the GenerativeModel is
    made: a cap there counts; a model made where this file cannot see is not judged."""
    if start.ctor is None:
        return CapState("unknown", "a model made elsewhere")
    at_model = cap_state(analysis, start.ctor, start.cap or K.GENAI_LEGACY_CAP, add, default)
    if at_model.state != "missing":
        return at_model
    line = start.ctor.lineno
    return CapState(
        "missing",
        f"{at_call.detail}, nor in the GenerativeModel made on line {line}",
        at_call.edits,
        at_call.added,
    )


def langchain_model(analysis: Analysis, ctor: ast.Call) -> K.Cap | None:
    """The cap of the LangChain chat model ``ctor`` constructs (None: not a known model)."""
    value = analysis.value(ctor)
    if not (isinstance(value, Sym) and value.ctor is ctor and value.path.startswith("@lc:")):
        return None
    return K.LANGCHAIN_MODELS.get(value.path[len("@lc:") :])


def llama_index_model(analysis: Analysis, ctor: ast.Call) -> K.Cap | None:
    """The cap of the LlamaIndex LLM ``ctor`` constructs (None: not one whose default is
    uncapped)."""
    value = analysis.value(ctor)
    if not (isinstance(value, Sym) and value.ctor is ctor and value.path.startswith("@li:")):
        return None
    return K.LLAMA_INDEX_MODELS.get(value.path[len("@li:") :])


def llama_index_cap(analysis: Analysis, ctor: ast.Call, default: int) -> CapState | None:
    """The cap state of the LlamaIndex LLM ``ctor`` constructs (None: not one whose default
    is uncapped), counting the other keyword that may carry the cap (``additional_kwargs``
    merged into an OpenAI-family request, ...): unknown unless it is a dict literal without
    a cap key."""
    cap = llama_index_model(analysis, ctor)
    if cap is None:
        return None
    value = analysis.value(ctor)
    other = (
        K.LLAMA_INDEX_OTHER_CAPS.get(value.path[len("@li:") :]) if isinstance(value, Sym) else None
    )
    holder = keyword(ctor, other[0]) if other is not None else None
    if other is not None and holder is not None:
        if not (isinstance(holder, ast.Dict) and other[1]):
            return CapState("unknown", f"`{other[0]}=`")
        found = entries_state(holder, other[1])
        if found.state != "missing":
            return found
    return cap_state(analysis, ctor, cap, cap.add, default)


def langchain_models(analysis: Analysis) -> list[ast.Call]:
    """Constructors of known LangChain chat models in this file, streamed or not."""
    return [call for call in analysis.calls if langchain_model(analysis, call) is not None]


def streamed_langchain_models(analysis: Analysis) -> list[ast.Call]:
    """Constructors of known LangChain chat models made with ``streaming=True`` or whose
    ``.stream()``/``.astream()`` this file calls."""
    streamed = {
        id(s.ctor) for s in analysis.starts if s.client is K.LANGCHAIN and s.ctor is not None
    }
    found = []
    for call in analysis.calls:
        if langchain_model(analysis, call) is None:
            continue
        # ``streaming=True``, or a flag that may be true (``streaming=self.streaming``).
        if id(call) in streamed or flag_of(analysis, call, "streaming")[0] != "no":
            found.append(call)
    return found


# --- raw HTTP generation endpoints ---------------------------------------------------------------

# Path fragment -> (cap keys, where, streams by default).
_ENDPOINTS = (
    ("/api/generate", ("num_predict",), "options", True),
    ("/api/chat", ("num_predict",), "options", True),
    ("/chat/completions", ("max_tokens", "max_completion_tokens"), "body", False),
    # Not ``/v1/completions``: the legacy endpoint stops at 16 tokens when no cap is given.
    ("/v1/messages", ("max_tokens",), "body", False),
)


@record
class RawGeneration:
    """A POST to a known generation endpoint whose JSON body is a dict literal."""

    call: ast.Call
    endpoint: str
    body: ast.Dict
    cap: CapState  # "present", "none", "missing" or "unknown"
    wanted: str  # what to add, e.g. '`"max_tokens": N`'
    streaming: bool = True
    # The URL as written, when the file cannot read it and the body said the endpoint.
    unread_url: str = ""


# Generation endpoints of the APIs streamproof knows (OpenAI-compatible, Anthropic, Ollama).
_GENERATION_ENDPOINTS = (
    "/chat/completions",
    "/completions",
    "/responses",
    "/messages",
    "/api/generate",
    "/api/chat",
)


def generation_endpoint(analysis: Analysis, call: ast.Call) -> str | None:
    """The URL path of ``call`` when it is a raw-HTTP request (requests, httpx, aiohttp:
    ``post``, ``request``, ``stream``) to a generation endpoint, URL literal or f-string."""
    func = analysis.value(call.func)
    if not isinstance(func, Sym):
        return None
    head, _, method = func.path.lstrip("@").rpartition(".")
    if head.split(":", 1)[0] not in ("requests", "httpx", "httpx2", "aiohttp") or method not in (
        "post",
        "request",
        "stream",
    ):
        return None
    url_index = 1 if method in ("request", "stream") else 0
    url = keyword(call, "url") or (call.args[url_index] if len(call.args) > url_index else None)
    text = analysis.string_of(url)
    if text is None:
        return None
    path = text.split("?", 1)[0].rstrip("/")
    return path if path.endswith(_GENERATION_ENDPOINTS) else None


def raw_generation(
    analysis: Analysis, call: ast.Call, all_calls: bool = False
) -> RawGeneration | None:
    """``call`` as a raw-HTTP generation request, when it is one: a streaming one, or with
    ``all_calls`` any."""
    path = generation_endpoint(analysis, call)
    endpoint: tuple[str, tuple[str, ...], str, bool] | None = None
    unread_url = ""
    if path is not None:
        endpoint = next((e for e in _ENDPOINTS if path.endswith(e[0])), None)
        if endpoint is None:
            return None
    elif not _opaque_url_post(analysis, call):
        return None
    body = keyword(call, "json")
    if body is None:
        data = keyword(call, "data")
        if (
            isinstance(data, ast.Call)
            and isinstance(data.func, ast.Attribute)
            and data.func.attr == "dumps"
            and data.args
        ):
            body = data.args[0]
    # Keys taken out of the body (``payload.pop("temperature")``) cannot add a cap.
    mapping = analysis.literal_dict(body, removals=True)
    if mapping is None:
        return None
    names = {
        k.value for k in mapping.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }
    if endpoint is None:
        endpoint = _endpoint_of_body(names)
        if endpoint is None:
            return None
        url = keyword(call, "url") or call.args[0]
        unread_url = " ".join(analysis.document.text_of(url).split())
    fragment, keys, where, streams_by_default = endpoint
    if "model" not in names or not names & {"messages", "prompt"}:
        return None  # not a generation body (or one built elsewhere)
    stream_value = _entry(mapping, "stream")
    streaming = (
        streams_by_default
        if stream_value is None
        else not (isinstance(stream_value, ast.Constant) and not stream_value.value)
    )
    if not streaming and not all_calls:
        return None
    if where == "options":
        wanted = '`"options": {"num_predict": N}`'
        options = _entry(mapping, "options")
        if options is not None:
            inner = analysis.literal_dict(options)
            state = entries_state(inner, keys) if inner is not None else CapState("unknown")
        elif any(k is None for k in mapping.keys):
            state = CapState("unknown")
        else:
            state = CapState("missing")
    else:
        wanted = f'`"{keys[0]}": N`'
        state = entries_state(mapping, keys)
    return RawGeneration(call, fragment, mapping, state, wanted, streaming, unread_url)


def _opaque_url_post(analysis: Analysis, call: ast.Call) -> bool:
    """A raw-HTTP POST (requests, httpx, aiohttp) whose URL this file cannot read (a config
    value, an attribute, a parameter): its body alone can then say it is a generation."""
    func = analysis.value(call.func)
    if not isinstance(func, Sym):
        return False
    head, _, method = func.path.lstrip("@").rpartition(".")
    if head.split(":", 1)[0] not in ("requests", "httpx", "httpx2", "aiohttp") or method != "post":
        return False
    url = keyword(call, "url") or (call.args[0] if call.args else None)
    return url is not None and analysis.string_of(url) is None


# Cap keys of every API whose request body has top-level ``model`` and ``messages``; any of
# them in such a body, under an unknown URL, is taken as its cap (precision first).
_CHAT_BODY_CAPS = (
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "max_new_tokens",
    "max_tokens_to_sample",
)


def _endpoint_of_body(names: set[str]) -> tuple[str, tuple[str, ...], str, bool] | None:
    """The endpoint a JSON body sent to an unknown URL is for, from its keys: ``model`` and
    ``messages`` with ``options`` is Ollama's ``/api/chat``; without, a chat completion
    (OpenAI-compatible, Anthropic and most others use ``max_tokens``). A body that names a cap
    key of any API, or ``prompt`` only, is left alone."""
    if "model" not in names or "messages" not in names or names & set(_CHAT_BODY_CAPS):
        return None
    if "options" in names:
        return ("/api/chat", ("num_predict",), "options", True)
    return ("/chat/completions", _CHAT_BODY_CAPS, "body", False)


def _entry(mapping: ast.Dict, name: str) -> ast.expr | None:
    return next(
        (
            v
            for k, v in zip(mapping.keys, mapping.values, strict=False)
            if isinstance(k, ast.Constant) and k.value == name
        ),
        None,
    )
