"""The NGINX tokenizer: the text cut into words, `;`, `{`, `}`, comments and raw (Lua) bodies,
each with its exact character span, nothing dropped.

It follows nginx's own reader (``ngx_conf_read_token``), not crossplane's: only space, tab, CR
and LF separate words; a word ends at whitespace, `;` or `{` (a `{` right after `$` belongs to
the word, so `${VAR}` is one word); a `}` inside a word is part of it; `#` opens a comment only
where a token starts; quotes open a string only where a token starts; a backslash takes the next
character into the word. Everything between tokens is whitespace, so the tokens and the gaps
between them give back the file exactly.

The bodies of ``*_by_lua_block`` directives are Lua, not NGINX: they are skipped whole (braces
counted outside Lua strings and comments) and kept as one RAW token.
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

WHITESPACE = " \t\r\n"
# One token at a time, after any whitespace, as ``_tokens`` below reads it (a single match per
# token instead of a walk over characters). A word runs on through `}`, `#` and quotes; a
# backslash takes the next character; a `{` right after `$` belongs to the word.
# Template tags (Jinja, mustache, Go templates, ERB) a renderer fills in before nginx reads the
# file. A control tag or a template comment (`{% if ssl %}`, `{{- end }}`, `{# note #}`,
# `<% if x %>`) at the start of a token is read as a comment: it sets nothing itself, it only
# keeps or drops the text around it. A tag that pulls in other text (`{% include %}`,
# `{{ template "x" . }}`) and an expression (`{{DOMAIN}}`, `<%= @port %>`) are words, so a
# value written with one is a placeholder (tree.PLACEHOLDER), and one alone on its line a
# statement of unknown content. Never valid nginx: a `{` always ends a word for nginx, and a
# block needs a name, so `{{` or `{%` can only be a template's.
_TEMPLATE_CONTROL = (
    r"""\{%-?(?!\s*(?:include|extends|import|from|call)\b)[^\r\n]*?%\}"""
    r"""|\{\{-?\s*(?:if|else|end|range|with|define|block|[#/^!])[^\r\n]*?\}\}"""
    r"""|\{\#[^\r\n]*?\#\}"""
    r"""|<%(?![=%])[^\r\n]*?%>"""
)
_TEMPLATE_EXPRESSION = r"""\{\{[^\r\n]*?\}\}|\{%[^\r\n]*?%\}|<%=[^\r\n]*?%>"""
_NEXT = re.compile(
    r"""[ \t\r\n]*(?:"""
    r"""(?P<comment>\#[^\r\n]*|""" + _TEMPLATE_CONTROL + r""")"""
    r"""|(?P<semi>;)|(?P<close>\})"""
    r"""|(?P<quoted>"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*')"""
    r"""|(?P<unclosed>["'])"""
    r"""|(?P<word>(?:[^ \t\r\n;{\\$<]+|\\[\s\S]?|\$\{?|""" + _TEMPLATE_EXPRESSION + r"""|<)+)"""
    r"""|(?P<open>\{)"""
    r""")"""
)


class TokenKind(enum.Enum):
    WORD = "word"
    SEMI = ";"
    OPEN = "{"
    CLOSE = "}"
    COMMENT = "comment"
    RAW = "raw"  # the body of a Lua block, braces excluded


class Token(NamedTuple):
    """One token (a tuple: tokens are made by the ten thousand)."""

    kind: TokenKind
    start: int
    end: int
    # For WORD: the quote character that encloses it ("" when unquoted).
    quote: str = ""
    # For WORD: the closing quote is missing (the string runs to the end of the file).
    unterminated: bool = False


class LexProblem(NamedTuple):
    start: int
    end: int
    message: str


def is_lua_block_name(name: str) -> bool:
    return name.endswith("_by_lua_block")


def tokenize(text: str) -> tuple[list[Token], list[LexProblem]]:
    """All tokens of ``text`` in order, and what nginx would refuse at the lexical level."""
    problems: list[LexProblem] = []
    return _tokens(text, problems), problems


def _tokens(text: str, problems: list[LexProblem]) -> list[Token]:
    # A list filled in place, not a generator: a resumption per token cost a fifth of the
    # tokenizing.
    tokens: list[Token] = []
    emit = tokens.append
    word, comment, semi, close = TokenKind.WORD, TokenKind.COMMENT, TokenKind.SEMI, TokenKind.CLOSE
    length = len(text)
    pos = 0
    match = _NEXT.match
    # Words of the statement being read (to notice a `*_by_lua_block ... {`).
    statement_first: str | None = None
    while pos < length:
        found = match(text, pos)
        if found is None:  # only whitespace is left
            break
        group = found.lastgroup or ""
        start = found.start(group)
        pos = found.end()
        if group == "word":
            emit(Token(word, start, pos))
            if statement_first is None:
                statement_first = text[start:pos]
        elif group == "comment":
            emit(Token(comment, start, pos))
        elif group == "semi":
            emit(Token(semi, start, pos))
            statement_first = None
        elif group == "close":
            emit(Token(close, start, pos))
            statement_first = None
        elif group == "open":
            emit(Token(TokenKind.OPEN, start, pos))
            lua = statement_first is not None and is_lua_block_name(statement_first)
            statement_first = None
            if lua:
                body_end, closed = _skip_lua(text, pos)
                emit(Token(TokenKind.RAW, pos, body_end))
                if closed:
                    emit(Token(close, body_end, body_end + 1))
                    pos = body_end + 1
                else:
                    problems.append(
                        LexProblem(
                            pos - 1,
                            pos,
                            "unexpected end of file: the Lua block opened here is not closed",
                        )
                    )
                    pos = body_end
        else:  # a quoted string, closed or running to the end of the file
            char = text[start]
            closed = group == "quoted"
            if not closed:
                pos = length
                problems.append(
                    LexProblem(
                        start,
                        start + 1,
                        f"unexpected end of file: the string opened here with {char} is not closed",
                    )
                )
            emit(Token(word, start, pos, char, not closed))
            if statement_first is None:
                statement_first = text[start + 1 : pos - 1] if closed else text[start + 1 : pos]
            if pos < length and text[pos] not in WHITESPACE and text[pos] not in ";{)":
                # nginx allows only whitespace, `;`, `{` or the `)` of an `if` here.
                problems.append(
                    LexProblem(
                        pos,
                        pos + 1,
                        f'unexpected "{text[pos]}" right after a quoted string '
                        "(nginx needs a space)",
                    )
                )
    return tokens


_LUA_LONG_OPEN = re.compile(r"\[(=*)\[")


def _skip_lua(text: str, pos: int) -> tuple[int, bool]:
    """From just after a Lua block's `{`: the offset of its closing `}` and whether it exists
    (else the end of the text). Braces inside Lua strings and comments do not count."""
    length = len(text)
    depth = 0
    while pos < length:
        char = text[pos]
        if char == "-" and text.startswith("--", pos):
            long_open = _LUA_LONG_OPEN.match(text, pos + 2)
            if long_open:
                close = "]" + long_open.group(1) + "]"
                found = text.find(close, long_open.end())
                pos = length if found < 0 else found + len(close)
            else:
                newline = text.find("\n", pos)
                pos = length if newline < 0 else newline + 1
            continue
        if char == "[":
            long_open = _LUA_LONG_OPEN.match(text, pos)
            if long_open:
                close = "]" + long_open.group(1) + "]"
                found = text.find(close, long_open.end())
                pos = length if found < 0 else found + len(close)
                continue
        if char in "\"'":
            pos += 1
            while pos < length and text[pos] != char and text[pos] != "\n":
                pos += 2 if text[pos] == "\\" else 1
            pos += 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos, True
            depth -= 1
        pos += 1
    return length, False


def unquote(raw: str, quote: str) -> str:
    """A word's value as nginx reads it: quotes removed, and the escapes nginx knows
    (``\\"``, ``\\'``, ``\\\\``, ``\\t``, ``\\r``, ``\\n``) turned into their characters."""
    body = raw
    if quote:
        body = raw[1:-1] if len(raw) >= 2 and raw.endswith(quote) else raw[1:]
    if "\\" not in body:
        return body
    out = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            if following in "\"'\\":
                out.append(following)
                index += 2
                continue
            if following in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[following])
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)
