"""LIT007 env-reference: an environment variable reference LiteLLM passes on literally."""

from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import ScalarNode

from linter.config import Settings
from linter.litellm.model import ENV_PREFIX, LiteLLMDocument, YamlFile
from linter.litellm.yamltree import STR_TAG
from linter.model import Applicability, Finding, Fix, Severity
from linter.registry import Rule
from rules.litellm._common import can_edit, quoted_replacement, report

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SHELL_BRACED = re.compile(rf"^\$\{{(?P<name>{_NAME})\}}$")
_SHELL_BARE = re.compile(r"^\$(?P<name>[A-Z_][A-Z0-9_]*)$")
_DOTTED = re.compile(rf"^os\.environ\.(?P<name>{_NAME})$")
_SHELL_INSIDE = re.compile(rf"\$\{{{_NAME}(?::?[-=?+][^}}]*)?\}}")
_GOOD_FORM = re.compile(r"^os\.environ/[^\s${}]+$")
_WRAPPED_NAME = re.compile(rf"^os\.environ/\$\{{?(?P<name>{_NAME})\}}?$")


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    for yaml_file in document.files.values():
        for node, in_list in yaml_file.composed.env_candidates:
            if node.tag != STR_TAG or node.style in ("|", ">"):
                continue
            finding = _check_value(document, yaml_file, node, str(node.value), in_list)
            if finding is not None:
                yield finding


def _fix(yaml_file: YamlFile, node: ScalarNode, name: str, *, unsafe: bool) -> Fix | None:
    if not can_edit(yaml_file, node):
        return None
    return RULE.make_fix(
        [quoted_replacement(yaml_file, node, ENV_PREFIX + name)],
        f"write {ENV_PREFIX}{name}",
        unsafe=unsafe,
    )


def _check_value(
    document: LiteLLMDocument, yaml_file: YamlFile, node: ScalarNode, value: str, in_list: bool
) -> Finding | None:
    if value.startswith(ENV_PREFIX):
        if in_list:
            return report(
                RULE,
                document,
                yaml_file.path,
                node,
                f"`{value}` sits directly in a list, where LiteLLM does not replace it (only "
                "values of mappings are read from the environment): the literal text is used",
            )
        if _GOOD_FORM.match(value):
            return None
        wrapped = _WRAPPED_NAME.match(value)
        fix = _fix(yaml_file, node, wrapped.group("name"), unsafe=False) if wrapped else None
        return report(
            RULE,
            document,
            yaml_file.path,
            node,
            f"`{value}` does not name a variable: LiteLLM looks up everything after "
            "`os.environ/` as it is written"
            + (f"; write `{ENV_PREFIX}{wrapped.group('name')}`" if wrapped else ""),
            fix=fix,
        )
    dotted = _DOTTED.match(value)
    if dotted:
        name = dotted.group("name")
        return report(
            RULE,
            document,
            yaml_file.path,
            node,
            f"`{value}` is passed to LiteLLM as this literal text; the environment is read with "
            f"`{ENV_PREFIX}{name}`",
            fix=None if in_list else _fix(yaml_file, node, name, unsafe=False),
        )
    shell = _SHELL_BRACED.match(value) or _SHELL_BARE.match(value)
    if shell:
        name = shell.group("name")
        return report(
            RULE,
            document,
            yaml_file.path,
            node,
            f"`{value}` is passed to LiteLLM as this literal text (LiteLLM expands no shell "
            f"variables; only a tool that renders the file first, such as envsubst, would); "
            f"write `{ENV_PREFIX}{name}`",
            fix=None if in_list else _fix(yaml_file, node, name, unsafe=True),
        )
    if _SHELL_INSIDE.search(value):
        return report(
            RULE,
            document,
            yaml_file.path,
            node,
            f"`{value}` holds a shell-style variable that LiteLLM passes on literally "
            "(`os.environ/NAME` only works as a whole value)",
        )
    return None


RULE = Rule(
    code="LIT007",
    name="env-reference",
    kind="litellm",
    summary="an environment variable reference LiteLLM passes on literally",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
    doc="""\
## What it does
Reports values that were meant to come from the environment but reach LiteLLM as literal
text: `${VAR}` and `$VAR` (shell syntax), `os.environ.VAR` (a dot for the slash), a
`${VAR}` inside a longer string, `os.environ/NAME` directly inside a list (LiteLLM only
replaces values of mappings, including mappings inside lists), and an `os.environ/` reference
that does not name a variable (`os.environ/${VAR}`, spaces). Well-formed `os.environ/NAME`
values are never guessed at: other rules treat them as unknown.

## Why is this bad
LiteLLM replaces a value that starts with `os.environ/` by the variable and nothing else. An
API key of `${OPENAI_API_KEY}` is sent to the provider as those 18 characters: every request
fails with an authentication error, or a timeout of `$TIMEOUT` fails as a number.

## Fix safety
Safe for `os.environ.VAR` and `os.environ/${VAR}`, written as `os.environ/VAR`: the intent is
certain. Unsafe for `${VAR}` and `$VAR`: the file may be rendered by envsubst or a template
engine before LiteLLM reads it, and then the variable is read in that other environment.
No fix inside lists or longer strings. Quotes are kept.

## References
- LiteLLM `proxy/proxy_server.py`, `_check_for_os_environ_vars`
- LiteLLM docs, `proxy/configs.md` ("os.environ/")
""",
    check=check,
)
