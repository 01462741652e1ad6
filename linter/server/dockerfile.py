"""Dockerfiles read into instructions and stages that keep every offset.

Our own reader rather than ``dockerfile-parse`` (2.0.1, the current release): that package
gives each instruction's start and end *line* only, joins continuation lines into one value
with the backslashes removed (so a word's column is lost), and substitutes variables from the
build environment. Findings here need the exact column of ``-k sync`` inside a continued
``CMD``, so instructions are read from the text with their offsets, and the arguments are
split by ``linter.server.shell`` (shell form) or a JSON string-array reader (exec form).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from linter.server.shell import Word, split_commands

_DIRECTIVE = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")
_INSTRUCTION = re.compile(r"[ \t]*([A-Za-z]+)(?=[ \t\r\n]|$)")
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    start: int  # the keyword
    args_start: int
    args_end: int  # the end of the last continuation line (no newline)
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    text: str
    escape: str = "\\"
    stages: list[Stage] = field(default_factory=list)


def parse(text: str) -> Dockerfile:
    dockerfile = Dockerfile(text)
    lines = text.splitlines(keepends=True)
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    index = 0
    # Parser directives: comments at the very top, before anything else.
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index].strip())
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            dockerfile.escape = match.group(2)
        index += 1
    stage: Stage | None = None
    while index < len(lines):
        raw = lines[index]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        match = _INSTRUCTION.match(raw)
        if match is None:
            index += 1
            continue
        start = offsets[index] + match.start(1)
        args_start = offsets[index] + match.end(1)
        first_line = index
        # Continuation: a line ending in the escape character goes on; comment and empty lines
        # inside are skipped (Docker's rule).
        while index < len(lines):
            body = lines[index].rstrip("\r\n")
            if index > first_line and (not body.strip() or body.lstrip().startswith("#")):
                index += 1
                continue
            if body.rstrip(" \t").endswith(dockerfile.escape) and index + 1 < len(lines):
                index += 1
                continue
            break
        last = min(index, len(lines) - 1)
        args_end = offsets[last] + len(lines[last].rstrip("\r\n"))
        index += 1
        keyword = match.group(1).upper()
        heredoc = (
            _HEREDOC.search(text, args_start, args_end)
            if keyword in ("RUN", "COPY", "ADD")
            else None
        )
        if heredoc is not None:
            marker = heredoc.group(1)
            while index < len(lines) and lines[index].strip() != marker:
                index += 1
            index += 1
        instruction = Instruction(keyword, start, args_start, args_end, first_line + 1)
        if keyword == "FROM":
            words = [w.text for c in split_commands(text, args_start, args_end) for w in c]
            words = [w for w in words if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stage = Stage(words[0] if words else "", name)
            dockerfile.stages.append(stage)
        elif stage is None:
            stage = Stage("", None)  # instructions before any FROM (ARG): a stage of their own
            dockerfile.stages.append(stage)
        stage.instructions.append(instruction)
    return dockerfile


def exec_form(text: str, start: int, end: int) -> list[Word] | None:
    """The words of a JSON string array (``["gunicorn", "app:app"]``), each spanning its
    quoted string; None when the arguments are not one (then they are shell form)."""
    body = text[start:end]
    stripped = body.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return None
    cleaned = re.sub(r"\\[ \t]*\r?\n", lambda m: " " * len(m.group()), body)
    try:
        values = json.loads(cleaned)
    except ValueError:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    words = []
    index = cleaned.index("[")
    for value in values:
        open_quote = cleaned.index('"', index)
        position = open_quote + 1
        while cleaned[position] != '"':
            position += 2 if cleaned[position] == "\\" else 1
        words.append(Word(value, start + open_quote, start + position + 1))
        index = position + 1
    return words


def env_pairs(text: str, instruction: Instruction, env: dict[str, str]) -> list[tuple[str, Word]]:
    """``ENV``/``ARG`` pairs: (name, value word). ``ENV A=1 B="x y"`` and the old ``ENV A 1 2``."""
    commands = split_commands(text, instruction.args_start, instruction.args_end, env)
    words = [word for command in commands for word in command]
    if not words:
        return []
    pairs: list[tuple[str, Word]] = []
    if "=" not in text[words[0].start : words[0].end]:
        if instruction.keyword == "ARG":
            return []
        # The old form: the rest of the line is the value.
        rest_start = words[1].start if len(words) > 1 else instruction.args_end
        value = text[rest_start : instruction.args_end].strip()
        return [(words[0].text, Word(value, rest_start, rest_start + len(value)))]
    for word in words:
        raw = text[word.start : word.end]
        if "=" not in raw:
            continue
        name, _ = raw.split("=", 1)
        value = word.text[len(name) + 1 :] if word.text.startswith(name + "=") else word.text
        pairs.append(
            (name, Word(value, word.start + len(name) + 1, word.end, word.known, word.note))
        )
    return pairs
