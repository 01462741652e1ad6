"""PY002 max-tokens-missing: a generation call without the output cap its SDK uses."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.python.analysis import Analysis, analysis_of
from linter.python.caps import (
    CapState,
    cap_state,
    checked,
    langchain_model,
    langchain_models,
    llama_index_cap,
    llama_index_model,
    sdk_cap,
    streamed_langchain_models,
)
from linter.python.document import PythonDocument
from linter.python.explain import article, call_name
from linter.python.forwarders import forwarded, forwarded_calls
from linter.python.raw_helpers import helper_generations
from linter.python.raw_http import raw_generation
from linter.registry import Option, Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    default = int(settings.option(RULE, "default-max-tokens"))
    all_calls = bool(settings.option(RULE, "all-calls"))
    for start in analysis.starts:
        if not checked(start, all_calls):
            continue
        assert start.cap is not None
        cap = start.cap
        if forwarded(analysis, start) is not None:
            continue  # the request is built by the callers (its ``**kwargs``): judged there
        found, add = sdk_cap(analysis, start, default)
        if found.state in ("present", "unknown"):
            continue
        name = call_name(analysis, start)
        # A name of another module for the SDK function: say which (the evidence).
        called = f"`{name}(...)`" + (f" ({start.alias})" if start.alias else "")
        inferred = start.api.find(" (on a client inferred")
        if inferred >= 0:
            called += start.api[inferred:]  # what the client is inferred from (the evidence)
        fix = (
            RULE.make_fix(found.edits, f"add `{found.added}`", unsafe=True) if found.edits else None
        )
        begin, end = document.span(start.call.func)
        if cap.required and found.state == "missing":
            message = (
                f"{called} has no `{cap.add}`, which {start.client.name} requires: the call raises "
                f"TypeError before any request is sent; pass `{cap.add}=N`"
            )
            yield RULE.report(
                document.source, begin, end, message, fix=fix, severity=Severity.ERROR
            )
            continue
        reason = found.detail if found.state == "none" else "no output cap" + found.detail
        wanted = f"`{found.added or add + '=N'}`"
        client = f"{article(start.client.name)} {start.client.name}"
        if start.streaming:
            message = (
                f"{called} streams {client} generation with {reason}: it runs until the "
                f"model stops or the context fills (slow, costly, and the longer a stream runs "
                f"the likelier a timeout on its way cuts it); pass {wanted}"
            )
        else:
            message = (
                f"{called} asks for {client} generation with {reason}: the answer runs until "
                f"the model stops or the context fills (slow, costly, and the longest answers are "
                f"the first a proxy timeout cuts); pass {wanted}"
            )
        yield RULE.report(document.source, begin, end, message, fix=fix)
    yield from _forwarded(analysis, default, all_calls)
    yield from _langchain_models(analysis, default, all_calls)
    if all_calls:
        yield from _llama_index_models(analysis, default)
    yield from _raw_http(analysis, all_calls)


def _forwarded(analysis: Analysis, default: int, all_calls: bool) -> Iterator[Finding]:
    """The calls of a function that forwards its ``**kwargs`` to a generation call
    (``linter.python.forwarders``) that pass no cap: each builds that request."""
    document = analysis.document
    for judged in forwarded_calls(analysis, default, all_calls):
        found, forwarder, call = judged.cap, judged.forwarder, judged.call
        if found.state in ("present", "unknown"):
            continue
        where = "" if judged.local else f" of {forwarder.module}"
        via = (
            f"{forwarder.name}(){where}, whose `{forwarder.api}` (line {forwarder.line}) "
            f"takes its request from this call"
        )
        fix = (
            RULE.make_fix(found.edits, f"add `{found.added}`", unsafe=True) if found.edits else None
        )
        begin, end = document.span(call.func)
        name = " ".join(document.text_of(call.func).split())
        client = f"{article(forwarder.client)} {forwarder.client}"
        reason = (
            f"`{found.name}=None`, which disables the cap"
            if found.state == "none"
            else "no output cap"
        )
        wanted = f"`{found.added or forwarder.add + '=N'}`"
        if forwarder.required and found.state == "missing":
            message = (
                f"`{name}(...)` passes no `{forwarder.add}` to {via}, which {forwarder.client} "
                f"requires: the call raises TypeError before any request is sent; pass {wanted}"
            )
            yield RULE.report(
                document.source, begin, end, message, fix=fix, severity=Severity.ERROR
            )
            continue
        if judged.streams:
            asks, effect = (
                "streams",
                "it runs until the model stops or the context fills (slow, costly, and the "
                "longer a stream runs the likelier a timeout on its way cuts it)",
            )
        else:
            asks, effect = (
                "asks for",
                "the answer runs until the model stops or the context fills (slow, costly, and "
                "the longest answers are the first a proxy timeout cuts)",
            )
        message = (
            f"`{name}(...)` {asks} {client} generation through {via}, with {reason}: "
            f"{effect}; pass {wanted}"
        )
        yield RULE.report(document.source, begin, end, message, fix=fix)


def _langchain_models(analysis: Analysis, default: int, all_calls: bool) -> Iterator[Finding]:
    """LangChain chat models take the cap at construction: report the constructor of a known
    model (with ``all-calls`` off: only one made with ``streaming=True`` or whose
    ``.stream()``/``.astream()`` this file calls)."""
    document = analysis.document
    streamed = {id(call) for call in streamed_langchain_models(analysis)}
    models = langchain_models(analysis) if all_calls else streamed_langchain_models(analysis)
    for call in models:
        cap = langchain_model(analysis, call)
        assert cap is not None
        found = cap_state(analysis, call, cap, cap.add, default)
        if found.state in ("present", "unknown"):
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        what = (
            "streams LangChain generations"
            if id(call) in streamed
            # (``OllamaLLM``, ``Ollama``: text-completion models, not chat ones)
            else "makes a LangChain chat model"
            if "chat" in name.lower() or not name
            else "makes a LangChain model"
        )
        yield _constructor_finding(
            document,
            call,
            found,
            what,
            "each answer runs until the model stops or the context fills; "
            f"pass `{found.added or cap.add + '=N'}`",
        )


def _llama_index_models(analysis: Analysis, default: int) -> Iterator[Finding]:
    """LlamaIndex LLMs take the cap at construction too (``Ollama(additional_kwargs=
    {"num_predict": N})``, ``LiteLLM(max_tokens=N)``): every answer of the instance,
    ``complete``, ``stream_chat`` or a query engine's, is uncapped without it."""
    document = analysis.document
    for call in analysis.calls:
        cap = llama_index_model(analysis, call)
        found = llama_index_cap(analysis, call, default)
        if cap is None or found is None:
            continue
        if found.state in ("present", "unknown"):
            continue
        wanted = found.added or (
            f'{cap.where}={{"{cap.add}": N}}' if cap.where != "kw" else f"{cap.add}=N"
        )
        yield _constructor_finding(
            document,
            call,
            found,
            "makes a LlamaIndex LLM",
            "each answer it gives (`complete`, `chat`, their stream forms, a query engine's) "
            f"runs until the model stops or the context fills; pass `{wanted}`",
        )


def _constructor_finding(
    document: PythonDocument, call: ast.Call, found: CapState, what: str, effect: str
) -> Finding:
    """A model constructor without a cap (LangChain, LlamaIndex), reported at its name with
    the unsafe fix that adds one: "`Name(...)` <what> with <what was found>: <effect>"."""
    fix = RULE.make_fix(found.edits, f"add `{found.added}`", unsafe=True) if found.edits else None
    begin, end = document.span(call.func)
    name = " ".join(document.text_of(call.func).split())
    reason = found.detail if found.state == "none" else "no output cap" + found.detail
    message = f"`{name}(...)` {what} with {reason}: {effect}"
    return RULE.report(document.source, begin, end, message, fix=fix)


def _raw_http(analysis: Analysis, all_calls: bool) -> Iterator[Finding]:
    """A POST to a known generation endpoint whose JSON body (a dict literal of the file, or
    one its callers pass for a parameter) has no cap. No fix: the body may be shared, and the server's keyword is a guess."""
    document = analysis.document
    made = (raw_generation(analysis, call, all_calls) for call in analysis.calls)
    for found in [*made, *helper_generations(analysis, all_calls)]:
        if found is None or found.cap.state not in ("missing", "none"):
            continue
        call = found.call
        what = (
            f"sets `{found.cap.name}` to None" if found.cap.state == "none" else "has no output cap"
        )
        begin, end = document.span(call.func)
        request = "streaming request" if found.streaming else "request"
        target = f"`{found.endpoint}`"
        if found.endpoint == "/chat":
            target = "Cohere's `/chat` (known by its body's `message` and `chat_history`)"
        if found.unread_url:
            target = (
                f"`{found.unread_url}` (a `{found.endpoint}` request, from its body's `model` "
                f"and `messages`)"
            )
        where = found.passed or f"line {found.body.lineno}"
        message = (
            f"{request} to {target} whose JSON body ({where}) {what}: the "
            f"generation runs until the model stops or the context fills; add {found.wanted} to the body"
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
        Option(
            "all-calls",
            True,
            "check every generation call; false: only calls that stream (and anthropic's, "
            "whose cap is required)",
            _flag,
        ),
    ),
    doc="""\
## What it does
Finds LLM generation calls, streamed or not, that pass no output cap, in the keyword each SDK
reads: `max_completion_tokens` or `max_tokens` (openai chat, litellm, groq), `max_tokens`
(anthropic, mistralai, cohere, together, fireworks, huggingface_hub `chat_completion`, openai before
1.0's `ChatCompletion`, volcengine Ark and zhipuai `chat.completions.create`, dashscope
`Generation.call`), `max_output_tokens` (openai and volcengine Ark Responses API; in google-genai's
`config`), `max_tokens_to_sample` (anthropic's legacy completions), `max_new_tokens`
(huggingface_hub `text_generation`), `options={"num_predict": N}` (ollama),
`inferenceConfig={"maxTokens": N}` (AWS Bedrock's `converse` and `converse_stream`),
`generation_config={"max_output_tokens": N}` (the legacy google-generativeai, on the call or on
the `GenerativeModel` it is made on; a model made elsewhere is not judged), and the
constructor keyword of LangChain chat models (also through `init_chat_model`, which builds the
class its literal `model_provider=`, its `"provider:model"` name or an OpenAI model name names,
and forwards the cap keyword to it; one whose fields stay configurable is not judged). LlamaIndex LLMs take the cap at construction too,
and are reported there when their default sends none: `OpenAI`, `AzureOpenAI`, `OpenAILike`,
`Groq`, `DeepSeek`, `GoogleGenAI`, `LiteLLM` (`max_tokens`, default None; for the OpenAI family a
cap in a literal `additional_kwargs` counts), `Ollama` (`additional_kwargs={"num_predict": N}`),
legacy `Gemini` (`generation_config={"max_output_tokens": N}`); `Anthropic`, `MistralAI` and
`BedrockConverse` default to 512 and are left alone. Calls through `with_raw_response` count as the
call itself, and so do calls through an instructor client (`instructor.from_openai(client)`,
`instructor.patch(client)`: the wrapped client's; `instructor.from_litellm(completion)`:
litellm's). `max_tokens=None` counts as missing, and so does `max_tokens=max_tokens` where a call of the
function (in the file, or in another module of the tree) passes None for that parameter
(reported without a fix, naming that call), and so does `max_tokens=options.get("max_tokens")`
(no default, or None) on a parameter the function only reads with `.get`, when every call of
the function (in the file and in the tree's other modules; at least one) passes a dict literal
without that key or leaves it to a default without it (reported without a fix, naming the
calls). With `all-calls = false` only the calls
that stream (and LangChain models made to stream) are checked.

Left alone: a call that passes `**kwargs` (unless the dict is a literal of the same file, or
the one literal a function of the file returns, whose later stores are literal keys: then its
keys are read; so is `self.args` set from literal keys in the class, a copy of it
(`self.args.copy()`, `dict(d)`), a parameter every call of the method in the file fills
with such a dict, and a `**kwargs` of the function read from the keywords every call of it in
the file passes; for a module-level function, the calls in the other modules of the tree count
too, found through their imports, and the message names them); a resumed Responses stream
(`responses.stream(response_id=..., starting_after=...)`), where the SDK refuses a cap; and
openai's legacy completions endpoint (`completions.create`, `Completion.create`), which stops
at 16 tokens when no cap is given.

A POST to a known generation endpoint (`/api/generate`, `/api/chat`, `/chat/completions`,
`/v1/messages`) whose JSON body is a dict literal (or one a function of the file returns,
alone or as an item of a tuple; or a parameter, `json=payload` or `**payload`, that every
call of the function, in the file or in the tree's other modules, fills with such a dict or
keywords) without a cap is
reported too, without a fix (with
`all-calls = false`, only when it streams). When the URL cannot be read (a config value, an
attribute, a parameter), the body decides: top-level `model` and `messages` make it a chat
completion (with Ollama's `options`, an `/api/chat` request), and a body naming any API's cap
key (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, `max_new_tokens`) is left
alone. A request helper of the file that takes the endpoint and the body from its callers
(`self._request("POST", "/chat/completions", body=body)`) is judged at each caller that passes
both; callers that pass no body (a GET, a file upload) are left out. Ollama's `options` may be
an item of a module's config dict (`CONFIG["options"]`), read as the literal stored there when
nothing in the file stores into it. Keys removed from the body (`pop`, `del`) cannot add a cap
and do not hide a missing one. A cap set only on some branches (`if "preview" in model: body["max_tokens"] = ...`)
makes the body unreadable, so nothing is said (precision first).

anthropic's `max_tokens` is required: a call without it raises TypeError before any request,
so that case is an error, streaming or not.

## Why is this bad
Without a cap a generation runs until the model stops or its context fills: minutes of
streaming (which proxies and timeouts then cut), a bill for tokens nobody reads, and for
Ollama an unbounded `num_predict` by default. An answer that is not streamed is no safer: it
arrives only at the end, so the longest ones are the first a proxy's timeout cuts.

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
