"""What the hostile-input tests share: the repository's fixtures as seeds, ways to damage
them, and the checks every run must pass (no exception, no internal error)."""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers import REPO

from linter.fixtures import fixed_name, is_fixed_output
from linter.model import Finding
from linter.runner import RunResult

FIXTURES = REPO / "fixtures"
PARSE_ERROR = {"nginx": "NGX000", "litellm": "LIT000", "python": "PY000", "server": "SRV000"}
KINDS = tuple(PARSE_ERROR)


@dataclass(frozen=True)
class Seed:
    """One real input: a fixture file, or a multi-file fixture folder (includes)."""

    kind: str
    path: Path  # a file or a folder under fixtures/

    @property
    def files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*") if p.is_file() and not is_fixed_output(p))

    @property
    def has_fix(self) -> bool:
        """A bad fixture with its expected fixed output (so the fixer has work to do)."""
        if self.path.is_dir():
            return any(fixed_name(p).exists() for p in self.files)
        return self.path.name.startswith("bad") and fixed_name(self.path).exists()

    @property
    def label(self) -> str:
        return str(self.path.relative_to(FIXTURES))


def seeds(kind: str) -> list[Seed]:
    """Every fixture of a kind (fixed outputs too: they are real files as well)."""
    found = []
    for code_dir in sorted((FIXTURES / kind).iterdir()):
        if not code_dir.is_dir():
            continue
        for entry in sorted(code_dir.iterdir()):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            found.append(Seed(kind, entry))
    return found


def internal_errors(findings: Sequence[Finding]) -> list[str]:
    """SP900 findings: a rule or the engine crashed (a crash is reported, never raised)."""
    return [f"{f.path}:{f.line}: {f.message}" for f in findings if f.code == "SP900"]


def parse_problems(result: RunResult, kind: str) -> list[Finding]:
    return [f for f in result.findings if f.code == PARSE_ERROR[kind]]


# -- damaging bytes --------------------------------------------------------------------------

# (operation, where in the file as a fraction of its length, payload)
Mutation = tuple[str, float, str]
OPERATIONS = (
    "flip",  # xor one byte
    "truncate",  # cut the file there
    "duplicate_line",
    "delete_line",
    "swap_lines",
    "insert",  # insert the payload (text)
    "insert_nul",
    "crlf",  # turn some line ends into CRLF (or lone CR)
    "bom",  # a UTF-8 BOM in front
    "utf16",  # the whole file as UTF-16 with its BOM
    "latin1",  # a non-UTF-8 byte
)
PUNCTUATION = ("{", "}", "[", "]", "(", ")", '"', "'", "`", ";", ":", "#", "\\", "\n", "\t", "- ")


def _line_bounds(data: bytes, at: int) -> tuple[int, int]:
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    return start, (len(data) if end < 0 else end + 1)


def mutate(data: bytes, mutations: Sequence[Mutation]) -> bytes:
    """Apply each mutation in turn (deterministic, so hypothesis can shrink them)."""
    for operation, fraction, payload in mutations:
        at = min(len(data), int(fraction * len(data)))
        if operation == "flip" and data:
            index = min(at, len(data) - 1)
            mask = (ord(payload[:1] or "x") | 1) & 0xFF
            data = data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]
        elif operation == "truncate":
            data = data[:at]
        elif operation == "duplicate_line" and data:
            start, end = _line_bounds(data, min(at, len(data) - 1))
            data = data[:end] + data[start:end] + data[end:]
        elif operation == "delete_line" and data:
            start, end = _line_bounds(data, min(at, len(data) - 1))
            data = data[:start] + data[end:]
        elif operation == "swap_lines" and data:
            start, end = _line_bounds(data, min(at, len(data) - 1))
            if end < len(data):
                _, after = _line_bounds(data, end)
                data = data[:start] + data[end:after] + data[start:end] + data[after:]
        elif operation == "insert":
            data = data[:at] + payload.encode("utf-8", "surrogatepass") + data[at:]
        elif operation == "insert_nul":
            data = data[:at] + b"\x00" + data[at:]
        elif operation == "crlf":
            step = 1 + (ord(payload[:1] or "a") % 3)
            lines = data.split(b"\n")
            ending = b"\r" if payload[:1] == "\r" else b"\r\n"
            data = (
                b"".join(
                    line + (ending if i % step == 0 else b"\n") for i, line in enumerate(lines[:-1])
                )
                + lines[-1]
            )
        elif operation == "bom" and not data.startswith(codecs.BOM_UTF8):
            data = codecs.BOM_UTF8 + data
        elif operation == "utf16":
            with contextlib.suppress(UnicodeDecodeError):
                data = data.decode("utf-8").encode("utf-16")
        elif operation == "latin1":
            data = data[:at] + b"\xe9" + data[at:]
    return data
