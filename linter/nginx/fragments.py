"""Which block a file is written for (main, http, server, location), from its top-level
statements, its folder and a `# streamproof: context` comment; and the settings of its folder.
Used both when grouping files into units (plan.py) and when loading one (load.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from linter.nginx.context import CONTEXTS
from linter.nginx.tree import ParsedFile

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace

_FRAGMENT_FOLDERS = ("conf.d", "sites-available", "sites-enabled", "http.d", "vhosts.d", "servers")
_CONTEXT_COMMENT = re.compile(r"#\s*streamproof\s*:\s*context\s+([a-z]+)")
_MAIN_NAMES = frozenset(
    {
        "http",
        "events",
        "stream",
        "worker_processes",
        "user",
        "pid",
        "load_module",
        "worker_rlimit_nofile",
        "daemon",
        "master_process",
        "env",
        "mail",
    }
)
_HTTP_NAMES = frozenset(
    {
        "server",
        "upstream",
        "map",
        "geo",
        "split_clients",
        "limit_req_zone",
        "limit_conn_zone",
        "proxy_cache_path",
        "log_format",
        "fastcgi_cache_path",
    }
)
_SERVER_NAMES = frozenset({"location", "listen", "server_name"})


def settings_for(path: str, workspace: Workspace | None = None) -> Settings:
    """The settings of the file's folder, as config files say (one resolver per run: it reads
    each folder's config once)."""
    from linter.config import SettingsResolver, default_settings
    from linter.config_files import ConfigError

    resolver = workspace.memo.get(("nginx", "resolver")) if workspace is not None else None
    if not isinstance(resolver, SettingsResolver):
        resolver = SettingsResolver()
        if workspace is not None:
            workspace.memo[("nginx", "resolver")] = resolver
    try:
        return resolver.for_path(path)
    except ConfigError:
        return default_settings()


def detect_context(parsed: ParsedFile, relpath: str) -> str:
    """The block a file is written for, from its top-level statements and its folder."""
    return context_of_names({d.name.value for d in parsed.directives if not d.placeholder}, relpath)


def context_of_names(names: AbstractSet[str], relpath: str) -> str:
    if names & _MAIN_NAMES:
        return "main"
    if names & _HTTP_NAMES:
        return "http"
    if names & _SERVER_NAMES:
        return "server"
    folders = relpath.replace(os.sep, "/").split("/")[:-1]
    if any(folder in _FRAGMENT_FOLDERS for folder in folders) and not names:
        return "http"
    return "location"


def context_comment(parsed: ParsedFile) -> str | None:
    return context_of_comments(comment.text for comment in parsed.comments)


def context_of_comments(comments: Iterable[str]) -> str | None:
    for text in comments:
        match = _CONTEXT_COMMENT.search(text)
        if match and match.group(1) in CONTEXTS:
            return match.group(1)
    return None
