from linter.model import Severity
from linter.registry import Rule


def check(document, settings):  # type: ignore[no-untyped-def]
    # An `error` finding whose message quotes the file's text and holds a line break, so that
    # reporters are tested on text they must escape.
    for key, value, start, end in document.entries:
        if key == "label":
            yield RULE.report(
                document.source, start, end, f"label {value} is shown as-is,\nsee: 100%"
            )


RULE = Rule(
    "TOY003",
    "toy-label",
    "toy",
    "a label shown as-is",
    Severity.ERROR,
    None,
    "## What it does\nReports every `label`.\n\n## Why is this bad\nToy.\n",
    check,
)
