"""Output caps: whether a generation call passes the cap its SDK reads (``max_tokens``,
``options={"num_predict": N}``, a google-genai ``config``), where it is, and the edit that adds
one. Shared by PY002 and `streamproof audit`, so the audit's "cap" column is a risk exactly
where PY002 reports."""

from __future__ import annotations

import ast
from typing import Any

from linter.model import Edit
from linter.python import clients as K
from linter.python.analysis import Analysis, StreamStart, Sym, keyword
from linter.python.analysis.flags import flag_of, kwargs_entries
from linter.python.analysis.flow import argument_exprs, function_calls
from linter.python.analysis.remote_args import remote_arguments
from linter.python.edits import add_entry, add_keyword
from linter.python.record import record
from linter.python.removed_caps import literal_holder, removed_cap

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
            passed = _none_passed(analysis, item.value)
            if passed is not None:
                # ``max_tokens=max_tokens`` and a call of this function passes None: that
                # generation is uncapped (the value is the caller's: no fix here).
                text = analysis.document.text_of(item.value)
                return CapState(
                    "none",
                    f"`{item.arg}={text}`, and {passed} passes None for `{text}`, which "
                    f"disables the cap",
                    name=item.arg,
                )
            return CapState("present", name=item.arg or "", value=item.value)
    detail = ""
    for item in call.keywords:
        if item.arg is None:
            mapping = analysis.literal_dict(item.value)
            if mapping is None:
                exact = kwargs_entries(analysis, item.value)
                if exact is None:
                    gone = removed_cap(analysis, call, item.value, names)
                    if gone is None:
                        return CapState("unknown", f"`**{analysis.document.text_of(item.value)}`")
                    detail = f" ({gone[0]} on line {gone[1]})"
                    continue
                for name in names:
                    for value in exact.get(name, ()):
                        state = "none" if _is_none(value) else "present"
                        return CapState(state, name=name, value=value)
                # Every key of the dict is known, and none is a cap.
                keys = ", ".join(sorted(exact)) or "none"
                modules = sorted(
                    {
                        v.id[1:-1]
                        for values in exact.values()
                        for v in values
                        if isinstance(v, ast.Name) and v.id.startswith("<")
                    }
                )
                where = f", as its callers in {', '.join(modules)} pass them" if modules else ""
                detail = (
                    f" (nor does `**{analysis.document.text_of(item.value)}`, whose keys are all "
                    f"literal: {keys}{where})"
                )
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


def _none_passed(analysis: Analysis, value: ast.expr) -> str | None:
    """The call (of this file, else of another module) that passes ``None`` for the
    parameter ``value`` names, if one does."""
    if not isinstance(value, ast.Name):
        return None
    found = analysis.lookup(value.id, analysis.scope(value), analysis.document.start(value))
    if found is None or found[0] != "param":
        return None
    function = found[2]
    if len(function.bindings.get(value.id, ())) != 1:
        return None  # reassigned in the function (``max_tokens = max_tokens or 1024``)
    passed = argument_exprs(analysis, function, value.id) or []
    local = next((arg for arg in passed if _is_none(arg)), None)
    if local is not None:
        return f"the call on line {local.lineno}"
    remote = remote_arguments(analysis, function, value.id) or []
    return next((f"the call in {a.module} (line {a.line})" for a in remote if a.none), None)


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
        stars = [item.value for item in call.keywords if item.arg is None]
        if stars:
            return _star_holder(analysis, call, stars, cap, add, default)
        return CapState(
            "missing",
            f" (no `{holder_name}=`)",
            tuple(add_keyword(document, call, holder_name, entry)),
            f"{holder_name}={entry}",
        )
    if isinstance(holder, ast.Name):
        # ``config = genai.GenerationConfig(temperature=0)``, then ``generation_config=config``.
        holder = _config_bound(analysis, holder) or holder
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


def _config_bound(analysis: Analysis, name: ast.Name) -> ast.Call | None:
    """The config object a name holds where it is used: the call of a ``...Config`` class
    (``GenerationConfig``, ``GenerateContentConfig``) or of ``dict``, whose keywords are read."""
    found = analysis.lookup(name.id, analysis.scope(name), analysis.document.start(name))
    if found is None or found[0] != "expr" or not isinstance(found[1], ast.Call):
        return None
    call = found[1]
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not (last == "dict" or last.endswith("Config")) or call.args:
        return None
    return call


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


def _star_holder(
    analysis: Analysis, call: ast.Call, stars: list[ast.expr], cap: K.Cap, add: str, default: int
) -> CapState:
    """The cap holder (``options``) set in the one ``**d`` to a literal on every path."""
    held = literal_holder(analysis, call, stars[0], cap.where) if len(stars) == 1 else None
    if held is None:
        return CapState("unknown", "`**kwargs`")
    found = entries_state(held[0], cap.keywords)
    if found.state != "missing":
        return found
    text = " ".join(analysis.document.text_of(held[1].targets[0]).split())  # type: ignore[attr-defined]
    return CapState(
        "missing",
        f" (`{text}` is set on line {held[1].lineno} to a dict without `{add}`)",
        tuple(add_entry(analysis.document, held[0], add, str(default))),
        f'"{add}": {default}',
    )


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
    # A body passed for a parameter: which, and by which call (for the message).
    passed: str = ""


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
    passed = ""
    if mapping is None:
        found = _passed_body(analysis, body)
        if found is None:
            return None
        mapping, passed = found
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
    return RawGeneration(call, fragment, mapping, state, wanted, streaming, unread_url, passed)


def _passed_body(analysis: Analysis, body: ast.expr | None) -> tuple[ast.Dict, str] | None:
    """A body that is a parameter (``json=payload``), read from the calls of its function in
    this file: each must pass a dict this file reads (a literal, or keywords gathered by
    ``**payload``). The first without a cap is the one reported (with the call that passes
    it); when every one has a cap, the first. None when a call passes something opaque."""
    if not isinstance(body, ast.Name):
        return None
    found = analysis.lookup(body.id, analysis.scope(body), analysis.document.start(body))
    if found is None or found[0] not in ("param", "unknown"):
        return None
    function = found[2]
    if len(function.bindings.get(body.id, ())) != 1:
        return None  # reassigned in the function
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    gathered = node.args.kwarg is not None and node.args.kwarg.arg == body.id
    if found[0] == "unknown" and not gathered:
        return None
    if gathered:
        named = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
        calls = function_calls(analysis, function)
        dicts = [_keywords_dict(call, named) for call in calls]
        places = [f"the call on line {call.lineno}" for call in calls]
    else:
        passed = argument_exprs(analysis, function, body.id)
        if passed is None:
            return None
        dicts = [analysis.literal_dict(arg, removals=True) for arg in passed]
        places = [f"the call on line {arg.lineno}" for arg in passed]
    # The calls in other modules (their keys only: a stand-in dict for each).
    remote = remote_arguments(analysis, function, body.id) or []
    for argument in remote:
        if argument.keys is None:
            return None
        known: dict[str, Any] = dict(argument.constants)
        names = sorted(argument.keys)
        stand_in = ast.Dict(
            keys=[ast.Constant(k) for k in names],
            values=[ast.Constant(known[k]) if k in known else ast.Name(id="_") for k in names],
        )
        dicts.append(ast.copy_location(stand_in, node))
        places.append(f"the call in {argument.module} (line {argument.line})")
    if not dicts or any(d is None for d in dicts):
        return None
    readable = [d for d in dicts if d is not None]
    chosen = next(
        (i for i, d in enumerate(readable) if not {*_CHAT_BODY_CAPS, "options"} & _keys(d)),
        0,
    )
    how = "`**" if gathered else "`"
    mapping, place = readable[chosen], places[chosen]
    note = f"passed as {how}{body.id}` to {function.name}() by {place}"
    local = chosen < len(readable) - len(remote)
    if local and f"line {mapping.lineno}" not in place:
        note = f"line {mapping.lineno}, {note}"
    return mapping, note


def _keys(mapping: ast.Dict) -> set[str]:
    return {
        k.value for k in mapping.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }


def _keywords_dict(call: ast.Call, named: set[str]) -> ast.Dict | None:
    """The dict ``**payload`` gathers from a call's keywords (None: a ``**`` of its own)."""
    if any(item.arg is None for item in call.keywords):
        return None
    items = [item for item in call.keywords if item.arg not in named]
    mapping = ast.Dict(
        keys=[ast.Constant(item.arg) for item in items], values=[item.value for item in items]
    )
    return ast.copy_location(mapping, call)


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
