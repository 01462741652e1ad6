"""The outline (top-level names, comments, includes) read from tokens is exactly what the
parsed tree says, or nothing where only the parser's recovery can say."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.nginx.outline import Outline, outline_of, scan
from linter.nginx.parser import parse_text

REGULAR = [
    "",
    "# only a comment\n",
    "events {}\nhttp {\n    include conf.d/*.conf;\n    include mime.types;\n}\n",
    # A comment, a quoted name or argument, an escape: as the parser reads them.
    "# include not/this.conf;\nserver {\n    include 'snippets/a b.conf';\n}\n",
    '"include" "snip\\"pets/q.conf";\n',
    # Not followed: two arguments, a placeholder in the name given.
    "include a.conf b.conf;\ninclude ${CONF_DIR}/x.conf;\ninclude __DIR__/y.conf;\n",
    # Lua bodies are not NGINX: braces and `include` inside them do not count.
    "location / {\n    content_by_lua_block {\n        local t = { '}' } -- include x;\n"
    "    }\n    include after-lua.conf;\n}\n",
    # A stray `;` or `}` is only a problem: the statements stay the same.
    "; user nginx;\n}\nworker_processes 2;\n",
    "server {\n    listen 80;\n}\n# streamproof: context server\n",
    "a}b include;\nhash#tag x;\n",
]

RECOVERED = [
    "listen 80\nlocation /api {\n}\n",  # a missing `;` before a block
    "server {\n    listen 80\n}\n",  # a missing `;` before `}`
    "{ include x.conf; }\n",  # a block with no name
    "include block.conf {\n}\n",  # a block for a directive that takes none
    "${HTTPS_CONFIG}\ninclude x.conf;\n",  # a placeholder statement
    "include x.conf",  # the file ends inside a statement
    "server_name {{DOMAIN}};\n",  # template tags: only the parser knows them
    "{% if ssl %}\ninclude x.conf;\n{% endif %}\n",
    'include "x.conf;\n',  # an unclosed string
]


@pytest.mark.parametrize("text", REGULAR)
def test_the_outline_of_the_tokens_is_the_outline_of_the_tree(text: str) -> None:
    found = scan(text)
    assert found is not None
    assert found == outline_of(parse_text(text))


def test_what_the_outline_holds() -> None:
    text = (
        "# streamproof: context http\nuser nginx;\nhttp {\n    include conf.d/*.conf;\n"
        "    server { include 'snippets/s.conf'; include a b; }\n}\n"
    )
    assert scan(text) == Outline(
        frozenset({"user", "http"}),
        ("# streamproof: context http",),
        ("conf.d/*.conf", "snippets/s.conf"),
    )


@pytest.mark.parametrize("text", RECOVERED)
def test_files_the_parser_must_recover_get_no_outline_from_the_tokens(text: str) -> None:
    assert scan(text) is None


_PIECES = st.sampled_from(
    [" ", "\t", "\n", ";", "{", "}", "#", '"', "'", "\\", "$", "x", "include", " a.conf",
     "content_by_lua_block", "${X}", "__A__", "location", "http", "--[[", "]]", "(", ")",
     "{{", "}}", "{%", "%}", "{#", "#}", "<%=", "%>", "PORT_PLACEHOLDER", "@X@"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_text_gives_the_trees_outline_or_none(text: str) -> None:
    found = scan(text)
    if found is not None:
        assert found == outline_of(parse_text(text))
