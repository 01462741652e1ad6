from linter.model import Applicability, Edit, Severity
from linter.registry import Option, Rule


def check(document, settings):  # type: ignore[no-untyped-def]
    minimum = settings.option(RULE, "minimum")
    for key, value, start, end in document.entries:
        if key == "timeout" and value.isdigit() and int(value) < minimum:
            fix = RULE.make_fix(
                [Edit(document.path, start, end, str(minimum))], f"raise to {minimum}"
            )
            yield RULE.report(
                document.source, start, end, f"timeout {value} is below {minimum}", fix=fix
            )


RULE = Rule(
    "TOY001",
    "toy-timeout",
    "toy",
    "short toy timeout",
    Severity.WARNING,
    Applicability.SAFE,
    "doc",
    check,
    options=(Option("minimum", 10, "smallest timeout", int),),
)
