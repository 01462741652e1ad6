"""Raw-HTTP generation requests made through a helper of the file: a function (often a
``@contextmanager``) that posts ``json=payload`` to a URL ending in its parameter
(``f"{base}{api_path}"``), and callers that hand it a generation endpoint and a body the file
reads exactly (``self._request_api("/api/chat", payload)``). The request is judged at each
caller, where the endpoint and the body are known; the helper itself says neither."""

from __future__ import annotations

import ast

from linter.python.analysis import Analysis, FunctionInfo, Sym, keyword
from linter.python.analysis.flags import kwargs_entries
from linter.python.analysis.flow import call_arguments
from linter.python.caps import CapState
from linter.python.raw_http import _ENDPOINTS, RawGeneration, raw_generation

_HTTP = ("requests", "httpx", "httpx2", "aiohttp")


def helper_generations(analysis: Analysis, all_calls: bool) -> list[RawGeneration]:
    """The generation requests callers make through a posting helper of the file."""
    found: list[RawGeneration] = []
    for call in analysis.calls:
        helper = _posting_helper(analysis, call)
        if helper is None:
            continue
        fn, url_param, body_param = helper
        if raw_generation(analysis, call, all_calls) is not None:
            continue  # already judged where it is posted
        paths = call_arguments(analysis, fn, url_param)
        bodies = call_arguments(analysis, fn, body_param)
        if not paths or bodies is None or len(paths) != len(bodies):
            continue
        for (site, path_expr), (_, body_expr) in zip(paths, bodies, strict=True):
            if path_expr is None or body_expr is None:
                continue  # no endpoint, or no body (a GET, a file upload): nothing to judge
            judged = _judge(analysis, call, fn, site, path_expr, body_expr, all_calls)
            if judged is not None:
                found.append(judged)
    return found


def _posting_helper(analysis: Analysis, call: ast.Call) -> tuple[FunctionInfo, str, str] | None:
    """(the function, its URL-path parameter, its body parameter) when ``call`` is a raw-HTTP
    POST inside a function, whose ``json=`` is a parameter and whose URL ends in another."""
    func = analysis.value(call.func)
    if not isinstance(func, Sym):
        return None
    head, _, method = func.path.lstrip("@").rpartition(".")
    if head.split(":", 1)[0] not in _HTTP or method not in ("post", "request", "stream"):
        return None
    if method != "post" and analysis.string_of(call.args[0] if call.args else None) != "POST":
        return None
    body = keyword(call, "json")
    url_index = 0 if method == "post" else 1
    url = keyword(call, "url") or (call.args[url_index] if len(call.args) > url_index else None)
    if not isinstance(body, ast.Name) or url is None:
        return None
    body_fn = _parameter_of(analysis, body)
    tail = _url_tail(analysis, url)
    if body_fn is None or tail is None or _parameter_of(analysis, tail) is not body_fn:
        return None
    if tail.id == body.id or len(body_fn.bindings.get(body.id, ())) != 1:
        return None
    return body_fn, tail.id, body.id


def _parameter_of(analysis: Analysis, name: ast.Name) -> FunctionInfo | None:
    """The function ``name`` is a parameter of (never reassigned there), if it is one."""
    found = analysis.lookup(name.id, analysis.scope(name), analysis.document.start(name))
    if found is None or found[0] != "param":
        return None
    function = found[2]
    if len(function.bindings.get(name.id, ())) != 1:
        return None
    return function


def _url_tail(analysis: Analysis, url: ast.expr, depth: int = 0) -> ast.Name | None:
    """The name the URL ends with: ``f"{base}{path}"``, ``base + path``, or a local bound
    once to such."""
    if isinstance(url, ast.JoinedStr) and url.values:
        last = url.values[-1]
        if (
            isinstance(last, ast.FormattedValue)
            and isinstance(last.value, ast.Name)
            and last.conversion == -1
            and last.format_spec is None
        ):
            return last.value
        return None
    if isinstance(url, ast.BinOp) and isinstance(url.op, ast.Add):
        return url.right if isinstance(url.right, ast.Name) else None
    if isinstance(url, ast.Name) and depth < 2:
        found = analysis.lookup(url.id, analysis.scope(url), analysis.document.start(url))
        if found is None:
            return None
        if found[0] == "param":
            return url
        if found[0] == "expr" and len(found[2].bindings.get(url.id, ())) == 1:
            bound = found[1]
            if isinstance(bound, ast.expr):
                return _url_tail(analysis, bound, depth + 1)
    return None


def _judge(
    analysis: Analysis,
    post: ast.Call,
    fn: FunctionInfo,
    site: ast.Call,
    path_expr: ast.expr,
    body_expr: ast.expr,
    all_calls: bool,
) -> RawGeneration | None:
    """The request one caller makes through the helper, when its endpoint is a known
    generation endpoint and its body is read exactly (every binding and store a literal
    key)."""
    path = analysis.string_of(path_expr)
    if path is None:
        return None
    path = path.split("?", 1)[0].rstrip("/")
    endpoint = next((e for e in _ENDPOINTS if path.endswith(e[0])), None)
    if endpoint is None:
        return None
    entries = kwargs_entries(analysis, body_expr)
    if entries is None or "model" not in entries or not entries.keys() & {"messages", "prompt"}:
        return None
    fragment, keys, where, streams_by_default = endpoint
    streams = entries.get("stream")
    # "maybe" (``"stream": stream``) counts as streaming for the check, not for the message.
    if streams is None:
        maybe = streaming = streams_by_default
    else:
        maybe = any(not (isinstance(v, ast.Constant) and not v.value) for v in streams)
        streaming = all(isinstance(v, ast.Constant) and bool(v.value) for v in streams)
    if not maybe and not all_calls:
        return None
    if where == "options":
        wanted = '`"options": {"num_predict": N}`'
        options = entries.get("options")
        state = CapState("missing") if not options else _options_state(analysis, options, keys)
    else:
        wanted = f'`"{keys[0]}": N`'
        state = CapState("missing")
        for key in keys:
            values = entries.get(key)
            if values:
                none = all(isinstance(v, ast.Constant) and v.value is None for v in values)
                state = CapState("none" if none else "present", name=key)
                break
    mapping = ast.Dict(keys=[ast.Constant(k) for k in entries], values=[])
    ast.copy_location(mapping, body_expr)
    # The evidence: the keys read (bindings and stores) and the helper that posts it.
    shown = ", ".join(sorted(entries))
    named = f"`{body_expr.id}` " if isinstance(body_expr, ast.Name) else ""
    passed = f"{named}with keys {shown}, handed to {fn.name}() which posts it on line {post.lineno}"

    return RawGeneration(site, fragment, mapping, state, wanted, streaming, "", passed)


def _options_state(analysis: Analysis, options: list[ast.expr], keys: tuple[str, ...]) -> CapState:
    """Ollama's ``options``: a cap in any value stored for it is a cap; an opaque one may be."""
    for value in options:
        inner = analysis.literal_dict(value)
        if inner is None:
            return CapState("unknown")
        for key in inner.keys:
            if key is None:
                return CapState("unknown")
            if isinstance(key, ast.Constant) and key.value in keys:
                return CapState("present", name=key.value)
    return CapState("missing")
