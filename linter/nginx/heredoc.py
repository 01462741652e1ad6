"""An NGINX config that a shell script writes with a here-document (``cat <<EOF >
/etc/nginx/nginx.conf``), read as an NGINX document of the script itself, masked as
``linter.configmap`` does for a ConfigMap: every character outside the here-document's body
becomes a space (line breaks kept), so the config keeps its exact offsets, lines and columns
in the script, findings land on the script's lines and fixes apply there.

Read only where the body is the config byte for byte, or differs only where the shell fills
in a variable: a quoted delimiter (``<<'EOF'``) writes the body as it is; an unquoted one
expands ``$NAME`` and ``${NAME}`` (``${NAME}`` is a template placeholder to the NGINX reader,
``$NAME`` a variable: both unknown values, never defaults), and a body with a command
substitution or a backslash the shell removes (``$(...)``, a backtick, ``\\$``) is not read.
One config per script: a script writing two would read as one file, so it is not read.
"""

from __future__ import annotations

import functools
import re

# The shells' script suffixes read here.
SHELL_SUFFIXES = (".sh", ".bash")
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
# A here-document operator and its delimiter, quoted or not (group 1: `-`, 2: the quote).
_OPERATOR = functools.cache(
    lambda: re.compile(r"(?<!<)<<(?!<)(-?)[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
)
# Where the body goes: `> path`, `>> path`, or `tee [-a] path`.
_TARGET = functools.cache(
    lambda: re.compile(r"(?:>>?|\btee(?:[ \t]+-a)?)[ \t]*['\"]?([^\s'\";|&<>]+)")
)
# A file NGINX reads: under an nginx folder, a `.conf` (or its envsubst template).
_NGINX_PATH = functools.cache(
    lambda: re.compile(
        r"nginx[^\s]*(?:\.conf(?:\.template)?|/(?:sites-available|sites-enabled|conf\.d)/[^\s/]+)$"
    )
)
# What an unquoted here-document changes in ways the offsets cannot follow.
_UNFOLLOWED = functools.cache(lambda: re.compile(r"\$\(|`|\\[$`\\\r\n]"))
_CHEAP = functools.cache(lambda: re.compile(rb"(?<!<)<<(?!<)-?[ \t]*['\"]?[A-Za-z_]"))


def is_shell(path: str) -> bool:
    return path.lower().endswith(SHELL_SUFFIXES)


def may_hold(data: bytes) -> bool:
    """A byte search: a here-document in a script that names nginx."""
    return b"nginx" in data and _CHEAP().search(data) is not None


def _writes_nginx(line: str, operator: re.Match[str]) -> bool:
    """The command on ``line`` writes its here-document to an NGINX config file."""
    if re.search(r"(?:^|[\s;&|(])(?:cat|tee)(?:[\s;&|)]|$)", line) is None:
        return False
    rest = line[: operator.start()] + " " + line[operator.end() :]
    targets = [m.group(1) for m in _TARGET().finditer(rest)]
    return any(_NGINX_PATH().search(t) for t in targets if t != "/dev/null")


def body(text: str) -> tuple[int, int] | None:
    """(start, end) of the one here-document body of ``text`` written to an NGINX config and
    read exactly (see the module's note); None when there is none, or more than one."""
    found: list[tuple[int, int]] = []
    position = 0
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        line_start = position
        position += len(line)
        index += 1
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        operator = _OPERATOR().search(line)
        if operator is None:
            continue
        tabs, quoted, delimiter = (
            operator.group(1) == "-",
            bool(operator.group(2)),
            operator.group(3),
        )
        start = position
        end = None
        while index < len(lines):
            candidate = lines[index].rstrip("\r\n")
            if (candidate.lstrip("\t") if tabs else candidate) == delimiter:
                end = position
                position += len(lines[index])
                index += 1
                break
            position += len(lines[index])
            index += 1
        if end is None:
            return None  # an unterminated here-document: the shell reads to the end
        if not _writes_nginx(text[line_start : line_start + len(line)], operator):
            continue
        if tabs and re.search(r"(?m)^\t", text[start:end]) is not None:
            return None  # `<<-` strips the leading tabs from what it writes
        if not quoted and _UNFOLLOWED().search(text, start, end) is not None:
            return None
        found.append((start, end))
    return found[0] if len(found) == 1 else None


def mask(text: str) -> str | None:
    """The script with everything but the config's body blanked (None: no config read)."""
    span = body(text)
    if span is None:
        return None
    start, end = span

    def blank(part: str) -> str:
        return "".join(c if c in "\r\n" else " " for c in part)

    return blank(text[:start]) + text[start:end] + blank(text[end:])
