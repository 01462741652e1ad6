"""Offsets of a SourceText: byte offsets (reporters' `byte` fields, SARIF regions) count the
encoded bytes before a character exactly, in every encoding a file can be read in."""

from __future__ import annotations

import codecs

import pytest

from linter.source import SourceText, decode

TEXTS = [
    "",
    "no newline at all",
    "model_list:\n  - model_name: a\n",
    "a: 1\r\nb: 'h\xe9llo'\r\nc: \U0001f600 x\r\n",  # CRLF, Latin-1 range, an astral character
    "\n\n\xe9\n\u4e2d\u6587\n\U0001f600",
]
FILES = [
    (b"", "utf-8"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(("bom", "encoding"), FILES)
def test_byte_offset_counts_the_encoded_bytes_before_each_character(
    text: str, bom: bytes, encoding: str
) -> None:
    data = bom + text.encode(encoding)
    source = SourceText.from_bytes("/x/config.yaml", data)
    assert (source.text, source.encoding, source.bom) == (text, encoding, bom)
    for offset in range(len(text) + 1):
        assert source.byte_offset(offset) == len(bom) + len(text[:offset].encode(encoding))
        # The bytes from there on decode to the rest of the text.
        assert data[source.byte_offset(offset) :].decode(encoding) == text[offset:]
    assert source.byte_offset(len(text) + 5) == len(data)  # past the end: the end


def test_byte_offset_in_a_coding_cookie_encoding() -> None:
    data = "# -*- coding: latin-1 -*-\nname = 'h\xe9llo'\n".encode("latin-1")
    text, encoding, bom = decode(data, honour_coding_cookie=True)
    source = SourceText("/x/a.py", text, encoding, bom)
    assert source.byte_offset(text.index("llo")) == data.index(b"llo")
