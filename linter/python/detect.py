"""Which files are Python worth parsing, decided from the name and a cheap scan of the bytes.

Kept apart from the handler so that classifying files imports nothing heavy: a file that
mentions no LLM or streaming HTTP client is never parsed at all.
"""

from __future__ import annotations

import codecs
import functools
import re
from typing import Any

from linter.document import Claim

# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
# An LLM client named anywhere in the file (import, attribute, string) makes it worth a parse.
_LLM_CLIENTS = functools.cache(
    lambda: re.compile(
        rb"\b(?:openai|anthropic|litellm|ollama|genai|generativeai|mistralai|cohere|groq|together|fireworks|bedrock|"
        rb"huggingface_hub|langchain\w*|llama_index|llama_cpp|dashscope|volcenginesdkarkruntime|"
        rb"zhipuai|zai)\b"
    )
)
# Raw HTTP libraries only matter where something streams.
_HTTP_LIBRARIES = functools.cache(
    lambda: re.compile(rb"\b(?:httpx2?|requests|aiohttp|httpx_sse|urllib3)\b")
)
# (A generation endpoint counts too: PY002 and PY007 look at requests that do not stream.)
_STREAM_MARKERS = functools.cache(
    lambda: re.compile(
        rb"stream|iter_lines|iter_content|\.content\b|iter_chunked|iter_any|iter_sse|connect_sse"
        rb"|/chat/completions|/api/generate|/api/chat|/v1/messages|/v1/responses"
    )
)
# A generation call on a client the file only receives (a parameter): PY007 judges a retry
# decorator around it.
_GENERATION_CALL = b"completions.create("
# A legacy google-generativeai model or chat session made in another module of the tree
# (``session.send_message(q, stream=True)``): analysis.inferred decides by that module.
_STREAM_TRUE = b"stream=True"
_GENAI_LEGACY_CALLS = (b".send_message", b".generate_content")
# A streamed chat completion's chunks read where the stream is a parameter (PY001).
_CHUNK_DELTA = b"].delta"
# A request known by its arguments alone (``method(model=m, messages=msgs)``) retried by a
# loop whose handler goes round (PY005, ``chat_shaped``): all three substrings, or no parse.
_CHAT_MESSAGES = b"messages="
_CHAT_MODEL = b"model="
_CHAT_RETRY = b"except"
# urllib3 posting to a generation endpoint (PY002 and PY007 read its requests' bodies).
_URLLIB3 = b"urllib3"
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
# Plain substring tests (C speed) rule out most files before a regex runs over them.
# (``llama`` stands for ollama, llama_index and llama_cpp: one search instead of three, and a
# file it lets through for nothing fails the expressions below and gets the answer it would
# have had.)
_NAMES = (
    b"openai", b"anthropic", b"litellm", b"llama", b"genai", b"generativeai", b"mistralai", b"cohere",
    b"groq", b"together", b"fireworks", b"bedrock", b"huggingface_hub", b"langchain", b"httpx", b"requests", b"aiohttp",
    b"dashscope", b"volcenginesdk", b"zhipuai", b"zai",
)  # fmt: skip


_SIZED_NAMES = tuple((name, len(name)) for name in _NAMES)
# Below this size a substring test in Python costs less than a call into the C library.
_MEMMEM_FROM = 1024
_memmem: Any = None  # the C library's memmem once looked up; False where there is none


def _libc_memmem() -> Any:
    """The C library's ``memmem``, or False. On a file that mentions none of the names every
    needle is searched for to the end, and CPython's search skips little on code (the
    needles' letters are its most common ones): memmem runs the 15 searches in a third of
    the time. Looked up on first use, as ctypes is not free to import."""
    global _memmem
    if _memmem is None:
        try:
            import ctypes

            function = ctypes.CDLL(None).memmem
            function.restype = ctypes.c_void_p
            function.argtypes = (ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t)
            _memmem = function
        except (ImportError, OSError, AttributeError, TypeError):
            _memmem = False  # no such function here (Windows): Python's own search
    return _memmem


# A web endpoint that streams events, or compression put on an app (PY008, PY009).
_ENDPOINT_NAMES = ((b"event-stream", 12), (b"GZipMiddleware", 14), (b"BrotliMiddleware", 16))


def names_endpoint(data: bytes) -> bool:
    """True when ``data`` names an event stream or compression middleware (memmem where it
    pays)."""
    size = len(data)
    memmem = _libc_memmem() if size >= _MEMMEM_FROM else None
    if memmem:
        return any(memmem(data, size, needle, length) for needle, length in _ENDPOINT_NAMES)
    return any(needle in data for needle, _ in _ENDPOINT_NAMES)


def names_client(data: bytes) -> bool:
    """True when one of the client names occurs in ``data`` (as bytes, anywhere)."""
    size = len(data)
    memmem = _libc_memmem() if size >= _MEMMEM_FROM else None
    if memmem:
        for needle, length in _SIZED_NAMES:  # (a loop: any() over a generator costs 10% more)
            if memmem(data, size, needle, length):
                break
        else:
            return False
        return True
    for needle in _NAMES:
        if needle in data:
            break
    else:
        return False
    return True


def mentions_clients(data: bytes) -> bool:
    if data.startswith(_WIDE_BOMS):  # UTF-16/32: the names are not ASCII bytes
        for bom, name in (
            (codecs.BOM_UTF32_LE, "utf-32"),
            (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"),
        ):
            if data.startswith(bom):
                data = data.decode(name, "replace").encode("utf-8", "replace")
                break
    if b"iter_lines" in data and (b"data:" in data or b"done" in data):
        return True  # server-sent events or Ollama's JSON lines read from a response
    if names_endpoint(data):
        return True
    if not names_client(data):
        return (
            _GENERATION_CALL in data
            or _CHUNK_DELTA in data
            or (_CHAT_MESSAGES in data and _CHAT_MODEL in data and _CHAT_RETRY in data)
            or (_URLLIB3 in data and _STREAM_MARKERS().search(data) is not None)
            or (_STREAM_TRUE in data and any(m in data for m in _GENAI_LEGACY_CALLS))
        )
    if _LLM_CLIENTS().search(data):
        return True
    if _HTTP_LIBRARIES().search(data) and _STREAM_MARKERS().search(data):
        return True
    return _GENERATION_CALL in data or _CHUNK_DELTA in data


# Each Python file is a unit of its own: the byte check runs where the file is checked.
PER_FILE = True


def claim_by_name(relpath: str) -> Claim:
    return Claim.MAYBE if relpath.endswith((".py", ".pyi")) else Claim.NO


def claim_in_tree(relpath: str, data: bytes, by_name: Claim, path: str, workspace: Any) -> bool:
    """A Python file that mentions no client but imports, from the linted tree, a function
    that hands out a stream (``from .providers import stream_chat``): its loops over it are
    checked too (linter.python.analysis.project)."""
    if by_name is Claim.NO or not relpath.endswith(".py"):
        return False
    from linter.python.analysis.project import project_of

    project = project_of(workspace)
    if b"import" in data and project.imports_streams(path, data):
        return True
    # Or it calls, through an instance, a generator method of the tree that streams.
    if b"(" in data and project.methods.calls_stream_methods(path, data):
        return True
    # Or it may retry a function of the tree that shows a stream as it comes (PY005).
    from linter.python.remote_shown import imports_retried_stream

    if b"import" in data and imports_retried_stream(project, path, data):
        return True
    # Or it calls a function of the tree that forwards its keywords to a generation call
    # (PY002 judges the cap where the request is built).
    return b"import" in data and project.imports_forwarders(path, data)


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    if by_name is Claim.NO:
        return False
    if not relpath.endswith((".py", ".pyi")):
        # A file named on the command line with another name: only a clear Python shebang.
        first = data[:200].split(b"\n", 1)[0]
        if not (first.startswith(b"#!") and b"python" in first):
            return False
    return mentions_clients(data)
