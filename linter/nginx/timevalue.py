"""NGINX time values, read exactly as nginx's ``ngx_parse_time`` reads them.

Units ``y M w d h m s ms``, case-sensitive, largest first, each at most once, integers only; a
number without a unit is seconds (and may follow other units: ``1h30`` is one hour and thirty
*seconds*). Timeouts (``*_timeout``: milliseconds slots) refuse ``y`` and ``M``; directives that
take whole seconds refuse ``ms``. Spaces may separate the parts (``"1h 30m"``, quoted).
"""

from __future__ import annotations

from typing import NamedTuple

MAX_INT = 2**63 - 1

# unit -> (order, seconds); order is the step of ngx_parse_time (later = smaller unit).
_UNITS = {
    "y": (1, 60 * 60 * 24 * 365),
    "M": (2, 60 * 60 * 24 * 30),
    "w": (3, 60 * 60 * 24 * 7),
    "d": (4, 60 * 60 * 24),
    "h": (5, 60 * 60),
    "m": (6, 60),
    "s": (7, 1),
}
_MSEC_STEP = 8
_LAST_STEP = 9


class TimeValue(NamedTuple):
    """A parsed time: ``milliseconds`` (whole value), and how it was written."""

    milliseconds: int
    # Parts as written: (number, unit) with unit "" for a bare number.
    parts: tuple[tuple[int, str], ...]

    @property
    def seconds(self) -> float:
        return self.milliseconds / 1000

    @property
    def bare_after_unit(self) -> bool:
        """Written like ``1h30``: a unitless number after a unit (nginx reads it as seconds)."""
        return len(self.parts) > 1 and self.parts[-1][1] == ""


def parse_time(text: str, *, is_sec: bool = False) -> TimeValue | None:
    """The value nginx gives ``text``, or None where nginx refuses it ("invalid value").

    ``is_sec`` is nginx's flag for directives that take seconds (``expires``,
    ``proxy_cache_valid``, ...); without it (every ``*_timeout``) ``y`` and ``M`` are refused.
    The result is in milliseconds either way.
    """
    valid = False
    value = 0
    total = 0
    step = 0 if is_sec else _UNITS["M"][0]
    parts: list[tuple[int, str]] = []
    cutoff, cutlim = MAX_INT // 10, MAX_INT % 10
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if "0" <= char <= "9":
            digit = ord(char) - 48
            if value >= cutoff and (value > cutoff or digit > cutlim):
                return None
            value = value * 10 + digit
            valid = True
            index += 1
            continue
        index += 1
        unit = char
        if char == "m" and index < length and text[index] == "s":
            if is_sec or step >= _MSEC_STEP:
                return None
            index += 1
            step = _MSEC_STEP
            scale = 1
            limit = MAX_INT
            unit = "ms"
        elif char in _UNITS:
            order, seconds = _UNITS[char]
            if (char == "y" and step > 0) or (char != "y" and step >= order):
                return None
            step = order
            scale = seconds * (1 if is_sec else 1000)
            limit = MAX_INT // scale
        elif char == " ":
            if step >= _UNITS["s"][0]:
                return None
            step = _LAST_STEP
            scale = 1 if is_sec else 1000
            limit = MAX_INT // scale
            unit = ""
        else:
            return None
        if value > limit:
            return None
        part = value
        value *= scale
        if total > MAX_INT - value:
            return None
        total += value
        parts.append((part, unit))
        value = 0
        while index < length and text[index] == " ":
            index += 1
    if not valid:
        return None
    if value or not parts or text[-1:].isdigit():
        parts.append((value, ""))
    if not is_sec:
        if value > MAX_INT // 1000:
            return None
        value *= 1000
    if total > MAX_INT - value:
        return None
    milliseconds = total + value if not is_sec else (total + value) * 1000
    return TimeValue(milliseconds, tuple(parts))


def format_seconds(milliseconds: int) -> str:
    """A short human form: ``60s``, ``5m``, ``1h``, ``1500ms``."""
    if milliseconds % 1000:
        return f"{milliseconds}ms"
    seconds = milliseconds // 1000
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
