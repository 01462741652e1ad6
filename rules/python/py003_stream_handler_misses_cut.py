"""PY003 stream-handler-misses-cut: a handler around a stream that cannot catch a cut."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from linter.config import Settings
from linter.model import Applicability, Finding, Fix, Severity
from linter.python.analysis import Analysis, analysis_of
from linter.python.cut_errors import NEVER_CATCH, consumer_raised
from linter.python.document import PythonDocument
from linter.python.explain import CutFacts, cut_facts, handler_text, seen_as
from linter.python.rewrites import deferred, imports_needed, spelling
from linter.registry import Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    reported: set[int] = set()
    for iteration in analysis.iterations:
        start = iteration.stream
        facts = cut_facts(analysis, start.client, settings)
        raised = consumer_raised(facts.raised, start.translated)
        # A generator on the way raises its own class instead: that is what to catch (no
        # fix: the class may not be importable here).
        facts = seen_as(facts, start.translated)
        verdict = analysis.guard_of(iteration.node, start.client, raised)
        if verdict.guarded or verdict.unknown:
            # Unknown: callers not followed may catch what escapes these handlers (as PY001).
            continue
        # One finding per `try`, however many of its handlers miss the cut.
        by_try: dict[int, tuple[ast.AST, list[ast.ExceptHandler]]] = {}
        for handler in verdict.missed:
            owner = analysis.parent(handler)
            if owner is None or id(owner) in reported:
                continue
            by_try.setdefault(id(owner), (owner, []))[1].append(handler)
        for key, (owner, handlers) in by_try.items():
            reported.add(key)
            yield _finding(
                analysis,
                iteration.node,
                start.client.name,
                facts,
                owner,
                handlers,
                bool(start.translated),
            )


def _finding(
    analysis: Analysis,
    loop: ast.AST,
    client: str,
    facts: CutFacts,
    owner: ast.AST,
    handlers: list[ast.ExceptHandler],
    translated: bool = False,
) -> Finding:
    document = analysis.document
    first = handlers[0]
    node = first.type if first.type is not None else first
    begin, end = document.span(node)
    named = " and ".join(f"`{handler_text(analysis, h)}`" for h in handlers)
    which = "this handler does" if len(handlers) == 1 else "these handlers do"
    widen = _to_widen(analysis, handlers)
    catches = " and ".join(f"`{name}`" for name in facts.catches)
    if widen is not None:
        advice = f"add {catches} to `{handler_text(analysis, widen)}`"
        if len(handlers) == 1:
            advice = f"add {catches} to it"
    else:
        advice = (
            f"add an `except {facts.suggest}:` clause to this `try` that tells the user the "
            "answer is incomplete (the handler there maps one specific error)"
        )
    message = (
        f"{named} around the {client} stream loop on line {loop.lineno} cannot catch a cut "  # type: ignore[attr-defined]
        f"stream: a dropped connection raises {facts.exception}{facts.note}, which {which} not "
        f"catch; {advice}"
    )
    fix = None if translated else _fix(analysis, owner, handlers, widen, facts.catches)
    return RULE.report(document.source, begin, end, message, fix=fix)


def _to_widen(analysis: Analysis, handlers: list[ast.ExceptHandler]) -> ast.ExceptHandler | None:
    """The handler to add the transport class to: the first that does not map one specific
    error (a single class such as `KeyboardInterrupt` or `json.JSONDecodeError`, whose
    body handles that error and nothing else); None when every one does."""
    for handler in handlers:
        names = analysis.handler_class(handler.type)
        if len(names) == 1 and names[0] in NEVER_CATCH:
            continue
        return handler
    return None


def _fix(
    analysis: Analysis,
    owner: ast.AST,
    handlers: list[ast.ExceptHandler],
    widen: ast.ExceptHandler | None,
    catches: Sequence[str],
) -> Fix | None:
    document = analysis.document
    tree = document.tree
    if tree is None or not isinstance(owner, ast.Try) or not catches:
        return None  # `except*` groups are left to the reader
    spelled = [spelling(tree, name) for name in catches]
    modules = imports_needed(spelled)
    if len(catches) > 1 and modules:
        # Several classes (no version known): one of their modules may not be installed,
        # and a fix must not add an import that fails.
        return None
    names = tuple(name for name, _ in spelled)
    path, text = document.path, document.source.text
    if widen is not None:
        edits = deferred("widen_handler", path, text, widen.lineno, names, modules)
        imported = "".join(f", `import {m}`" for m in modules)
        description = f"add {', '.join(f'`{n}`' for n in names)} to `{handler_text(analysis, widen)}`{imported}"
    else:
        if len(names) != 1:
            return None
        logger, logging_module = spelling(tree, "logging.getLogger")
        if logging_module:
            modules = (*modules, logging_module)
        missed = {id(h) for h in handlers}
        rethrow = next((h for h in owner.handlers if id(h) not in missed), None)
        before = rethrow.lineno if rethrow is not None else 0
        edits = deferred(
            "add_except_clause", path, text, handlers[0].lineno, before, names[0], logger, modules
        )
        imported = "".join(f", `import {m}`" for m in modules)
        description = (
            f"add `except {names[0]}:` to the `try` on line {owner.lineno}, logging that the "
            f"answer is incomplete{imported}"
        )
    return RULE.make_fix(edits, description, unsafe=True)


RULE = Rule(
    code="PY003",
    name="stream-handler-misses-cut",
    kind="python",
    summary="a handler around a stream that catches only exceptions a cut stream never raises",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    check=check,
    doc="""\
## What it does
Reports a `try` around a stream loop (in the same function) whose `except` clauses all miss
what a cut stream raises: `KeyboardInterrupt`, `json.JSONDecodeError`, `KeyError`,
`ValueError`, `IndexError`, `TimeoutError`, `ConnectionError`, or SDK classes where the SDK
version raises raw transport errors (`except openai.APIError` before openai 3.14,
`except anthropic.APIError`, `except litellm.APIConnectionError` where litellm raises
`MidStreamFallbackError`, `except requests.ConnectionError` where requests raises
`ChunkedEncodingError`). One finding per `try`, on its first such clause. Classes
streamproof cannot resolve (your own, or computed) get the benefit of the doubt.

The version comes from the `python-target` setting (`[tool.streamproof] python-target =
{openai = "3.14"}`), else from the repository's lock files, `requirements*.txt` or
`pyproject.toml` (the lowest version a requirement allows; a requirement with only an upper
bound, such as `openai<3`, allows the versions below it). With no pin, the message names
what every version range raises (anthropic: `httpx` errors before 1.0, `httpx2` errors from
1.0), SDK classes that only later versions map (openai 3.14) do not count, and it says so.

## Why is this bad
The handler looks like a guard, so nobody adds one, but the exception of a dropped
connection passes through it and ends the loop mid-answer.

## Fix safety
Unsafe: the fix makes the `try` catch the transport class, which changes what the program
does when a stream is cut. A clause that already handles errors of the API or the
connection (`except openai.APIError`, `except (requests.ConnectionError, requests.Timeout)`)
gets the class added to it (as a tuple). A clause that maps one specific error
(`except KeyboardInterrupt`, `except json.JSONDecodeError`) is left alone: a new
`except <class>:` clause follows it, logging a warning that the answer is incomplete; make
it tell your user. The `import` the class needs is added at the top. No fix is offered
when the version is unknown and several classes would be needed (one of their modules may
not be installed), or around an `except*` group.

## References
- KNOWLEDGE.md section 3
""",
)
