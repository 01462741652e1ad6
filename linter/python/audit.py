"""`streamproof audit` for Python: one row per stream call site (and per generation call PY002
looks at under the current settings) with its client, guard, cap and timeout.

Each column is computed by the same code as the rule it stands for, so a value is a risk
exactly where that rule reports: "guard" where PY001 or PY003 would, "cap" where PY002 would,
"timeout" (raw HTTP) where PY006 would. Imported only by ``audit``: a check never pays for it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass

from linter import registry
from linter.config import Settings
from linter.document import AuditRow, AuditValue
from linter.python import clients as K
from linter.python.analysis import (
    Analysis,
    Iteration,
    StreamStart,
    Sym,
    analysis_of,
    keyword,
)
from linter.python.analysis.nodes import line_of
from linter.python.audit_words import RowWords
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
from linter.python.cut_errors import Raised, consumer_raised
from linter.python.document import PythonDocument
from linter.python.explain import call_name, cut_facts, handler_text, seen_as
from linter.python.forwarders import ForwardedCall, forwarded, forwarded_calls
from linter.python.raw_helpers import helper_generations
from linter.python.raw_http import RawGeneration, raw_generation
from linter.python.timeouts import TimeoutState, http_timeout

SECTION = "Python stream call sites"

# SDK timeouts when the program sets none (KNOWLEDGE.md section 3, litellm from section 2).
SDK_DEFAULT_TIMEOUTS = {
    "openai": "600 s (openai's default; connect 5 s)",
    "anthropic": "600 s (anthropic's default)",
    "litellm": "6000 s (litellm's default request_timeout)",
    "google-genai": "none (google-genai sets no timeout by default)",
    "mistralai": "300 s (mistralai's default)",
    "cohere": "300 s (cohere's default)",
    "groq": "60 s (groq's default)",
    "together": "60 s (together's default)",
    "ollama": "none (ollama sets no timeout by default)",
    "huggingface_hub": "none (huggingface_hub sets no timeout by default)",
}
# LangChain chat models whose default timeout is known: None, no timeout at all.
LANGCHAIN_NO_TIMEOUT = frozenset({"ChatOpenAI", "AzureChatOpenAI"})


@dataclass(frozen=True)
class _Options:
    default_max_tokens: int
    all_calls: bool
    min_read_timeout: float


def _options(settings: Settings) -> _Options:
    def option(code: str, name: str, fallback: object) -> object:
        rule = registry.get_rule(code)
        return fallback if rule is None else settings.option(rule, name)

    return _Options(
        int(option("PY002", "default-max-tokens", 1024)),  # type: ignore[call-overload]
        bool(option("PY002", "all-calls", True)),
        float(option("PY006", "min-read-timeout", 30)),  # type: ignore[arg-type]
    )


def audit_rows(document: PythonDocument, settings: Settings) -> Iterator[AuditRow]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    options = _options(settings)
    view = _View(analysis, settings, options)
    seen: set[int] = set()
    raw = {
        id(call): found
        for call in analysis.calls
        if (found := raw_generation(analysis, call, options.all_calls))
    }
    for start in analysis.starts:
        if not (start.streaming or checked(start, options.all_calls)):
            continue
        seen.add(id(start.call))
        yield view.row_for_start(start, raw.get(id(start.call)))
    for call_id, found in raw.items():
        if call_id not in seen:
            seen.add(call_id)
            yield view.row_for_raw(found)
    for found in helper_generations(analysis, options.all_calls):
        if id(found.call) not in seen:
            seen.add(id(found.call))
            yield view.row_for_raw(found)
    for judged in forwarded_calls(analysis, options.default_max_tokens, options.all_calls):
        if id(judged.call) not in seen:
            seen.add(id(judged.call))
            yield view.row_for_forwarded(judged)
    streamed = {id(ctor) for ctor in streamed_langchain_models(analysis)}
    models = (
        langchain_models(analysis) if options.all_calls else streamed_langchain_models(analysis)
    )
    for ctor in models:
        if not any(s.ctor is ctor for s in analysis.starts):
            yield view.row_for_langchain_model(ctor, id(ctor) in streamed)
    if options.all_calls:
        for ctor in analysis.calls:
            if llama_index_model(analysis, ctor) is not None:
                yield view.row_for_llama_index_model(ctor)
    started = {id(start) for start in analysis.starts}
    for iteration in analysis.iterations:
        start = iteration.stream
        if id(start.call) in seen:
            continue
        seen.add(id(start.call))
        if id(start.call) in analysis.foreign_sse:
            yield view.row_for_foreign_sse(start)
        elif start.origin:
            yield view.row_for_remote(start)
        elif id(start) not in started:
            # A stream known by its shape only (LlamaIndex's ``response.response_gen``):
            # the call that made it is no start of its own.
            yield view.row_for_start(start, None)


class _View(RowWords):
    """Words and origins for one document's rows."""

    def __init__(self, analysis: Analysis, settings: Settings, options: _Options) -> None:
        self.analysis = analysis
        self.document = analysis.document
        self.settings = settings
        self.options = options
        self.name = os.path.basename(self.document.path)
        self.folder = os.path.dirname(os.path.abspath(self.document.path))
        self.imports = {
            self.document.start(node): node
            for node in ast.walk(analysis.tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        }

    # -- rows ---------------------------------------------------------------------------------

    def _row(self, subject: str, line: int, values: list[tuple[str, AuditValue]]) -> AuditRow:
        return AuditRow(SECTION, f"{self.name}: {subject}", self.document.path, line, tuple(values))

    def row_for_start(self, start: StreamStart, raw: RawGeneration | None) -> AuditRow:
        call = start.call
        shown = call_name(self.analysis, start)
        args = "(stream=True)" if start.api.endswith("(stream=True)") else "()"
        subject = f"{shown}{args} {self.where(call)}"
        return self._row(
            subject,
            call.lineno,
            [
                ("client", self.client(start)),
                ("guard", self.guard(start)),
                ("cap", self.cap(start, raw)),
                ("timeout", self.timeout(start)),
            ],
        )

    def row_for_forwarded(self, judged: ForwardedCall) -> AuditRow:
        """A call of a function that forwards its ``**kwargs`` to a generation call: the
        request, and its cap, is built here (``linter.python.forwarders``)."""
        call, forwarder = judged.call, judged.forwarder
        where = "" if judged.local else f" of {forwarder.module}"
        subject = f"{self.text(call.func)}() -> {forwarder.api} {self.where(call)}"
        return self._row(
            subject,
            call.lineno,
            [
                (
                    "client",
                    AuditValue(f"{forwarder.client} (through {forwarder.name}(){where})", ""),
                ),
                ("guard", AuditValue("not a stream start of this file", "", "unknown")),
                ("cap", self.cap_value(judged.cap, forwarder.add, call.lineno, True)),
                ("timeout", AuditValue(f"set in {forwarder.name}(){where}", "", "unknown")),
            ],
        )

    def row_for_raw(self, found: RawGeneration) -> AuditRow:
        """A POST to a generation endpoint that is not a stream start (an httpx or aiohttp
        ``post`` whose body streams by default, or, with all-calls, one that does not stream)."""
        call = found.call
        func = self.analysis.value(call.func)
        library = func.path.lstrip("@").split(".", 1)[0] if isinstance(func, Sym) else "HTTP"
        library = library.split(":", 1)[0]
        subject = f"{self.text(call.func)}({found.endpoint}) {self.where(call)}"
        return self._row(
            subject,
            call.lineno,
            [
                ("client", AuditValue(f"{library} ({self.resolution(call.func)[0]})", "")),
                (
                    "guard",
                    AuditValue("not iterated as a stream in this file", "", "unknown")
                    if found.streaming
                    else AuditValue("not a stream", "", "ok"),
                ),
                ("cap", self.raw_cap(found)),
                ("timeout", AuditValue("not checked (not a stream call)", "", "unknown")),
            ],
        )

    def row_for_foreign_sse(self, start: StreamStart) -> AuditRow:
        """Server-sent events read from a response whose request this file does not trace
        (another module's helper made it, or it is a parameter)."""
        call = start.call
        subject = f"{self.text(call.func)}() {self.where(call)}"
        elsewhere = "not known (the request is not traced in this file)"
        return self._row(
            subject,
            call.lineno,
            [
                (
                    "client",
                    AuditValue(
                        f"{start.client.name if start.client.package else 'requests or httpx'} "
                        "(a response whose request this file does not trace, read as "
                        "server-sent events)",
                        self.at(call.lineno),
                        "unknown",
                    ),
                ),
                ("guard", self.guard(start)),
                ("cap", AuditValue(elsewhere, "", "unknown")),
                ("timeout", AuditValue(elsewhere, "", "unknown")),
            ],
        )

    def row_for_remote(self, start: StreamStart) -> AuditRow:
        """A stream handed out by a function of another module of the tree (its call, cap
        and timeout are judged there)."""
        call = start.call
        there = f"judged in {start.origin.rsplit('.', 1)[0]}"
        return self._row(
            f"{self.text(call.func)}() {self.where(call)}",
            call.lineno,
            [
                ("client", AuditValue(f"{start.client.name} ({start.api})", self.at(call.lineno))),
                ("guard", self.guard(start)),
                ("cap", AuditValue(there, "", "unknown")),
                ("timeout", AuditValue(there, "", "unknown")),
            ],
        )

    def row_for_langchain_model(self, ctor: ast.Call, streamed: bool = True) -> AuditRow:
        """A LangChain chat model made with ``streaming=True`` that streams through callbacks
        (or, ``streamed`` false, one this file never streams from)."""
        args = "(streaming=True)" if streamed else "()"
        subject = f"{self.text(ctor.func)}{args} {self.where(ctor)}"
        cap = langchain_model(self.analysis, ctor)
        assert cap is not None
        found = cap_state(self.analysis, ctor, cap, cap.add, self.options.default_max_tokens)
        steps, line = self.resolution(ctor.func)
        return self._row(
            subject,
            ctor.lineno,
            [
                ("client", AuditValue(f"LangChain ({steps})", self.at(line or ctor.lineno))),
                (
                    "guard",
                    AuditValue(
                        "not iterated in this file (streams through callbacks)", "", "unknown"
                    )
                    if streamed
                    else AuditValue("not a stream", "", "ok"),
                ),
                ("cap", self.cap_value(found, cap.add, ctor.lineno, checked_by_py002=True)),
                ("timeout", self.langchain_timeout(ctor)),
            ],
        )

    def row_for_llama_index_model(self, ctor: ast.Call) -> AuditRow:
        """A LlamaIndex LLM whose constructor holds the cap of every answer it gives."""
        cap = llama_index_model(self.analysis, ctor)
        found = llama_index_cap(self.analysis, ctor, self.options.default_max_tokens)
        assert cap is not None and found is not None
        steps, line = self.resolution(ctor.func)
        return self._row(
            f"{self.text(ctor.func)}() {self.where(ctor)}",
            ctor.lineno,
            [
                ("client", AuditValue(f"LlamaIndex ({steps})", self.at(line or ctor.lineno))),
                ("guard", AuditValue("not a stream here", "", "unknown")),
                ("cap", self.cap_value(found, cap.add, ctor.lineno, checked_by_py002=True)),
                ("timeout", AuditValue("not known", "", "unknown")),
            ],
        )

    # -- guard ---------------------------------------------------------------------------------

    def guard(self, start: StreamStart) -> AuditValue:
        iterations = [it for it in self.analysis.iterations if it.stream.call is start.call]
        if not iterations:
            if start.streaming:
                return AuditValue("not iterated in this file", "", "unknown")
            return AuditValue("not a stream", "", "ok")
        facts = seen_as(cut_facts(self.analysis, start.client, self.settings), start.translated)
        parts: list[str] = []
        origins: list[str] = []
        risk = False
        readers: set[int] = set()  # functions whose read is reported already (as PY001 does)
        for iteration in iterations:
            words, origin, unguarded = self._one_guard(
                iteration, facts.raised, facts.exception, readers
            )
            risk = risk or unguarded
            prefix = f"line {iteration.node.lineno}: " if len(iterations) > 1 else ""  # type: ignore[attr-defined]
            parts.append(prefix + words)
            origins.append(origin)
        return AuditValue(
            " | ".join(parts), ", ".join(dict.fromkeys(origins)), "risk" if risk else "ok"
        )

    def _one_guard(
        self,
        iteration: Iteration,
        raised: tuple[Raised, ...],
        exception: str,
        readers: set[int],
    ) -> tuple[str, str, bool]:
        raised = consumer_raised(raised, iteration.stream.translated)
        verdict = self.analysis.guard_of(iteration.node, iteration.stream.client, raised)
        loop_line = iteration.node.lineno  # type: ignore[attr-defined]
        if verdict.guarded:
            return verdict.guard, self.at(verdict.line or loop_line), False
        # PY001 reports one read of a stream per function beside its consumer's loop.
        first_read = False
        if (
            (verdict.elsewhere or verdict.consumers)
            and not iteration.stream.origin
            and _reports_reading_loop(self.settings)
            # (not a loop whose handler raises another exception: its consumer is reported)
            and not self.analysis.guard_of(
                iteration.node, iteration.stream.client, raised, local=True
            ).translated
        ):
            first_read = id(iteration.function.node) not in readers
            readers.add(id(iteration.function.node))
        if verdict.elsewhere and not first_read:  # a relay, or a later read: reported elsewhere
            return f"none here ({verdict.why}; reported there)", self.at(loop_line), False
        if verdict.elsewhere:  # PY001 reports this loop and the consumer's, in its module
            return f"none ({verdict.why}; reported here and there)", self.at(loop_line), True
        if verdict.unknown:  # PY001 and PY003 stay silent: nothing unguarded found
            return f"not known ({verdict.why})", self.at(loop_line), False
        if verdict.consumers and not verdict.missed:  # PY001 reports the consumer loops
            lines = [line_of(node) or loop_line for node, _via, _why in verdict.consumers]
            words = "; ".join(
                f"its consumer on line {at}: {why}"
                for at, (_node, _via, why) in zip(lines, verdict.consumers, strict=True)
            )
            if first_read:  # PY001 reports this loop too: it reads the stream
                lines = [loop_line, *lines]
            return f"none ({words})", ", ".join(self.at(at) for at in lines), True
        if verdict.missed:  # PY003
            handlers = ", ".join(
                f"`{handler_text(self.analysis, h)}` (line {h.lineno})" for h in verdict.missed
            )
            return (
                f"none: {handlers} cannot catch {exception}",
                self.at(verdict.missed[0].lineno),
                True,
            )
        return (
            f"none (the `{iteration.what}` on line {loop_line}: {verdict.why})",
            self.at(loop_line),
            True,
        )  # PY001

    # -- cap -----------------------------------------------------------------------------------

    def cap(self, start: StreamStart, raw: RawGeneration | None) -> AuditValue:
        if start.http:
            if raw is not None:
                return self.raw_cap(raw)
            return AuditValue("not known (a raw HTTP request: the server's body)", "", "unknown")
        if start.client is K.LANGCHAIN:
            ctor = start.ctor
            cap = langchain_model(self.analysis, ctor) if ctor is not None else None
            if ctor is None or cap is None:
                return AuditValue("not known (set on the chat model)", "", "unknown")
            found = cap_state(self.analysis, ctor, cap, cap.add, self.options.default_max_tokens)
            return self.cap_value(found, cap.add, ctor.lineno, checked_by_py002=True)
        if start.cap is None:
            return AuditValue("not known", "", "unknown")
        function = forwarded(self.analysis, start)
        if function is not None:
            text = f"set by each call of {function.name}() (its `**kwargs`)"
            return AuditValue(text, self.at(start.call.lineno), "unknown")
        found, add = sdk_cap(self.analysis, start, self.options.default_max_tokens)
        return self.cap_value(found, add, start.call.lineno, checked(start, self.options.all_calls))

    def cap_value(self, found: CapState, add: str, line: int, checked_by_py002: bool) -> AuditValue:
        risk = "risk" if checked_by_py002 else "unknown"
        if found.state == "present" and found.value is not None:
            return AuditValue(
                f"{found.name}={self.text(found.value, 30)}", self.at(found.value.lineno)
            )
        if found.state == "none":
            value_line = found.value.lineno if found.value is not None else line
            return AuditValue(f"{found.name}=None (no cap)", self.at(value_line), risk)
        if found.state == "missing":
            extra = found.detail.strip().removeprefix("(").removesuffix(")")
            text = f"none (`{add}` not passed" + (f"; {extra})" if extra else ")")
            return AuditValue(text, self.at(line), risk)
        why = f" ({found.detail} may set it)" if found.detail else ""
        return AuditValue(f"not known{why}", self.at(line), "unknown")

    def raw_cap(self, found: RawGeneration) -> AuditValue:
        state = found.cap
        body = found.body.lineno
        if state.state == "present" and state.value is not None:
            return AuditValue(
                f'"{state.name}": {self.text(state.value, 30)}', self.at(state.value.lineno)
            )
        if state.state == "none":
            return AuditValue(f'"{state.name}": None (no cap)', self.at(body), "risk")
        if state.state == "missing":
            return AuditValue(
                f"none (add {found.wanted.strip('`')} to the body)", self.at(body), "risk"
            )
        return AuditValue("not known (the body is built elsewhere)", self.at(body), "unknown")

    # -- timeout -------------------------------------------------------------------------------

    def timeout(self, start: StreamStart) -> AuditValue:
        if start.http:
            return self.http_timeout(
                start, http_timeout(self.analysis, start, self.options.min_read_timeout)
            )
        if start.client is K.LANGCHAIN:
            if start.ctor is None:
                return AuditValue("not known (set on the chat model)", "", "unknown")
            return self.langchain_timeout(start.ctor)
        for holder in (start.call, start.ctor):
            if holder is None:
                continue
            value = keyword(holder, "timeout")
            if value is not None:
                return AuditValue(f"timeout={self.text(value, 40)}", self.at(value.lineno))
            if any(item.arg is None for item in holder.keywords):
                return AuditValue(
                    f"not known (`**{self.text(next(i.value for i in holder.keywords if i.arg is None), 30)}` may set it)",
                    self.at(holder.lineno),
                    "unknown",
                )
        default = SDK_DEFAULT_TIMEOUTS.get(start.client.name)
        if default is None:
            return AuditValue("not known", "", "unknown")
        if start.ctor is None and not self._module_client(start):
            return AuditValue(
                f"not known (the client is made elsewhere; the default is {default})", "", "unknown"
            )
        return AuditValue(default, "SDK default")

    def _module_client(self, start: StreamStart) -> bool:
        """The call goes through a module (``litellm.completion``, ``ollama.chat``), whose
        default timeout applies unless the call sets one."""
        func = self.analysis.value(start.call.func)
        return isinstance(func, Sym) and not func.path.startswith("@")

    def langchain_timeout(self, ctor: ast.Call) -> AuditValue:
        for name in ("timeout", "request_timeout"):
            value = keyword(ctor, name)
            if value is not None:
                return AuditValue(f"{name}={self.text(value, 40)}", self.at(value.lineno))
        model = self.analysis.value(ctor)
        if isinstance(model, Sym) and model.path[len("@lc:") :] in LANGCHAIN_NO_TIMEOUT:
            return AuditValue(f"none ({model.path[4:]}'s default timeout is None)", "SDK default")
        return AuditValue("not known", "", "unknown")

    def http_timeout(self, start: StreamStart, state: TimeoutState) -> AuditValue:
        library = start.http
        status = "risk" if state.risk else "ok"
        node_at = (
            self.at(state.node.lineno) if state.node is not None else self.at(start.call.lineno)
        )
        if state.kind == "missing":
            return AuditValue("none (requests waits forever)", self.at(start.call.lineno), status)
        if state.kind == "default":
            made = (
                f"the client on line {state.ctor.lineno} sets none"
                if state.ctor is not None
                else f"{library}'s default"
            )
            text = (
                f"{library}'s default: 5 s per read"
                if library in ("httpx", "httpx2")
                else "aiohttp's default: ClientTimeout(total=300), counts the body"
            )
            return AuditValue(text, self.at(state.ctor.lineno) if state.ctor else made, status)
        if state.kind == "none":
            return AuditValue("timeout=None (no timeout)", node_at, status)
        if state.kind == "read" and state.seconds is not None:
            return AuditValue(f"{state.seconds:g} s per read", node_at, status)
        if state.kind == "total" and state.seconds is not None:
            return AuditValue(f"total={state.seconds:g} s (counts the body)", node_at, status)
        if state.node is not None:
            return AuditValue(
                f"timeout={self.text(state.node, 40)} (not known)", node_at, "unknown"
            )
        return AuditValue(f"not known ({state.why})", node_at, "unknown")


def _reports_reading_loop(settings: Settings) -> bool:
    """PY001's `report-reading-loop`: the audit marks a risk exactly where PY001 reports."""
    rule = registry.get_rule("PY001")
    return rule is not None and bool(settings.option(rule, "report-reading-loop"))
