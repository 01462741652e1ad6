"""The Python kind: which files are parsed, parse errors with positions, encodings, hostile
input, comments for suppressions, version pins, and that libcst is never imported."""

from __future__ import annotations

import sys
from pathlib import Path

from helpers import REPO, lint

from linter.config import default_settings
from linter.document import Unit
from linter.python import detect
from linter.python.detect import mentions_clients
from linter.python.handler import HANDLER
from linter.python.pins import find_pins, lowest_allowed
from linter.workspace import Workspace

STREAM = (
    "import openai\n"
    "client = openai.OpenAI()\n"
    "for chunk in client.chat.completions.create(model='m', messages=[], stream=True, max_tokens=5):\n"
    "    print(chunk)\n"
)


def _codes(result) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    return sorted((f.code, f.line, f.column) for f in result.findings)


def test_a_file_without_clients_is_never_parsed(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("def broken(:\n    pass\n")  # a syntax error nobody is told about
    assert mentions_clients(path.read_bytes()) is False
    result = lint([path], cwd=tmp_path)
    assert result.files_checked == 0
    assert result.findings == []


def test_http_libraries_count_only_where_something_streams() -> None:
    assert not mentions_clients(
        b"import requests\nrequests.get('https://example.com', timeout=5)\n"
    )
    assert mentions_clients(b"import requests\nrequests.get(url, stream=True)\n")
    assert mentions_clients(b"from anthropic import Anthropic\n")
    # Server-sent events through httpx-sse: no word "stream" needed.
    assert mentions_clients(
        b"import httpx\nfrom httpx_sse import connect_sse\n"
        b"with connect_sse(c, 'GET', u) as s:\n    for e in s.iter_sse(): pass\n"
    )


def test_generation_requests_llama_index_and_json_lines_are_worth_a_parse() -> None:
    # A request to a generation endpoint that does not stream (PY002 and PY007 look at it).
    assert mentions_clients(b"import requests\nrequests.post(f'{u}/v1/chat/completions', json=b)\n")
    assert mentions_clients(b"from llama_index.core import VectorStoreIndex\n")
    # Ollama's JSON lines read from a response another module made.
    assert mentions_clients(
        b"for line in r.iter_lines():\n    if json.loads(line)['done']: break\n"
    )
    assert not mentions_clients(b"for line in r.iter_lines():\n    print(line)\n")


def test_the_name_search_agrees_with_pythons_own(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The C library's memmem (large files) and Python's ``in`` (small ones, or no memmem)
    find the same names: on every Python file of the repository, on each name alone at the
    start, the middle and the end of texts around the size where the search switches, cut
    one byte short, and beside NUL bytes."""
    if sys.platform.startswith("linux"):
        assert detect._libc_memmem(), "glibc has memmem: the fast search must be in use"
    texts = [path.read_bytes() for path in sorted(REPO.rglob("*.py"))]
    for name in detect._NAMES:
        for size in (0, 5, detect._MEMMEM_FROM - 1, detect._MEMMEM_FROM, 3 * detect._MEMMEM_FROM):
            filler = (b"\0x = 1  # plain\n" * (size // 16 + 1))[:size]
            texts += [name + filler, filler + name, filler[: size // 2] + name + filler]
            texts += [name[:-1] + filler, filler + name[:-1], filler + name[1:]]
    found = [detect.names_client(text) for text in texts]
    assert found == [any(name in text for name in detect._NAMES) for text in texts]
    monkeypatch.setattr(detect, "_memmem", False)  # as where there is no memmem
    assert [detect.names_client(text) for text in texts] == found
    assert sum(found) > len(texts) // 3 and not all(found)


def test_syntax_error_is_py000_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_text("import openai\n\nx = (1,\ny = 2\n")
    result = lint([path], cwd=tmp_path)
    assert [f.code for f in result.findings] == ["PY000"]
    finding = result.findings[0]
    assert finding.fatal
    assert (finding.line, finding.column) == (3, 5)


def test_syntax_error_column_counts_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "wide.py"
    path.write_text("import openai\ns = 'héllo' +\n", encoding="utf-8")
    finding = lint([path], cwd=tmp_path).findings[0]
    assert (finding.code, finding.line, finding.column) == ("PY000", 2, 14)


def test_coding_cookie_bom_and_crlf_are_read(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + STREAM.encode())
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + STREAM.replace("\n", "\r\n").encode())
    result = lint([latin, bom], cwd=tmp_path, select=["PY001"])
    assert sorted((Path(f.path).name, f.code, f.line, f.column) for f in result.findings) == [
        ("bom.py", "PY001", 3, 1),
        ("latin.py", "PY001", 5, 1),
    ]


def test_fix_keeps_latin1_encoding_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "keep.py"
    original = (
        b"# -*- coding: latin-1 -*-\r\n# caf\xe9\r\nimport requests\r\n"
        b"r = requests.get(URL, stream=True)\r\nfor line in r.iter_lines():\r\n    pass\r\n"
    )
    path.write_bytes(original)
    result = lint([path], cwd=tmp_path, select=["PY006"], fix=True)
    assert not result.errors
    assert path.read_bytes() == original.replace(
        b"stream=True)", b"stream=True, timeout=(10, 300))"
    )


def test_non_utf8_without_cookie_is_a_decode_finding(tmp_path: Path) -> None:
    path = tmp_path / "undecodable.py"
    path.write_bytes(b"import openai\nx = '\xff'\n")
    result = lint([path], cwd=tmp_path)
    assert [(f.code, f.line, f.fatal) for f in result.findings] == [("PY000", 2, True)]


def test_nul_bytes_deep_nesting_and_long_files_do_not_crash(tmp_path: Path) -> None:
    nul = tmp_path / "nul.py"
    nul.write_bytes(b"import openai\nx = 1\x00\n")
    deep = tmp_path / "deep.py"
    deep.write_text("import openai\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    chain = tmp_path / "chain.py"  # parses, but a recursive ast.NodeVisitor would overflow
    chain.write_text(STREAM + "x = " + " + ".join(["1"] * 2000) + "\n")
    too_long = tmp_path / "too_long.py"  # the parser itself gives up: PY000, not a crash
    too_long.write_text("import openai\nx = " + " + ".join(["1"] * 30000) + "\n")
    long = tmp_path / "long.py"
    long.write_text(STREAM + "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(20000)))
    result = lint([nul, deep, chain, too_long, long], cwd=tmp_path)
    by_file = {Path(f.path).name: f.code for f in result.findings}
    assert by_file["nul.py"] == "PY000"
    assert by_file["deep.py"] == "PY000"
    assert by_file["chain.py"] == "PY001"  # analysed through the long expression
    # 3.11+ parsers give up on this expression (PY000); 3.10's parses it (nothing to find).
    assert by_file.get("too_long.py") == ("PY000" if sys.version_info >= (3, 11) else None)
    assert by_file["long.py"] == "PY001"
    assert not any(f.code == "SP900" for f in result.findings)


def test_comments_come_from_the_tokenizer_not_from_hash_signs_in_strings(tmp_path: Path) -> None:
    path = tmp_path / "strings.py"
    text = STREAM.replace("print(chunk)", "print('# streamproof: ignore[PY001]')")
    path.write_text(text)
    assert [f.code for f in lint([path], cwd=tmp_path, select=["PY001"]).findings] == ["PY001"]
    workspace = Workspace(str(tmp_path))
    document = HANDLER.load(Unit("python", str(path)), workspace, default_settings())
    assert list(HANDLER.comments(document, str(path))) == []


def test_inline_suppression_on_a_stream_loop(tmp_path: Path) -> None:
    path = tmp_path / "ignored.py"
    lines = STREAM.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + "  # streamproof: ignore[PY001] -- demo script\n"
    path.write_text("".join(lines))
    assert lint([path], cwd=tmp_path, select=["PY001"]).findings == []


def test_version_pins_come_from_the_nearest_requirements(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["openai>=3.14", "anthropic"]\n'
    )
    service = tmp_path / "service"
    service.mkdir()
    (service / "requirements-prod.txt").write_text("openai==2.8.1  # old\nlitellm>=1.70\n")
    workspace = Workspace(str(tmp_path))
    pins = find_pins(str(service / "app.py"), workspace, ("openai", "anthropic", "litellm"))
    assert pins["openai"].version == (2, 8, 1)
    assert pins["openai"].source.startswith("service/requirements-prod.txt")
    assert pins["litellm"].version == (1, 70)
    assert "anthropic" not in pins  # no version given: unknown
    top = find_pins(str(tmp_path / "main.py"), workspace, ("openai",))
    assert top["openai"].version == (3, 14)


def test_lock_file_pin_decides_the_message(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "openai"\nversion = "3.20.0"\n'
    )
    path = tmp_path / "app.py"
    path.write_text(STREAM)
    message = lint([path], cwd=tmp_path, select=["PY001"]).findings[0].message
    assert "raises openai.APIConnectionError here (openai 3.20.0, from uv.lock" in message
    (tmp_path / "uv.lock").unlink()
    message = lint([path], cwd=tmp_path, select=["PY001"]).findings[0].message
    assert "no openai version pin found" in message


def test_lowest_allowed_version() -> None:
    assert lowest_allowed(">=3.14,<4") == (3, 14)
    assert lowest_allowed("~=2.1") == (2, 1)
    assert lowest_allowed("<4") is None


NEWER_SYNTAX = {
    "fstring.py": 'import openai\nreply = {"text": "hi"}\nprint(f"{reply["text"]}")\n',
    "alias.py": "import openai\ntype Messages = list[dict[str, str]]\n",
    "generic.py": "import openai\ndef first[T](items: list[T]) -> T:\n    return items[0]\n",
}


def test_newer_python_syntax_is_a_note_not_a_parse_error(tmp_path: Path) -> None:
    """Valid 3.12 code checked by an older Python: an info finding saying why the file was
    not checked (exit status unchanged), not a fatal syntax error."""
    for name, text in NEWER_SYNTAX.items():
        (tmp_path / name).write_text(text)
    result = lint([tmp_path], cwd=tmp_path)
    if sys.version_info >= (3, 12):
        assert result.findings == []
        return
    found = {Path(f.path).name: f for f in result.findings}
    assert sorted(found) == sorted(NEWER_SYNTAX)
    for finding in found.values():
        assert finding.code == "PY000"
        assert finding.severity.value == "info" and not finding.fatal
        assert "valid from Python 3.12" in finding.message
    assert "PEP 701" in found["fstring.py"].message
    assert "PEP 695" in found["alias.py"].message and "PEP 695" in found["generic.py"].message


def test_a_real_syntax_error_stays_a_fatal_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import openai\nprint(f'{1 +}')\ndef broken(:\n")
    [finding] = lint([path], cwd=tmp_path).findings
    assert (finding.code, finding.severity.value, finding.fatal) == ("PY000", "error", True)


# Client classes whose module the byte search does not name (none now: `from
# google.generativeai import GenerativeModel` was one, until `generativeai` was a name).
_KNOWN_UNCLAIMED: set[str] = set()


def test_every_client_the_rules_know_makes_a_file_worth_a_parse() -> None:
    """The byte search is derived from nothing but its own word lists: every client class
    and module-level client of the knowledge tables (linter.python.clients), imported and
    streamed from, must make a file worth a parse."""
    from linter.python.client_classes import CLIENT_CLASSES
    from linter.python.clients import MODULE_CLIENTS

    unclaimed = set()
    for dotted in CLIENT_CLASSES:
        module, _, name = dotted.rpartition(".")
        text = f"from {module} import {name}\n\nfor c in {name}().go(stream=True):\n    print(c)\n"
        if not mentions_clients(text.encode()):
            unclaimed.add(dotted)
    for module in MODULE_CLIENTS:
        text = f"import {module}\n\nfor c in {module}.go(stream=True):\n    print(c)\n"
        if not mentions_clients(text.encode()):
            unclaimed.add(module)
    assert unclaimed == _KNOWN_UNCLAIMED
