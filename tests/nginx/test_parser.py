"""The tokenizer and parser: exact spans, nothing lost, errors at their place, the tree kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.nginx.lexer import TokenKind, tokenize, unquote
from linter.nginx.parser import parse_text

MESSY = (
    "# top comment\n"
    "user  nginx;\r\n"
    "http {\n"
    "\tlog_format main '$remote_addr \"$request\"' ;\n"
    "    server { listen 80; server_name a.example  b.example;\n"
    '        location ~* \\.(js|css)$ { add_header X-Test "a;b{c}" always; }\n'
    "        location / {   # trailing comment\n"
    "            set $x ${UPSTREAM_HOST};\n"
    "            rewrite ^/(.*)$ /$1 break;\n"
    "            if ($http_x = 'y') { return 204; }\n"
    "        }\n"
    "    }\n"
    "}"
)


def test_tokens_and_whitespace_give_back_the_file_exactly() -> None:
    tokens, problems = tokenize(MESSY)
    assert not problems
    rebuilt = []
    cursor = 0
    for token in tokens:
        gap = MESSY[cursor : token.start]
        assert gap.strip(" \t\r\n") == "", f"non-whitespace between tokens: {gap!r}"
        rebuilt.append(gap)
        rebuilt.append(MESSY[token.start : token.end])
        cursor = token.end
    rebuilt.append(MESSY[cursor:])
    assert "".join(rebuilt) == MESSY


def test_statement_spans_are_exact() -> None:
    parsed = parse_text(MESSY)
    assert not parsed.problems
    http = parsed.directives[1]
    assert MESSY[http.name.start : http.name.end] == "http"
    assert http.terminator is not None and MESSY[http.terminator[0] : http.terminator[1]] == "{"
    assert http.close is not None and MESSY[http.close[0] : http.close[1]] == "}"
    assert http.close[1] == len(MESSY)
    log_format = http.block[0]
    assert [a.raw for a in log_format.args] == ["main", "'$remote_addr \"$request\"'"]
    assert log_format.args[1].quote == "'"
    assert log_format.args[1].value == '$remote_addr "$request"'
    assert log_format.terminator is not None and MESSY[log_format.terminator[0]] == ";"
    server = http.block[1]
    assert server.line == 5
    names = [d.name.value for d in server.walk()]
    assert names == [
        "server",
        "listen",
        "server_name",
        "location",
        "add_header",
        "location",
        "set",
        "rewrite",
        "if",
        "return",
    ]
    add_header = server.block[2].block[0]
    assert add_header.values == ["X-Test", "a;b{c}", "always"]
    set_stmt = server.block[3].block[0]
    assert set_stmt.args[1].raw == "${UPSTREAM_HOST}" and set_stmt.args[1].has_placeholder
    if_stmt = server.block[3].block[2]
    assert [a.raw for a in if_stmt.args] == ["($http_x", "=", "'y'", ")"]


def test_comments_are_kept_with_their_spans() -> None:
    parsed = parse_text(MESSY)
    texts = [c.text for c in parsed.comments]
    assert texts == ["# top comment", "# trailing comment"]
    for comment in parsed.comments:
        assert MESSY[comment.start : comment.end] == comment.text


def test_hash_inside_a_word_or_string_is_not_a_comment() -> None:
    parsed = parse_text('add_header X "a #b"; return 200 c#d;')
    assert not parsed.comments
    assert parsed.directives[1].values == ["200", "c#d"]


def test_a_brace_inside_a_word_belongs_to_it_as_in_nginx() -> None:
    # nginx ends a word only at whitespace, `;` or `{`; `${` keeps the brace in the word.
    parsed = parse_text("set $a ${X}y; return 200 ok};")
    assert parsed.directives[0].values == ["$a", "${X}y"]
    assert parsed.directives[1].values == ["200", "ok}"]


def test_lua_blocks_are_skipped_whole() -> None:
    text = (
        "location /t {\n"
        "    content_by_lua_block {\n"
        '        local s = "}" -- a brace } in a comment\n'
        "        local t = [[ { ]]\n"
        "        if x then ngx.say('{') end\n"
        "    }\n"
        "    proxy_pass http://127.0.0.1:1;\n"
        "}\n"
    )
    parsed = parse_text(text)
    assert not parsed.problems
    location = parsed.directives[0]
    lua, proxy = location.block
    assert lua.name.value == "content_by_lua_block" and lua.block == [] and lua.raw is not None
    assert "ngx.say" in text[lua.raw[0] : lua.raw[1]]
    assert proxy.values == ["http://127.0.0.1:1"]


def test_missing_semicolon_is_reported_and_the_statement_kept() -> None:
    text = "server {\n    location / {\n        proxy_pass http://a\n    }\n}\n"
    parsed = parse_text(text)
    assert [p.message for p in parsed.problems] == [
        'missing ";" after "proxy_pass" (nginx reads on to "}")'
    ]
    problem = parsed.problems[0]
    assert parsed.source.position(problem.start) == (3, 28)
    location = parsed.directives[0].block[0]
    assert location.block[0].values == ["http://a"] and location.block[0].terminator is None
    assert location.close is not None


def test_missing_semicolon_before_a_block_is_reported_and_the_block_keeps_its_name() -> None:
    # nginx 1.22: `directive "listen" is not terminated by ";"` (the whole file is refused).
    text = "server {\n    listen 8080\n    location /api { proxy_pass http://a; }\n}\n"
    parsed = parse_text(text)
    assert [p.message for p in parsed.problems] == [
        'missing ";" after "listen" (nginx reads on to the "{" of "location" and refuses: '
        'directive "listen" is not terminated by ";")'
    ]
    assert parsed.source.position(parsed.problems[0].start) == (2, 16)
    listen, location = parsed.directives[0].block
    assert (listen.name.value, listen.values, listen.terminator) == ("listen", ["8080"], None)
    assert (location.name.value, location.values) == ("location", ["/api"])
    assert location.block[0].name.value == "proxy_pass"


def test_one_line_directive_opening_a_block_is_reported_at_the_brace() -> None:
    parsed = parse_text("http {\n    proxy_read_timeout 5m {\n    }\n}\n")
    assert [p.message for p in parsed.problems] == [
        '"proxy_read_timeout" cannot open a block: a ";" is missing before this "{" '
        '(nginx: directive "proxy_read_timeout" is not terminated by ";")'
    ]
    assert parsed.source.position(parsed.problems[0].start) == (2, 27)
    # Block directives, unknown names and Lua blocks open blocks as nginx allows.
    fine = parse_text(
        "http { map $a $b { default 1; } upstream u { server a; } my_module x { }\n"
        "    ssl_certificate_by_lua_block { local x = 1 }\n"
        "    server { if ($a) { return 204; } location / { limit_except GET { deny all; } } }\n}\n"
    )
    assert not fine.problems


def test_unclosed_block_reports_its_opening_brace_and_keeps_statements() -> None:
    text = "http {\n  server {\n    listen 80;\n"
    parsed = parse_text(text)
    positions = [parsed.source.position(p.start) for p in parsed.problems]
    assert positions == [(1, 6), (2, 10)]
    assert "never closed" in parsed.problems[0].message
    assert parsed.directives[0].block[0].block[0].values == ["80"]


def test_stray_closing_brace_is_reported_and_skipped() -> None:
    parsed = parse_text("events {}\n}\nhttp {}\n")
    assert [parsed.source.position(p.start) for p in parsed.problems] == [(2, 1)]
    assert [d.name.value for d in parsed.directives] == ["events", "http"]


def test_unterminated_string_is_reported() -> None:
    parsed = parse_text('return 200 "oops;\n')
    assert any("not closed" in p.message for p in parsed.problems)


def test_lone_template_placeholder_is_a_statement_of_unknown_content() -> None:
    text = "server {\n    ${ACME_LOCATION}\n\n    ${HTTPS_CONFIG}\n}\n"
    parsed = parse_text(text)
    assert not parsed.problems
    inner = parsed.directives[0].block
    assert [d.name.raw for d in inner] == ["${ACME_LOCATION}", "${HTTPS_CONFIG}"]
    assert all(d.placeholder for d in inner)


def test_unquote_follows_nginx_escapes() -> None:
    assert unquote('"a\\"b"', '"') == 'a"b'
    assert unquote("'a\\tb\\\\c\\d'", "'") == "a\tb\\c\\d"
    assert unquote("plain", "") == "plain"


_words = st.text(alphabet=st.sampled_from(list("abc$/{}#;'\" \t\n\\x%<>=")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_words)
def test_any_input_tokenizes_losslessly_without_crashing(text: str) -> None:
    tokens, _ = tokenize(text)
    cursor = 0
    for token in tokens:
        assert token.start >= cursor and token.end >= token.start
        assert text[cursor : token.start].strip(" \t\r\n") == ""
        cursor = token.end
    assert text[cursor:].strip(" \t\r\n") == ""
    parse_text(text)  # never raises
    assert all(t.kind in TokenKind for t in tokens)
