"""A systemd service unit (``*.service``) that starts an app server: its ``ExecStart=`` lines
read as launch lines, with the unit's ``Environment=`` and ``WorkingDirectory=``.

A unit names the paths of the machine it is installed on (``/opt/app/gunicorn.conf.py``).
A path under ``WorkingDirectory`` (or a relative one) is looked up in the folder of the tree
the unit is in and in the folders above it, up to the tree's root: a unit kept in
``deploy/`` of a repository checked out as that working folder. A path found nowhere is not
in the tree, and what it would say stays unknown.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linter.server import dotenv
from linter.server.commands import launch_from_words
from linter.server.model import Launch, Place, unknown_unless_on_command_line
from linter.server.shell import split_commands, split_words

if TYPE_CHECKING:
    from linter.server.images import Env
    from linter.server.launches import Reader

_SECTION = re.compile(r"^[ \t]*\[([^\]\r\n]+)\][ \t]*$")
_KEY = re.compile(r"^[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*")
# ExecStart's prefixes: `-` (failure ignored), `@`, `:`, `+`, `!`, `!!`.
_PREFIXES = "-@:+!|"


@dataclass
class _Entry:
    key: str
    start: int  # offset of the value in the text
    end: int  # end of the value (continuation lines included)
    line: int


def service_entries(text: str) -> list[_Entry]:
    """The ``key=value`` entries of the ``[Service]`` section, a value running on over the
    lines its trailing backslashes continue."""
    entries: list[_Entry] = []
    section = ""
    lines = text.splitlines(keepends=True)
    offset = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        body = line.rstrip("\r\n")
        heading = _SECTION.match(body)
        start_offset = offset
        offset += len(line)
        index += 1
        if heading is not None:
            section = heading.group(1).strip()
            continue
        if section != "Service" or body.lstrip().startswith(("#", ";")):
            continue
        match = _KEY.match(body)
        if match is None:
            continue
        end = start_offset + len(body)
        while body.endswith("\\") and index < len(lines):
            body = lines[index].rstrip("\r\n")
            end = offset + len(body)
            offset += len(lines[index])
            index += 1
        entries.append(
            _Entry(
                match.group(1),
                start_offset + match.end(),
                end,
                text.count("\n", 0, start_offset) + 1,
            )
        )
    return entries


def read(reader: Reader, path: str) -> list[Launch]:
    source = reader.document.sources[path]
    text = source.text
    shown = reader.display(path)
    entries = service_entries(text)
    workdir: str | None = None
    env: Env = {}
    files: list[_Entry] = []
    for entry in entries:
        value = text[entry.start : entry.end]
        if entry.key == "WorkingDirectory":
            workdir = value.strip().lstrip("-") or None
        elif entry.key == "Environment":
            for word in split_words(value.replace("\\\n", " ")) or []:
                name, equals, setting = word.partition("=")
                if equals and name.isidentifier():
                    at = text.find(word, entry.start, entry.end)
                    place = (
                        Place(path, at + len(name) + 1, at + len(word))
                        if at >= 0
                        else Place(path, entry.start, entry.end)
                    )
                    env[name] = (
                        setting,
                        place,
                        f"Environment= at {shown}:{entry.line}",
                    )
        elif entry.key == "EnvironmentFile":
            files.append(entry)
    folders = _tree_folders(reader, os.path.dirname(path))

    def resolve(wanted: str) -> str | None:
        if not wanted or "\0" in wanted:
            return None
        relative = wanted
        if workdir is None and not wanted.startswith("/"):
            return None  # (no WorkingDirectory: a relative path is under `/`, not the tree)
        if wanted.startswith("/"):
            base = posixpath.normpath(workdir) if workdir and workdir.startswith("/") else None
            if base is None or not (wanted == base or wanted.startswith(base.rstrip("/") + "/")):
                return None
            relative = wanted[len(base) :].lstrip("/") or "."
        for folder in folders:
            candidate = os.path.normpath(os.path.join(folder, relative))
            if reader.workspace.inside(candidate) and os.path.exists(candidate):
                return candidate
        return None

    unread: list[tuple[str, _Entry]] = []
    for entry in files:  # (systemd: a file's variables win over Environment=)
        written = text[entry.start : entry.end].strip().lstrip("-")
        local = resolve(written)
        found = reader.source(local) if local is not None else None
        if found is None:  # (a `-` file may be missing, or on the machine: unknown)
            unread.append((written, entry))
            continue
        shown_file = reader.display(found.path)
        for variable in dotenv.parse(found.path, found.text).values():
            if variable.value is not None:
                env[variable.name] = (
                    variable.value,
                    Place(found.path, variable.start, variable.end),
                    f"EnvironmentFile {shown_file}:{variable.line}",
                )
    plain = {name: value for name, (value, _, _) in env.items()}
    launches: list[Launch] = []
    for entry in entries:
        if entry.key != "ExecStart":
            continue
        start = entry.start
        while start < entry.end and text[start] in _PREFIXES:
            start += 1
        context = reader._context(
            path, f"systemd unit ExecStart ({shown}:{entry.line})", env, folders, resolve
        )
        for command in split_commands(text, start, entry.end, plain):
            launches.extend(launch_from_words(command, context))
    for written, entry in unread[:1]:
        where = f"EnvironmentFile {written} ({shown}:{entry.line}), not in the tree"
        for launch in launches:
            unknown_unless_on_command_line(launch, f"may be set by {where}", f"{where},")
    return launches


def _tree_folders(reader: Reader, folder: str) -> tuple[str, ...]:
    """The unit's folder and the folders above it, up to the tree's root."""
    found = []
    while reader.workspace.inside(folder):
        found.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return tuple(found)
