"""Parameters annotated with an SDK's stream class (``s: AsyncStream[ChatCompletionChunk]``):
streams whoever passes them."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import FunctionInfo, Stream, StreamStart, Sym

if TYPE_CHECKING:
    from linter.python.analysis.values import Values

# SDK classes a parameter may be annotated with that are streams of a generation.
_STREAM_CLASSES: dict[str, tuple[K.Client, str]] = {
    "openai.Stream": (K.OPENAI, "openai.Stream"),
    "openai.AsyncStream": (K.OPENAI, "openai.AsyncStream"),
    "openai._streaming.Stream": (K.OPENAI, "openai.Stream"),
    "openai._streaming.AsyncStream": (K.OPENAI, "openai.AsyncStream"),
    "anthropic.Stream": (K.ANTHROPIC, "anthropic.Stream"),
    "anthropic.AsyncStream": (K.ANTHROPIC, "anthropic.AsyncStream"),
    "anthropic.lib.streaming.MessageStream": (K.ANTHROPIC, "anthropic MessageStream"),
    "anthropic.lib.streaming.AsyncMessageStream": (K.ANTHROPIC, "anthropic AsyncMessageStream"),
}


def annotated_stream(
    values: Values, annotation: ast.expr, where: FunctionInfo, name: str, depth: int
) -> Stream | None:
    """A parameter annotated with an SDK's stream class (``s: AsyncStream[Chunk]``,
    ``stream: anthropic.MessageStream``): a stream, whoever passes it. One start per
    parameter, placed at its annotation."""
    node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        node = node.left  # ``AsyncStream[Chunk] | None``
        node = node.value if isinstance(node, ast.Subscript) else node
    sym = values.value(node, depth + 1)
    if not isinstance(sym, Sym):
        return None
    found = _STREAM_CLASSES.get(sym.path)
    if found is None:
        return None
    client, api = found
    key = (id(where), name)
    cached = values._typed_streams.get(key)
    if cached is None:
        call = ast.Call(func=annotation, args=[], keywords=[])
        ast.copy_location(call, annotation)
        call.end_lineno, call.end_col_offset = annotation.end_lineno, annotation.end_col_offset
        text = f"the parameter `{name}: {api}`"
        cached = Stream(StreamStart(call, client, text, True, None, None), "stream")
        values._typed_streams[key] = cached
    return cached


def stream_class(values: Values, node: ast.expr) -> str:
    """An SDK's stream class named by an expression (``openai.Stream``, ``Stream`` imported
    from ``openai._streaming``): its name as messages show it, "" for anything else."""
    sym = values.value(node)
    found = _STREAM_CLASSES.get(sym.path) if isinstance(sym, Sym) else None
    return found[1] if found is not None else ""
