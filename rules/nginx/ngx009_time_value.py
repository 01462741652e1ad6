"""NGX009 time-value: time values nginx refuses or reads differently than they look."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Edit, Finding, Severity
from linter.nginx.directives import TIME_ARGUMENTS
from linter.nginx.model import NginxDocument
from linter.nginx.timevalue import format_seconds, parse_time
from linter.nginx.tree import Directive, Word
from linter.registry import Rule

CONNECT_LIMIT_MS = 75_000
_UNIT_NAMES = {
    "y": "years",
    "M": "months",
    "w": "weeks",
    "d": "days",
    "h": "hours",
    "m": "minutes",
    "s": "seconds",
    "ms": "milliseconds",
}


def _why_invalid(value: str, is_sec: bool) -> str:
    if not value:
        return "it is empty"
    if re.search(r"\d[.,]\d", value):
        return "nginx takes whole numbers only (write 1h30m, not 1.5h)"
    if not is_sec and re.search(r"\d\s*[My]", value):
        return "`M` (months) and `y` (years) are not accepted by timeouts; minutes are `m`"
    if is_sec and "ms" in value:
        return "this directive takes whole seconds: `ms` is not accepted"
    upper = re.search(r"\d\s*([HDWS])", value)
    if upper:
        lower = upper.group(1).lower()
        return (
            f"units are case-sensitive: `{upper.group(1)}` is not a unit, "
            f"{_UNIT_NAMES[lower]} are `{lower}`"
        )
    if re.fullmatch(r"(\d+\s*(ms|[yMwdhms])?\s*)+", value):
        return (
            "units must go from the largest to the smallest, each at most once (1m30s, not 30s1m)"
        )
    return "it is not a number with nginx time units (ms s m h d w M y)"


def _check_word(
    document: NginxDocument, name: str, word: Word, is_sec: bool, source_path: str
) -> Iterator[Finding]:
    if word.has_placeholder or "$" in word.raw:
        return
    source = document.sources[source_path]
    value = word.value
    parsed = parse_time(value, is_sec=is_sec)
    if parsed is None:
        yield RULE.report(
            source,
            word.start,
            word.end,
            f"`{name} {word.raw}`: nginx refuses this time value (`nginx -t` fails): "
            f"{_why_invalid(value, is_sec)}",
            severity=Severity.ERROR,
        )
        return
    if parsed.bare_after_unit:
        previous_unit = parsed.parts[-2][1]
        number = parsed.parts[-1][0]
        fix = None
        if previous_unit == "m":
            # 1m30 is 1 minute 30 seconds either way: saying `s` changes nothing but clarity.
            at = (
                word.end - len(word.quote)
                if word.quote and word.raw.endswith(word.quote)
                else word.end
            )
            fix = RULE.make_fix([Edit(source.path, at, at, "s")], f"write {value}s")
            meaning = (
                f"{value} means {format_seconds(parsed.milliseconds)}: the trailing {number} "
                f"is seconds. Write {value}s to say so"
            )
        else:
            meaning = (
                f"{value} means {format_seconds(parsed.milliseconds)}: a number after a unit is "
                f"read as seconds, so the trailing {number} is {number} seconds, not {number} "
                f"{_UNIT_NAMES.get(_smaller(previous_unit), 'units')}. Write the unit you mean"
            )
        yield RULE.report(source, word.start, word.end, f"`{name} {word.raw}`: {meaning}.", fix=fix)
        return
    if name.endswith("_connect_timeout") and parsed.milliseconds > CONNECT_LIMIT_MS:
        yield RULE.report(
            source,
            word.start,
            word.end,
            f"`{name} {word.raw}`: a connect timeout cannot usually exceed 75 seconds (the "
            f"system's own connect timeout ends it first); a larger value does nothing",
        )
    if parsed.milliseconds == 0 and name.endswith(("_read_timeout", "_send_timeout")):
        yield RULE.report(
            source,
            word.start,
            word.end,
            f'`{name} 0` is a zero timeout, not "no timeout": nginx gives up at once',
        )


def _too_many(
    document: NginxDocument, name: str, directive: Directive, limit: int
) -> Iterator[Finding]:
    """`proxy_read_timeout 1h 30m;`: nginx counts two arguments and refuses the line."""
    args = directive.args
    source = document.sources[directive.path]
    written = " ".join(arg.raw for arg in args)
    takes = "one time value" if limit == 1 else f"at most {limit} time values"
    joined = " ".join(arg.value for arg in args)
    meaning = parse_time(joined) if limit == 1 else None
    fix = None
    advice = "a time with spaces must be quoted, or written without them"
    if meaning is not None:
        advice = (
            f'a time with spaces must be quoted: "{joined}" is '
            f"{format_seconds(meaning.milliseconds)}"
        )
        if all(not arg.quote and _has_unit(arg.value) for arg in args):
            # `1h 30m` with every part's unit written: quoted, nginx reads exactly that.
            fix = RULE.make_fix(
                [Edit(source.path, args[0].start, args[-1].end, f'"{joined}"')],
                f'quote the time: {name} "{joined}"',
            )
        else:
            advice += " (a number without a unit is seconds: write the unit you mean)"
    yield RULE.report(
        source,
        args[0].start,
        args[-1].end,
        f'`{name} {written}`: nginx refuses this line (`nginx -t` fails with "invalid number of '
        f'arguments"): {name} takes {takes}; {advice}',
        severity=Severity.ERROR,
        fix=fix,
    )


def _has_unit(value: str) -> bool:
    """The part ends with a unit letter (`30m`, not `30`), so joining it cannot change what
    its number means."""
    return bool(re.fullmatch(r"\d+(ms|[yMwdhms])", value))


def _smaller(unit: str) -> str:
    order = ["y", "M", "w", "d", "h", "m", "s", "ms"]
    return order[min(order.index(unit) + 1, len(order) - 1)] if unit in order else ""


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    for stmt in document.statements():
        positions = TIME_ARGUMENTS.get(stmt.name)
        directive = stmt.directive
        if positions is None or directive is None or directive.path not in document.sources:
            continue
        if (
            stmt.name == "keepalive_timeout"
            and stmt.parent is not None
            and stmt.parent.name == "upstream"
        ):
            positions = ((0, False),)
        args = directive.args
        if len(args) > len(positions) and not any(
            arg.has_placeholder or "$" in arg.raw for arg in args
        ):
            key = (directive.path, directive.start)
            if key not in seen:
                seen.add(key)
                yield from _too_many(document, stmt.name, directive, len(positions))
            continue
        for index, is_sec in positions:
            if index >= len(directive.args):
                continue
            word = directive.args[index]
            key = (directive.path, word.start)
            if key in seen:
                continue
            seen.add(key)
            yield from _check_word(document, stmt.name, word, is_sec, directive.path)


RULE = Rule(
    code="NGX009",
    name="time-value",
    kind="nginx",
    summary="a time value nginx refuses, or reads differently than it looks",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    check=check,
    doc="""\
## What it does
Reads every time value of a timeout directive as nginx's `ngx_parse_time` does and reports:
values nginx refuses (`1H`, `60S`, `1.5h`, `30s1m`, `5M` or `1y` on a timeout, and an unquoted
`1h 30m`, which nginx counts as two arguments); values that
mean something else than they seem (`1h30` is one hour and thirty *seconds*); a
`proxy_connect_timeout` over 75 seconds (it cannot usually exceed 75s); a read or send timeout
of `0` (zero, not "no timeout"). Template placeholders and variables are not judged.

## Why is this bad
A refused value makes `nginx -t` and every reload fail. A misleading one silently sets another
timeout than the author meant: `proxy_read_timeout 1h30` cuts a stream after an hour and half a
minute, not after ninety minutes.

## Fix safety
Safe, only where the intent is certain: `1m30` becomes `1m30s`, which nginx reads the same
way (the number after minutes is seconds in both readings); an unquoted `1h 30m` whose parts
all carry their unit becomes `"1h 30m"`, the quoted form nginx accepts and reads as 1 hour
30 minutes (the line was refused before, so no running behaviour changes). Other cases have no fix (was
`1h30` meant as `1h30m` or `1h30s`?); the message says what nginx reads.

## References
- nginx: [Syntax: time intervals](https://nginx.org/en/docs/syntax.html)
""",
)
