from linter.model import Severity
from linter.registry import Rule


def check(document, settings):  # type: ignore[no-untyped-def]
    for problem in document.problems:
        yield RULE.report(
            document.sources[problem.path],
            problem.start,
            problem.end,
            problem.message,
            severity=problem.severity,
            fatal=problem.fatal,
        )


RULE = Rule(
    "TOY000", "toy-parse-error", "toy", "toy parse error", Severity.ERROR, None, "doc", check
)
