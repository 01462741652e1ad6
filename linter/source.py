"""A file's text as read: decoded once, with what is needed to write it back byte for byte
(encoding, BOM, newline style) and to turn offsets into lines and columns."""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass, field
from itertools import accumulate

_plus_one = (1).__add__

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Encodings without state, so a text's byte length is the sum of its lines' (not utf-8-sig,
# utf-16 or iso2022, which add a BOM or escapes per call).
_LINE_BY_LINE = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "latin-1"})
# NGINX reads bytes: a config that is not UTF-8 (a Latin-1 comment or server_name) is valid
# to nginx. Such a file is read one byte per character, which writes back byte for byte.
BYTES_AS_TEXT = "latin-1"
# PEP 263: the cookie is only honoured on the first two lines.
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class DecodeFailure(Exception):
    """The bytes are not text we can read; ``line``/``column`` point at the first bad byte."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def python_coding_cookie(data: bytes) -> str | None:
    """The PEP 263 encoding: a cookie on line 1, or on line 2 when line 1 is blank or a comment
    (as Python's tokenizer reads it)."""
    lines = data.split(b"\n", 2)[:2]
    for index, raw_line in enumerate(lines):
        match = _CODING_COOKIE.match(raw_line)
        if match:
            return match.group(1).decode("ascii", "replace")
        if index == 0 and raw_line.strip() and not raw_line.lstrip().startswith(b"#"):
            return None  # line 1 is code: a cookie on line 2 does not count
    return None


def decode(
    data: bytes, *, honour_coding_cookie: bool = False, bytes_as_text: bool = False
) -> tuple[str, str, bytes]:
    """Return (text, encoding, bom). Raises DecodeFailure for binary or undecodable input;
    with ``bytes_as_text``, UTF-8 that does not decode is read as BYTES_AS_TEXT instead."""
    bom = b""
    encoding = "utf-8"
    for candidate, name in _BOMS:
        if data.startswith(candidate):
            bom, encoding = candidate, name
            break
    body = data[len(bom) :]
    if not bom and honour_coding_cookie:
        cookie = python_coding_cookie(data)
        if cookie:
            try:
                encoding = codecs.lookup(cookie).name
            except LookupError:
                raise DecodeFailure(f"unknown encoding {cookie!r} in the coding cookie") from None
    # A UTF-8 BOM does not make NUL bytes text (in UTF-16 and UTF-32 they are).
    if b"\x00" in body[:8192] and encoding in ("utf-8", "ascii"):
        line = body[: body.index(b"\x00")].count(b"\n") + 1
        raise DecodeFailure("binary file (contains NUL bytes); not linted", line, 1)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if bytes_as_text and encoding == "utf-8" and not bom:
            return body.decode(BYTES_AS_TEXT), BYTES_AS_TEXT, bom
        prefix = body[: exc.start]
        line = prefix.count(b"\n") + 1
        column = len(prefix[prefix.rfind(b"\n") + 1 :].decode(encoding, "replace")) + 1
        raise DecodeFailure(
            f"not valid {encoding} (byte 0x{body[exc.start]:02x}); not linted", line, column
        ) from None
    except LookupError:
        raise DecodeFailure(f"unknown encoding {encoding!r}") from None
    return text, encoding, bom


def detect_newline(text: str) -> str:
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    if index < 0 and "\r" in text:
        return "\r"
    return "\n"


@dataclass(frozen=True)
class SourceText:
    """Decoded text of one file. Offsets are character offsets into ``text``."""

    path: str  # absolute, normalised
    text: str
    encoding: str = "utf-8"
    bom: bytes = b""
    newline: str = "\n"
    _line_starts: list[int] = field(default_factory=list, repr=False, compare=False)
    _byte_starts: list[int] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_bytes(
        cls,
        path: str,
        data: bytes,
        *,
        honour_coding_cookie: bool = False,
        bytes_as_text: bool = False,
    ) -> SourceText:
        text, encoding, bom = decode(
            data, honour_coding_cookie=honour_coding_cookie, bytes_as_text=bytes_as_text
        )
        return cls(path=path, text=text, encoding=encoding, bom=bom, newline=detect_newline(text))

    @classmethod
    def from_text(cls, path: str, text: str) -> SourceText:
        return cls(path=path, text=text, newline=detect_newline(text))

    def with_text(self, text: str) -> SourceText:
        """The same file (encoding, BOM, newline style) holding other text."""
        return SourceText(
            path=self.path, text=text, encoding=self.encoding, bom=self.bom, newline=self.newline
        )

    def encode(self) -> bytes:
        return self.bom + self.text.encode(self.encoding)

    @property
    def line_starts(self) -> list[int]:
        if not self._line_starts:
            # Each line's start from the lengths of the lines before it: C loops, not a find()
            # per line.
            lengths = map(len, self.text.split("\n")[:-1])
            self._line_starts.extend(accumulate(map(_plus_one, lengths), initial=0))
        return self._line_starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self.line_starts, offset) - 1
        return line_index + 1, offset - self.line_starts[line_index] + 1

    def offset(self, line: int, column: int = 1) -> int:
        starts = self.line_starts
        line = max(1, min(line, len(starts)))
        return min(starts[line - 1] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break."""
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def line_start(self, offset: int) -> int:
        return self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]

    def indentation_at(self, offset: int) -> str:
        """The whitespace that opens the line holding ``offset``."""
        start = self.line_start(offset)
        end = start
        while end < len(self.text) and self.text[end] in " \t":
            end += 1
        return self.text[start:end]

    def byte_offset(self, offset: int) -> int:
        """Byte offset in the file (BOM included) of a character offset."""
        if self.encoding not in _LINE_BY_LINE:
            return len(self.bom) + len(self.text[:offset].encode(self.encoding))
        # Each line is encoded once: encoding the whole prefix for every offset made a JSON
        # report of 9,000 findings on an 8 MB config take 10 s.
        offset = max(0, min(offset, len(self.text)))
        starts = self.line_starts
        line = bisect.bisect_right(starts, offset) - 1
        head = self.text[starts[line] : offset].encode(self.encoding)
        return len(self.bom) + self._line_bytes()[line] + len(head)

    def _line_bytes(self) -> list[int]:
        """Byte offset (after the BOM) of each line start."""
        if not self._byte_starts:
            text, starts = self.text, self.line_starts
            if self.encoding == "utf-8" and text.isascii():
                self._byte_starts.extend(starts)
            else:
                total = 0
                found = []
                for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
                    found.append(total)
                    total += len(text[start:end].encode(self.encoding))
                self._byte_starts.extend(found)
        return self._byte_starts
