"""Launch lines of the servers besides gunicorn and uvicorn's own CLI: hypercorn, granian,
``fastapi run``/``fastapi dev``, and the LLM servers started by their own CLI (``litellm``,
``vllm serve``). Each reader fills a Launch from the words after the command, with each value's
place, or says which default applies and why (facts: KNOWLEDGE.md §4).
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import TYPE_CHECKING

from linter.server.model import HYPERCORN_KEYS, Launch, Place, Setting
from linter.server.options import port_of, read_options, set_setting
from linter.server.shell import Word

if TYPE_CHECKING:
    from linter.server.commands import LaunchContext
    from linter.workspace import Workspace

_HYPERCORN_VALUES = {
    "-k": "worker_class",
    "--worker-class": "worker_class",
    "-w": "workers",
    "--workers": "workers",
    "--keep-alive": "keepalive",
    "--graceful-timeout": "graceful_timeout",
    "-b": "bind",
    "--bind": "bind",
    "-c": "config",
    "--config": "config",
}
_HYPERCORN_FLAGS = frozenset({"-D", "--daemon", "--debug", "--reload", "-h", "--help"})
_GRANIAN_VALUES = {
    "--http1-header-read-timeout": "keepalive",
    "--workers-kill-timeout": "graceful_timeout",
    "--workers": "workers",
    "--port": "port",
}
_GRANIAN_FLAGS = frozenset(
    f"--{prefix}{name}"
    for prefix in ("", "no-")
    for name in (
        "ws",
        "http1-keep-alive",
        "http1-pipeline-flush",
        "http2-adaptive-window",
        "log",
        "access-log",
        "ssl-client-verify",
        "respawn-failed-workers",
        "factory",
        "metrics",
        "reload",
        "reload-ignore-worker-failure",
    )
) | {"--version", "--help"}
_FASTAPI_VALUES = {
    "--port": "port",
    "--workers": "workers",
    "--app": "app_name",
    "--entrypoint": "entrypoint",
    "-e": "entrypoint",
}
_FASTAPI_FLAGS = frozenset(
    {
        "--reload",
        "--no-reload",
        "--proxy-headers",
        "--no-proxy-headers",
        "--verbose",
        "-v",
        "--help",
    }
)
# fastapi-cli's default paths when none is given (fastapi_cli/discover.py, in this order).
_FASTAPI_DEFAULT_PATHS = (
    "main.py",
    "app.py",
    "api.py",
    "app/main.py",
    "app/app.py",
    "app/api.py",
)
_LITELLM_VALUES = {
    "--port": "port",
    "--num_workers": "workers",
    "--keepalive_timeout": "keepalive",
}
_LITELLM_FLAGS = frozenset(
    {
        "--run_gunicorn",
        "--run_hypercorn",
        "--run_granian",
        "--debug",
        "--detailed_debug",
        "--reload",
        "--use_queue",
        "--save",
        "--drop_params",
        "--add_function_to_prompt",
        "--version",
        "-v",
        "--health",
        "--test",
        "--test_async",
        "--local",
        "--skip_server_startup",
        "--validate_config",
        "--use_prisma_db_push",
        "--iam_token_db_auth",
        "--azure_postgresql_auth",
        "--setup",
        "--enforce_prisma_migration_check",
        "--use_v2_migration_resolver",
        "--use_legacy_migration_resolver",
    }
)
_LITELLM_APP = "litellm.proxy.proxy_server:app"
_VLLM_APP = "vllm.entrypoints.openai.api_server:app"


def read(server: str, launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    {
        "hypercorn": _hypercorn,
        "granian": _granian,
        "fastapi": _fastapi,
        "litellm": _litellm,
        "vllm": _vllm,
    }[server](launch, arguments, context)


def _where(context: LaunchContext, word: Word) -> str:
    line = context.text.count("\n", 0, max(word.start, 0)) + 1
    return f" at {context.display(context.path)}:{line}"


def _app(launch: Launch, positional: list[Word], context: LaunchContext) -> None:
    if positional and positional[0].known:
        launch.app = positional[0].text
        launch.app_place = Place(context.path, positional[0].start, positional[0].end)


def _from_env(launch: Launch, context: LaunchContext, names: dict[str, str]) -> None:
    """Settings an environment variable of the launch sets (the command line wins later)."""
    for env_name, name in names.items():
        if env_name in context.env:
            value, place, origin = context.env[env_name]
            launch.settings[name] = Setting(value, place, f"{env_name} ({origin})")


# -- hypercorn -------------------------------------------------------------------------------
def _hypercorn(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    found, positional = read_options(arguments, _HYPERCORN_VALUES, _HYPERCORN_FLAGS, context.text)
    config = next((value for name, _, value in found if name == "config"), None)
    if config is not None:
        _hypercorn_config(launch, config, context)
    for name, option, value in found:
        if name != "config":
            set_setting(launch, name, option, value, context.path, _where(context, option))
    _app(launch, positional, context)


def _hypercorn_config(launch: Launch, word: Word, context: LaunchContext) -> None:
    """``-c FILE`` (TOML), ``-c file:FILE.py`` (Python, read with ``ast``), ``-c python:MOD``
    (a module: not read). What it may set is unknown when it cannot be read."""
    names = ("worker_class", "workers", "graceful_timeout", "keepalive", "port")
    text = word.text
    local = None
    if word.known and not text.startswith("python:"):
        path = text[len("file:") :] if text.startswith("file:") else text
        local = context.resolve(path)
    settings = None
    if local is not None:
        if text.startswith("file:"):
            settings = context.read_config(local, frozenset(HYPERCORN_KEYS))
        else:
            settings = _toml_settings(context, local)
    if settings is None:
        for name in names:
            launch.settings[name] = Setting(None, None, f"may be set in the config file `{text}`")
        return
    shown = context.display(local or text)
    for key, (value, place, line) in settings.items():
        setting = HYPERCORN_KEYS.get(key)
        if setting is None:
            continue
        if setting == "bind":
            launch.settings["port"] = Setting(
                port_of(value) if value is not None else None, place, f"`bind` at {shown}:{line}"
            )
        else:
            launch.settings[setting] = Setting(value, place, f"`{key}` at {shown}:{line}")


_TOML_LINE = re.compile(
    r"^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*"
    r"(\"[^\"\\\n]*\"|'[^'\n]*'|\[[ \t]*\"[^\"\\\n]*\"|[-+0-9.]+)[ \t]*(?:#.*)?$",
    re.MULTILINE,
)


def _toml_settings(
    context: LaunchContext, local: str
) -> dict[str, tuple[str | None, Place, int]] | None:
    """Top-level ``key = value`` lines of a TOML file (before its first table) for the keys
    hypercorn reads; a key whose value is not a plain number or string is unknown."""
    source = context.read_source(local)
    if source is None:
        return None
    text = source.text
    table = re.search(r"^[ \t]*\[", text, re.MULTILINE)
    end = table.start() if table else len(text)
    found: dict[str, tuple[str | None, Place, int]] = {}
    for line_start, line in _lines(text[:end]):
        key = re.match(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=", line)
        if key is None or key.group(1) not in HYPERCORN_KEYS:
            continue
        match = _TOML_LINE.match(line)
        number = text.count("\n", 0, line_start) + 1
        if match is None:
            place = Place(local, line_start + key.end(), line_start + len(line))
            found[key.group(1)] = (None, place, number)
            continue
        raw = match.group(2)
        value_start = line_start + match.start(2)
        value = raw
        if raw.startswith("["):
            quote = raw.index('"')
            value, value_start = raw[quote + 1 : -1], value_start + quote + 1
        elif raw[0] in "'\"":
            value, value_start = raw[1:-1], value_start + 1
        found[key.group(1)] = (value, Place(local, value_start, value_start + len(value)), number)
    return found


def _lines(text: str) -> list[tuple[int, str]]:
    found, offset = [], 0
    for line in text.splitlines(keepends=True):
        found.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    return found


# -- granian ---------------------------------------------------------------------------------
def _granian(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    # click's automatic variables (GRANIAN_ prefix), below the command line.
    _from_env(
        launch,
        context,
        {
            "GRANIAN_HTTP1_HEADER_READ_TIMEOUT": "keepalive",
            "GRANIAN_WORKERS_KILL_TIMEOUT": "graceful_timeout",
            "GRANIAN_WORKERS": "workers",
            "GRANIAN_PORT": "port",
        },
    )
    if "keepalive" in launch.settings:
        launch.settings["keepalive"] = _milliseconds(launch.settings["keepalive"])
    if "graceful_timeout" in launch.settings:
        launch.settings["graceful_timeout"] = _duration(launch.settings["graceful_timeout"])
    keep_alive_off = context.env.get("GRANIAN_HTTP1_KEEP_ALIVE")
    off = keep_alive_off is not None and keep_alive_off[0].lower() in ("0", "false", "no", "off")
    found, positional = read_options(arguments, _GRANIAN_VALUES, _GRANIAN_FLAGS, context.text)
    for name, option, value in found:
        set_setting(launch, name, option, value, context.path, _where(context, option))
        if name == "keepalive":
            launch.settings[name] = _milliseconds(launch.settings[name])
        elif name == "graceful_timeout":
            launch.settings[name] = _duration(launch.settings[name])
    for word in arguments:
        if word.text in ("--no-http1-keep-alive", "--http1-keep-alive"):
            off = word.text == "--no-http1-keep-alive"
    if off:  # each connection is closed after its response: no idle race
        launch.settings["keepalive"] = Setting(None, None, "HTTP/1 keep-alive is off")
    _app(launch, positional, context)


def _milliseconds(setting: Setting) -> Setting:
    """granian's header read timeout is in milliseconds; the keep-alive is kept in seconds."""
    try:
        value = f"{int(setting.value or '') / 1000:g}"
    except ValueError:
        value = None
    return Setting(value, setting.place, setting.origin)


def _duration(setting: Setting) -> Setting:
    """granian durations: seconds, or ``1h30m``-style text."""
    text = setting.value or ""
    match = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    value = None
    if text.isdigit():
        value = text
    elif text and match is not None:
        days, hours, minutes, secs = (int(part or 0) for part in match.groups())
        value = str(((days * 24 + hours) * 60 + minutes) * 60 + secs)
    return Setting(value, setting.place, setting.origin)


# -- fastapi run / fastapi dev ---------------------------------------------------------------
def _fastapi(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    """fastapi-cli runs ``uvicorn.run`` with host, port, reload, workers, root path and proxy
    headers only: the keep-alive and graceful timeout stay uvicorn's defaults, and the
    UVICORN_* variables (read by uvicorn's own CLI only) do nothing."""
    launch.settings["keepalive"] = Setting(
        "5", None, "uvicorn's default: `fastapi run` passes no keep-alive to uvicorn"
    )
    _from_env(launch, context, {"PORT": "port"})
    found, positional = read_options(arguments, _FASTAPI_VALUES, _FASTAPI_FLAGS, context.text)
    entrypoint = None
    for name, option, value in found:
        if name == "entrypoint":
            entrypoint = value
        elif name in ("port", "workers"):
            set_setting(launch, name, option, value, context.path, _where(context, option))
    if entrypoint is not None:
        _app(launch, [entrypoint], context)
        return
    if positional and not positional[0].known:
        return
    candidates = [positional[0].text] if positional else list(_FASTAPI_DEFAULT_PATHS)
    for candidate in candidates:
        local = context.resolve(candidate)
        if local is not None and os.path.isdir(local):
            local = os.path.join(local, "__init__.py")
        if local is not None and os.path.isfile(local):
            launch.app = f"{local}::"  # the FastAPI app of that file
            word = positional[0] if positional else None
            if word is not None:
                launch.app_place = Place(context.path, word.start, word.end)
            return


# -- LLM servers by their own CLI ------------------------------------------------------------
def _litellm(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    """``litellm`` runs uvicorn (``timeout_keep_alive`` only with ``--keepalive_timeout``),
    or gunicorn with UvicornWorker and ``timeout`` 600 (``--run_gunicorn``; its keep-alive
    and graceful timeout stay gunicorn's), or hypercorn or granian with their defaults."""
    launch.app = _LITELLM_APP
    launch.app_place = launch.command
    words = {word.text for word in arguments}
    runner = next(
        (name for name in ("gunicorn", "hypercorn", "granian") if f"--run_{name}" in words), None
    )
    launch.settings["port"] = Setting("4000", None, "LiteLLM's default --port 4000")
    _from_env(launch, context, {"PORT": "port", "NUM_WORKERS": "workers"})
    found, _ = read_options(arguments, _LITELLM_VALUES, _LITELLM_FLAGS, context.text)
    if runner is None:
        launch.settings["keepalive"] = Setting(
            "5", None, "uvicorn's default: LiteLLM passes none without --keepalive_timeout"
        )
        _from_env(launch, context, {"KEEPALIVE_TIMEOUT": "keepalive"})
    else:
        launch.server = runner
        how = f"as LiteLLM runs {runner} (--run_{runner})"
        if runner == "gunicorn":
            launch.settings["worker_class"] = Setting("uvicorn.workers.UvicornWorker", None, how)
            launch.settings["timeout"] = Setting("600", None, how)
            launch.settings["threads"] = Setting("1", None, how)
    for name, option, value in found:
        if name == "keepalive" and runner is not None:
            continue  # only passed to uvicorn
        set_setting(launch, name, option, value, context.path, _where(context, option))


def _vllm(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    """vLLM's API server runs uvicorn with ``timeout_keep_alive`` from the variable
    VLLM_HTTP_TIMEOUT_KEEP_ALIVE (5 by default; there is no command-line option)."""
    launch.app = _VLLM_APP
    launch.app_place = launch.command
    launch.settings["keepalive"] = Setting(
        "5", None, "vLLM's default VLLM_HTTP_TIMEOUT_KEEP_ALIVE 5"
    )
    _from_env(launch, context, {"VLLM_HTTP_TIMEOUT_KEEP_ALIVE": "keepalive"})
    found, _ = read_options(arguments, {"--port": "port", "--config": "config"}, frozenset())
    names = {name for name, _, _ in found}
    if "config" in names and "port" not in names:  # a YAML config may set the port
        launch.settings["port"] = Setting(None, None, "may be set in vLLM's --config file")
    for name, option, value in found:
        if name == "port":
            set_setting(launch, name, option, value, context.path, _where(context, option))


def module_command(words: list[Word]) -> str | None:
    """The server a ``python -m MODULE`` runs, besides gunicorn and uvicorn."""
    if len(words) < 3:
        return None
    module = words[2].text
    if module in ("hypercorn", "granian"):
        return module
    if module == "vllm.entrypoints.openai.api_server":
        return "vllm"
    if module == "fastapi" and len(words) > 3 and words[3].text in ("run", "dev"):
        return "fastapi"
    return None


def command_server(words: list[Word]) -> str | None:
    """The server a command word runs, besides gunicorn and uvicorn."""
    name = posixpath.basename(words[0].text)
    if name in ("hypercorn", "granian", "litellm"):
        return name
    if name == "fastapi" and len(words) > 1 and words[1].text in ("run", "dev"):
        return "fastapi"
    if name == "vllm" and len(words) > 1 and words[1].text == "serve":
        return "vllm"
    return None


def granian_version(launch: Launch, path: str, workspace: Workspace) -> None:
    """granian's header read timeout closes idle keep-alive connections since granian
    2.0 (hyper 1.6); a repository that pins an older granian has no known idle timeout."""
    from linter.python.pins import excluded_from, find_pins

    pin = find_pins(path, workspace, ("granian",)).get("granian")
    if pin is None:
        return
    first_excluded = excluded_from(pin.upper) if pin.upper else None
    if (pin.version and pin.version < (2,)) or (
        first_excluded is not None and first_excluded <= (2,)
    ):
        launch.settings["keepalive"] = Setting(
            None, None, f"granian older than 2.0 ({pin.source}): no known idle timeout"
        )
