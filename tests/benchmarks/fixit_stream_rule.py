"""A Fixit rule of ours: the libcst-based anchor of the benchmark.

It looks for what the PY rules look for at the syntax level, so that Fixit does comparable work:
generation calls that stream (`.create(..., stream=True)`, `completion(..., stream=True)`,
`.stream(...)` context managers, `requests`/`httpx` with `stream=True`), whether they cap the
output, and `for` / `async for` loops over such a stream with no `try` around them.

It runs in the benchmark's own Fixit environment only (`fixit --rules fixit_stream_rule lint`,
with this folder on PYTHONPATH); streamproof never imports it. `fixit test fixit_stream_rule`
checks its examples.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst
from fixit import Invalid, LintRule, Valid

CAP_KEYWORDS = frozenset({"max_tokens", "max_completion_tokens", "max_output_tokens"})
GENERATION_CALLS = frozenset({"create", "completion", "acompletion"})
STREAM_METHODS = frozenset({"stream", "generate_content_stream", "chat_stream"})


def _callee_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _streams(call: cst.Call) -> bool:
    if _callee_name(call) in STREAM_METHODS:
        return True
    for arg in call.args:
        if (
            arg.keyword is not None
            and arg.keyword.value == "stream"
            and isinstance(arg.value, cst.Name)
            and arg.value.value == "True"
        ):
            return True
    return False


def _stream_call(node: cst.BaseExpression | None) -> cst.Call | None:
    if isinstance(node, cst.Await):
        node = node.expression
    if isinstance(node, cst.Call) and _streams(node):
        return node
    return None


class StreamCallRule(LintRule):
    MESSAGE = "stream loop with no handler around it, or a streaming generation call without a cap"

    VALID: ClassVar[list[Valid | str]] = [
        Valid(
            """
            stream = client.chat.completions.create(model="m", stream=True, max_tokens=9)
            try:
                for chunk in stream:
                    print(chunk)
            except Exception:
                pass
            """
        ),
        Valid("Model.objects.create(name='x')"),
        Valid("for line in open('f'):\n    print(line)"),
    ]
    INVALID: ClassVar[list[Invalid | str]] = [
        Invalid(
            """
            stream = client.chat.completions.create(model="m", messages=[], stream=True)
            """
        ),
        Invalid(
            """
            stream = litellm.completion(model="m", messages=[], stream=True, max_tokens=9)
            for part in stream:
                print(part)
            """
        ),
        Invalid(
            """
            with client.messages.stream(model="m", max_tokens=9, messages=[]) as s:
                for text in s.text_stream:
                    print(text)
            """
        ),
        Invalid(
            """
            async def f():
                async for chunk in await client.chat.completions.create(stream=True, max_tokens=1):
                    print(chunk)
            """
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stream_names: set[str] = set()
        self.try_depth = 0

    def visit_Try(self, node: cst.Try) -> None:
        self.try_depth += 1

    def leave_Try(self, original_node: cst.Try) -> None:
        self.try_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if _callee_name(node) in GENERATION_CALLS and _streams(node):
            keywords = {arg.keyword.value for arg in node.args if arg.keyword is not None}
            has_star = any(arg.star == "**" for arg in node.args)
            if not keywords & CAP_KEYWORDS and not has_star:
                self.report(node, "streaming generation call without an output cap")

    def visit_Assign(self, node: cst.Assign) -> None:
        if _stream_call(node.value) is not None:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.stream_names.add(target.target.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if (
            _stream_call(node.item) is not None
            and node.asname is not None
            and isinstance(node.asname.name, cst.Name)
        ):
            self.stream_names.add(node.asname.name.value)

    def visit_For(self, node: cst.For) -> None:
        target = node.iter
        if isinstance(target, cst.Attribute):  # `s.text_stream`
            target = target.value
        over_stream = _stream_call(target) is not None or (
            isinstance(target, cst.Name) and target.value in self.stream_names
        )
        if over_stream and self.try_depth == 0:
            self.report(node, "loop over a stream with no handler for a cut stream")
