"""The rules' fixtures: where they are and what they say about themselves.

Layout, one folder per rule, ``fixtures/<kind>/<CODE>/``:

- ``bad_<what>.<ext>`` must fire; ``good_<what>.<ext>`` must not. A folder ``bad_<what>/`` or
  ``good_<what>/`` is a multi-file case (includes), linted as a whole.
- ``# expect: CODE[, CODE]`` at the end of a line: findings of those codes start on that line.
  The harness compares exactly, for the folder's code and every code an expect comment names.
- ``<name>.fixed.<ext>`` beside a bad fixture is the file after ``--fix`` with only the folder's
  code selected (and ``--unsafe-fixes`` when the rule's fix is unsafe).
- ``# settings: {json}`` on any line passes settings (the config keys, e.g.
  ``{"nginx-version": "1.29.7", "rules": {"NGX001": {"min-read-timeout": "600s"}}}``).

The same files give ``streamproof rule CODE`` its "Example" and "Use instead".
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
SETTINGS = re.compile(r"#\s*settings:\s*(?P<json>\{.*\})\s*$", re.MULTILINE)
FIXED_MARK = ".fixed"


def fixtures_root() -> Path:
    """The fixtures folder, in a checkout or in an installed package."""
    here = Path(__file__).resolve().parent.parent / "fixtures"
    if here.is_dir():
        return here
    try:
        import fixtures as package  # the installed data package

        return Path(next(iter(package.__path__)))
    except (ImportError, StopIteration):
        return here


@dataclass(frozen=True)
class Fixture:
    code: str
    kind: str
    path: Path  # a file, or a folder of files
    fires: bool

    @property
    def name(self) -> str:
        return self.path.name

    def files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*") if p.is_file() and not is_fixed_output(p))

    def fixed_output(self, file: Path) -> Path | None:
        candidate = fixed_name(file)
        return candidate if candidate.exists() else None

    def expectations(self) -> set[tuple[str, str, int]]:
        """(relative file, code, line) for every expect comment."""
        found = set()
        base = self.path if self.path.is_dir() else self.path.parent
        for file in self.files():
            text = file.read_bytes().decode("utf-8", "replace")
            for number, line in enumerate(text.splitlines(), start=1):
                for match in EXPECT.finditer(line):
                    for code in re.split(r"\s*,\s*", match.group("codes")):
                        found.add((str(file.relative_to(base)), code, number))
        return found

    def settings(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for file in self.files():
            text = file.read_bytes().decode("utf-8", "replace")
            for match in SETTINGS.finditer(text):
                merged.update(json.loads(match.group("json")))
        return merged


def is_fixed_output(path: Path) -> bool:
    return FIXED_MARK + "." in path.name or path.name.endswith(FIXED_MARK)


def fixed_name(file: Path) -> Path:
    stem, dot, ext = file.name.partition(".")
    return file.with_name(f"{stem}{FIXED_MARK}{dot}{ext}" if dot else f"{stem}{FIXED_MARK}")


def fixtures_for(kind: str, code: str) -> list[Fixture]:
    folder = fixtures_root() / kind / code
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if is_fixed_output(entry) or entry.name.startswith("."):
            continue
        if entry.name.startswith("bad"):
            found.append(Fixture(code, kind, entry, True))
        elif entry.name.startswith("good"):
            found.append(Fixture(code, kind, entry, False))
    return found


def all_fixtures() -> list[Fixture]:
    root = fixtures_root()
    found: list[Fixture] = []
    if not root.is_dir():
        return found
    for kind_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for code_dir in sorted(p for p in kind_dir.iterdir() if p.is_dir()):
            found.extend(fixtures_for(kind_dir.name, code_dir.name))
    return found


def strip_expectations(text: str) -> str:
    """The fixture's text as a reader should see it: no expect or settings comments."""
    out = []
    for line in text.splitlines(keepends=True):
        stripped = EXPECT.sub("", line)
        stripped = SETTINGS.sub("", stripped)
        if stripped.strip() == "" and line.strip() != "":
            continue
        ending = "\n" if line.endswith("\n") else ""
        out.append(stripped.rstrip() + ending if stripped != line else line)
    return "".join(out)


def example_pair(kind: str, code: str) -> tuple[str | None, str | None, str]:
    """(example, use-instead, language) for a rule's documentation."""
    fixtures = [f for f in fixtures_for(kind, code) if f.path.is_file()]
    bad = next((f for f in fixtures if f.fires), None)
    good = next((f for f in fixtures if not f.fires), None)
    example = instead = None
    if bad is not None:
        example = strip_expectations(bad.path.read_text(encoding="utf-8", errors="replace"))
        fixed = bad.fixed_output(bad.path)
        if fixed is not None:
            instead = strip_expectations(fixed.read_text(encoding="utf-8", errors="replace"))
    if instead is None and good is not None:
        instead = strip_expectations(good.path.read_text(encoding="utf-8", errors="replace"))
    language = {"nginx": "nginx", "litellm": "yaml", "python": "python", "k8s": "yaml"}.get(
        kind, ""
    )
    return example, instead, language


def relative(path: Path) -> str:
    return os.path.relpath(path, fixtures_root())
