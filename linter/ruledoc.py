"""A rule's documentation, rendered from the rule itself and its fixtures (one source of truth
for `streamproof rule CODE`, `streamproof rules` and the README's rule table)."""

from __future__ import annotations

from linter import registry
from linter.fixtures import example_pair
from linter.model import Applicability

FIX_WORDS = {
    None: "none (the message says what to write instead)",
    Applicability.SAFE: "safe (applied by `--fix`)",
    Applicability.UNSAFE: "unsafe (applied by `--fix --unsafe-fixes`)",
}
FIX_MARK = {None: "-", Applicability.SAFE: "S", Applicability.UNSAFE: "U"}


def render_rule(rule: registry.Rule) -> str:
    parts = [
        f"# {rule.code} {rule.name}",
        "",
        rule.summary[:1].upper() + rule.summary[1:] + ".",
        "",
        f"Kind: {rule.kind}. Default severity: {rule.severity.value}. "
        f"Fix: {FIX_WORDS[rule.fix]}."
        + ("" if rule.default_enabled else " Not enabled by default: select it to use it."),
        "",
        rule.doc.strip(),
    ]
    if rule.kind in registry.KINDS:
        example, instead, language = example_pair(rule.kind, rule.code)
        if example:
            parts += ["", "## Example", "", f"```{language}", example.rstrip("\n"), "```"]
        if instead:
            parts += ["", "## Use instead", "", f"```{language}", instead.rstrip("\n"), "```"]
    if rule.options:
        parts += ["", "## Options", ""]
        config_key = f"[tool.streamproof.rules.{rule.code}]"
        for option in rule.options:
            parts.append(f"- `{option.name}` (default `{option.default}`): {option.description}")
        parts += ["", f"Set them in `{config_key}`."]
    return "\n".join(parts).rstrip() + "\n"


def rules_table(markdown: bool = True) -> str:
    rows = [("code", "name", "fix", "summary")]
    for rule in registry.all_rules():
        rows.append((rule.code, rule.name, FIX_MARK[rule.fix], rule.summary))
    if markdown:
        lines = ["| code | name | fix | summary |", "|---|---|---|---|"]
        lines += [f"| {c} | `{n}` | {f} | {s} |" for c, n, f, s in rows[1:]]
        return "\n".join(lines) + "\n"
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{c:<{widths[0]}}  {n:<{widths[1]}}  {f:<{widths[2]}}  {s}" for c, n, f, s in rows]
    return "\n".join(lines) + "\n"
