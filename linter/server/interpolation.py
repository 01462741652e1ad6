"""docker compose's interpolation of ``$VAR`` and ``${VAR...}`` in a compose file's values.

Compose takes a variable from the shell, then from the ``.env`` file of the project folder
(``--env-file`` replaces it). The shell is not known here: a variable the repository's
``.env`` sets has that value (said where), one it does not set leaves the value unknown unless
the expression gives one (``${VAR:-default}``, ``${VAR-default}``, ``${VAR:+x}``), and
``$$`` is a literal ``$``. Forms: ``:-``/``-`` default, ``:?``/``?`` required, ``:+``/``+``
alternative, nested in the default (compose's own list).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from linter.server.dotenv import Variable

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NONE: Mapping[str, Variable] = {}


def interpolate(
    text: str, variables: Mapping[str, Variable] = NONE, used: list[Variable] | None = None
) -> str | None:
    """``text`` with every expression replaced; None when one has no known value. The
    variables whose values were taken are added to ``used``."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$":
            out.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following == "$":
            out.append("$")
            index += 2
            continue
        if following == "{":
            close = _closing_brace(text, index + 2)
            if close < 0:
                return None
            value = _braced(text[index + 2 : close], variables, used)
            if value is None:
                return None
            out.append(value)
            index = close + 1
            continue
        match = _NAME.match(text, index + 1)
        if match is None:
            out.append("$")  # not a variable: kept as written
            index += 1
            continue
        value = _lookup(match.group(), variables, used)
        if value is None:
            return None
        out.append(value)
        index = match.end()
    return "".join(out)


def _closing_brace(text: str, index: int) -> int:
    depth = 1
    while index < len(text):
        if text.startswith("${", index):
            depth += 1
            index += 2
            continue
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _lookup(
    name: str, variables: Mapping[str, Variable], used: list[Variable] | None
) -> str | None:
    variable = variables.get(name)
    if variable is None or variable.value is None:
        return None
    if used is not None:
        used.append(variable)
    return variable.value


def _braced(
    inner: str, variables: Mapping[str, Variable], used: list[Variable] | None
) -> str | None:
    match = _NAME.match(inner)
    if match is None:
        return None
    name, rest = match.group(), inner[match.end() :]
    if not rest:
        return _lookup(name, variables, used)
    operator = next((op for op in (":-", ":?", ":+", "-", "?", "+") if rest.startswith(op)), None)
    if operator is None:
        return None  # ${VAR/x/y} and other shell forms: compose refuses them
    argument = rest[len(operator) :]
    variable = variables.get(name)
    if variable is not None and variable.value is None:
        return None  # set, to a value not known here
    is_set = variable is not None
    non_empty = is_set and bool(variable.value if variable is not None else "")
    chosen = non_empty if operator.startswith(":") else is_set
    kind = operator[-1]
    if kind == "-":
        if chosen:
            return _lookup(name, variables, used)
        return interpolate(argument, variables, used)
    if kind == "+":
        return interpolate(argument, variables, used) if chosen else ""
    # "?": required. Unset here may still be set in the shell: the value is then unknown.
    return _lookup(name, variables, used) if chosen else None
