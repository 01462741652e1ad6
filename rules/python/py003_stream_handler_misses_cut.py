"""PY003 stream-handler-misses-cut: a handler around a stream that cannot catch a cut."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.python.analysis import analysis_of
from linter.python.document import PythonDocument
from linter.python.explain import cut_facts, handler_text
from linter.registry import Rule


def check(document: PythonDocument, settings: Settings) -> Iterator[Finding]:
    analysis = analysis_of(document)
    if analysis is None:
        return
    reported: set[int] = set()
    for iteration in analysis.iterations:
        start = iteration.stream
        facts = cut_facts(analysis, start.client, settings)
        verdict = analysis.guard_of(iteration.node, start.client, facts.raised)
        if verdict.guarded:
            continue
        for handler in verdict.missed:
            if id(handler) in reported:
                continue
            reported.add(id(handler))
            node = handler.type if handler.type is not None else handler
            begin, end = document.span(node)
            message = (
                f"`{handler_text(analysis, handler)}` around the {start.client.name} stream loop on line "
                f"{iteration.node.lineno} cannot catch a cut stream: a dropped connection raises "  # type: ignore[attr-defined]
                f"{facts.exception}{facts.note}, which this handler does not catch; add "
                f"{' and '.join(f'`{name}`' for name in facts.catches)} to it"
            )
            yield RULE.report(document.source, begin, end, message)


RULE = Rule(
    code="PY003",
    name="stream-handler-misses-cut",
    kind="python",
    summary="a handler around a stream that catches only exceptions a cut stream never raises",
    severity=Severity.WARNING,
    fix=None,
    check=check,
    doc="""\
## What it does
Reports the `except` clauses around a stream loop (in the same function) when none of them
can catch what a cut stream raises: `KeyboardInterrupt`, `json.JSONDecodeError`, `KeyError`,
`ValueError`, `IndexError`, `TimeoutError`, `ConnectionError`, or SDK classes where the SDK
version raises raw transport errors (`except openai.APIError` before openai 3.14,
`except anthropic.APIError`, `except litellm.APIConnectionError` where litellm raises
`MidStreamFallbackError`, `except requests.ConnectionError` where requests raises
`ChunkedEncodingError`). Classes streamproof cannot resolve (your own, or computed) get the
benefit of the doubt.

The version comes from the `python-target` setting (`[tool.streamproof] python-target =
{openai = "3.14"}`), else from the repository's lock files, `requirements*.txt` or
`pyproject.toml` (the lowest version a requirement allows). With no pin, the message names
what every version range raises (anthropic: `httpx` errors before 1.0, `httpx2` errors from
1.0), SDK classes that only later versions map (openai 3.14) do not count, and it says so.

## Why is this bad
The handler looks like a guard, so nobody adds one, but the exception of a dropped
connection passes through it and ends the loop mid-answer.

## Fix safety
No fix: the message names the class to add to the handler.

## References
- KNOWLEDGE.md section 3
""",
)
