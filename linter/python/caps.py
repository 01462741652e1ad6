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
from linter.python.analysis.flow import argument_exprs
from linter.python.analysis.remote_args import remote_arguments
from linter.python.cap_keywords import (
    GENAI_LEGACY_CAP,
    LANGCHAIN_MODELS,
    LLAMA_INDEX_MODELS,
    LLAMA_INDEX_OTHER_CAPS,
    OPENAI_CHAT_CAP,
    RESPONSES_CAP,
    Cap,
)
from linter.python.edits import add_entry, add_keyword
from linter.python.none_values import unset_option
from linter.python.removed_caps import literal_holder, removed_cap
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
            unset = unset_option(analysis, item.value)
            if unset is not None:
                # ``max_tokens=options.get("max_tokens")`` and no caller sets that key.
                text = " ".join(analysis.document.text_of(item.value).split())
                return CapState(
                    "none", f"`{item.arg}={text}`, which is None: {unset}", name=item.arg
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


def cap_state(analysis: Analysis, call: ast.Call, cap: Cap, add: str, default: int) -> CapState:
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
    stores = ""
    if mapping is None:
        mapping = dict_built_in_steps(analysis, holder)
        stores = " and the stores into it"
    if mapping is not None:
        found = entries_state(mapping, cap.keywords)
        if found.state == "missing":
            return CapState(
                "missing",
                f" (the `{holder_name}` dict on line {mapping.lineno}{stores} have no `{add}`)"
                if stores
                else f" (the `{holder_name}` dict on line {mapping.lineno} has no `{add}`)",
            )
        return found
    return CapState("unknown", f"`{holder_name}={document.text_of(holder)}`")


def dict_built_in_steps(analysis: Analysis, holder: ast.expr) -> ast.Dict | None:
    """A dict built in steps (an ``options`` holder: ``options = {"temperature": t}``, then
    ``if num_ctx: options["num_ctx"] = num_ctx``; a raw request's body) read exactly: every binding of its name and every store
    into it with a literal key (``flags.kwargs_entries``), as a stand-in dict with each key
    once per value it may get. None when it is not read so."""
    if not isinstance(holder, ast.Name):
        return None
    found = analysis.lookup(holder.id, analysis.scope(holder), analysis.document.start(holder))
    entries = kwargs_entries(analysis, holder)
    if entries is None or found is None or not isinstance(found[1], ast.Dict):
        return None
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    for name, held in entries.items():
        for value in held:
            keys.append(ast.Constant(name))
            values.append(value)
    return ast.copy_location(ast.Dict(keys=keys, values=values), found[1])


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
    return start.cap is RESPONSES_CAP and keyword(start.call, "response_id") is not None


def _star_holder(
    analysis: Analysis, call: ast.Call, stars: list[ast.expr], cap: Cap, add: str, default: int
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
    if start.client is K.OPENAI and start.cap is OPENAI_CHAT_CAP:
        add = openai_keyword(analysis, start.call, start.ctor)
    found = cap_state(analysis, start.call, start.cap, add, default)
    if start.cap is GENAI_LEGACY_CAP and found.state == "missing":
        found = _model_config(analysis, start, found, add, default)
    return found, add


def _model_config(
    analysis: Analysis, start: StreamStart, at_call: CapState, add: str, default: int
) -> CapState:
    """google-generativeai also takes ``generation_config=`` where the GenerativeModel is
    made: a cap there counts; a model made where this file cannot see is not judged."""
    if start.ctor is None:
        return CapState("unknown", "a model made elsewhere")
    at_model = cap_state(analysis, start.ctor, start.cap or GENAI_LEGACY_CAP, add, default)
    if at_model.state != "missing":
        return at_model
    line = start.ctor.lineno
    return CapState(
        "missing",
        f"{at_call.detail}, nor in the GenerativeModel made on line {line}",
        at_call.edits,
        at_call.added,
    )


def langchain_model(analysis: Analysis, ctor: ast.Call) -> Cap | None:
    """The cap of the LangChain chat model ``ctor`` constructs (None: not a known model)."""
    value = analysis.value(ctor)
    if not (isinstance(value, Sym) and value.ctor is ctor and value.path.startswith("@lc:")):
        return None
    return LANGCHAIN_MODELS.get(value.path[len("@lc:") :])


def llama_index_model(analysis: Analysis, ctor: ast.Call) -> Cap | None:
    """The cap of the LlamaIndex LLM ``ctor`` constructs (None: not one whose default is
    uncapped)."""
    value = analysis.value(ctor)
    if not (isinstance(value, Sym) and value.ctor is ctor and value.path.startswith("@li:")):
        return None
    return LLAMA_INDEX_MODELS.get(value.path[len("@li:") :])


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
        LLAMA_INDEX_OTHER_CAPS.get(value.path[len("@li:") :]) if isinstance(value, Sym) else None
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
