"""What grouping needs of an NGINX file, without building its tree: the names of its top-level
statements, its comments, and the files its `include` statements name.

A run groups files into units (a main file and what it includes) before any worker starts, so
this is read for every file of the tree in one process: reading it from the tokens alone costs
a fraction of a parse. The outline is exactly what the parsed tree says; a file whose tokens
need the parser's recovery (a missing `;`, a stray `{`, a template placeholder statement, a
block nested too deep) gets no outline here and is parsed instead (``outline_of``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from linter.nginx.directives import takes_no_block
from linter.nginx.lexer import _NEXT, _skip_lua, is_lua_block_name, unquote
from linter.nginx.parser import MAX_DEPTH
from linter.nginx.tree import PLACEHOLDER, WHOLE_PLACEHOLDER, ParsedFile, may_hold_placeholder

# A whole statement of plain words (no quote, escape or `${` in them, no comment inside), or a
# comment, or a `}`, after any whitespace: most of a config, read one match per statement. A
# word never starts with `}`, `#` or a quote (those start other tokens) but may hold them.
_WORD = r"""(?:[^ \t\r\n;{}#"'\\$]|\$(?!\{))(?:[^ \t\r\n;{\\$]|\$(?!\{))*"""
_PLAIN = re.compile(
    # Groups: 1 the name, 2 the arguments, 3 the `;` or `{`; 4 a comment; 5 a `}`.
    rf"""[ \t\r\n]*(?:({_WORD})((?:[ \t\r\n]+{_WORD})*)[ \t\r\n]*([;{{]))"""
    r"""|[ \t\r\n]*(\#[^\r\n]*)|[ \t\r\n]*(\})"""
)


class Outline(NamedTuple):
    # Names of the top-level statements (template placeholder statements left out).
    top_names: frozenset[str]
    comments: tuple[str, ...]
    # The file names of the `include` statements a run follows (one argument, no template
    # placeholder), in file order.
    includes: tuple[str, ...]


def outline_of(parsed: ParsedFile) -> Outline:
    """The outline of a parsed file (what ``scan`` gives when it can)."""
    includes = []
    for directive in parsed.walk():
        if directive.name.value != "include" or directive.placeholder:
            continue
        if len(directive.args) != 1 or directive.args[0].has_placeholder:
            continue
        includes.append(directive.args[0].value)
    return Outline(
        frozenset(d.name.value for d in parsed.directives if not d.placeholder),
        tuple(comment.text for comment in parsed.comments),
        tuple(includes),
    )


def _placeholder(raw: str) -> bool:
    return may_hold_placeholder(raw) and WHOLE_PLACEHOLDER.fullmatch(raw) is not None


def _past_lua(text: str, pos: int, depth: int) -> tuple[int, int]:
    """Where reading goes on after a Lua block whose body starts at ``pos``, and the depth
    there: past its closing `}` (the block closed), or at the end of an unclosed body."""
    body_end, closed = _skip_lua(text, pos)
    return (body_end + 1, depth - 1) if closed else (body_end, depth)


def scan(text: str) -> Outline | None:
    """The outline read from the tokens (as lexer._tokens cuts them), or None where the parser
    would recover from an error or meet a placeholder statement: then only a parse says."""
    if "{{" in text or "{%" in text or "{#" in text or "<%" in text:
        return None  # template tags: the fast statement pattern below does not know them
    # A word holds a placeholder's mark only where the text does: most files hold none, and
    # then no statement name needs the test.
    marked = may_hold_placeholder(text)
    length = len(text)
    pos = 0
    match = _NEXT.match
    depth = 0
    top_names: set[str] = set()
    comments: list[str] = []
    includes: list[str] = []
    # The words of the statement being read: (raw, quote) pairs.
    words: list[tuple[str, str]] = []
    statement_first: str | None = None  # as the tokenizer sees it (for Lua blocks)

    def finish() -> bool:
        """The statement of ``words`` ends: note it; False when only the parser can say."""
        raw, quote = words[0]
        if marked and _placeholder(raw):
            return False
        name = unquote(raw, quote) if quote or "\\" in raw else raw
        if depth == 0:
            top_names.add(name)
        if name == "include" and len(words) == 2:
            arg, arg_quote = words[1]
            if not (may_hold_placeholder(arg) and PLACEHOLDER.search(arg)):
                includes.append(unquote(arg, arg_quote) if arg_quote or "\\" in arg else arg)
        words.clear()
        return True

    plain = _PLAIN.match
    while pos < length:
        if not words:
            quick = plain(text, pos)
            if quick is not None:
                pos = quick.end()
                name = quick[1]
                if name is not None:
                    statement_first = None
                    if marked and _placeholder(name):
                        return None
                    if depth == 0:
                        top_names.add(name)
                    if name == "include":
                        args = quick[2].split()
                        if len(args) == 1 and not (
                            may_hold_placeholder(args[0]) and PLACEHOLDER.search(args[0])
                        ):
                            includes.append(args[0])
                    if quick[3] == "{":
                        if depth >= MAX_DEPTH or takes_no_block(name):
                            return None
                        depth += 1
                        if is_lua_block_name(name):
                            pos, depth = _past_lua(text, pos, depth)
                elif quick[4] is not None:
                    comments.append(quick[4])
                else:  # a `}`
                    statement_first = None
                    if depth:
                        depth -= 1
                continue
        found = match(text, pos)
        if found is None:
            break
        group = found.lastgroup
        start = found.start(group or 0)
        pos = found.end()
        if group == "word":
            raw = text[start:pos]
            words.append((raw, ""))
            if statement_first is None:
                statement_first = raw
        elif group == "comment":
            comments.append(text[start:pos])
        elif group == "semi":
            statement_first = None
            if words and not finish():
                return None
        elif group == "close":
            statement_first = None
            if words:
                return None  # a statement missing its `;`
            if depth:
                depth -= 1
        elif group == "open":
            lua = statement_first is not None and is_lua_block_name(statement_first)
            statement_first = None
            if not words or depth >= MAX_DEPTH or takes_no_block(unquote(*words[0])):
                return None
            if not finish():
                return None
            depth += 1
            if lua:
                pos, depth = _past_lua(text, pos, depth)
        else:  # a quoted word, closed or running to the end of the file
            char = text[start]
            if group != "quoted":
                pos = length
                body = text[start + 1 : pos]
            else:
                body = text[start + 1 : pos - 1]
            words.append((text[start:pos], char))
            if statement_first is None:
                statement_first = body
    if words:
        return None  # the file ends inside a statement
    return Outline(frozenset(top_names), tuple(comments), tuple(includes))
