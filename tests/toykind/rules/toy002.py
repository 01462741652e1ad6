from linter.model import Applicability, Edit, Severity
from linter.registry import Rule


def check(document, settings):  # type: ignore[no-untyped-def]
    if document.entries and not any(k == "cap" for k, *_ in document.entries):
        text = document.source.text
        nl = document.source.newline
        prefix = "" if text.endswith(("\n", "\r")) or not text else nl
        fix = RULE.make_fix(
            [Edit(document.path, len(text), len(text), f"{prefix}cap = 5{nl}")], "add cap = 5"
        )
        yield RULE.report(document.source, 0, 0, "no cap", fix=fix)


RULE = Rule(
    "TOY002", "toy-cap", "toy", "missing cap", Severity.WARNING, Applicability.UNSAFE, "doc", check
)
