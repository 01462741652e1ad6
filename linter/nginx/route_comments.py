"""What the comments around a location say about its route: the `# streamproof: stream` (or
`no-stream`) marker, a comment saying the block streams, and one naming the LLM app behind it.
A comment above a block speaks for it only when nothing but comments lies between them."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from linter.llmservers import llm_name
from linter.nginx.backends import Signal
from linter.nginx.context import Stmt
from linter.nginx.model import NginxDocument
from linter.nginx.tree import Directive, FileComment

_STREAM_COMMENT = re.compile(r"#\s*streamproof\s*:\s*(no-stream|stream)\b")


def comment_signal(document: NginxDocument, block: Stmt) -> tuple[Signal | None, bool]:
    """A `# streamproof: stream` (or `no-stream`) comment in the block or on the line before."""
    if block.is_root:
        path = document.source.path
        comments = document.comments_of(path)
        start, end = 0, len(document.source.text)
        before_line = -1
    else:
        directive = block.directive
        assert directive is not None
        path = directive.path
        comments = document.comments_of(path)
        start, end = directive.start, directive.end
        before_line = directive.line - 1
    source = document.sources.get(path)
    for comment, match in _stream_comments(document, path, comments):
        inside = (
            start <= comment.start < end
            and source is not None
            and _own_comment(block, comment, path, source.text)
        )
        line_before = source is not None and source.position(comment.start)[0] == before_line
        if inside or line_before:
            if match.group(1) == "no-stream":
                return None, True
            line = source.position(comment.start)[0] if source else 0
            return Signal(
                "comment",
                f"of the `# streamproof: stream` comment at {document.display(path)}:{line}",
            ), False
    return None, False


def _stream_comments(
    document: NginxDocument, path: str, comments: list[FileComment]
) -> list[tuple[FileComment, re.Match[str]]]:
    """The `# streamproof: stream` comments of a file, found once per document and file (every
    route of the file asks; most files have none)."""
    key = f"stream-comments:{path}"
    cached = document.cache.get(key)
    if cached is None:
        cached = [
            (comment, match)
            for comment in comments
            if (match := _STREAM_COMMENT.search(comment.text)) is not None
        ]
        document.cache[key] = cached
    return cached  # type: ignore[return-value]


# A comment saying the block streams: English, and the words for it in the languages real
# configs are commented in (`流式`, `串流`, `потоковый`, `ストリーム`, `스트리밍`). Not Streamlit.
_STREAMS_COMMENT = re.compile(
    r"\bstream(?!lit)|\bsse\b|server-sent|event-stream|流式|串流|потоков|ストリーム|스트리밍",
    re.IGNORECASE,
)


def stream_comment_signal(document: NginxDocument, block: Stmt) -> Signal | None:
    """A comment in the block, or on the two lines above it, that says it streams: beside
    `*_buffering off` it says why buffering is off (SSE acknowledged, as a mention of
    `text/event-stream` would), so a short read timeout there is no deliberate choice."""
    if block.is_root or block.directive is None:
        return None
    directive = block.directive
    source = document.sources.get(directive.path)
    if source is None:
        return None
    for comment in document.comments_of(directive.path):
        inside = directive.start <= comment.start < directive.end
        if inside and not _own_comment(block, comment, directive.path, source.text):
            continue
        if not inside and not (
            directive.line - 2 <= source.position(comment.start)[0] < directive.line
            and _comment_above(source.text, comment, directive.start)
        ):
            continue
        if "streamproof" in comment.text or not _STREAMS_COMMENT.search(comment.text):
            continue
        line = source.position(comment.start)[0]
        return Signal(
            "sse-explicit",
            f"the comment {comment.text.strip()!r} at {document.display(directive.path)}:{line} "
            f"says it streams (SSE acknowledged)",
        )
    return None


def _comment_above(text: str, comment: FileComment, block_start: int) -> bool:
    """A comment above a block speaks for it only when it has its own line and nothing but
    blank lines and comments lies between them: not a note at the end of the block before
    (`} # ...`, or a comment inside it)."""
    line_start = text.rfind("\n", 0, comment.start) + 1
    if text[line_start : comment.start].strip():
        return False
    between = text[comment.end : block_start]
    return all(not line.strip() or line.lstrip().startswith("#") for line in between.splitlines())


def _own_comment(block: Stmt, comment: FileComment, path: str, text: str) -> bool:
    """A comment inside ``block`` speaks for it, not for a location nested in it: one inside
    the nested location, or above it (its own line, only comments between), is that
    location's (`location /api/ { ... # the chat streams: location /api/chat { ... } }`)."""
    for stmt in block.walk():
        directive = stmt.directive
        if stmt.name != "location" or directive is None or directive.path != path:
            continue
        if directive.start <= comment.start < directive.end:
            return False
        if comment.end <= directive.start and _comment_above(text, comment, directive.start):
            return False
    return True


# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# A comment saying the route answers in one piece, not as a stream: English, and the words for
# it in the languages real configs are commented in (`同步` synchronous, `非流式` non-streaming).
_ONE_PIECE_COMMENT = functools.cache(
    lambda: re.compile(
        r"\bnon[- ]?stream(?:ing|ed)?\b|\bnot stream(?:ing|ed)?\b|\bsynchronous\b"
        r"|同步|非流式|不流式",
        re.IGNORECASE,
    )
)


def naming_comment_signal(document: NginxDocument, block: Stmt) -> Signal | None:
    """A comment in the location, or on the two lines above it, that names an LLM app
    (`# OpenWebUI proxy`, `# LiteLLM gateway`): what an admin reads first."""
    if block.is_root or block.directive is None:
        return None
    directive = block.directive
    source = document.sources.get(directive.path)
    if source is None:
        return None
    found = _llm_comment(
        document,
        directive,
        lambda comment: _own_comment(block, comment, directive.path, source.text),
    )
    if found is None:
        return None
    text, line, product = found
    if _ONE_PIECE_COMMENT().search(text):
        # (`# synchronous Q&A: the LLM may take a while`): the admin names the app behind
        # and says this route answers in one piece; its streaming twin is elsewhere.
        return None
    return Signal(
        "comment",
        f"the comment {text!r} at {document.display(directive.path)}:{line} names an LLM app "
        f"({product})",
    )


def upstream_comment_signal(document: NginxDocument, upstream: Stmt) -> Signal | None:
    """A comment in the `upstream {}` a route proxies to, or on the two lines above it, that
    names an LLM app (`# Upstream for the Dify API`): the admin's own word for the backend,
    as an upstream's name would be."""
    directive = upstream.directive
    if directive is None or not upstream.args:
        return None
    found = _llm_comment(document, directive, lambda comment: True)
    if found is None:
        return None
    text, line, product = found
    return Signal(
        "backend-comment",
        f"it proxies to upstream `{upstream.args[0]}`, and the comment {text!r} at "
        f"{document.display(directive.path)}:{line} names the LLM app it runs ({product})",
    )


def _llm_comment(
    document: NginxDocument, directive: Directive, counts: Callable[[FileComment], bool]
) -> tuple[str, int, str] | None:
    """The first comment inside the directive's block (those ``counts`` keeps) or on the two
    lines above it that names an LLM app (never one addressed to streamproof): its text, its
    line and the app."""
    source = document.sources.get(directive.path)
    if source is None:
        return None
    for comment in document.comments_of(directive.path):
        inside = directive.start <= comment.start < directive.end
        if inside and not counts(comment):
            continue
        line = source.position(comment.start)[0]
        if not inside and not (
            directive.line - 2 <= line < directive.line
            and _comment_above(source.text, comment, directive.start)
        ):
            continue
        if "streamproof" in comment.text:
            continue
        product = llm_name(comment.text.lstrip("#"))
        if product:
            return comment.text.strip(), line, product
    return None
