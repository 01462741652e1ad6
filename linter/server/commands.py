"""A command line (words with places) read as an app-server launch.

gunicorn's order of precedence is kept: its defaults, then the config file (``-c``, else
``./gunicorn.conf.py`` in the working folder), then ``GUNICORN_CMD_ARGS``, then the command
line. Wrappers that run the server (``exec``, ``env``, ``sh -c``, ``python -m``, ``uv run``,
``tini --``, ...) are looked through.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linter.server import servers
from linter.server.model import Launch, Place, Setting
from linter.server.options import port_of, read_options, set_setting
from linter.server.shell import Word, split_commands, split_words

if TYPE_CHECKING:
    from linter.source import SourceText

# gunicorn's options that take a value, by every spelling, and the setting each one sets.
_GUNICORN_VALUES = {
    "-k": "worker_class",
    "--worker-class": "worker_class",
    "-w": "workers",
    "--workers": "workers",
    "--threads": "threads",
    "-t": "timeout",
    "--timeout": "timeout",
    "--graceful-timeout": "graceful_timeout",
    "--keep-alive": "keepalive",
    "-b": "bind",
    "--bind": "bind",
    "-c": "config",
    "--config": "config",
    "--chdir": "chdir",
    "--pythonpath": "pythonpath",
}
# gunicorn's options that take no value (any other option is taken to take one).
_GUNICORN_FLAGS = frozenset(
    [
        "--reload",
        "--spew",
        "--check-config",
        "--print-config",
        "--preload",
        "--no-sendfile",
        "--reuse-port",
        "-D",
        "--daemon",
        "--capture-output",
        "-R",
        "--enable-stdio-inheritance",
        "--strip-header-spaces",
        "--proxy-protocol",
        "--suppress-ragged-eofs",
        "--do-handshake-on-connect",
        "--log-syslog",
        "--disable-redirect-access-to-syslog",
        "-v",
        "--version",
        "-h",
        "--help",
        "--paste-global",
        "--no-control-socket",
        "--dirty-disable",
        "--http2",
    ]
)
_UVICORN_VALUES = {
    "--timeout-keep-alive": "keepalive",
    "--timeout-graceful-shutdown": "graceful_timeout",
    "--workers": "workers",
    "--port": "port",
    "--app-dir": "app_dir",
}
_UVICORN_FLAGS = frozenset(
    [
        "--reload",
        "--factory",
        "--use-colors",
        "--no-use-colors",
        "--access-log",
        "--no-access-log",
        "--proxy-headers",
        "--no-proxy-headers",
        "--server-header",
        "--no-server-header",
        "--date-header",
        "--no-date-header",
        "--version",
        "--help",
        "--reset-contextvars",
        "--interface-auto",
    ]
)
# Commands that run the next words as a command (after their own options).
_RUNNERS = {
    "exec": 0,
    "nohup": 0,
    "dumb-init": 0,
    "tini": 0,
    "opentelemetry-instrument": 0,
    "ddtrace-run": 0,
    "gosu": 1,
    "su-exec": 1,
    "chpst": 0,
    "time": 0,
}
_RUN_SUBCOMMANDS = {"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "conda", "newrelic-admin"}
_PYTHONS = ("python", "python3", "python2")
# The server each command runs (``fastapi run``, ``litellm`` and ``vllm serve`` run uvicorn).
_SERVED_BY = {"fastapi": "uvicorn", "litellm": "uvicorn", "vllm": "uvicorn"}
_SHOWN = {"fastapi": "fastapi run", "litellm": "litellm", "vllm": "vllm serve"}


@dataclass
class LaunchContext:
    """What reading a launch needs from around it."""

    path: str  # the file that holds the words
    text: str  # that file's text (the words' offsets are into it)
    launcher: str
    # Environment the server starts with: name -> (value, place of the value or None, origin).
    env: Mapping[str, tuple[str, Place | None, str]] = field(default_factory=dict)
    # A path as the server sees it (its working folder applied) -> a file of the tree, or None.
    resolve: Callable[[str], str | None] = lambda path: None
    # Folders app modules are looked up in.
    search_dirs: tuple[str, ...] = ()
    # Reads a Python config file of the tree (adds it to the document): name -> (value or
    # None when not a constant, place, line) for the names given (gunicorn's by default);
    # None when it cannot be read.
    read_config: Callable[..., dict[str, tuple[str | None, Place, int]] | None] = (
        lambda path, names=None: None
    )
    # Reads any file of the tree (adds it to the document).
    read_source: Callable[[str], SourceText | None] = lambda path: None
    # Reads ``uvicorn.run`` launches from a Python file of the tree.
    read_python: Callable[[str, Place, LaunchContext], list[Launch]] = lambda path, p, c: []
    service: str | None = None
    display: Callable[[str], str] = lambda path: path


def launches_in_text(
    context: LaunchContext, start: int, end: int, env_for_words: Mapping[str, str]
) -> list[Launch]:
    """Every launch among the shell commands of ``text[start:end]``."""
    found = []
    for command in split_commands(context.text, start, end, env_for_words):
        launch = launch_from_words(command, context)
        found.extend(launch)
    return found


def _basename(word: Word) -> str:
    return posixpath.basename(word.text)


def _strip_wrappers(words: list[Word], context: LaunchContext) -> list[Word] | None:
    """The words of the command a wrapper runs (None for a shell string that cannot be read
    in place)."""
    while words:
        first = words[0]
        name = _basename(first)
        if not first.known:
            return words
        if (
            "=" in first.text
            and not first.text.startswith("-")
            and name.split("=")[0].isidentifier()
        ):
            words = words[1:]  # VAR=value before the command
        elif name == "env":
            words = words[1:]
            while words and (words[0].text.startswith("-") or "=" in words[0].text):
                words = words[1:]
        elif name in _RUNNERS:
            words = words[1 + _RUNNERS[name] :]
            while words and words[0].text.startswith("-"):
                words = words[1:]  # the runner's own options (``tini --``)
        elif (
            name in _RUN_SUBCOMMANDS and len(words) > 1 and words[1].text in ("run", "run-program")
        ):
            words = words[2:]
            while words and words[0].text.startswith("-"):
                words = words[1:]
        elif name == "pm2" and len(words) > 2 and words[1].text in ("start", "restart"):
            return _pm2_command(words[2:], context)
        elif (
            name in ("sh", "bash", "ash", "dash", "zsh")
            and len(words) > 2
            and words[1].text
            in (
                "-c",
                "-ec",
                "-ce",
                "-lc",
            )
        ):
            inner = words[2]
            region = _script_region(context.text, inner)
            if region is not None:
                scripts: list[Word] = []
                for command in split_commands(context.text, *region):
                    found = _strip_wrappers(command, context)
                    server = _server_of(found) if found else None
                    if server is not None and not server.startswith("python-"):
                        return found
                    if server == "python-file" and not scripts and found:
                        scripts = found  # (a migration script before the server is common)
                return scripts
            return None
        else:
            return words
    return words


def _pm2_command(words: list[Word], context: LaunchContext) -> list[Word] | None:
    """What ``pm2 start`` runs: a quoted command line (``pm2 start "uvicorn app:app --port
    8000" --name api``: pm2 splits a script with spaces into a program and its arguments),
    or a program with its arguments after ``--`` (``pm2 start gunicorn --name api --
    main:app``); pm2's own options are not the program's. None: nothing readable."""
    script = words[0]
    if not script.known:
        return None
    if " " in script.text.strip():
        region = _script_region(context.text, script)
        if region is None:
            return None
        commands = split_commands(context.text, *region)
        return _strip_wrappers(commands[0], context) if len(commands) == 1 else None
    arguments: list[Word] = []
    if any(w.text == "--" for w in words[1:]):
        at = next(i for i, w in enumerate(words) if i > 0 and w.text == "--")
        arguments = words[at + 1 :]
    return [script, *arguments]


def _script_region(text: str, word: Word) -> tuple[int, int] | None:
    """Where the script of ``sh -c SCRIPT`` can be split in place: inside its quotes, or the
    word as written when its lines are the script's lines (a YAML list item, a block scalar's
    indented lines); None when escapes or folding make the text differ from the value."""
    if not word.known or word.start < 0:
        return None
    raw = text[word.start : word.end]
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == word.text:
        return word.start + 1, word.end - 1
    if raw[:1] in ("'", '"'):
        return None  # quoted, and the quotes' escapes make the value differ
    lines = [line.strip() for line in raw.strip().splitlines()]
    if lines and lines == [line.strip() for line in word.text.strip().splitlines()]:
        return word.start, word.end
    return None


def _server_of(words: list[Word]) -> str | None:
    if not words:
        return None
    name = _basename(words[0])
    if name in ("gunicorn", "uvicorn"):
        return name
    if name.startswith(_PYTHONS) and len(words) > 1:
        if words[1].text == "-m" and len(words) > 2 and words[2].text in ("gunicorn", "uvicorn"):
            return words[2].text
        if words[1].text == "-m" and len(words) > 2:
            other = servers.module_command(words)
            if other is not None:
                return other
        if words[1].text == "-m" and len(words) > 2 and words[2].known:
            return "python-module"
        if words[1].text.endswith(".py"):
            return "python-file"
        return None
    return servers.command_server(words)


def launch_from_words(words: list[Word], context: LaunchContext) -> list[Launch]:
    stripped = _strip_wrappers(list(words), context)
    if not stripped:
        return []
    server = _server_of(stripped)
    if server is None:
        return []
    if server in ("python-file", "python-module"):
        # A script the launch line runs: its uvicorn.run(...) calls are the launches.
        script = stripped[1] if server == "python-file" else stripped[2]
        candidates = [script.text]
        if server == "python-module":
            stem = script.text.replace(".", "/")
            candidates = [f"{stem}/__main__.py", f"{stem}.py"]
        for candidate in candidates:
            local = context.resolve(candidate)
            if local is not None and os.path.isfile(local):
                place = Place(context.path, script.start, script.end)
                return context.read_python(local, place, context)
        return []
    command = stripped[0]
    arguments = stripped[1:]
    if _basename(command).startswith(_PYTHONS):
        command, arguments = stripped[2], stripped[3:]
    if server in ("fastapi", "vllm") and arguments and arguments[0].text in ("run", "dev", "serve"):
        arguments = arguments[1:]  # the subcommand
    launch = Launch(
        server=_SERVED_BY.get(server, server),
        command=Place(context.path, command.start, command.end),
        launcher=context.launcher,
        search_dirs=context.search_dirs,
        service=context.service,
        environment={name: value for name, (value, _, _) in context.env.items()},
    )
    if server == "gunicorn":
        _read_gunicorn(launch, arguments, context)
    elif server == "uvicorn":
        _read_uvicorn(launch, arguments, context)
    else:
        launch.launcher = f"{context.launcher}, `{_SHOWN.get(server, server)}`"
        servers.read(server, launch, arguments, context)
    return [launch]


def _read_gunicorn(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    options, positional = read_options(arguments, _GUNICORN_VALUES, _GUNICORN_FLAGS, context.text)
    where = context.display(context.path)
    command_line = {name: (option, value) for name, option, value in options}
    # The config file first (lowest precedence), then the environment, then the command line.
    config_word = command_line.get("config")
    config_name = config_word[1].text if config_word is not None else "gunicorn.conf.py"
    chdir = command_line.get("chdir")
    if config_word is not None and not config_word[1].known:
        _unknown_config(
            launch, f"the config file `{context.text[config_word[1].start : config_word[1].end]}`"
        )
    elif not config_name.startswith("python:"):
        base = chdir[1].text if chdir is not None and chdir[1].known else ""
        local = context.resolve(posixpath.join(base, config_name) if base else config_name)
        config = context.read_config(local) if local is not None else None
        if config is None and config_word is not None:
            _unknown_config(launch, f"{config_name}, which is not in the linted tree")
        elif config is not None:
            shown = context.display(local or config_name)
            launch.config_file = shown
            launch.config_places = {name: place for name, (_, place, _) in config.items()}
            for name, (config_value, config_place, line) in config.items():
                if name == "bind":
                    port = port_of(config_value) if config_value is not None else None
                    launch.settings["port"] = Setting(
                        port, config_place, f"`bind` at {shown}:{line}"
                    )
                elif name == "wsgi_app":
                    if config_value is not None and launch.app is None:
                        launch.app, launch.app_place = config_value, config_place
                else:
                    launch.settings[name] = Setting(
                        config_value, config_place, f"`{name}` at {shown}:{line}"
                    )
    else:
        _unknown_config(launch, f"the config module `{config_name}`")
    cmd_args = context.env.get("GUNICORN_CMD_ARGS")
    if cmd_args is not None:
        args_value, place, origin = cmd_args
        words = split_words(args_value)
        if words is None:
            for name in ("worker_class", "threads", "timeout", "graceful_timeout", "keepalive"):
                launch.settings[name] = Setting(None, place, f"GUNICORN_CMD_ARGS ({origin})")
        else:
            env_words = [Word(text, -1, -1) for text in words]
            env_options, _ = read_options(env_words, _GUNICORN_VALUES, _GUNICORN_FLAGS)
            for name, option, word in env_options:
                if name in ("config", "chdir", "pythonpath"):
                    continue
                shown_value = f"`{option.text}{'' if '=' in option.text else ' ' + word.text}`"
                if name == "bind":
                    launch.settings["port"] = Setting(
                        port_of(word.text), place, f"{shown_value} in GUNICORN_CMD_ARGS ({origin})"
                    )
                else:
                    launch.settings[name] = Setting(
                        word.text, place, f"{shown_value} in GUNICORN_CMD_ARGS ({origin})"
                    )
    if "WEB_CONCURRENCY" in context.env and "workers" not in launch.settings:
        env_value, env_place, origin = context.env["WEB_CONCURRENCY"]
        launch.settings["workers"] = Setting(env_value, env_place, f"WEB_CONCURRENCY ({origin})")
    if "PORT" in context.env and "port" not in launch.settings:
        env_value, env_place, origin = context.env["PORT"]
        launch.settings["port"] = Setting(env_value, env_place, f"PORT ({origin})")
    for name, option, value in options:
        if name in ("config", "chdir", "pythonpath"):
            continue
        line = context.text.count("\n", 0, option.start) + 1
        set_setting(launch, name, option, value, context.path, f" at {where}:{line}")
    if positional and positional[0].known:
        launch.app = positional[0].text
        launch.app_place = Place(context.path, positional[0].start, positional[0].end)
    dirs = []
    for name in ("chdir", "pythonpath"):
        if name in command_line and command_line[name][1].known:
            for part in command_line[name][1].text.split(","):
                local = context.resolve(part)
                if local is not None and os.path.isdir(local):
                    dirs.append(local)
    launch.search_dirs = tuple(dirs) + launch.search_dirs


def _unknown_config(launch: Launch, what: str) -> None:
    for name in ("worker_class", "threads", "timeout", "graceful_timeout", "keepalive", "port"):
        launch.settings[name] = Setting(None, None, f"may be set in {what}")


def _read_uvicorn(launch: Launch, arguments: list[Word], context: LaunchContext) -> None:
    options, positional = read_options(arguments, _UVICORN_VALUES, _UVICORN_FLAGS, context.text)
    where = context.display(context.path)
    for env_name, name in (
        ("UVICORN_TIMEOUT_KEEP_ALIVE", "keepalive"),
        ("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "graceful_timeout"),
        ("UVICORN_PORT", "port"),
        ("WEB_CONCURRENCY", "workers"),
    ):
        if env_name in context.env:
            env_value, env_place, origin = context.env[env_name]
            launch.settings[name] = Setting(env_value, env_place, f"{env_name} ({origin})")
    app_dir = None
    for name, option, value in options:
        if name == "app_dir":
            app_dir = value.text if value.known else None
            continue
        line = context.text.count("\n", 0, option.start) + 1
        set_setting(launch, name, option, value, context.path, f" at {where}:{line}")
    if positional and positional[0].known:
        launch.app = positional[0].text
        launch.app_place = Place(context.path, positional[0].start, positional[0].end)
    if app_dir is not None:
        local = context.resolve(app_dir)
        if local is not None and os.path.isdir(local):
            launch.search_dirs = (local, *launch.search_dirs)
