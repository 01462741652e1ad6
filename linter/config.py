"""Configuration: `[tool.streamproof]` in pyproject.toml, streamproof.toml or .streamproof.toml.

The nearest file above a linted file wins (no merging, as in ruff); command-line options are
applied on top. Whether a file or folder is excluded is decided, as in ruff, by the settings in
force in the folder where a walk meets it (linter.discovery), so an outer `exclude` also covers
a folder that holds a config file of its own; a path named with --force-exclude is judged by
the settings in force for it. Unknown keys are errors that name the closest valid key.
Finding and reading the files is ``config_files``' job; matching paths, ``pathmatch``'s.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from linter import registry
from linter.config_files import (
    ConfigError,
    _key_position,
    _target_key_position,
    find_config_file,
    read_config_file,
)
from linter.pathmatch import _glob, entry_matches, path_matches, relative_posix

TOP_LEVEL_KEYS = (
    "select",
    "extend-select",
    "ignore",
    "extend-ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "unsafe-fixes",
    "nginx-version",
    "nginx-prefix",
    "nginx-context",
    "stream-routes",
    "python-target",
    "max-silence",
    "max-stream",
    "rules",
)
NGINX_CONTEXTS = ("main", "http", "server", "location", "upstream")
# The packages whose version changes what the Python rules say (linter.python.clients
# PINNED_PACKAGES; kept here so that reading a config imports nothing of the Python kind).
PYTHON_TARGET_PACKAGES = ("openai", "anthropic", "litellm")
# "3.14", "v3.14.1", ">=3.14", "==2.54.0", "~=1.70": a version, or a lower bound of one.
_TARGET_CLAUSE = r"\s*(?:===|==|!=|>=|<=|~=|\^|~|>|<)?\s*v?[0-9]+(?:\.[0-9]+)*(?:\.\*)?\s*"
# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
_TARGET_VERSION = functools.cache(
    lambda: re.compile(_TARGET_CLAUSE + "(?:," + _TARGET_CLAUSE + ")*")
)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    import difflib  # only to word an error

    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return match[0] if match else None


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    suggestion = closest(word, candidates)
    return f"; did you mean {suggestion!r}?" if suggestion else ""


def parse_version(text: str) -> tuple[int, ...]:
    parts = str(text).strip().lstrip("v").split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a version number: {text!r}")
    return tuple(int(p) for p in parts)


_BUDGET = functools.cache(
    lambda: re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>s|m|h|ms)?\s*$")
)
_BUDGET_UNITS = {None: 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "ms": 0.001}


def budget_seconds(raw: object) -> float:
    """A stream budget from config: seconds as a number (``120``) or ``"120s"``/``"15m"``/``"1h"``."""
    if isinstance(raw, bool):
        raise ValueError('expected seconds such as 120 or "15m"')
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str) and (match := _BUDGET().match(raw)) is not None:
        value = float(match.group("number")) * _BUDGET_UNITS[match.group("unit")]
    else:
        raise ValueError(f'expected seconds such as 120 or "15m", not {raw!r}')
    if value <= 0:
        raise ValueError("must be more than 0 seconds")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know about one folder's configuration."""

    config_path: str | None = None
    # Patterns and per-file ignores are relative to this folder.
    base_dir: str = "."
    selected: frozenset[str] = frozenset()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    nginx_version: tuple[int, ...] | None = None
    # (absolute prefix as written in the configs, folder of the repository it maps to)
    nginx_prefix: tuple[tuple[str, str], ...] = ()
    nginx_context: str | None = None
    stream_routes: tuple[str, ...] = ()
    python_target: tuple[tuple[str, str], ...] = ()
    # The stream budget every rule that compares a limit with a stream reads (seconds): the
    # longest pause (before the first token, or between chunks) that must survive, and the
    # longest whole answer.
    max_silence: float = 120.0
    max_stream: float = 900.0
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def is_selected(self, code: str) -> bool:
        return code in self.selected

    def ignored_for(self, path: str) -> frozenset[str]:
        """Codes ignored for ``path`` by per-file-ignores."""
        if not self.per_file_ignores:
            return frozenset()
        relative = relative_posix(path, self.base_dir)
        codes: set[str] = set()
        for pattern, ignored in self.per_file_ignores:
            if path_matches(relative, pattern):
                codes |= ignored
        return frozenset(codes)

    def is_excluded(self, path: str, *, folder: bool = False) -> bool:
        """Does an ``exclude`` pattern match the path (a file, or a ``folder``) or a folder on
        its way from the base?"""
        if not self.exclude:
            return False
        relative = relative_posix(path, self.base_dir)
        if folder:
            parts = relative.split("/")
            prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
            return any(
                entry_matches(prefix, pattern, folder=True)
                for prefix in prefixes
                for pattern in self.exclude
            )
        return any(path_matches(relative, pattern) for pattern in self.exclude)

    def excludes_entry(self, path: str, *, folder: bool) -> bool:
        """Does an ``exclude`` pattern match this one entry (a file, or a folder and so all
        below it), met by a walk in a folder these settings govern? The folders above it are
        judged where the walk met them, each by the settings in force there."""
        if not self.exclude:
            return False
        relative = relative_posix(path, self.base_dir)
        return any(entry_matches(relative, pattern, folder=folder) for pattern in self.exclude)

    def option(self, rule: registry.Rule, name: str) -> Any:
        configured = self.rule_options.get(rule.code, {})
        if name in configured:
            return configured[name]
        return rule.option(name).value(rule.option(name).default)

    def python_pin(self, package: str) -> str | None:
        for name, version in self.python_target:
            if name == package:
                return version
        return None


# --- turning a table into Settings -------------------------------------------------------------


def _string_list(path: str, text: str, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        line, column = _key_position(text, key)
        raise ConfigError(path, f"{key!r} must be a list of strings", line, column)
    return list(value)


def _check_glob(path: str, text: str, key: str, pattern: str) -> None:
    """A pattern that cannot match anything as written (`[z-a]`) is the config's error, said
    here, not a crash when the first file is matched against it."""
    try:
        _glob(pattern.strip().strip("/"))
    except re.error as exc:
        line, column = _key_position(text, key)
        raise ConfigError(
            path, f"{key!r}: bad pattern {pattern!r}: {exc.msg}", line, column
        ) from None


def _resolve_selectors(path: str, text: str, key: str, selectors: Iterable[str]) -> set[str]:
    codes: set[str] = set()
    for selector in selectors:
        matched = list(registry.codes_matching(selector))
        if not matched:
            line, column = _key_position(text, key)
            hint = _did_you_mean(selector, registry.known_selectors())
            raise ConfigError(path, f"{key!r}: unknown rule {selector!r}{hint}", line, column)
        codes.update(matched)
    return codes


def _convert_rule_options(path: str, text: str, value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        line, column = _key_position(text, "rules")
        raise ConfigError(path, "'rules' must be a table of per-rule tables", line, column)
    converted: dict[str, dict[str, Any]] = {}
    for code, options in value.items():
        rule = registry.get_rule(code)
        if rule is None:
            line, column = _key_position(text, code)
            hint = _did_you_mean(code, [e.code for e in registry.catalogue()])
            raise ConfigError(path, f"[rules.{code}]: unknown rule{hint}", line, column)
        if not isinstance(options, dict):
            line, column = _key_position(text, code)
            raise ConfigError(path, f"[rules.{code}] must be a table", line, column)
        names = [option.name for option in rule.options]
        for name, raw in options.items():
            if name not in names:
                line, column = _key_position(text, name)
                hint = _did_you_mean(name, names) if names else f"; {rule.code} has no options"
                raise ConfigError(
                    path, f"[rules.{rule.code}]: unknown option {name!r}{hint}", line, column
                )
            try:
                converted.setdefault(rule.code, {})[name] = rule.option(name).value(raw)
            except (ValueError, TypeError) as exc:
                line, column = _key_position(text, name)
                raise ConfigError(
                    path, f"[rules.{rule.code}] {name}: {exc}", line, column
                ) from None
    return converted


def settings_from_table(
    table: Mapping[str, Any] | None,
    *,
    config_path: str | None,
    base_dir: str,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from a config table and command-line overrides (same key names)."""
    table = dict(table or {})
    text = str(table.pop("__text__", ""))
    where = config_path or "command line"
    for key in table:
        if key not in TOP_LEVEL_KEYS:
            line, column = _key_position(text, key)
            raise ConfigError(
                where, f"unknown key {key!r}{_did_you_mean(key, TOP_LEVEL_KEYS)}", line, column
            )
    merged: dict[str, Any] = dict(table)
    overrides = dict(overrides or {})
    # Command-line select replaces the file's; extend-* and ignore add to it.
    for key, value in overrides.items():
        if value is None:
            continue
        if key in ("extend-select", "extend-ignore", "ignore", "extend-exclude"):
            merged[key] = list(merged.get(key, [])) + list(value)
        else:
            merged[key] = value

    default = {entry.code for entry in registry.catalogue()}
    if "select" in merged:
        selected = _resolve_selectors(
            where, text, "select", _string_list(where, text, "select", merged["select"])
        )
        selected |= {e.code for e in registry.catalogue() if e.kind == registry.ENGINE_KIND}
    else:
        selected = set(default)
    for key in ("extend-select",):
        if key in merged:
            selected |= _resolve_selectors(
                where, text, key, _string_list(where, text, key, merged[key])
            )
    for key in ("ignore", "extend-ignore"):
        if key in merged:
            selected -= _resolve_selectors(
                where, text, key, _string_list(where, text, key, merged[key])
            )

    per_file: list[tuple[str, frozenset[str]]] = []
    raw_pfi = merged.get("per-file-ignores", {})
    if not isinstance(raw_pfi, dict):
        line, column = _key_position(text, "per-file-ignores")
        raise ConfigError(
            where, "'per-file-ignores' must be a table of pattern = [codes]", line, column
        )
    for pattern, codes in raw_pfi.items():
        values = _string_list(where, text, pattern, codes)
        _check_glob(where, text, "per-file-ignores", pattern)
        per_file.append((pattern, frozenset(_resolve_selectors(where, text, pattern, values))))

    exclude = _string_list(where, text, "exclude", merged.get("exclude", []))
    extend_exclude = _string_list(where, text, "extend-exclude", merged.get("extend-exclude", []))
    for key, patterns in (("exclude", exclude), ("extend-exclude", extend_exclude)):
        for pattern in patterns:
            _check_glob(where, text, key, pattern)
    exclude += extend_exclude

    unsafe = merged.get("unsafe-fixes", False)
    if not isinstance(unsafe, bool):
        line, column = _key_position(text, "unsafe-fixes")
        raise ConfigError(where, "'unsafe-fixes' must be true or false", line, column)

    nginx_version = None
    if merged.get("nginx-version") not in (None, ""):
        try:
            nginx_version = parse_version(str(merged["nginx-version"]))
        except ValueError as exc:
            line, column = _key_position(text, "nginx-version")
            raise ConfigError(where, f"'nginx-version': {exc}", line, column) from None

    prefix_pairs: list[tuple[str, str]] = []
    raw_prefix = merged.get("nginx-prefix")
    config_dir = os.path.dirname(config_path) if config_path else base_dir
    if isinstance(raw_prefix, str):
        prefix_pairs.append(("/etc/nginx", os.path.normpath(os.path.join(config_dir, raw_prefix))))
    elif isinstance(raw_prefix, dict):
        for absolute, local in raw_prefix.items():
            if not isinstance(local, str):
                line, column = _key_position(text, "nginx-prefix")
                raise ConfigError(where, "'nginx-prefix' values must be folder names", line, column)
            prefix_pairs.append(
                (absolute.rstrip("/") or "/", os.path.normpath(os.path.join(config_dir, local)))
            )
    elif raw_prefix is not None:
        line, column = _key_position(text, "nginx-prefix")
        raise ConfigError(
            where,
            '\'nginx-prefix\' must be a folder or a table {"/etc/nginx" = "deploy/nginx"}',
            line,
            column,
        )

    nginx_context = merged.get("nginx-context")
    if nginx_context is not None and nginx_context not in NGINX_CONTEXTS:
        line, column = _key_position(text, "nginx-context")
        raise ConfigError(
            where,
            f"'nginx-context' must be one of {', '.join(NGINX_CONTEXTS)}{_did_you_mean(str(nginx_context), NGINX_CONTEXTS)}",
            line,
            column,
        )

    stream_routes = _string_list(where, text, "stream-routes", merged.get("stream-routes", []))

    raw_target = merged.get("python-target", {})
    if not isinstance(raw_target, dict) or not all(isinstance(v, str) for v in raw_target.values()):
        line, column = _key_position(text, "python-target")
        raise ConfigError(
            where, "'python-target' must be a table like {openai = \"3.14\"}", line, column
        )

    for package, value in raw_target.items():
        line, column = _target_key_position(text, package)
        if package.lower() not in PYTHON_TARGET_PACKAGES:
            raise ConfigError(
                where,
                f"'python-target': unknown package {package!r} (the rules depend on the versions "
                f"of {', '.join(PYTHON_TARGET_PACKAGES)})"
                f"{_did_you_mean(package.lower(), PYTHON_TARGET_PACKAGES)}",
                line,
                column,
            )
        if not _TARGET_VERSION().fullmatch(value):
            raise ConfigError(
                where,
                f"'python-target': {package} = {value!r} is not a version "
                '(e.g. "3.14" or ">=3.14")',
                line,
                column,
            )

    budget: dict[str, float] = {}
    for key, fallback in (("max-silence", 120.0), ("max-stream", 900.0)):
        budget[key] = fallback
        if merged.get(key) is not None:
            try:
                budget[key] = budget_seconds(merged[key])
            except ValueError as exc:
                line, column = _key_position(text, key)
                raise ConfigError(where, f"{key!r}: {exc}", line, column) from None
    if budget["max-silence"] > budget["max-stream"]:
        line, column = _key_position(text, "max-silence")
        raise ConfigError(
            where,
            f"'max-silence' ({budget['max-silence']:g}s) is longer than 'max-stream' "
            f"({budget['max-stream']:g}s): a pause cannot be longer than the whole answer",
            line,
            column,
        )

    rule_options = _convert_rule_options(where, text, merged.get("rules", {}))

    return Settings(
        config_path=config_path,
        base_dir=base_dir,
        selected=frozenset(selected),
        per_file_ignores=tuple(per_file),
        exclude=tuple(exclude),
        unsafe_fixes=unsafe,
        nginx_version=nginx_version,
        nginx_prefix=tuple(prefix_pairs),
        nginx_context=nginx_context,
        stream_routes=tuple(stream_routes),
        python_target=tuple(sorted(raw_target.items())),
        max_silence=budget["max-silence"],
        max_stream=budget["max-stream"],
        rule_options=rule_options,
    )


@dataclass
class SettingsResolver:
    """Finds and caches the settings for each folder (one resolution per folder, not per file)."""

    overrides: Mapping[str, Any] = field(default_factory=dict)
    explicit_config: str | None = None
    cwd: str = field(default_factory=os.getcwd)
    _by_config: dict[str | None, Settings] = field(default_factory=dict)
    _by_dir: dict[str, str | None] = field(default_factory=dict)
    # Each path asked about (a run asks two or three times per file): no stat the next time.
    _by_path: dict[str, Settings] = field(default_factory=dict)

    def for_path(self, path: str) -> Settings:
        known = self._by_path.get(path)
        if known is None:
            directory = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
            known = self._by_path[path] = self._for_directory(directory)
        return known

    def for_file(self, path: str, directory: str | None = None) -> Settings:
        """``for_path`` of a path known not to be a folder (a walk found it): no stat.
        ``directory``: the absolute folder holding it, when the caller knows it."""
        known = self._by_path.get(path)
        if known is None:
            if directory is None:
                directory = os.path.dirname(os.path.abspath(path))
            known = self._by_path[path] = self._for_directory(directory)
        return known

    def for_folder(self, folder: str) -> Settings:
        """The settings in force in ``folder``, an absolute path known to be a folder."""
        return self._for_directory(folder)

    def _for_directory(self, directory: str) -> Settings:
        config: str | None
        if self.explicit_config is not None:
            config = os.path.abspath(self.explicit_config)
        else:
            if directory not in self._by_dir:
                # Also fills in the folders above it, for their other files and subfolders.
                self._by_dir[directory] = find_config_file(directory, self._by_dir)
            config = self._by_dir[directory]
        if config not in self._by_config:
            if config is None:
                settings = settings_from_table(
                    None, config_path=None, base_dir=self.cwd, overrides=self.overrides
                )
            else:
                table = read_config_file(config)
                settings = settings_from_table(
                    table,
                    config_path=config,
                    base_dir=os.path.dirname(config),
                    overrides=self.overrides,
                )
            self._by_config[config] = settings
        return self._by_config[config]

    def with_overrides(self, **extra: Any) -> SettingsResolver:
        merged = dict(self.overrides)
        merged.update(extra)
        return SettingsResolver(
            overrides=merged, explicit_config=self.explicit_config, cwd=self.cwd
        )


def default_settings(**overrides: Any) -> Settings:
    """Settings as they are without any config file (tests and library use)."""
    return settings_from_table(None, config_path=None, base_dir=os.getcwd(), overrides=overrides)


def with_rule_options(settings: Settings, code: str, **options: Any) -> Settings:
    rule = registry.get_rule(code)
    assert rule is not None, code
    merged = {k: dict(v) for k, v in settings.rule_options.items()}
    for name, raw in options.items():
        merged.setdefault(rule.code, {})[name.replace("_", "-")] = rule.option(
            name.replace("_", "-")
        ).value(raw)
    return replace(settings, rule_options=merged)
