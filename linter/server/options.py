"""A server's command-line words read as options: ``--opt value``, ``--opt=value`` and ``-w4``,
each value keeping its place in the file."""

from __future__ import annotations

from collections.abc import Mapping

from linter.server.model import Launch, Place, Setting
from linter.server.shell import Word


def quoting(word: Word, source: str) -> int | None:
    """How many quote characters surround the word's text in the file (0 or 1), or None when
    its text is not a plain slice of the file (escapes, expansions: no finer place)."""
    if word.start < 0:
        return None
    raw = source[word.start : word.end]
    if raw == word.text:
        return 0
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == word.text:
        return 1
    return None


def read_options(
    words: list[Word], values: Mapping[str, str], flags: frozenset[str], source: str = ""
) -> tuple[list[tuple[str, Word, Word]], list[Word]]:
    """(setting, option word, value word) for each known option, and the positional words.
    ``--opt=value`` and gunicorn's ``-w4`` are split; unknown options are skipped with their
    value."""
    settings: list[tuple[str, Word, Word]] = []
    positional: list[Word] = []
    index = 0
    while index < len(words):
        word = words[index]
        text = word.text
        if text == "--":
            positional.extend(words[index + 1 :])
            break
        if not text.startswith("-") or text == "-":
            positional.append(word)
            index += 1
            continue
        if text.startswith("--") and "=" in text:
            name, value = text.split("=", 1)
            if name in values:
                inner = quoting(word, source)
                value_word = (
                    Word(value, word.start + inner + len(name) + 1, word.end - inner, word.known)
                    if inner is not None
                    else Word(value, word.start, word.end, word.known)
                )
                settings.append((values[name], word, value_word))
            index += 1
            continue
        if text in flags:
            index += 1
            continue
        if not text.startswith("--") and len(text) > 2 and text[:2] in values:
            value = text[2:]
            inner = quoting(word, source)
            start, end = (
                (word.start + inner + 2, word.end - inner)
                if inner is not None
                else (word.start, word.end)
            )
            settings.append((values[text[:2]], word, Word(value, start, end, word.known)))
            index += 1
            continue
        if index + 1 < len(words):
            if text in values:
                settings.append((values[text], word, words[index + 1]))
            index += 2
            continue
        index += 1
    return settings, positional


def port_of(bind: str) -> str | None:
    if bind.startswith(("unix:", "fd://")):
        return None
    tail = bind.rsplit(":", 1)[-1] if ":" in bind else ""
    return tail if tail.isdigit() else None


def set_setting(launch: Launch, name: str, option: Word, value: Word, path: str, how: str) -> None:
    if name == "bind":
        port = port_of(value.text) if value.known else None
        if port is not None:
            launch.settings["port"] = Setting(port, Place(path, value.start, value.end), how)
        return
    note = f" ({value.note})" if value.note else ""
    launch.settings[name] = Setting(
        value.text if value.known else None,
        Place(path, value.start, value.end),
        f"`{option.text}{'' if '=' in option.text else ' ' + value.text}`{how}{note}",
    )
