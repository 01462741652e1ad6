"""What a streaming response call says about itself, read from its arguments and its function:
its media type, whether its body is whole in memory (a download, no stream), whether it asks
NGINX not to buffer (``X-Accel-Buffering: no``), and the heartbeats its generator writes."""

from __future__ import annotations

import ast
import re

# The byte search before a file is parsed for a streamed response: a file without one of
# these names writes none.
RESPONSE_MARKERS = (
    b"StreamingResponse",
    b"EventSourceResponse",
    b"stream_with_context",
    b"Response",
)
# What a generator that sends heartbeats writes: a ping or heartbeat event, a keep-alive,
# or an SSE comment line (": ...\n\n").
HEARTBEAT = re.compile(r"\bping\b|heartbeat|keep[-_ ]?alive", re.IGNORECASE)


def sends_unbuffered(call: ast.Call) -> bool:
    """``headers={"X-Accel-Buffering": "no", ...}`` written on the response."""
    headers = next((k.value for k in call.keywords if k.arg == "headers"), None)
    if not isinstance(headers, ast.Dict):
        return False
    for key, value in zip(headers.keys, headers.values, strict=False):
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and key.value.lower() == "x-accel-buffering"
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
            and value.value.strip().lower() == "no"
        ):
            return True
    return False


def unbuffered_later(tree: ast.Module, call: ast.Call) -> bool:
    """``response = StreamingResponse(...)`` then ``response.headers["X-Accel-Buffering"] =
    "no"`` in the same function, before it is returned (set on the response object)."""
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not function.lineno <= call.lineno <= (function.end_lineno or function.lineno):
            continue
        names = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and node.value is call
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        if not names:
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
                continue
            for target in node.targets:
                # `response.headers[...]`, or Django's `response[...]` on the response itself.
                holder = target.value if isinstance(target, ast.Subscript) else None
                if isinstance(holder, ast.Attribute) and holder.attr == "headers":
                    holder = holder.value
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(holder, ast.Name)
                    and holder.id in names
                    and isinstance(target.slice, ast.Constant)
                    and str(target.slice.value).lower() == "x-accel-buffering"
                    and str(node.value.value).strip().lower() == "no"
                ):
                    return True
    return False


def comment_line(value: ast.expr | None) -> bool:
    """A yielded SSE comment (``": ping\\n\\n"``, ``f": {n}\\n\\n"``): a string that starts
    with a colon."""
    if isinstance(value, ast.JoinedStr) and value.values:
        value = value.values[0]
    if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
        start = value.value.lstrip()
        return start[:1] in (":", b":")
    return False


# Media types of token streams besides text/* (a download's are not judged for heartbeats).
TOKEN_MEDIA = frozenset({"application/x-ndjson", "application/jsonl", "application/json"})
# Media types that are streams whatever produces the body.
STREAMED_MEDIA_TYPES = ("text/event-stream", "application/x-ndjson")


def streamed_media_type(call: ast.Call) -> str | None:
    """``Response(body, mimetype="text/event-stream")`` (or ``content_type=``, with a charset
    or not): the streamed media type it names."""
    for item in call.keywords:
        if item.arg in ("mimetype", "content_type") and isinstance(item.value, ast.Constant):
            value = item.value.value
            if isinstance(value, str):
                media = value.split(";", 1)[0].strip().lower()
                if media in STREAMED_MEDIA_TYPES:
                    return f"`{media}`"
    return None


# What holds a whole body in memory: `iter([data])`, `io.BytesIO(...)`.
IN_MEMORY = frozenset({"BytesIO", "StringIO"})


def whole_body(call: ast.Call) -> bool:
    """A `StreamingResponse` that streams nothing as it is made: its body is a literal list
    or tuple (or `iter()` of one) or an in-memory buffer, or it is sent as an attachment
    (`Content-Disposition: attachment`, a file download)."""
    body = call.args[0] if call.args else None
    if body is None:
        body = next((k.value for k in call.keywords if k.arg == "content"), None)
    if (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and body.func.id == "iter"
        and len(body.args) == 1
    ):
        body = body.args[0]
    if isinstance(body, (ast.List, ast.Tuple)):
        return True
    if isinstance(body, ast.Call):
        func = body.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in IN_MEMORY:
            return True
    headers = next((k.value for k in call.keywords if k.arg == "headers"), None)
    if isinstance(headers, ast.Dict):
        for key, value in zip(headers.keys, headers.values, strict=False):
            if (
                isinstance(key, ast.Constant)
                and str(key.value).lower() == "content-disposition"
                and "attachment" in ast.unparse(value).lower()
            ):
                return True
    return False


def flask_media_type(call: ast.Call) -> str | None:
    """A Flask or Quart `Response`'s media type, when a constant gives it (`mimetype=` or
    `content_type=`), without its parameters."""
    for item in call.keywords:
        value = item.value
        if item.arg in ("mimetype", "content_type") and isinstance(value, ast.Constant):
            return (
                value.value.split(";", 1)[0].strip().lower()
                if isinstance(value.value, str)
                else None
            )
    return None


def media_type(call: ast.Call) -> str | None:
    """A `StreamingResponse`'s media type, when a constant gives it (keyword or second
    argument), without its parameters."""
    value: ast.expr | None = call.args[1] if len(call.args) > 1 else None
    for item in call.keywords:
        if item.arg == "media_type":
            value = item.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value.split(";", 1)[0].strip().lower()
    return None


def generator_call(node: ast.AST, generators: set[str]) -> bool:
    if isinstance(node, ast.GeneratorExp):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in generators or name == "stream_with_context"
    return False
