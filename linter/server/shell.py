"""Shell command lines read as words that keep their place in the file.

Enough of POSIX shell for launch lines (Dockerfile shell form, compose ``command:`` strings,
Procfiles, entry scripts): quotes, backslashes, line continuations, ``$VAR``/``${VAR}`` and
``${VAR:-default}``, and the operators that separate commands. Nothing is run: a ``$(...)``
or a variable nobody sets makes its word unknown, and a rule never judges an unknown word.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("&&", "||", ";;", ";", "&", "|", "(", ")")
_WORD_ENDS = frozenset(" \t\r\n") | {op[0] for op in _OPERATORS}


@dataclass(frozen=True)
class Word:
    """One word of a command: its value after quotes and expansions, where it is in the file
    (``start``..``end``, offsets of the source text), and whether the value is known."""

    text: str
    start: int
    end: int
    known: bool = True
    # Where a ${VAR:-default} default or an environment value came from, for messages.
    note: str = ""


def _expand(
    text: str, index: int, env: Mapping[str, str], notes: list[str]
) -> tuple[str | None, int]:
    """The value of the expansion at ``text[index] == "$"`` and the index after it; None when
    the value is not known."""
    following = text[index + 1 : index + 2]
    if following == "{":
        close = text.find("}", index + 2)
        if close < 0:
            return None, len(text)
        inner = text[index + 2 : close]
        match = _NAME.match(inner)
        if match is None:
            return None, close + 1
        name, rest = match.group(), inner[match.end() :]
        if rest.startswith((":-", "-", ":=", "=")):
            default = rest[2:] if rest.startswith((":-", ":=")) else rest[1:]
            if name in env:
                notes.append(f"${name} is {env[name]!r}")
                return env[name], close + 1
            notes.append(f"the default of ${{{name}{rest[: len(rest) - len(default)]}...}}")
            return default, close + 1
        if rest:
            return None, close + 1
        return (env[name], close + 1) if name in env else (None, close + 1)
    if following == "(":
        depth, position = 0, index + 1
        while position < len(text):
            if text[position] == "(":
                depth += 1
            elif text[position] == ")":
                depth -= 1
                if depth == 0:
                    return None, position + 1
            position += 1
        return None, len(text)
    match = _NAME.match(text, index + 1)
    if match is None:
        if following and following in "@*#?$!0123456789-":
            return None, index + 2
        return "$", index + 1
    name = match.group()
    return (env[name], match.end()) if name in env else (None, match.end())


def split_commands(
    text: str,
    start: int = 0,
    end: int | None = None,
    env: Mapping[str, str] | None = None,
    *,
    newline_ends_command: bool = True,
) -> list[list[Word]]:
    """The simple commands in ``text[start:end]``, each a list of words (offsets into
    ``text``). Operators (``&&``, ``;``, ``|``, newlines) end a command; comments are dropped.
    Without ``newline_ends_command`` a newline is blank space (a compose ``command:`` string
    is split into words, not run by a shell)."""
    env = env or {}
    end = len(text) if end is None else end
    commands: list[list[Word]] = []
    current: list[Word] = []
    index = start
    while index < end:
        char = text[index]
        if char == "\\" and text.startswith("\n", index + 1):
            index += 2
            continue
        if char == "\\" and text.startswith("\r\n", index + 1):
            index += 3
            continue
        if char in " \t\r":
            index += 1
            continue
        if char == "\n" and not newline_ends_command:
            index += 1
            continue
        if char == "\n":
            if current:
                commands.append(current)
                current = []
            index += 1
            continue
        if char == "#":
            newline = text.find("\n", index, end)
            index = end if newline < 0 else newline
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, index)), None)
        if operator is not None:
            if current:
                commands.append(current)
                current = []
            index += len(operator)
            continue
        word, index = _word(text, index, end, env)
        current.append(word)
    if current:
        commands.append(current)
    return commands


def _word(text: str, index: int, end: int, env: Mapping[str, str]) -> tuple[Word, int]:
    start = index
    value: list[str] = []
    known = True
    notes: list[str] = []
    while index < end:
        char = text[index]
        # Blank space, or the first character of an operator: each one is an operator of
        # its own (";", "&", "|", "(", ")"), so the character alone says (a test of every
        # operator at every character took most of the time launch files cost).
        if char in _WORD_ENDS:
            break
        if char == "\\":
            if text.startswith("\n", index + 1):
                index += 2
                continue
            value.append(text[index + 1 : index + 2])
            index += 2
        elif char == "'":
            close = text.find("'", index + 1, end)
            close = end if close < 0 else close
            value.append(text[index + 1 : close])
            index = close + 1
        elif char == '"':
            index += 1
            while index < end and text[index] != '"':
                if text[index] == "\\" and index + 1 < end and text[index + 1] in '"\\$`\n':
                    if text[index + 1] != "\n":
                        value.append(text[index + 1])
                    index += 2
                elif text[index] == "$":
                    expanded, index = _expand(text, index, env, notes)
                    if expanded is None:
                        known = False
                    else:
                        value.append(expanded)
                elif text[index] == "`":
                    known = False
                    close = text.find("`", index + 1, end)
                    index = end if close < 0 else close + 1
                else:
                    value.append(text[index])
                    index += 1
            index += 1
        elif char == "$":
            expanded, index = _expand(text, index, env, notes)
            if expanded is None:
                known = False
            else:
                value.append(expanded)
        elif char == "`":
            known = False
            close = text.find("`", index + 1, end)
            index = end if close < 0 else close + 1
        else:
            value.append(char)
            index += 1
    index = min(index, end)
    return Word("".join(value), start, index, known, "; ".join(notes)), index


def split_words(text: str, env: Mapping[str, str] | None = None) -> list[str] | None:
    """A value such as GUNICORN_CMD_ARGS split as a shell would; None when any word is
    unknown."""
    words = [word for command in split_commands(text, env=env) for word in command]
    if not all(word.known for word in words):
        return None
    return [word.text for word in words]


# The script's own path (`$0`, `${BASH_SOURCE[0]}`), possibly made absolute first
# (`$(realpath "$0")`, `$(readlink -f "$0")`), and the folder `dirname` gives of it.
_SELF = r"\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)"
_DIRNAME = (
    rf'\$\(\s*dirname\s+"?(?:{_SELF}|\$\(\s*(?:realpath|readlink\s+-f)\s+"?{_SELF}"?\s*\))"?\s*\)'
)
_SCRIPT_FOLDER = re.compile(
    rf'"?(?:{_DIRNAME}|\$\(\s*cd\s+"?{_DIRNAME}(?P<rest>/[^"\s$`()]*)?"?\s*(?:&&|;)\s*'
    rf'pwd(?:\s+-P)?\s*\))"?'
)


def script_folder(raw: str, folder: str) -> str | None:
    """The folder the usual idioms for "where this script is" give (``$(dirname "$0")``,
    ``$(cd "$(dirname "$0")/.." && pwd)``), as a folder of the tree (``folder``: the
    script's); None for anything else."""
    match = _SCRIPT_FOLDER.fullmatch(raw.strip())
    if match is None:
        return None
    rest = match.group("rest") or ""
    return os.path.normpath(folder + rest) if rest else folder
