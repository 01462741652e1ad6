from linter.model import Severity
from linter.registry import Rule


def check(document, settings):  # type: ignore[no-untyped-def]
    # An `info` finding over several lines: from a `span` value to the end of the next entry.
    entries = document.entries
    for index, (key, _value, start, end) in enumerate(entries):
        if key == "span":
            last = entries[index + 1][3] if index + 1 < len(entries) else end
            yield RULE.report(document.source, start, last, "span reaches the next entry")


RULE = Rule("TOY004", "toy-span", "toy", "a span over lines", Severity.INFO, None, "doc", check)
