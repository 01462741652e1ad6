"""The README stays true: its rule table is the registry's."""

from __future__ import annotations

import re

from helpers import REPO

from linter.ruledoc import rules_table


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry() -> None:
    match = re.search(r"<!-- rules-table:start -->\n(.*?)<!-- rules-table:end -->", readme(), re.S)
    assert match, "README.md lost its rules-table markers"
    assert match.group(1) == rules_table(markdown=True), (
        "README rule table is stale: regenerate it with `python tests/test_readme.py`"
    )


def test_quick_start_is_exactly_two_commands() -> None:
    match = re.search(r"## Quick start\n\n```sh\n(.*?)```", readme(), re.S)
    assert match, "README.md must open with a Quick start code block"
    commands = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "streamproof check examples/chat-proxy" in commands[0]
    assert "pytest" in commands[1]


def update_rule_table() -> None:
    """`python tests/test_readme.py` rewrites the README's rule table from the registry."""
    path = REPO / "README.md"
    text = re.sub(
        r"(<!-- rules-table:start -->\n).*?(<!-- rules-table:end -->)",
        lambda m: m.group(1) + rules_table(markdown=True) + m.group(2),
        readme(),
        flags=re.S,
    )
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    update_rule_table()
