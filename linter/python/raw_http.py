"""Raw-HTTP generation requests (requests, httpx, aiohttp POSTs to a known generation
endpoint, or to an unread URL whose JSON body says it is one) and the cap in their body: a
literal of the file, or one its callers pass for a parameter (here or in other modules)."""

from __future__ import annotations

import ast
from typing import Any

from linter.python.analysis import Analysis, Sym, keyword
from linter.python.analysis.flow import argument_exprs, function_calls
from linter.python.analysis.remote_args import remote_arguments
from linter.python.caps import CapState, dict_built_in_steps, entries_state
from linter.record import record

# --- raw HTTP generation endpoints ---------------------------------------------------------------

# Path fragment -> (cap keys, where, streams by default).
_ENDPOINTS = (
    ("/api/generate", ("num_predict",), "options", True),
    ("/api/chat", ("num_predict",), "options", True),
    ("/chat/completions", ("max_tokens", "max_completion_tokens"), "body", False),
    # Not ``/v1/completions``: the legacy endpoint stops at 16 tokens when no cap is given.
    ("/v1/messages", ("max_tokens",), "body", False),
    # OpenAI's Responses API (``POST /v1/responses``): its body's input is ``input``.
    ("/responses", ("max_output_tokens",), "body", False),
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
    method = _http_method(analysis, call)
    if method not in ("post", "request", "stream"):
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
    cohere = False
    if path is not None:
        endpoint = next((e for e in _ENDPOINTS if path.endswith(e[0])), None)
        if endpoint is None:
            return None
    elif _chat_path_post(analysis, call):
        cohere = True  # told by its body below, or left alone
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
    # The keys the body's ``options`` gets from stores into it (None: not read exactly).
    option_stores: set[str] | None = set()
    if mapping is None:
        mapping = _exact_body(analysis, body)
        if mapping is not None:
            passed = f"line {mapping.lineno} and the stores into it after"
    if mapping is not None and isinstance(body, ast.Name):
        bound = analysis.lookup(body.id, analysis.scope(body), analysis.document.start(body))
        if bound is not None:
            option_stores = _nested_stores(analysis, body.id, bound[2], "options")
    if mapping is None:
        found = _passed_body(analysis, body)
        if found is None:
            return None
        mapping, passed = found
    names = {
        k.value for k in mapping.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }
    if cohere:
        # Cohere's v1 chat: ``message`` with ``chat_history`` is its body and no other's.
        if not {"message", "chat_history"} <= names:
            return None
        endpoint = _COHERE_CHAT
    elif endpoint is None:
        endpoint = _endpoint_of_body(names)
        if endpoint is None:
            return None
        url = _post_url(analysis, call) or keyword(call, "url") or call.args[0]
        unread_url = " ".join(analysis.document.text_of(url).split())
    fragment, keys, where, streams_by_default = endpoint
    prompts = {"input"} if fragment == "/responses" else {"messages", "prompt"}
    if not cohere and ("model" not in names or not names & prompts):
        return None  # not a generation body (or one built elsewhere)
    stream_values = _entries(mapping, "stream")
    streaming = (
        streams_by_default
        if not stream_values
        else any(not (isinstance(v, ast.Constant) and not v.value) for v in stream_values)
    )
    if not streaming and not all_calls:
        return None
    if where == "options":
        wanted = '`"options": {"num_predict": N}`'
        held = _entries(mapping, "options")
        if option_stores is None:
            state = CapState("unknown")
        elif option_stores & set(keys):
            state = CapState("present", name=keys[0])
        elif held:
            # Each dict the body's ``options`` may hold (one per assignment or store).
            state = CapState("missing")
            for options in held:
                inner = analysis.literal_dict(options)
                judged = entries_state(inner, keys) if inner is not None else CapState("unknown")
                if judged.state != "missing":
                    state = judged
                    break
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


# Cohere's v1 chat endpoint (``POST {base}/v1/chat``): its cap is ``max_tokens``
# (KNOWLEDGE.md section 3, cohere). A path this short is every app's own route too, so only
# Cohere's body shape (``message`` and ``chat_history``) makes it one.
_COHERE_CHAT = ("/chat", ("max_tokens",), "body", False)


def _post_url(analysis: Analysis, call: ast.Call) -> ast.expr | None:
    """The URL argument of a raw-HTTP POST (requests, httpx, aiohttp), or None when the call
    is not one or names no URL."""
    method = _http_method(analysis, call)
    if method == "request" and _posts(call):
        return keyword(call, "url") or (call.args[1] if len(call.args) > 1 else None)
    if method != "post":
        return None
    return keyword(call, "url") or (call.args[0] if call.args else None)


# Raw HTTP libraries whose requests may carry a generation body.
_HTTP_LIBRARIES = ("requests", "httpx", "httpx2", "aiohttp", "urllib3")


def _http_method(analysis: Analysis, call: ast.Call) -> str | None:
    """The request method of a raw-HTTP library ``call`` is (``post``, ``request``,
    ``stream``, ...), or None. urllib3's pools are read by their call's shape: a file that
    imports urllib3 calling ``x.request("POST", url, ...)`` on a receiver it cannot resolve
    (a ``PoolManager`` handed in as a parameter or held by an object)."""
    func = analysis.value(call.func)
    if isinstance(func, Sym):
        head, _, method = func.path.lstrip("@").rpartition(".")
        library = head.split(":", 1)[0]
        if library not in _HTTP_LIBRARIES or (library == "urllib3" and method != "request"):
            return None
        return method
    if (
        func is None
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "request"
        and _posts(call)
        and "urllib3" in analysis.imported_roots()
    ):
        return "request"
    return None


def _posts(call: ast.Call) -> bool:
    """``x.request("POST", ...)``: the method written as a literal first argument."""
    method = keyword(call, "method") or (call.args[0] if call.args else None)
    return (
        isinstance(method, ast.Constant)
        and isinstance(method.value, str)
        and method.value.upper() == "POST"
    )


def _chat_path_post(analysis: Analysis, call: ast.Call) -> bool:
    """A raw-HTTP POST whose URL (literal or f-string) ends in ``/chat``."""
    url = _post_url(analysis, call)
    text = analysis.string_of(url) if url is not None else None
    return text is not None and text.split("?", 1)[0].rstrip("/").endswith("/chat")


def _opaque_url_post(analysis: Analysis, call: ast.Call) -> bool:
    """A raw-HTTP POST whose URL this file cannot read (a config value, an attribute, a
    parameter): its body alone can then say it is a generation."""
    url = _post_url(analysis, call)
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


def _exact_body(analysis: Analysis, body: ast.expr | None) -> ast.Dict | None:
    """A body built in steps (``payload = {...}``, then ``payload["think"] = True``,
    ``payload.update({"options": {...}})``, ``payload.setdefault("options", {})``) read
    exactly (``caps.dict_built_in_steps``)."""
    return dict_built_in_steps(analysis, body) if body is not None else None


def _nested_stores(analysis: Analysis, name: str, scope: object, item: str) -> set[str] | None:
    """The literal keys the function stores into the dict held under ``item`` of the dict
    ``name`` (``d["options"]["k"] = v``, ``d.setdefault("options", {}).setdefault("k", v)``,
    ``d["options"].update({...})``); None when such a store cannot be read or the inner dict
    is handed on (``opts = d["options"]``: changed where this cannot follow)."""
    node = getattr(scope, "node", None)
    if node is None:
        return None
    keys: set[str] = set()
    for inner in ast.walk(node):
        if not _item_access(inner, name, item):
            continue
        if isinstance(inner, ast.Subscript) and not isinstance(inner.ctx, ast.Load):
            continue  # ``d["options"] = {...}``: a store into ``d`` itself, read as its entries
        parent = analysis.parent(inner)
        if isinstance(parent, ast.Subscript) and parent.value is inner:
            if isinstance(parent.ctx, ast.Load):
                continue
            if isinstance(parent.slice, ast.Constant) and isinstance(parent.slice.value, str):
                keys.add(parent.slice.value)
                continue
            return None
        if isinstance(parent, ast.Attribute) and parent.value is inner:
            if parent.attr in ("get", "items", "keys", "values", "copy"):
                continue
            call = analysis.parent(parent)
            if not isinstance(call, ast.Call) or call.func is not parent:
                return None
            if parent.attr == "setdefault" and call.args:
                key = call.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys.add(key.value)
                    continue
                return None
            if parent.attr == "update" and not call.keywords and len(call.args) == 1:
                stored = call.args[0]
                if isinstance(stored, ast.Dict) and all(
                    isinstance(k, ast.Constant) and isinstance(k.value, str) for k in stored.keys
                ):
                    keys.update(
                        k.value
                        for k in stored.keys
                        if isinstance(k, ast.Constant) and isinstance(k.value, str)
                    )
                    continue
                return None
            if parent.attr == "update":
                keys.update(item.arg for item in call.keywords if item.arg is not None)
                if call.args or any(item.arg is None for item in call.keywords):
                    return None
                continue
            if parent.attr == "pop":
                continue
            return None
        if isinstance(parent, (ast.Expr, ast.Compare, ast.JoinedStr, ast.FormattedValue)):
            continue  # read, not kept
        return None  # handed on (assigned, passed): changed where this cannot follow
    return keys


def _item_access(node: ast.AST, name: str, item: str) -> bool:
    """``name["item"]``, ``name.get("item", ...)`` or ``name.setdefault("item", ...)``."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == item
    ):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "setdefault")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == name
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == item
    )


def _entries(mapping: ast.Dict, name: str) -> list[ast.expr]:
    return [
        v
        for k, v in zip(mapping.keys, mapping.values, strict=False)
        if isinstance(k, ast.Constant) and k.value == name
    ]


def _entry(mapping: ast.Dict, name: str) -> ast.expr | None:
    return next(
        (
            v
            for k, v in zip(mapping.keys, mapping.values, strict=False)
            if isinstance(k, ast.Constant) and k.value == name
        ),
        None,
    )
