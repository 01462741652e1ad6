"""Words for the PY rules' messages: what a cut stream raises for a client at the version the
repository runs, where that version comes from, and what to catch instead."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.cut_errors import Raised
from linter.python.pins import excluded_from, parse_target
from linter.record import record

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.python.analysis import Analysis, StreamStart


@record
class CutFacts:
    raised: tuple[Raised, ...]
    exception: str  # "httpx.RemoteProtocolError" or "a or b" with version ranges
    note: str  # " (openai 2.54.0 from requirements.txt: ...)" or the assumption made
    suggest: str  # what to catch, e.g. "httpx.HTTPError" or "(httpx.HTTPError, httpx2.HTTPError)"
    catches: tuple[str, ...] = ()  # the classes of ``suggest``, one by one


def seen_as(facts: CutFacts, translated: tuple[str, ...]) -> CutFacts:
    """What a consumer sees of a cut that a generator on the way raises as another class
    (``raise LLMError(...)`` in its handler): that class, to catch."""
    if not translated:
        return facts
    name = translated[0]  # (``REPLACED`` is only ever last)
    exception = f"`{name}` (raised for {facts.exception} by the generator's handler)"
    return CutFacts(facts.raised, exception, "", name, (name,))


def target_versions(settings: Settings) -> dict[str, tuple[int, ...]]:
    versions = {}
    for name, value in settings.python_target:
        version = parse_target(str(value))
        if version is not None:
            versions[name.lower()] = version
    return versions


def cut_facts(analysis: Analysis, client: K.Client, settings: Settings) -> CutFacts:
    version, source = analysis.version(client, target_versions(settings))
    upper = ""
    if version == ():  # a requirement with only an upper bound (``openai<3``)
        pin = analysis.document.pins.get(client.package)
        upper = pin.upper if pin is not None else ""
        version = None
    raised = _raised_below(client, upper) if upper else client.raised(version)
    if len(raised) == 1:
        exception = raised[0].exception
    else:
        exception = " or ".join(f"{r.exception} ({r.label(client.package)})" for r in raised)
    catches = list(dict.fromkeys(r.catch for r in raised))
    if not client.package:  # the library is not known: any of several
        catches = [client.suggestion]
    # ``except A or B`` would catch A only: several classes are suggested as a tuple.
    suggest = catches[0] if len(catches) == 1 else f"({', '.join(catches)})"
    note = ""
    if client.version_dependent:
        shown = ".".join(str(p) for p in version) if version else ""
        reason = raised[0].note if len(raised) == 1 and raised[0].note else ""
        if version is not None:
            note = f" ({client.package} {shown}, from {source}" + (
                f": {reason})" if reason else ")"
            )
        elif upper:
            note = f" (any {client.package}{upper}, from {source}" + (
                f": {reason})" if reason else ")"
            )
        else:
            later = [r for r in client.raises if r.mapped]
            after = (
                f", so the older behaviour is assumed; {later[0].label(client.package)} raise "
                f"{later[0].exception}"
                if later
                else ""
            )
            note = (
                f" (no {client.package} version pin found in the repository or the python-target "
                f"setting{after})"
            )
    elif raised and raised[0].note:
        note = f" ({raised[0].note})"
    return CutFacts(raised, exception, note, suggest, tuple(catches))


def _raised_below(client: K.Client, upper: str) -> tuple[Raised, ...]:
    """What a cut stream can raise on the versions an upper bound allows: the ranges that
    start below it (as with no version known, SDK classes only later versions map do not
    count). Exceptions of versions the bound rules out (``httpx2`` under ``openai<3``) are
    never suggested."""
    below = excluded_from(upper)
    possible = tuple(
        r
        for r in client.raises
        if not r.mapped and (below is None or not r.since or r.since < below)
    )
    return possible or client.raised(None)


def article(word: str) -> str:
    """ "a" or "an" as the name is said: "an openai", "an httpx" (aitch-tee-tee-pee), "a
    LangChain", "a huggingface_hub"."""
    lower = word.lower()
    if lower.startswith(("http", "sse", "llm")):  # said letter by letter
        return "an"
    return "an" if lower[:1] in "aeiou" else "a"


def decorator_text(analysis: Analysis, decorator: ast.expr, limit: int = 60) -> str:
    """The decorator as written, on one line; when longer than ``limit``, its callee with
    ``(...)`` (never cut inside a name: ``retry(...)``, not ``retry(stop=stop_aft``)."""
    text = " ".join(analysis.document.text_of(decorator).split())
    if len(text) <= limit or not isinstance(decorator, ast.Call):
        return text
    return " ".join(analysis.document.text_of(decorator.func).split()) + "(...)"


def call_name(analysis: Analysis, start: StreamStart) -> str:
    """The called expression as written, e.g. ``client.chat.completions.create``."""
    text = analysis.document.text_of(start.call.func)
    return " ".join(text.split())


def handler_text(analysis: Analysis, handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return "except " + " ".join(analysis.document.text_of(handler.type).split())


def header_span(analysis: Analysis, node: ast.AST) -> tuple[int, int]:
    """Where a finding on a compound statement starts and ends: its header, not its body
    (``for attempt in range(3)``, ``while tries < 5``, ``except RateLimitError``)."""
    document = analysis.document
    begin = document.start(node)
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return begin, document.end(node.iter)
    if isinstance(node, ast.While):
        return begin, document.end(node.test)
    if isinstance(node, ast.ExceptHandler):
        # ``except`` alone, or up to the end of the class (or tuple of classes) it names
        end = document.end(node.type) if node.type is not None else begin + len("except")
        return begin, end
    return document.span(node)
