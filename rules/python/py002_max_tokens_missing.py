"""PY002 max-tokens-missing: a generation call without the output cap its SDK uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from linter.config import Settings
from linter.model import Applicability, Edit, Finding, Severity
from linter.python import clients as K
from linter.python.analysis import Analysis, Sym, analysis_of, keyword
from linter.python.document import PythonDocument
from linter.python.edits import add_entry, add_keyword
from linter.python.explain import call_name
from linter.registry import Option, Rule

_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True)
class CapState:
    """``present``, ``unknown`` (behind something opaque: stay silent), ``missing`` or
    ``none`` (an explicit ``None``). ``edits`` is the fix where one is certain."""

    state: str
    detail: str = ""
    edits: tuple[Edit, ...] = ()
    added: str = ""


def _entries_state(mapping: ast.Dict, names: tuple[str, ...]) -> str:
    state = "missing"
    for key, value in zip(mapping.keys, mapping.values, strict=False):
        if key is None:
            state = "unknown"  # ``**other`` may hold it
        elif isinstance(key, ast.Constant) and key.value in names:
            return "none" if _is_none(value) else "present"
    return state


def _keywords_state(
    analysis: Analysis, call: ast.Call, names: tuple[str, ...]
) -> tuple[str, str, ast.expr | None]:
    """(state, detail, the None value) for keywords of ``call``, looking into ``**d`` when
    ``d`` is a dict literal of the file."""
    for item in call.keywords:
        if item.arg in names:
            return (
                ("none", f"`{item.arg}=None` disables the cap", item.value)
                if _is_none(item.value)
                else ("present", "", None)
            )
    state, detail = "missing", ""
    for item in call.keywords:
        if item.arg is None:
            mapping = analysis.literal_dict(item.value)
            if mapping is None:
                return "unknown", "", None
            inner = _entries_state(mapping, names)
            if inner in ("present", "none", "unknown"):
                return inner, "", None
            detail = f" (nor does the `**{analysis.document.text_of(item.value)}` dict on line {mapping.lineno})"
    return state, detail, None


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def cap_state(analysis: Analysis, call: ast.Call, cap: K.Cap, add: str, default: int) -> CapState:
    document = analysis.document
    if cap.where == "kw":
        state, detail, none_value = _keywords_state(analysis, call, cap.keywords)
        if state == "none" and none_value is not None:
            start, end = document.span(none_value)
            return CapState(
                "none", detail, (Edit(document.path, start, end, str(default)),), f"{add}={default}"
            )
        if state == "missing":
            return CapState(
                "missing",
                detail,
                tuple(add_keyword(document, call, add, str(default))),
                f"{add}={default}",
            )
        return CapState(state, detail)
    holder_name = "options" if cap.where == "options" else "config"
    holder = keyword(call, holder_name)
    entry = f'{{"{add}": {default}}}'
    if holder is None:
        if any(item.arg is None for item in call.keywords):
            return CapState("unknown")
        return CapState(
            "missing",
            f" (no `{holder_name}=`)",
            tuple(add_keyword(document, call, holder_name, entry)),
            f"{holder_name}={entry}",
        )
    if isinstance(holder, ast.Dict):
        state = _entries_state(holder, cap.keywords)
        if state == "missing":
            return CapState(
                "missing",
                f" (`{holder_name}` has no `{add}`)",
                tuple(add_entry(document, holder, add, str(default))),
                f'"{add}": {default}',
            )
        return CapState(state)
    if isinstance(holder, ast.Call):
        state, _, none_value = _keywords_state(analysis, holder, cap.keywords)
        if state == "missing":
            return CapState(
                "missing",
                f" (`{holder_name}` has no `{add}`)",
                tuple(add_keyword(document, holder, add, str(default))),
                f"{add}={default}",
            )
        if state == "none" and none_value is not None:
            start, end = document.span(none_value)
            return CapState(
                "none",
                f"`{add}=None` disables the cap",
                (Edit(document.path, start, end, str(default)),),
                f"{add}={default}",
            )
        return CapState(state)
    mapping = analysis.literal_dict(holder)
    if mapping is not None:
        state = _entries_state(mapping, cap.keywords)
        return CapState(
            state,
            f" (the `{holder_name}` dict on line {mapping.lineno} has no `{add}`)"
            if state == "missing"
            else "",
        )
    return CapState("unknown")


def _openai_keyword(analysis: Analysis, call: ast.Call, ctor: ast.Call | None) -> str:
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


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    default = int(settings.option(RULE, "default-max-tokens"))
    all_calls = bool(settings.option(RULE, "all-calls"))
    for start in analysis.starts:
        cap = start.cap
        if cap is None or start.http:
            continue
        if not (start.streaming or all_calls or cap.required):
            continue
        add = cap.add
        if start.client is K.OPENAI and cap is K.OPENAI_CHAT_CAP:
            add = _openai_keyword(analysis, start.call, start.ctor)
        found = cap_state(analysis, start.call, cap, add, default)
        if found.state in ("present", "unknown"):
            continue
        name = call_name(analysis, start)
        fix = (
            RULE.make_fix(found.edits, f"add `{found.added}`", unsafe=True) if found.edits else None
        )
        begin, end = document.span(start.call.func)
        what = "streams" if start.streaming else "generates"
        if cap.required and found.state == "missing":
            message = (
                f"`{name}(...)` has no `{cap.add}`, which {start.client.name} requires: the call raises "
                f"TypeError before any request is sent; pass `{cap.add}=N`"
            )
            yield RULE.report(
                document.source, begin, end, message, fix=fix, severity=Severity.ERROR
            )
            continue
        reason = found.detail if found.state == "none" else "no output cap" + found.detail
        article = "an" if start.client.name[:1] in "aeio" else "a"
        message = (
            f"`{name}(...)` {what} {article} {start.client.name} generation with {reason}: it runs until the model "
            f"stops or the context fills (slow, costly, and long streams get cut); pass "
            f"`{found.added or add + '=N'}`"
        )
        yield RULE.report(document.source, begin, end, message, fix=fix)
    yield from _langchain_models(analysis, default)
    yield from _raw_http(analysis)


def _langchain_models(analysis: Analysis, default: int) -> Iterator[Finding]:
    """LangChain chat models take the cap at construction: report the constructor of a model
    made with ``streaming=True`` or whose ``.stream()``/``.astream()`` this file calls."""
    document = analysis.document
    streamed = {
        id(s.ctor) for s in analysis.starts if s.client is K.LANGCHAIN and s.ctor is not None
    }
    for call in analysis.calls:
        value = analysis.value(call)
        if not (isinstance(value, Sym) and value.ctor is call and value.path.startswith("@lc:")):
            continue
        cap = K.LANGCHAIN_MODELS.get(value.path[len("@lc:") :])
        if cap is None:
            continue
        flag = keyword(call, "streaming")
        if not (id(call) in streamed or (isinstance(flag, ast.Constant) and flag.value is True)):
            continue
        found = cap_state(analysis, call, cap, cap.add, default)
        if found.state in ("present", "unknown"):
            continue
        fix = (
            RULE.make_fix(found.edits, f"add `{found.added}`", unsafe=True) if found.edits else None
        )
        begin, end = document.span(call.func)
        name = " ".join(document.text_of(call.func).split())
        reason = found.detail if found.state == "none" else "no output cap" + found.detail
        message = (
            f"`{name}(...)` streams LangChain generations with {reason}: each answer runs until the model "
            f"stops or the context fills; pass `{found.added or cap.add + '=N'}`"
        )
        yield RULE.report(document.source, begin, end, message, fix=fix)


# Raw HTTP generation endpoints: path fragment -> (cap keys, where, streams by default).
_ENDPOINTS = (
    ("/api/generate", ("num_predict",), "options", True),
    ("/api/chat", ("num_predict",), "options", True),
    ("/chat/completions", ("max_tokens", "max_completion_tokens"), "body", False),
    ("/v1/completions", ("max_tokens",), "body", False),
    ("/v1/messages", ("max_tokens",), "body", False),
)


def _string_of(analysis: Analysis, expr: ast.AST | None, depth: int = 0) -> str | None:
    if expr is None or depth > 4:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in expr.values
        )
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = (
            _string_of(analysis, expr.left, depth + 1),
            _string_of(analysis, expr.right, depth + 1),
        )
        return (left or "{}") + (right or "{}") if left is not None or right is not None else None
    if isinstance(expr, ast.Name):
        found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
        if found is not None and found[0] == "expr":
            return _string_of(analysis, found[1], depth + 1)  # type: ignore[arg-type]
    return None


def _raw_http(analysis: Analysis) -> Iterator[Finding]:
    """A POST to a known generation endpoint whose JSON body (a dict literal of the file)
    has no cap. No fix: the body may be shared, and the server's keyword is a guess."""
    document = analysis.document
    for call in analysis.calls:
        func = analysis.value(call.func)
        if not isinstance(func, Sym):
            continue
        head, _, method = func.path.lstrip("@").rpartition(".")
        if head.split(":", 1)[0] not in (
            "requests",
            "httpx",
            "httpx2",
            "aiohttp",
        ) or method not in ("post", "request", "stream"):
            continue
        url_index = 1 if method in ("request", "stream") else 0
        url = keyword(call, "url") or (call.args[url_index] if len(call.args) > url_index else None)
        text = _string_of(analysis, url)
        if text is None:
            continue
        path = text.split("?", 1)[0].rstrip("/")
        endpoint = next((e for e in _ENDPOINTS if path.endswith(e[0])), None)
        if endpoint is None:
            continue
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
        mapping = analysis.literal_dict(body)
        if mapping is None:
            continue
        fragment, keys, where, streams_by_default = endpoint
        names = {k.value for k in mapping.keys if isinstance(k, ast.Constant)}
        if "model" not in names or not names & {"messages", "prompt"}:
            continue  # not a generation body (or one built elsewhere)
        stream_value = next(
            (
                v
                for k, v in zip(mapping.keys, mapping.values, strict=False)
                if isinstance(k, ast.Constant) and k.value == "stream"
            ),
            None,
        )
        streaming = (
            streams_by_default
            if stream_value is None
            else (isinstance(stream_value, ast.Constant) and stream_value.value is True)
        )
        if not streaming:
            continue
        if where == "options":
            options = next(
                (
                    v
                    for k, v in zip(mapping.keys, mapping.values, strict=False)
                    if isinstance(k, ast.Constant) and k.value == "options"
                ),
                None,
            )
            if options is not None:
                inner = analysis.literal_dict(options)
                if inner is None or _entries_state(inner, keys) != "missing":
                    continue
            elif any(k is None for k in mapping.keys):
                continue
            wanted = '`"options": {"num_predict": N}`'
        else:
            if _entries_state(mapping, keys) != "missing":
                continue
            wanted = f'`"{keys[0]}": N`'
        begin, end = document.span(call.func)
        message = (
            f"streaming request to `{fragment}` whose JSON body (line {mapping.lineno}) has no output cap: the "
            f"generation runs until the model stops or the context fills; add {wanted} to the body"
        )
        yield RULE.report(document.source, begin, end, message)


def _positive(value: object) -> int:
    number = int(value)  # type: ignore[call-overload]
    if number <= 0:
        raise ValueError("must be a positive number of tokens")
    return number


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


RULE = Rule(
    code="PY002",
    name="max-tokens-missing",
    kind="python",
    summary="a generation call without the output cap its SDK uses",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    check=check,
    options=(
        Option("default-max-tokens", 1024, "the cap the fix adds", _positive),
        Option("all-calls", False, "also check generation calls that do not stream", _flag),
    ),
    doc="""\
## What it does
Finds LLM generation calls that stream (all generation calls with `all-calls = true`) and pass
no output cap, in the keyword each SDK reads: `max_completion_tokens` or `max_tokens` (openai
chat, litellm, groq), `max_tokens` (openai completions, anthropic, mistralai, cohere,
together, huggingface_hub `chat_completion`), `max_output_tokens` (openai Responses API; in
google-genai's `config`), `max_tokens_to_sample` (anthropic's legacy completions),
`max_new_tokens` (huggingface_hub `text_generation`), `options={"num_predict": N}` (ollama),
and the constructor keyword of LangChain chat models made to stream. `max_tokens=None` counts
as missing. A call that passes `**kwargs` is left alone, unless the dict is a literal of the
same file that nothing changes (then its keys are read). A streaming POST to a known
generation endpoint (`/api/generate`, `/api/chat`, `/chat/completions`, `/v1/messages`) whose
JSON body is a dict literal without a cap is reported too, without a fix.

anthropic's `max_tokens` is required: a call without it raises TypeError before any request,
so that case is an error, streaming or not.

## Why is this bad
Without a cap a generation runs until the model stops or its context fills: minutes of
streaming (which proxies and timeouts then cut), a bill for tokens nobody reads, and for
Ollama an unbounded `num_predict` by default.

## Fix safety
Unsafe: the fix adds the SDK's keyword with `default-max-tokens` (1024), which may cut
answers that used to be longer. For openai chat it adds `max_completion_tokens`, or
`max_tokens` when the client was made with a `base_url` (OpenAI-compatible servers often read
only that). Formatting is kept: one argument per line stays so, trailing commas and comments
stay.

## References
- openai API reference: `max_completion_tokens`; anthropic Messages API: `max_tokens`
- Ollama API: `options.num_predict`; google-genai `GenerateContentConfig.max_output_tokens`
""",
)
