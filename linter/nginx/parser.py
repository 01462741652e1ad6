"""Statements from tokens, with error recovery.

What nginx would refuse becomes a SyntaxProblem at the exact place, and parsing goes on so the
tree keeps everything that could be read: a statement missing its `;` is kept (without a
terminator), a stray `}` is skipped, a block the file never closes keeps its statements.
A template placeholder alone on its line (``${HTTPS_CONFIG}``) is a statement of unknown
content, not a syntax error.
"""

from __future__ import annotations

from linter.nginx.directives import BLOCK_DIRECTIVES, takes_no_block
from linter.nginx.lexer import Token, TokenKind, tokenize
from linter.nginx.tree import Directive, FileComment, ParsedFile, SyntaxProblem, Word
from linter.source import SourceText

MAX_DEPTH = 200


def parse_source(source: SourceText, *, stock: bool = False) -> ParsedFile:
    text = source.text
    tokens, lex_problems = tokenize(text)
    parsed = ParsedFile(source=source, stock=stock)
    parsed.problems.extend(SyntaxProblem(p.start, p.end, p.message) for p in lex_problems)
    _Builder(source, parsed).build(tokens)
    parsed.problems.sort(key=lambda p: (p.start, p.end))
    return parsed


def parse_text(text: str, path: str = "<string>") -> ParsedFile:
    return parse_source(SourceText.from_text(path, text))


class _Builder:
    def __init__(self, source: SourceText, parsed: ParsedFile) -> None:
        self.source = source
        self.text = source.text
        self.parsed = parsed
        # Open blocks, innermost last; each holds its directive (None for a `{` with no name).
        self.stack: list[Directive | None] = []
        self.words: list[Word] = []
        self.too_deep = False  # the nesting limit was reported
        # Line numbers are counted on from the last offset asked (offsets mostly grow).
        self._line_offset = 0
        self._line_number = 1

    # -- helpers --------------------------------------------------------------------------

    def _line(self, offset: int) -> int:
        if offset >= self._line_offset:
            self._line_number += self.text.count("\n", self._line_offset, offset)
            self._line_offset = offset
            return self._line_number
        return self.source.position(offset)[0]

    def _problem(self, start: int, end: int, message: str) -> None:
        self.parsed.problems.append(SyntaxProblem(start, end, message))

    def _container(self) -> list[Directive]:
        for owner in reversed(self.stack):
            if owner is not None:
                assert owner.block is not None
                return owner.block
        return self.parsed.directives

    def _emit(self, directive: Directive) -> None:
        self._container().append(directive)

    def _make(self, terminator: tuple[int, int] | None, *, block: bool = False) -> Directive:
        words = self.words
        name, args = words[0], words[1:]
        self.words = []
        placeholder = not block and name.is_placeholder
        return Directive(
            path=self.source.path,
            name=name,
            args=args,
            terminator=terminator,
            block=[] if block else None,
            placeholder=placeholder,
            line=self._line(name.start),
        )

    def _lone_placeholder(self) -> bool:
        return len(self.words) == 1 and self.words[0].is_placeholder

    # -- the walk over tokens ---------------------------------------------------------------

    def build(self, tokens: list[Token]) -> None:
        text = self.text
        comments = self.parsed.comments
        # (Locals, not attribute lookups: this loop runs once per token of every file.)
        word_kind, comment_kind, semi_kind = TokenKind.WORD, TokenKind.COMMENT, TokenKind.SEMI
        stack = self.stack  # (the same list until the end: only appended to and popped)
        for token in tokens:
            kind = token.kind
            if kind is word_kind:
                start, end = token.start, token.end
                word = Word(start, end, text[start:end], token.quote)
                words = self.words
                if (
                    len(words) == 1
                    and words[0].is_placeholder
                    and self._line(start) > self._line(words[0].end)
                ):
                    # `${ACME_CHALLENGE_LOCATION}` alone on its line: a statement of its own.
                    self._emit(self._make(None))
                self.words.append(word)
            elif kind is comment_kind:
                comments.append(FileComment(token.start, token.end, text[token.start : token.end]))
            elif kind is semi_kind:
                if self.words:
                    # (``_emit`` inlined for the innermost block, the usual case.)
                    owner = stack[-1] if stack else None
                    directive = self._make((token.start, token.end))
                    if owner is not None:
                        assert owner.block is not None
                        owner.block.append(directive)
                    else:
                        self._emit(directive)
                else:
                    self._problem(token.start, token.end, 'unexpected ";": no directive before it')
            elif kind is TokenKind.OPEN:
                if not self.words:
                    self._problem(
                        token.start, token.end, 'unexpected "{": a block needs a directive name'
                    )
                    self.stack.append(None)
                    continue
                if len(self.stack) >= MAX_DEPTH:
                    if not self.too_deep:  # once: 10,000 nested blocks are one problem
                        self.too_deep = True
                        self._problem(
                            token.start,
                            token.end,
                            f"blocks nested deeper than {MAX_DEPTH}; not read further",
                        )
                    self.stack.append(None)
                    self.words = []
                    continue
                self._split_missing_semicolon(token)
                directive = self._make((token.start, token.end), block=True)
                self._emit(directive)
                self.stack.append(directive)
            elif kind is TokenKind.RAW:
                owner = self.stack[-1] if self.stack else None
                if owner is not None:
                    owner.raw = (token.start, token.end)
            elif kind is TokenKind.CLOSE:
                self._flush_unterminated(token.start, '"}"')
                if not self.stack:
                    self._problem(token.start, token.end, 'unexpected "}": no block is open here')
                    continue
                owner = self.stack.pop()
                if owner is not None:
                    owner.close = (token.start, token.end)
        self._flush_unterminated(len(text), "the end of the file")
        for owner in reversed(self.stack):
            if owner is not None and owner.terminator is not None:
                start, end = owner.terminator
                self._problem(
                    start,
                    end,
                    f'unexpected end of file: the "{owner.name.value}" block opened here '
                    'is never closed (expecting "}")',
                )
        self.stack = []

    def _split_missing_semicolon(self, brace: Token) -> None:
        """A one-line directive before a `{` (`listen 80` then `location /api {` on the next
        line) lost its `;`: nginx refuses the file ('directive "listen" is not terminated by
        ";"'). Reported; where a block directive starts a later line of the words, the words
        before it become their own statement, so the block keeps its real name."""
        name = self.words[0]
        if not takes_no_block(name.value):
            return
        split = next(
            (
                index
                for index in range(1, len(self.words))
                if self.words[index].value in BLOCK_DIRECTIVES
                and self._line(self.words[index].start) > self._line(self.words[index - 1].end)
            ),
            None,
        )
        if split is None:
            self._problem(
                brace.start,
                brace.end,
                f'"{name.value}" cannot open a block: a ";" is missing before this "{{" '
                f'(nginx: directive "{name.value}" is not terminated by ";")',
            )
            return
        rest = self.words[split:]
        self.words = self.words[:split]
        last = self.words[-1]
        self._emit(self._make(None))
        self.words = rest
        self._problem(
            last.end,
            last.end,
            f'missing ";" after "{name.raw}" (nginx reads on to the "{{" of '
            f'"{rest[0].value}" and refuses: directive "{name.value}" is not terminated by ";")',
        )

    def _flush_unterminated(self, where: int, before: str) -> None:
        if not self.words:
            return
        if self._lone_placeholder():
            self._emit(self._make(None))
            return
        last = self.words[-1]
        name = self.words[0].raw
        self._emit(self._make(None))
        self._problem(
            last.end,
            last.end,
            f'missing ";" after "{name}" (nginx reads on to {before})',
        )
