"""Property tests (hypothesis) for each kind's parser and fixer, on the repository's own
fixtures damaged at random and on arbitrary text: a run never raises and never reports an
internal error (SP900), a fix never leaves a file that parses worse than before, and fixing
twice changes nothing the second time.

Examples are derandomized and no example database is kept, so CI sees the same inputs on every
run; the counts are chosen to keep the whole file under a minute on two cores.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import yaml
from helpers import lint
from hostile_support import (
    KINDS,
    OPERATIONS,
    PUNCTUATION,
    Mutation,
    internal_errors,
    mutate,
    parse_problems,
    seeds,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from linter.nginx.parser import parse_text

# CI runs the same examples every time. To hunt for new failures locally, run with
# HOSTILE_SEARCH=20 (random examples, twenty times as many); a failure prints its
# @reproduce_failure blob.
_SEARCH = int(os.environ.get("HOSTILE_SEARCH", "0") or 0)
HOSTILE = settings(
    deadline=None,
    derandomize=not _SEARCH,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def hostile(examples: int) -> settings:
    return settings(HOSTILE, max_examples=examples * max(1, _SEARCH))


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.floats(0, 1),
        st.one_of(st.sampled_from(PUNCTUATION), st.text(max_size=6)),
    ),
    min_size=1,
    max_size=4,
)


def _parses(kind: str, data: bytes) -> bool:
    """An oracle for "the file parses" that is not the kind's own parser where one exists:
    Python's ``ast``, PyYAML's safe loader (what LiteLLM uses); for NGINX our parser's
    problems (crossplane disagrees with nginx too often to judge)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
    try:
        if kind == "python":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        elif kind == "litellm":
            yaml.safe_load(text)
        else:
            return not parse_text(text).problems
    except (SyntaxError, ValueError, RecursionError, MemoryError, yaml.YAMLError):
        return False
    return True


def check_then_fix_twice(folder: Path, kind: str) -> None:
    """The properties, over every file of ``folder``."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in files}
    checked = lint([folder], cwd=folder)
    assert not internal_errors(checked.findings), internal_errors(checked.findings)
    assert not checked.errors, checked.errors

    fixed = lint([folder], cwd=folder, fix=True, unsafe=True)
    assert not internal_errors(fixed.findings), internal_errors(fixed.findings)
    assert not fixed.errors, fixed.errors
    changed = [p for p in files if p.read_bytes() != before[p]]
    event("linted" if checked.files_checked else "not claimed by any kind")
    event("fixed" if changed else "nothing to fix")
    assert sorted(Path(c.path) for c in fixed.changes) == changed
    if not changed:
        return
    for path in changed:
        if _parses(kind, before[path]):
            assert _parses(kind, path.read_bytes()), (path.name, before[path], path.read_bytes())
    rechecked = lint([folder], cwd=folder)
    assert not internal_errors(rechecked.findings)
    assert len(parse_problems(rechecked, kind)) <= len(parse_problems(checked, kind)), (
        parse_problems(checked, kind),
        parse_problems(rechecked, kind),
    )
    assert any(f.fatal for f in checked.findings) or not any(f.fatal for f in rechecked.findings), (
        rechecked.findings
    )

    again = lint([folder], cwd=folder, fix=True, unsafe=True)
    assert again.changes == [], [(c.path, c.after) for c in again.changes]


def _copy_seed(seed_path: Path, folder: Path) -> Path:
    if seed_path.is_file():
        target = folder / seed_path.name
        shutil.copyfile(seed_path, target)
        return target
    target = folder / seed_path.name
    shutil.copytree(seed_path, target)
    return target


# -- mutated fixtures ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@hostile(500)
@given(data=st.data())
def test_mutated_fixtures_never_crash_and_fix_cleanly(kind: str, data: st.DataObject) -> None:
    # Fixtures that have a fix are drawn more often: the fixer is what must be exercised.
    pool = seeds(kind)
    fixable = [seed for seed in pool if seed.has_fix]
    seed = data.draw(st.sampled_from(fixable) | st.sampled_from(pool), label="seed")
    file = data.draw(st.sampled_from(seed.files), label="file")
    mutations = data.draw(MUTATIONS, label="mutations")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        copied = _copy_seed(seed.path, folder)
        target = copied if copied.is_file() else copied / file.relative_to(seed.path)
        target.write_bytes(mutate(target.read_bytes(), mutations))
        check_then_fix_twice(folder, kind)


def test_every_kind_has_seeds() -> None:
    for kind in KINDS:
        assert len(seeds(kind)) >= 20, kind


# -- arbitrary programs and configs, built from each language's own pieces -----------------------
# Structured (blocks nest, a `try` has a handler) so that most of them parse and the rules and
# fixes have work to do; then damaged like the fixtures. (LiteLLM YAML has its own in
# tests/litellm/test_litellm_hostile.py.)

Lines = list[tuple[int, str]]  # (indentation depth, text)


def _indented(lines: Lines) -> Lines:
    return [(depth + 1, text) for depth, text in lines]


def _flatten(statements: list[Lines]) -> Lines:
    return [line for statement in statements for line in statement]


NGINX_DIRECTIVES = [
    "server 127.0.0.1:4000;",
    "keepalive 16;",
    "keepalive_timeout 5s;",
    "listen 8080;",
    "proxy_pass http://litellm;",
    "proxy_pass http://127.0.0.1:11434;",
    "proxy_pass http://$backend;",
    "proxy_read_timeout 30s;",
    "proxy_read_timeout 1h 30m;",
    'proxy_read_timeout "10";',
    "proxy_send_timeout 5;",
    "proxy_buffering on;",
    "proxy_buffering off;",
    "proxy_http_version 1.0;",
    "proxy_http_version 1.1;",
    'proxy_set_header Connection "";',
    "proxy_set_header Connection $connection_upgrade;",
    "proxy_set_header Host $host;",
    "proxy_cache cache;",
    "gzip on;",
    "gzip_types text/event-stream;",
    "add_header X-Accel-Buffering no;",
    "chunked_transfer_encoding off;",
    "fastcgi_pass 127.0.0.1:9000;",
    "grpc_pass grpc://127.0.0.1:50051;",
    "uwsgi_pass 127.0.0.1:3031;",
    "include snippets/proxy.conf;",
    "include proxy_params;",
    "include conf.d/*.conf;",
    "include missing.conf;",
    "default upgrade;",
    "${PROXY_CONFIG}",
    "proxy_read_timeout __TIMEOUT__;",
    "# streamproof: stream",
    "# streamproof: context server",
    "# streamproof: ignore[NGX001] -- reason",
    "# streamproof: ignore[NGX999]",
    "# a comment with { and ; in it",
    "return 200 'ok; }';",
    "set $x \\;;",
]
NGINX_BLOCKS = [
    "http",
    "server",
    "location /v1/chat/completions",
    "location ~ ^/api/(chat|generate)",
    "location = /sse",
    "location /static/",
    "location @fallback",
    "if ($http_upgrade)",
    "upstream litellm",
    "map $http_upgrade $connection_upgrade",
    "limit_except GET",
    "content_by_lua_block",
    "events",
]
NGINX_STATEMENT: st.SearchStrategy[Lines] = st.recursive(
    st.sampled_from(NGINX_DIRECTIVES).map(lambda text: [(0, text)]),
    lambda inner: st.tuples(
        st.sampled_from(NGINX_BLOCKS), st.lists(inner, max_size=4).map(_flatten)
    ).map(lambda block: [(0, block[0] + " {"), *_indented(block[1]), (0, "}")]),
    max_leaves=16,
)

PYTHON_SIMPLE = [
    "from openai import OpenAI",
    "import openai as oa",
    "import anthropic",
    "import litellm",
    "import requests, httpx",
    "from tenacity import retry",
    "client = OpenAI()",
    "client = oa.AsyncOpenAI(max_retries=0)",
    "stream = client.chat.completions.create(model='m', messages=[], stream=True)",
    "stream = client.chat.completions.create(model='m', messages=[], stream=True, max_tokens=None)",
    "stream = litellm.completion(model='m', messages=m, stream=True, **kw)",
    "stream = anthropic.Anthropic().messages.create(model='m', messages=[], stream=True)",
    "r = requests.post(u, json=b, stream=True)",
    "r = httpx.Client().send(req, stream=True)",
    "print(chunk.choices[0].delta.content)",
    "yield chunk",
    "yield from stream",
    "return stream",
    "await client.close()",
    "time.sleep(2 ** attempt)",
    "pass",
    "raise",
    "break",
    "x = {'max_tokens': 10, **extra}",
    "# streamproof: ignore[PY001] -- handled by the caller",
    "# streamproof: ignore[PY999]",
    's = """for c in stream: # not code"""',
]
PYTHON_HEADERS = [
    "for chunk in stream",
    "for chunk in client.chat.completions.create(model='m', messages=[], stream=True)",
    "async for chunk in stream",
    "for line in r.iter_lines()",
    "for attempt in range(3)",
    "while True",
    "if chunk",
    "def gen()",
    "async def agen(client)",
    "def handler(request, **kw)",
    "class Chat",
    "with client.messages.stream(model='m', messages=[], max_tokens=5) as stream",
    "with httpx.stream('POST', u) as r",
    "@retry\ndef call()",
]
PYTHON_HANDLERS = [
    "except Exception",
    "except httpx.HTTPError as e",
    "except (openai.APIConnectionError, KeyError)",
    "except requests.exceptions.ChunkedEncodingError",
    "except KeyError",
    "finally",
]


def _python_blocks(inner: st.SearchStrategy[Lines]) -> st.SearchStrategy[Lines]:
    body = st.lists(inner, min_size=1, max_size=3).map(_flatten)
    return st.one_of(
        st.tuples(st.sampled_from(PYTHON_HEADERS), body).map(
            lambda block: [(0, block[0] + ":"), *_indented(block[1])]
        ),
        st.tuples(body, st.sampled_from(PYTHON_HANDLERS), body).map(
            lambda block: [
                (0, "try:"),
                *_indented(block[0]),
                (0, block[1] + ":"),
                *_indented(block[2]),
            ]
        ),
    )


PYTHON_STATEMENT: st.SearchStrategy[Lines] = st.recursive(
    st.sampled_from(PYTHON_SIMPLE).map(lambda text: [(0, text)]), _python_blocks, max_leaves=16
)


def _render(lines: Lines, indent: str, newline: str) -> str:
    out = []
    for depth, text in lines:
        for part in text.split("\n"):  # a decorator and its def
            out.append(indent * depth + part)
    return newline.join(out) + newline


NEWLINES = st.sampled_from(["\n", "\r\n"])
FEW_MUTATIONS = st.lists(MUTATIONS.map(lambda found: found[0]), max_size=2)


@pytest.mark.slow
@hostile(400)
@given(
    statements=st.lists(NGINX_STATEMENT, min_size=1, max_size=6),
    newline=NEWLINES,
    indent=st.sampled_from(["    ", "\t", "  "]),
    mutations=FEW_MUTATIONS,
)
def test_arbitrary_nginx_never_crashes_and_fixes_cleanly(
    statements: list[Lines], newline: str, indent: str, mutations: list[Mutation]
) -> None:
    text = _render(_flatten(statements), indent, newline)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "snippets").mkdir()
        (folder / "snippets" / "proxy.conf").write_text("proxy_buffering on;\n")
        (folder / "conf.d").mkdir()
        (folder / "conf.d" / "a.conf").write_text("proxy_read_timeout 10s;\n")
        (folder / "nginx.conf").write_bytes(mutate(text.encode(), mutations))
        check_then_fix_twice(folder, "nginx")


@pytest.mark.slow
@hostile(400)
@given(
    statements=st.lists(PYTHON_STATEMENT, min_size=1, max_size=6),
    newline=NEWLINES,
    indent=st.sampled_from(["    ", "\t", "  "]),
    mutations=FEW_MUTATIONS,
)
def test_arbitrary_python_never_crashes_and_fixes_cleanly(
    statements: list[Lines], newline: str, indent: str, mutations: list[Mutation]
) -> None:
    text = newline.join(["import openai, httpx, requests, time", "client = openai.OpenAI()", ""])
    text += _render(_flatten(statements), indent, newline)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "app.py").write_bytes(mutate(text.encode(), mutations))
        check_then_fix_twice(folder, "python")


@hostile(150)
@given(
    blob=st.binary(max_size=600),
    name=st.sampled_from(["nginx.conf", "site.conf", "config.yaml", "app.py", "x.nginx"]),
)
def test_any_bytes_under_any_name_never_crash(blob: bytes, name: str) -> None:
    """Bytes that are no language at all, under each kind's file names."""
    kind = {"y": "litellm", "p": "python"}.get(name.rsplit(".", 1)[1][:1], "nginx")
    for prefix in (b"", b"model_list:\n", b"import openai\n", b"http { server {"):
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / name).write_bytes(prefix + blob)
            check_then_fix_twice(Path(folder), kind)
