"""LIT005 ineffective-key: a key LiteLLM's proxy ignores or misreads where it is written."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from linter.config import Settings
from linter.litellm import known
from linter.litellm.model import Entry, LiteLLMDocument
from linter.model import Finding, Severity
from linter.registry import Rule
from rules.litellm._common import report

LITELLM_SETTINGS_KEYS = known.LITELLM_SETTINGS_COMMON | known.LITELLM_SETTINGS_SPECIAL
REDIS_KEYS = frozenset({"redis_url", "redis_host", "redis_port", "redis_password", "redis_db"})
# Reported by LIT004, which knows where retries are read.
LEFT_TO_LIT004 = "max_retries"


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.75)
    return match[0] if match else None


def _home(name: str, exclude: str) -> str | None:
    """The section a misplaced key is read from."""
    for section, keys in (
        ("router_settings", known.ROUTER_ARGS - set(known.ROUTER_ARGS_SET_BY_PROXY)),
        ("litellm_settings", LITELLM_SETTINGS_KEYS),
        ("general_settings", known.GENERAL_SETTINGS_KEYS),
    ):
        if section != exclude and name in keys:
            return section
    return None


def _top_level(document: LiteLLMDocument) -> Iterator[Finding]:
    for yaml_file in document.files.values():
        for name, entry in yaml_file.items(yaml_file.root).items():
            if name in known.TOP_LEVEL_KEYS or name == LEFT_TO_LIT004:
                continue
            if name.startswith(("x-", ".")) or yaml_file.is_shared(entry.value):
                continue  # a holder of YAML anchors, by convention or by use
            home = _home(name, "")
            if home is not None:
                hint = f"it belongs under `{home}`"
            else:
                close = _closest(name, known.TOP_LEVEL_KEYS)
                hint = f"did you mean `{close}`?" if close else "LiteLLM ignores it"
            yield report(
                RULE,
                document,
                entry.path,
                entry.key,
                f"`{name}` is not a section of a LiteLLM config, so nothing reads it; {hint}",
            )


def _router_settings(document: LiteLLMDocument) -> Iterator[Finding]:
    for name, entry in document.section_items("router_settings").items():
        if name == LEFT_TO_LIT004 or (
            name in known.ROUTER_ARGS and name not in known.ROUTER_ARGS_SET_BY_PROXY
        ):
            continue
        if name in known.ROUTER_ARGS_SET_BY_PROXY:
            where = known.ROUTER_ARGS_SET_BY_PROXY[name]
            yield _report(
                document,
                entry,
                f"`router_settings.{name}` is set by the proxy itself and dropped here"
                + (f"; use {where}" if where else ""),
            )
        elif name in known.ROUTER_KEYS_OF_GENERAL_SETTINGS:
            yield _report(
                document,
                entry,
                f"`{name}` is read from `general_settings`, not `router_settings` (LiteLLM 1.106 "
                "refuses to start with it here; older versions ignore it)",
                Severity.ERROR,
            )
        else:
            close = _closest(name, known.ROUTER_ARGS)
            home = _home(name, "router_settings")
            hint = (
                f"did you mean `{close}`?"
                if close
                else f"it belongs under `{home}`"
                if home
                else "see LiteLLM's Router arguments"
            )
            yield _report(
                document,
                entry,
                f"`router_settings.{name}` is not an argument of LiteLLM's Router, so the proxy "
                f"drops it (with a warning in 1.106, silently in 1.74); {hint}",
            )


def _litellm_settings(document: LiteLLMDocument) -> Iterator[Finding]:
    items = document.section_items("litellm_settings")
    for name, why in known.LITELLM_SETTINGS_INEFFECTIVE.items():
        entry = items.get(name)
        if entry is not None:
            yield _report(
                document, entry, f"`litellm_settings.{name}` does not do what it says: {why}"
            )


def _general_settings(document: LiteLLMDocument) -> Iterator[Finding]:
    for name, entry in document.section_items("general_settings").items():
        if name in known.GENERAL_SETTINGS_KEYS or name == LEFT_TO_LIT004:
            continue
        if name in REDIS_KEYS:
            yield _report(
                document,
                entry,
                f"`general_settings.{name}` is not read there; Redis for routing state goes under "
                "`router_settings`, Redis for caching under `litellm_settings.cache_params`",
            )
            continue
        home = _home(name, "general_settings")
        if home is not None:
            yield _report(
                document,
                entry,
                f"`general_settings.{name}` is not read there; it belongs under `{home}`",
            )


def _report(
    document: LiteLLMDocument, entry: Entry, message: str, severity: Severity | None = None
) -> Finding:
    return report(RULE, document, entry.path, entry.key, message, severity=severity)


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    yield from _top_level(document)
    yield from _router_settings(document)
    yield from _litellm_settings(document)
    yield from _general_settings(document)


RULE = Rule(
    code="LIT005",
    name="ineffective-key",
    kind="litellm",
    summary="a key LiteLLM ignores or misreads where it is written",
    severity=Severity.WARNING,
    fix=None,
    doc=f"""\
## What it does
Reports keys that look like settings but that LiteLLM's proxy (checked against
{known.LITELLM_VERSION} and {known.OLDEST_CHECKED_VERSION}) never applies, and says where they
belong:
- a top-level key that is not one of LiteLLM's sections (`logging:`, `settings:`), with the
  closest section name, or the section a known setting belongs to (`drop_params` ->
  `litellm_settings`); keys starting with `x-` and holders of YAML anchors are left alone;
- a `router_settings` key that is not an argument of LiteLLM's `Router.__init__`
  (`enable_pre_call_check`, `enable_loadbalancing`), one the proxy sets itself (`model_list`),
  or one read from `general_settings` (`health_check_interval`);
- `litellm_settings.timeout`, `stream_timeout`, `cooldown_time` and `max_tokens`, which set
  attributes nothing reads for the proxy's requests;
- a `general_settings` key that is a known `litellm_settings` or `router_settings` key and
  no `general_settings` key (`general_settings.drop_params`).
"Did you mean" suggestions come from the lists of known keys.

## Why is this bad
Nothing validates a LiteLLM config as a whole: unknown top-level and `general_settings` keys
are silently ignored, `router_settings` keys that are not Router arguments are dropped (only
1.106 logs a warning), and `litellm_settings` sets any key as a module attribute. A timeout,
retry or cooldown written in the wrong place silently keeps LiteLLM's default (6000s, 2
retries, 5s), which is how streams end up cut or hung with a config that "sets" otherwise.

## Fix safety
No fix: moving a key to another section changes behaviour on purpose; the message names
the section or the key LiteLLM reads.

## References
- LiteLLM `proxy/proxy_server.py` (`load_config`: router_settings, litellm_settings)
- LiteLLM `router.py` (`Router.__init__`), `proxy/_types.py` (`ConfigGeneralSettings`)
""",
    check=check,
)
