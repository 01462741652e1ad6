"""Nasty files, one row each, with the finding (exact code, a message substring) and the exit
status they must give; in every row the other files of the same run are still checked.

Each row's folder holds the nasty file(s) and three companions, one per kind, each with a
known finding. Rows that could block (FIFOs, devices) run the real command in a subprocess
with a timeout; the rest run in-process.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import REPO, lint
from hostile_support import internal_errors

from linter.cli import exit_status

COMPANIONS = {
    "companion.nginx": (
        "http {\n"
        "    server {\n"
        "        location /v1/chat/completions {\n"
        "            proxy_pass http://127.0.0.1:4000;\n"
        "            proxy_buffering off;\n"
        "            proxy_read_timeout 30s;\n"
        "        }\n"
        "    }\n"
        "}\n"
    ),
    "companion.yaml": (
        "model_list:\n"
        "  - model_name: chat\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "      max_tokens: 1024\n"
        "      stream_timeout: 5\n"
    ),
    "companion.py": (
        "from openai import OpenAI\n"
        "\n"
        "client = OpenAI()\n"
        'for chunk in client.chat.completions.create(model="m", messages=[], stream=True, max_tokens=5):\n'
        "    print(chunk)\n"
    ),
}
# What the companions must still give, whatever else is in the run.
COMPANION_FINDINGS = {
    ("companion.nginx", "NGX001", 6),
    ("companion.yaml", "LIT001", 6),
    ("companion.py", "PY001", 4),
}

STREAMING_NGINX = (
    "http {\n"
    "    server {\n"
    "        location /v1/chat/completions {\n"
    "            proxy_pass http://127.0.0.1:4000;\n"
    "            proxy_buffering off;\n"
    "            proxy_read_timeout 20s;\n"
    "        }\n"
    "    }\n"
    "}\n"
)
LITELLM = (
    "model_list:\n"
    "  - model_name: other\n"
    "    litellm_params:\n"
    "      model: openai/gpt-4o-mini\n"
    "      max_tokens: 256\n"
    "      timeout: 3\n"
)
PYTHON = (
    "import openai\n"
    "\n"
    "def answer(client: openai.OpenAI):\n"
    '    return client.chat.completions.create(model="m", messages=[], stream=True)\n'
)


@dataclass(frozen=True)
class Nasty:
    id: str
    make: Callable[[Path], None]  # writes the nasty file(s) into the folder
    file: str  # the file (relative) the expected finding is on
    code: str | None  # None: no finding on that file at all
    message: str = ""  # a substring of the finding's message
    status: int = 1  # exit status of the whole run (the companions alone give 1)
    line: int | None = None
    explicit: bool = False  # also name the nasty file on the command line
    only_once: bool = False  # exactly one finding with that code on the file
    subprocess: bool = False  # could block: run the real command with a timeout


def write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return make


def together(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        for maker in makers:
            maker(folder)

    return make


def fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def unix_socket(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        with socket.socket(socket.AF_UNIX) as listening:
            listening.bind(str(folder / name))  # the socket file stays after close

    return make


def symlink(name: str, target: str) -> Callable[[Path], None]:
    return lambda folder: os.symlink(target, folder / name)


def alias_bomb() -> str:
    lines = [
        "litellm_settings:",
        "  callbacks: []",
        "x-bomb:",
        "  l0: &l0 [lol, lol, lol, lol, lol]",
    ]
    for level in range(1, 40):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    lines += [
        "model_list:",
        "  - model_name: bomb",
        "    litellm_params:",
        "      model: openai/gpt-4o",
        "      max_tokens: 64",
        "      stream_timeout: 600",
        "      metadata: *l39",
    ]
    return "\n".join(lines) + "\n"


def merge_bomb() -> str:
    """Each mapping merges the two before it: expanded, the last one holds 2**60 pairs."""
    lines = ["x-m:", "  m0: &m0 {stream_timeout: 2}", "  m1: &m1 {max_tokens: 3}"]
    for level in range(2, 61):
        lines.append(f"  m{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 2}], k{level}: 1}}")
    lines += [
        "model_list:",
        "  - model_name: merged",
        "    litellm_params:",
        "      <<: *m60",
        "      model: openai/gpt-4o",
    ]
    return "\n".join(lines) + "\n"


NGINX_ROWS = [
    Nasty(
        "nginx-binary",
        write("nginx.conf", b"http {\n\x00\x01\x02\xff\xfe server {}\n}\n"),
        "nginx.conf",
        "NGX000",
        "binary file (contains NUL bytes); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        # nginx reads bytes (`nginx -t` accepts a Latin-1 comment): linted, not refused.
        "nginx-invalid-utf8",
        write(
            "nginx.conf",
            b"# caf\xe9\n"
            + STREAMING_NGINX.replace("    server {", "    server { # \xe9t\xe9").encode(),
        ),
        "nginx.conf",
        "NGX001",
        "proxy_read_timeout is 20s here: 20s, set at nginx.conf:7",
        line=7,
    ),
    Nasty(
        # Decoded (never garbled: the fix test keeps it UTF-16), and reported: nginx reads
        # bytes and refuses the file at its byte-order mark.
        "nginx-utf16-bom",
        write("nginx.conf", STREAMING_NGINX.encode("utf-16")),
        "nginx.conf",
        "NGX000",
        'the file is UTF-16: nginx reads bytes and refuses it ("unknown directive"',
        status=2,
        line=1,
    ),
    Nasty(
        "nginx-utf8-bom",
        write("nginx.conf", codecs.BOM_UTF8 + STREAMING_NGINX.encode()),
        "nginx.conf",
        "NGX000",
        "the file starts with a UTF-8 byte-order mark: nginx reads bytes and refuses it",
        status=2,
        line=1,
    ),
    Nasty(
        "nginx-utf16-without-bom",
        write("nginx.conf", STREAMING_NGINX.encode("utf-16-le")),
        "nginx.conf",
        "NGX000",
        "binary file (contains NUL bytes)",
        status=2,
    ),
    Nasty(
        "nginx-10000-nested-blocks",
        write("nginx.conf", "http {\n" + "location /a {\n" * 10_000 + "}\n" * 10_001),
        "nginx.conf",
        "NGX000",
        "blocks nested deeper than 200; not read further",
        status=2,
        line=201,
        only_once=True,
    ),
    Nasty(
        "nginx-include-cycle",
        together(
            write("nginx.conf", "http {\n    include a.conf;\n}\n"),
            write("a.conf", "include b.conf;\n"),
            write("b.conf", "include a.conf;\nproxy_read_timeout 10s;\n"),
        ),
        "b.conf",
        "NGX000",
        "include cycle: a.conf -> b.conf -> a.conf; not followed",
        line=1,
    ),
    Nasty(
        "nginx-includes-itself",
        write("nginx.conf", "http {\n    include nginx.conf;\n}\n"),
        "nginx.conf",
        "NGX000",
        "include cycle: nginx.conf -> nginx.conf; not followed",
        line=2,
    ),
    Nasty(
        "nginx-include-fifo",
        together(write("nginx.conf", "http {\n    include pipe.conf;\n}\n"), fifo("pipe.conf")),
        "nginx.conf",
        "NGX000",
        "cannot read included file pipe.conf: not a regular file (FIFO, socket or device); not read",
        line=2,
        subprocess=True,
    ),
    Nasty(
        "nginx-include-dev-zero",
        write("nginx.conf", "http {\n    include /dev/zero;\n}\n"),
        "nginx.conf",
        "NGX000",
        "include /dev/zero is outside the linted tree; not followed",
        line=2,
        subprocess=True,
    ),
    Nasty(
        "nginx-include-link-to-dev-urandom",
        together(
            write("nginx.conf", "http {\n    include random.conf;\n}\n"),
            symlink("random.conf", "/dev/urandom"),
        ),
        "nginx.conf",
        "NGX000",
        "include random.conf is outside the linted tree; not followed",
        line=2,
        subprocess=True,
    ),
    Nasty(
        "nginx-main-file-is-a-fifo",
        fifo("nginx.conf"),
        "nginx.conf",
        "NGX000",
        "not a regular file (FIFO, socket or device); not read",
        status=2,
        subprocess=True,
    ),
    Nasty(
        # open() refuses a socket with ENXIO ("No such device or address"): said as a FIFO is.
        "nginx-main-file-is-a-socket",
        unix_socket("nginx.conf"),
        "nginx.conf",
        "NGX000",
        "not a regular file (FIFO, socket or device); not read",
        status=2,
    ),
    Nasty(
        "nginx-main-file-is-a-symlink-loop",
        symlink("nginx.conf", "nginx.conf"),
        "nginx.conf",
        "NGX000",
        "symbolic link loop",
        status=2,
    ),
    Nasty(
        "nginx-include-symlink-loop",
        together(
            write("nginx.conf", "http {\n    include loop.conf;\n}\n"),
            symlink("loop.conf", "loop.conf"),
        ),
        "nginx.conf",
        "NGX000",
        "cannot read included file loop.conf: symbolic link loop",
        line=2,
    ),
    Nasty(
        "nginx-include-with-nul-in-its-name",
        write("nginx.conf", "http {\n    include a\x00b.conf;\n}\n".encode("utf-16")),
        "nginx.conf",
        "NGX000",
        "the included file name holds a NUL character: nginx cannot open it",
        status=2,
        line=2,
    ),
    Nasty("nginx-empty", write("nginx.conf", b""), "nginx.conf", None),
    Nasty(
        "nginx-only-comments",
        write("nginx.conf", "# nothing here\n\n   # proxy_read_timeout 1s;\n"),
        "nginx.conf",
        None,
    ),
]

LITELLM_ROWS = [
    Nasty(
        "litellm-binary",
        write("config.yaml", b"model_list:\n  - model_name: \x00\x01\xff\n"),
        "config.yaml",
        "LIT000",
        "binary file (contains NUL bytes); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        "litellm-invalid-utf8",
        write("config.yaml", b"model_list:\n  - model_name: caf\xe9\n"),
        "config.yaml",
        "LIT000",
        "not valid utf-8 (byte 0xe9); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        "litellm-utf16-bom",
        write("config.yaml", LITELLM.encode("utf-16")),
        "config.yaml",
        "LIT000",
        "the file is UTF-16: LiteLLM opens its config as text",
        line=1,
    ),
    Nasty(
        # Decoded all the same: its own findings are there too, at the right line.
        "litellm-utf16-bom-still-checked",
        write("config.yaml", LITELLM.encode("utf-16")),
        "config.yaml",
        "LIT001",
        "`timeout: 3` is the stream timeout of deployment `other`",
        line=6,
    ),
    Nasty(
        "litellm-10000-nested-flow-brackets",
        write("config.yaml", "model_list: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        "config.yaml",
        "LIT000",
        "nested more than 1000 levels deep",
        status=2,
        line=1,
    ),
    Nasty(
        "litellm-10000-nested-block-sequences",
        write("config.yaml", "model_list:\n" + "- " * 10_000 + "x\n"),
        "config.yaml",
        "LIT000",
        "nested more than 1000 levels deep",
        status=2,
        line=2,
    ),
    Nasty(
        # Aliases are followed by identity, never expanded: the bomb costs its size.
        "litellm-alias-bomb",
        write("config.yaml", alias_bomb()),
        "config.yaml",
        None,
    ),
    Nasty(
        "litellm-merge-bomb",
        write("config.yaml", merge_bomb()),
        "config.yaml",
        "LIT001",
        "`stream_timeout: 2` is the stream timeout of deployment `merged`",
        line=2,
    ),
    Nasty(
        # LiteLLM reads each file once: a cycle is no error, and the included file is checked.
        "litellm-include-cycle",
        together(
            write(
                "config.yaml",
                "include:\n  - more.yaml\n" + LITELLM.replace("timeout: 3", "timeout: 600"),
            ),
            write(
                "more.yaml",
                "include:\n  - config.yaml\nmodel_list:\n  - model_name: more\n"
                "    litellm_params:\n      model: openai/gpt-4o\n      max_tokens: 8\n"
                "      stream_timeout: 7\n",
            ),
        ),
        "more.yaml",
        "LIT001",
        "`stream_timeout: 7` is the stream timeout of deployment `more`",
        line=8,
    ),
    Nasty(
        "litellm-include-fifo",
        together(write("config.yaml", "include:\n  - pipe.yaml\n" + LITELLM), fifo("pipe.yaml")),
        "config.yaml",
        "LIT009",
        "included file `pipe.yaml`: not a regular file (FIFO, socket or device); not read",
        line=2,
        subprocess=True,
    ),
    Nasty(
        "litellm-include-dev-zero",
        write("config.yaml", "include:\n  - /dev/zero\n" + LITELLM),
        "config.yaml",
        "LIT009",
        "included file `/dev/zero` is outside the checked tree; not followed",
        line=2,
        subprocess=True,
    ),
    Nasty(
        "litellm-include-symlink-loop",
        together(
            write("config.yaml", "include:\n  - loop.yaml\n" + LITELLM),
            symlink("loop.yaml", "loop.yaml"),
        ),
        "config.yaml",
        "LIT009",
        "included file `loop.yaml`: symbolic link loop",
        line=2,
    ),
    Nasty(
        "litellm-include-nul-in-name",
        write("config.yaml", 'include: ["a\\0b.yaml"]\n' + LITELLM),
        "config.yaml",
        "LIT009",
        "the included file name holds a NUL character",
        line=1,
    ),
    Nasty(
        "litellm-main-file-is-a-fifo-named-on-the-command-line",
        fifo("config.yaml"),
        "config.yaml",
        "LIT000",
        "not a regular file (FIFO, socket or device); not read",
        status=2,
        explicit=True,
        subprocess=True,
    ),
    Nasty(
        "litellm-main-file-is-a-symlink-loop-named-on-the-command-line",
        symlink("config.yaml", "config.yaml"),
        "config.yaml",
        "LIT000",
        "symbolic link loop",
        status=2,
        explicit=True,
    ),
    Nasty(
        # An int no float can hold (float() raised OverflowError: a crash of LIT001): a
        # timeout past any stream's length, so nothing to say.
        "litellm-int-past-any-float",
        write("config.yaml", LITELLM.replace("timeout: 3", "stream_timeout: 0x" + "f" * 5000)),
        "config.yaml",
        None,
    ),
    Nasty("litellm-empty", write("config.yaml", b""), "config.yaml", None, explicit=True),
    Nasty(
        "litellm-only-comments",
        write("config.yaml", "# model_list:\n#   - model_name: x\n"),
        "config.yaml",
        None,
        explicit=True,
    ),
]

PYTHON_ROWS = [
    Nasty(
        "python-binary",
        write("app.py", b"import openai\n\x00\x01\x02\xff\n"),
        "app.py",
        "PY000",
        "binary file (contains NUL bytes); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        "python-nul-after-a-utf8-bom",
        write("app.py", codecs.BOM_UTF8 + b"import openai\nx = 1\x00\n"),
        "app.py",
        "PY000",
        "binary file (contains NUL bytes); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        "python-invalid-utf8",
        write("app.py", b"import openai\nname = 'caf\xe9'\n"),
        "app.py",
        "PY000",
        "not valid utf-8 (byte 0xe9); not linted",
        status=2,
        line=2,
    ),
    Nasty(
        "python-utf16-bom",
        write("app.py", PYTHON.encode("utf-16")),
        "app.py",
        "PY000",
        "the file is UTF-16: Python reads source as UTF-8",
        line=1,
    ),
    Nasty(
        "python-utf16-bom-still-checked",
        write("app.py", PYTHON.encode("utf-16")),
        "app.py",
        "PY002",
        "streams an openai generation with no output cap",
        line=4,
    ),
    Nasty(
        "python-10000-nested-parentheses",
        write("app.py", "import openai\nx = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n"),
        "app.py",
        "PY000",
        "too many nested parentheses",
        status=2,
        line=2,
    ),
    Nasty(
        "python-1000-levels-of-indentation",
        write(
            "app.py",
            "import openai\n"
            + "".join(" " * level + "if x:\n" for level in range(1000))
            + " " * 1000
            + "pass\n",
        ),
        "app.py",
        "PY000",
        "too many levels of indentation",
        status=2,
    ),
    Nasty(
        "python-100000-term-expression",
        write("app.py", "import openai\nx = " + " + ".join(["a"] * 100_000) + "\n"),
        "app.py",
        "PY000",
        "",  # the message is Python's own, and differs between versions
        status=2,
    ),
    Nasty(
        "python-main-file-is-a-fifo-named-on-the-command-line",
        fifo("app.py"),
        "app.py",
        "PY000",
        "not a regular file (FIFO, socket or device); not read",
        status=2,
        explicit=True,
        subprocess=True,
    ),
    Nasty(
        # Found by walking the folder: a FIFO is not read (nor waited on) and not reported
        # (its name says .py, but only its content could say whether it is ours).
        "python-fifo-in-the-tree",
        fifo("app.py"),
        "app.py",
        None,
        subprocess=True,
    ),
    Nasty(
        "python-symlink-loop-named-on-the-command-line",
        symlink("app.py", "app.py"),
        "app.py",
        "PY000",
        "symbolic link loop",
        status=2,
        explicit=True,
    ),
    Nasty("python-empty", write("app.py", b""), "app.py", None, explicit=True),
    Nasty(
        "python-only-comments",
        write(
            "app.py", "# import openai\n# openai.OpenAI().chat.completions.create(stream=True)\n"
        ),
        "app.py",
        None,
    ),
]

ROWS = NGINX_ROWS + LITELLM_ROWS + PYTHON_ROWS


def _cli(folder: Path, *paths: str) -> tuple[int, list[dict]]:
    """The real command, with a timeout: a run that blocks on a FIFO fails here, not hangs."""
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "check", "--output-format", "json", *paths],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert time.monotonic() - started < 30, "the run took too long"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout or "[]")


def _findings(row: Nasty, folder: Path) -> tuple[int, list[tuple[str, str, int, str]]]:
    """(exit status, [(file relative to the folder, code, line, message)])."""
    paths = ["."] + ([row.file] if row.explicit else [])
    if row.subprocess:
        status, found = _cli(folder, *paths)
        return status, [(f["path"], f["code"], f["line"], f["message"]) for f in found]
    result = lint([folder / p for p in paths], cwd=folder)
    assert not internal_errors(result.findings), internal_errors(result.findings)
    status = exit_status(result.findings, result.errors, False)
    return status, [
        (os.path.relpath(f.path, folder), f.code, f.line, f.message) for f in result.findings
    ]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_nasty_file(row: Nasty, tmp_path: Path) -> None:
    for name, text in COMPANIONS.items():
        (tmp_path / name).write_text(text)
    row.make(tmp_path)
    started = time.monotonic()
    status, found = _findings(row, tmp_path)
    assert time.monotonic() - started < 30
    # The other files of the run were still checked.
    assert {(path, code, line) for path, code, line, _ in found} >= COMPANION_FINDINGS, found
    on_file = [(code, line, message) for path, code, line, message in found if path == row.file]
    if row.code is None:
        assert on_file == [], on_file
    else:
        matching = [
            (code, line, message)
            for code, line, message in on_file
            if code == row.code and row.message in message
        ]
        assert matching, on_file
        if row.line is not None:
            assert any(line == row.line for _, line, _ in matching), matching
        if row.only_once:
            assert len([f for f in on_file if f[0] == row.code]) == 1, on_file
    assert status == row.status, (status, found)


# -- a 50 MB file ------------------------------------------------------------------------------
# Decision: files over 10 MB (linter.workspace.MAX_PARSE_BYTES) are read and classified, then
# reported, not parsed: parsing costs far more than the file's size (a 4 MB Python module is
# 1.2 GB of `ast` alone; 50 MB took 440 s and 9.9 GB before the limit), and no real config or
# LLM-calling module comes near it. Files over 64 MB are not even read.

MEGABYTES_50 = 50 * 1024 * 1024


def _fill(head: str, unit: str, size: int = MEGABYTES_50) -> bytes:
    body = unit.encode() * (size // len(unit.encode()) + 1)
    return head.encode() + body[: size - len(head)]


@pytest.mark.slow
def test_fifty_megabyte_files_are_reported_in_bounded_time_and_memory(tmp_path: Path) -> None:
    for name, text in COMPANIONS.items():
        (tmp_path / name).write_text(text)
    big = {
        "nginx.conf": _fill(
            "http {\n", "    location /v1/chat/completions { proxy_pass http://x:4000; }\n"
        ),
        "config.yaml": _fill(
            "model_list:\n", "  - model_name: m\n    litellm_params: {model: openai/gpt-4o}\n"
        ),
        "app.py": _fill(
            "import openai\n", "x = openai.OpenAI().chat.completions.create(stream=True)\n"
        ),
        "plain.py": _fill("", "x = 1\n"),  # mentions no client: never parsed, not reported
        "sites-enabled/huge.conf": _fill("server {\n", "    location / { proxy_pass http://x; }\n"),
    }
    for name, data in big.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    # Peak memory of the run itself, measured in the process that runs it.
    code = (
        "import atexit, resource, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'maxrss_kb=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        "from linter.cli import main\n"
        "sys.argv = ['streamproof', 'check', '--output-format', 'json', sys.argv[1]]\n"
        "main()\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=REPO,
        env=dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.monotonic() - started
    maxrss_mb = int(proc.stderr.rsplit("maxrss_kb=", 1)[1].split()[0]) / 1024
    found = {
        (os.path.relpath(f["path"], tmp_path), f["code"], f["message"])
        for f in json.loads(proc.stdout)
    }
    message = (
        "file is 50.0 MB, over the 10 MB limit for parsing; not linted (split it, or exclude it)"
    )
    assert {
        ("nginx.conf", "NGX000", message),
        ("config.yaml", "LIT000", message),
        ("app.py", "PY000", message),
        ("sites-enabled/huge.conf", "NGX000", message),
    } <= found, found
    assert not [f for f in found if f[0] == "plain.py"]
    assert {(path, code) for path, code, _ in found} >= {
        (path, code) for path, code, _ in COMPANION_FINDINGS
    }
    assert proc.returncode == 2
    # Reading and classifying 250 MB takes a few seconds; parsing it took many minutes.
    assert elapsed < 60, elapsed
    assert maxrss_mb < 600, maxrss_mb  # the bytes read (the run keeps them), not a parse


# -- an unreadable file ------------------------------------------------------------------------
# Root reads anything, and tests run as root here and in CI. Two ways, both always run:
# os.open made to fail with EACCES for the file, and a real mode-000 file read by a process
# that dropped root (a fork that becomes `nobody` after importing what it needs).

UNREADABLE_ROWS = [
    (
        "nginx.conf",
        STREAMING_NGINX,
        [],
        "nginx.conf",
        "NGX000",
        "cannot read: Permission denied",
        2,
    ),
    (
        "inc.conf",
        "proxy_buffering off;\n",
        [("nginx.conf", "http {\n    include inc.conf;\n}\n")],
        "nginx.conf",
        "NGX000",
        "cannot read included file inc.conf: cannot read: Permission denied",
        1,
    ),
    (
        "more.yaml",
        LITELLM,
        [("config.yaml", "include:\n  - more.yaml\n" + LITELLM)],
        "config.yaml",
        "LIT009",
        "included file `more.yaml`: cannot read: Permission denied",
        1,
    ),
    ("app.py", PYTHON, [], "app.py", "PY000", "cannot read: Permission denied", 2),
]


def _unreadable_case(folder: Path, row: tuple) -> Path:  # type: ignore[type-arg]
    name, text, others, *_ = row
    for companion, companion_text in COMPANIONS.items():
        (folder / companion).write_text(companion_text)
    for other, other_text in others:
        (folder / other).write_text(other_text)
    (folder / name).write_text(text)
    return folder / name


def _check_unreadable(row: tuple, status: int, found: list[tuple[str, str, int, str]]) -> None:  # type: ignore[type-arg]
    *_, expected_file, code, message, expected_status = row
    assert {(p, c, line) for p, c, line, _ in found} >= COMPANION_FINDINGS, found
    assert [f for f in found if f[0] == expected_file and f[1] == code and message in f[3]], found
    assert status == expected_status, found


def _paths_for(row: tuple, folder: Path) -> list[Path]:  # type: ignore[type-arg]
    # app.py is named (a .py found by walking is the kind's only if its bytes say so).
    return [folder] + ([folder / row[0]] if row[0] == "app.py" else [])


@pytest.mark.parametrize("row", UNREADABLE_ROWS, ids=[row[0] for row in UNREADABLE_ROWS])
def test_unreadable_file_with_open_failing(
    row: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = _unreadable_case(tmp_path, row)
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.path.abspath(path) == str(target):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = lint(_paths_for(row, tmp_path), cwd=tmp_path)
    monkeypatch.undo()
    assert not internal_errors(result.findings)
    found = [
        (os.path.relpath(f.path, tmp_path), f.code, f.line, f.message) for f in result.findings
    ]
    _check_unreadable(row, exit_status(result.findings, result.errors, False), found)


@pytest.mark.parametrize("row", UNREADABLE_ROWS, ids=[row[0] for row in UNREADABLE_ROWS])
def test_unreadable_file_for_real(row: tuple) -> None:  # type: ignore[type-arg]
    # A folder `nobody` can enter (pytest's tmp_path sits in a folder only root may).
    folder = Path(tempfile.mkdtemp(prefix="streamproof-unreadable-"))
    try:
        folder.chmod(0o755)
        target = _unreadable_case(folder, row)
        for path in folder.iterdir():
            path.chmod(0o644)
        target.chmod(0o000)
        if os.geteuid() != 0:
            result = lint(_paths_for(row, folder), cwd=folder)
            found = [
                (os.path.relpath(f.path, folder), f.code, f.line, f.message)
                for f in result.findings
            ]
            status = exit_status(result.findings, result.errors, False)
        else:
            status, found, _ = _as_nobody(folder, _paths_for(row, folder))
        _check_unreadable(row, status, found)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as_nobody(
    folder: Path, paths: list[Path]
) -> tuple[int, list[tuple[str, str, int, str]], list[str]]:
    """Run the check in a child that has dropped root for `nobody` (65534): (exit status,
    findings, the run's error messages)."""
    warm = Path(tempfile.mkdtemp(prefix="streamproof-warm-"))
    try:
        for name, text in COMPANIONS.items():  # import now what the run will need later
            (warm / name).write_text(text)
        (warm / "x.nginx").write_text("http {\n    include a.conf;\n}\n")
        (warm / "app.py").write_text(PYTHON)
        lint([warm, warm / "app.py", warm / "missing.py"], cwd=warm)
    finally:
        shutil.rmtree(warm, ignore_errors=True)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = lint(paths, cwd=folder)
            payload = {
                "status": exit_status(result.findings, result.errors, False),
                "found": [
                    [os.path.relpath(f.path, folder), f.code, f.line, f.message]
                    for f in result.findings
                ],
                "errors": result.errors,
            }
            os.write(write_end, json.dumps(payload).encode())
        except BaseException as exc:  # report it to the parent, whatever it is
            os.write(write_end, json.dumps({"error": repr(exc)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    payload = json.loads(b"".join(chunks))
    assert "error" not in payload, payload
    return (
        payload["status"],
        [tuple(f) for f in payload["found"]],  # type: ignore[misc]
        payload["errors"],
    )


def test_a_folder_that_cannot_be_listed_is_said_not_skipped() -> None:
    """Walking the tree, a folder this user may not read: its files cannot be checked, and the
    run says so (exit 2) instead of passing them over in silence; a path named below it is
    refused for what it is, not called missing."""
    folder = Path(tempfile.mkdtemp(prefix="streamproof-unlisted-"))
    try:
        folder.chmod(0o755)
        for name, text in COMPANIONS.items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o644)
        private = folder / "private"
        private.mkdir()
        (private / "nginx.conf").write_text(STREAMING_NGINX)
        private.chmod(0o000 if os.geteuid() != 0 else 0o700)  # root's: `nobody` may not enter
        paths = [folder, private / "nginx.conf"]
        if os.geteuid() != 0:
            result = lint(paths, cwd=folder)
            found = [
                (os.path.relpath(f.path, folder), f.code, f.line, f.message)
                for f in result.findings
            ]
            status, errors = exit_status(result.findings, result.errors, False), result.errors
        else:
            status, found, errors = _as_nobody(folder, paths)
        assert {(p, c, line) for p, c, line, _ in found} >= COMPANION_FINDINGS, found
        assert not [f for f in found if f[0].startswith("private")]
        assert errors == [
            f"{private}: cannot read this folder (Permission denied); "
            "the files in it were not checked",
            f"{private / 'nginx.conf'}: Permission denied",
        ]
        assert status == 2
    finally:
        (folder / "private").chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


# -- a file deleted during the run -------------------------------------------------------------


def test_file_deleted_between_discovery_and_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from linter import runner

    for name, text in COMPANIONS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "nginx.conf").write_text(STREAMING_NGINX)
    (tmp_path / "app.py").write_text(PYTHON)
    real_discover = runner.discover

    def discover_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_discover(*args, **kwargs)
        os.unlink(tmp_path / "nginx.conf")
        os.unlink(tmp_path / "app.py")
        return found

    monkeypatch.setattr(runner, "discover", discover_then_delete)
    result = lint([tmp_path], cwd=tmp_path)
    found = {(os.path.relpath(f.path, tmp_path), f.code, f.line) for f in result.findings}
    assert found >= COMPANION_FINDINGS
    # nginx.conf is NGINX by its name: that it vanished is said. app.py could only be judged
    # by its content, which is gone: it is not reported.
    messages = [f.message for f in result.findings if f.path.endswith("nginx.conf")]
    assert messages == ["cannot read: No such file or directory"]
    assert not [f for f in result.findings if f.path.endswith("app.py")]
    assert exit_status(result.findings, result.errors, False) == 2


def test_file_deleted_between_reading_and_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is read once: what was read is what is checked."""
    from linter import runner

    for name, text in COMPANIONS.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "nginx.conf").write_text(STREAMING_NGINX)
    real_units = runner.units_by_kind

    def plan_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        units = real_units(*args, **kwargs)
        os.unlink(tmp_path / "nginx.conf")
        return units

    monkeypatch.setattr(runner, "units_by_kind", plan_then_delete)
    result = lint([tmp_path], cwd=tmp_path)
    found = {(os.path.relpath(f.path, tmp_path), f.code, f.line) for f in result.findings}
    assert found >= COMPANION_FINDINGS | {("nginx.conf", "NGX001", 6)}
    assert exit_status(result.findings, result.errors, False) == 1
