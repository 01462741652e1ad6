"""Helm templates read without Helm: each ``{{ ... }}`` action is blanked so the rest parses
as YAML at the same offsets, and the actions that produce values are resolved against the
chart's ``values.yaml``.

- An action alone on its line (``{{- if ... }}``, ``{{- toYaml . | nindent 4 }}``) becomes a
  YAML comment of the same length; one inside a line becomes a plain word of ``x`` of the same
  length, so a scalar holding it keeps its place.
- ``.Values.a.b`` (also ``$.Values``, ``.`` and ``.a`` inside ``with .Values.x``, and
  ``$var := ...`` variables) resolves to the node of ``values.yaml`` it names; a missing key
  with ``default "x"`` to that literal; anything else (``include``, ``range`` items, functions
  we do not model) is unknown. Unknown is never read as the default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_OPENERS = ("if", "with", "range", "define", "block")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')


@dataclass(frozen=True)
class Resolved:
    """What an action's pipeline gives: a path into the values (``values``), a literal, the
    chart's resource name (``include "x.fullname"``), or nothing we know (all None)."""

    values: tuple[str, ...] | None = None
    literal: str | None = None
    default: str | None = None  # `| default "x"`: used when the values path is missing
    chart_name: bool = False
    # `toYaml`: the action writes a whole subtree (annotations from values.yaml).
    to_yaml: bool = False

    @property
    def unknown(self) -> bool:
        return self.values is None and self.literal is None and not self.chart_name


UNKNOWN = Resolved()


@dataclass(frozen=True)
class Action:
    start: int
    end: int
    expression: str
    inline: bool
    line: int  # 0-based line of its start
    resolved: Resolved


@dataclass(frozen=True)
class Block:
    """An ``if``/``with`` block: where it runs (from its opening action to its ``end``), what
    its condition resolves to, and where its ``else`` branch starts (-1: none)."""

    keyword: str
    start: int
    end: int
    condition: Resolved
    negated: bool = False
    else_start: int = -1


@dataclass
class Rendered:
    text: str  # the template with every action blanked (same length, same line breaks)
    actions: list[Action] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    # `range $k, $v := .Values.x` blocks whose body writes one `{{ $k }}: {{ $v }}` line: they
    # write the map as `toYaml` would (their opening action resolves so); (start, end).
    map_ranges: list[tuple[int, int]] = field(default_factory=list)

    def in_map_range(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.map_ranges)

    def enclosing(self, offset: int) -> list[Block]:
        """The ``if``/``with`` blocks ``offset`` lies in, outermost first."""
        return [b for b in self.blocks if b.start <= offset < b.end]

    def actions_in(self, start: int, end: int) -> list[Action]:
        return [a for a in self.actions if start <= a.start and a.end <= end]

    def line_actions(self, first_line: int, last_line: int) -> list[Action]:
        return [a for a in self.actions if not a.inline and first_line <= a.line <= last_line]


def is_template(text: str) -> bool:
    return "{{" in text


def render(text: str, defines: dict[str, str] | None = None) -> Rendered:
    """Blank the actions of ``text`` and resolve what they refer to. ``defines``: the chart's
    named templates (``{{ define "x" }}...{{ end }}``, from ``_helpers.tpl``), so that an
    ``include "x" .`` whose body is one value resolves as that value does."""
    out = list(text)
    actions: list[Action] = []
    blocks: list[Block] = []
    scopes: list[Resolved | None] = []  # per open block: the `.` it sets (None: unchanged)
    # per open block: (keyword, start, condition, negated, else offset)
    opened: list[tuple[str, int, Resolved, bool, int]] = []
    named = defines or {}
    variables: dict[str, Resolved] = {}
    # open `range $k, $v := ...` blocks by start: (key var, value var, collection, action index)
    ranges: dict[int, tuple[str, str, Resolved, int]] = {}
    map_ranges: list[tuple[int, int]] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    import bisect

    for match in _ACTION.finditer(text):
        start, end = match.span()
        body = match.group(1).strip()
        body = body[1:] if body.startswith("-") else body
        body = body[:-1] if body.endswith("-") else body
        body = body.strip()
        line = bisect.bisect_right(line_starts, start) - 1
        line_start = line_starts[line]
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        rest_of_line = _ACTION.sub("", text[line_start:line_end])
        inline = bool(rest_of_line.strip())
        scope = _current_scope(scopes)
        resolved = UNKNOWN
        keyword = body.split(None, 1)[0] if body else ""
        if body.startswith("/*"):
            pass
        elif keyword == "end":
            if scopes:
                scopes.pop()
            if opened:
                kind, block_start, condition, negated, else_start = opened.pop()
                if kind in ("if", "with"):
                    blocks.append(Block(kind, block_start, end, condition, negated, else_start))
                pair_range = ranges.pop(block_start, None) if kind == "range" else None
                if (
                    pair_range is not None
                    and pair_range[2].values is not None
                    and else_start < 0
                    and _writes_pairs(text, block_start, start, pair_range[0], pair_range[1])
                ):
                    opener = actions[pair_range[3]]
                    actions[pair_range[3]] = replace(
                        opener, resolved=Resolved(values=pair_range[2].values, to_yaml=True)
                    )
                    map_ranges.append((block_start, end))
        elif keyword in _OPENERS:
            argument = body[len(keyword) :].strip()
            negated = False
            if keyword == "with":
                condition = resolve(argument, scope, variables)
                scopes.append(condition)
            elif keyword == "range":
                condition = UNKNOWN
                scopes.append(UNKNOWN)  # the item of a list: not one values node
                pair = _RANGE_PAIR.match(argument)
                if pair:
                    collection = resolve(pair.group(3), scope, variables, named)
                    ranges[start] = (pair.group(1), pair.group(2), collection, len(actions))
            else:
                condition = UNKNOWN
                if keyword == "if":
                    negated = argument.startswith("not ")
                    condition = resolve(argument[4:] if negated else argument, scope, variables)
                scopes.append(None)
            opened.append((keyword, start, condition, negated, -1))
        elif keyword == "else":
            if opened and opened[-1][4] < 0:
                kind, block_start, condition, negated, _ = opened[-1]
                # `else if` / `else with`: the rest of the block is not modelled (unknown).
                plain = body.strip() == "else"
                opened[-1] = (kind, block_start, condition if plain else UNKNOWN, negated, start)
        elif re.match(r"^\$[\w]*\s*:?=", body):
            name, _, expression = body.partition("=")
            variables[name.rstrip(":").strip()] = resolve(expression.strip(), scope, variables)
        else:
            resolved = resolve(body, scope, variables, named)
        actions.append(Action(start, end, body, inline, line, resolved))
        filler = "x" if inline else " "
        for index in range(start, end):
            if out[index] not in "\r\n":
                out[index] = filler
        if not inline:
            out[start] = "#"
    return Rendered("".join(out), actions, blocks, map_ranges)


_RANGE_PAIR = re.compile(r"^(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(.+)$", re.DOTALL)
# What may be applied to the value of a pair written as is (`$v | quote`, `tpl $v $`).
_PAIR_VALUE_WORDS = frozenset({"quote", "squote", "toString", "trim", "tpl", "$", "."})


def _writes_pairs(text: str, opener: int, closer: int, key: str, value: str) -> bool:
    """Is the body of a `range $k, $v` block (from its opening action to ``closer``) one line
    `{{ $k }}: {{ $v }}` (the value quoted or passed through `tpl` at most)?"""
    body_start = text.find("}}", opener) + 2
    lines = [line for line in text[body_start:closer].split("\n") if line.strip()]
    if len(lines) != 1:
        return False
    match = re.fullmatch(r"\s*\{\{-?\s*(\$\w+)\s*-?\}\}:\s*\{\{-?\s*(.*?)\s*-?\}\}\s*", lines[0])
    if match is None or match.group(1) != key:
        return False
    words = re.split(r"[\s|()]+", match.group(2))
    return value in words and all(w in _PAIR_VALUE_WORDS or w == value for w in words if w)


def _current_scope(scopes: list[Resolved | None]) -> Resolved:
    for scope in reversed(scopes):
        if scope is not None:
            return scope
    return Resolved(values=())


def _split_pipeline(expression: str) -> list[str]:
    parts, depth, current, index = [], 0, [], 0
    while index < len(expression):
        char = expression[index]
        quoted = _QUOTED.match(expression, index)
        if quoted:
            current.append(quoted.group(0))
            index = quoted.end()
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _words(command: str) -> list[str]:
    return [m.group(0) for m in re.finditer(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\([^)]*\)|\S+', command)]


def _literal(word: str) -> str | None:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in '"`':
        return word[1:-1]
    if re.fullmatch(r"-?\d+(?:\.\d+)?", word):
        return word
    return None


def _operand(
    word: str,
    scope: Resolved,
    variables: dict[str, Resolved],
    named: dict[str, str] | None = None,
) -> Resolved:
    word = word.strip()
    if word.startswith("(") and word.endswith(")"):
        return resolve(word[1:-1], scope, variables, named)
    literal = _literal(word)
    if literal is not None:
        return Resolved(literal=literal)
    if word in (".", "$."):
        return scope
    if word == "$":
        return Resolved(values=())  # the root context
    match = re.fullmatch(r"\$?\.Values((?:\.[\w-]+)*)", word)
    if match:
        return Resolved(values=tuple(p for p in match.group(1).split(".") if p))
    match = re.fullmatch(r"\.([\w-]+(?:\.[\w-]+)*)", word)
    if match and scope.values is not None and not word.startswith((".Release", ".Chart")):
        return Resolved(values=scope.values + tuple(match.group(1).split(".")))
    match = re.fullmatch(r"(\$\w+)((?:\.[\w-]+)*)", word)
    if match and match.group(1) in variables:
        base = variables[match.group(1)]
        if not match.group(2):
            return base
        if base.values is not None:
            return Resolved(values=base.values + tuple(match.group(2).strip(".").split(".")))
    return UNKNOWN


def resolve(
    expression: str,
    scope: Resolved,
    variables: dict[str, Resolved],
    named: dict[str, str] | None = None,
) -> Resolved:
    """What a pipeline gives, as far as values.yaml can say."""
    stages = _split_pipeline(expression)
    if not stages:
        return UNKNOWN
    result = _command(_words(stages[0]), scope, variables, None, named)
    for stage in stages[1:]:
        result = _command(_words(stage), scope, variables, result, named)
    return result


_DEFINE = re.compile(
    r"\{\{-?\s*define\s+\"([^\"]+)\"\s*-?\}\}(.*?)\{\{-?\s*end\s*-?\}\}", re.DOTALL
)


def defines(text: str) -> dict[str, str]:
    """The named templates of a file (``_helpers.tpl``): name -> body, for those whose body
    holds no block of its own (a nested ``if``/``with`` is not modelled: its ``end`` would end
    the match early, so such a define is left out, and an ``include`` of it stays unknown)."""
    found: dict[str, str] = {}
    for match in _DEFINE.finditer(text):
        body = match.group(2)
        if re.search(r"\{\{-?\s*(?:if|with|range|define|block)\b", body):
            continue
        found[match.group(1)] = body
    return found


def _named(name: str, argument: Resolved, named: dict[str, str], depth: int = 0) -> Resolved:
    """An ``include "name" arg`` whose body is one literal, or one action (resolved with
    ``.`` bound to the argument): what it gives; UNKNOWN otherwise."""
    body = named.get(name)
    if body is None or depth > 4:
        return UNKNOWN
    found = list(_ACTION.finditer(body))
    if not found:
        literal = body.strip()
        return Resolved(literal=literal) if literal else UNKNOWN
    if len(found) != 1 or _ACTION.sub("", body).strip():
        return UNKNOWN  # text around the action, or several: not one value
    expression = found[0].group(1).strip().removeprefix("-").removesuffix("-").strip()
    words = _words(expression)
    if words[:1] == ["include"] and len(words) >= 2:
        inner = _literal(words[1]) or ""
        return _named(inner, argument, named, depth + 1)
    if argument.values is None and re.search(r"(?<!\$)\.Values\b", expression):
        return UNKNOWN  # `.` is not the chart's root here (a dict, a list item)
    scope = argument if argument.values is not None else UNKNOWN
    return resolve(expression, scope, {}, named)


def _command(
    words: list[str],
    scope: Resolved,
    variables: dict[str, Resolved],
    piped: Resolved | None,
    named: dict[str, str] | None = None,
) -> Resolved:
    if not words:
        return UNKNOWN
    name, args = words[0], words[1:]
    operands = [_operand(a, scope, variables, named) for a in args]
    if piped is not None:
        operands.append(piped)
    if name in ("quote", "squote", "toString", "trim", "nindent", "indent", "int", "int64"):
        value = operands[-1] if operands else UNKNOWN
        return value
    if name in ("toYaml", "toJson"):
        value = operands[-1] if operands else UNKNOWN
        return Resolved(value.values, value.literal, value.default, value.chart_name, True)
    if name == "default":
        if len(operands) < 2:
            return UNKNOWN
        fallback, value = operands[0], operands[-1]
        if value.values is not None and fallback.literal is not None:
            return Resolved(values=value.values, default=fallback.literal)
        return value if not value.unknown else fallback
    if name in ("include", "template") and args:
        template_name = _literal(args[0]) or ""
        if named and template_name in named:
            argument = operands[1] if len(operands) > 1 else UNKNOWN
            found = _named(template_name, argument, named)
            if not found.unknown:
                return found
        if template_name.endswith((".fullname", ".name")):
            return Resolved(chart_name=True)
        return UNKNOWN
    if name == "tpl" and operands:
        return operands[0]
    if piped is None and not args:
        return _operand(name, scope, variables, named)
    return UNKNOWN
