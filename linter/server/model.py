"""The app-server document rules see: every launch line of a launch file, resolved.

A launch is one way an app server is started (a Dockerfile CMD, a compose service, a Procfile
process, an entry script, ``uvicorn.run``): which server, which app, and each setting with the
place that sets it (command line, ``GUNICORN_CMD_ARGS``, a config file) or the server's
default. What the app serves (its streaming endpoints) is evidence found in the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linter.document import Document

if TYPE_CHECKING:
    from linter.server.front import ProxyIdle

# The settings the rules read, and each server's default (None: no limit by default).
GUNICORN_DEFAULTS: dict[str, str | None] = {
    "worker_class": "sync",
    "threads": "1",
    "workers": "1",
    "timeout": "30",
    "graceful_timeout": "30",
    "keepalive": "2",
    "port": "8000",
}
UVICORN_DEFAULTS: dict[str, str | None] = {
    "keepalive": "5",
    "graceful_timeout": None,
    "workers": "1",
    "port": "8000",
}
# hypercorn's config file keys (hypercorn.config.Config attributes) -> our settings.
HYPERCORN_KEYS = {
    "keep_alive_timeout": "keepalive",
    "graceful_timeout": "graceful_timeout",
    "worker_class": "worker_class",
    "workers": "workers",
    "bind": "bind",
}
# hypercorn's Config (hypercorn 0.18, src/hypercorn/config.py): keep_alive_timeout 5s,
# graceful_timeout 3s (SIGTERM then 3s for the requests in flight), asyncio workers.
HYPERCORN_DEFAULTS: dict[str, str | None] = {
    "worker_class": "asyncio",
    "workers": "1",
    "graceful_timeout": "3",
    "keepalive": "5",
    "port": "8000",
}
# granian 2.x (granian/http.py, cli.py): HTTP/1 keep-alive on, and the header read timeout
# (30000 ms) also closes a kept-alive connection that waits idle for its next request (hyper
# 1.6 and later, which granian 2.0 and later use); --workers-kill-timeout off (waits).
GRANIAN_DEFAULTS: dict[str, str | None] = {
    "workers": "1",
    "graceful_timeout": None,
    "keepalive": "30",
    "port": "8000",
}
DEFAULTS = {
    "gunicorn": GUNICORN_DEFAULTS,
    "uvicorn": UVICORN_DEFAULTS,
    "hypercorn": HYPERCORN_DEFAULTS,
    "granian": GRANIAN_DEFAULTS,
}
# How each server names its keep-alive and graceful timeout, for messages.
KEEPALIVE_NAMES = {
    "gunicorn": "keepalive",
    "uvicorn": "timeout_keep_alive",
    "hypercorn": "keep_alive_timeout",
    "granian": "http1 header read timeout",
}
GRACEFUL_NAMES = {
    "gunicorn": "graceful_timeout",
    "uvicorn": "timeout_graceful_shutdown",
    "hypercorn": "graceful_timeout",
    "granian": "workers_kill_timeout",
}
SETTING_LABELS = {
    "worker_class": "worker class",
    "threads": "threads",
    "workers": "workers",
    "timeout": "timeout",
    "graceful_timeout": "graceful timeout",
    "keepalive": "keep-alive",
    "port": "port",
}


def worker_name(value: str) -> str:
    """``gunicorn.workers.sync.SyncWorker`` -> ``sync``; ``egg:gunicorn#gthread`` -> ``gthread``."""
    short = value.rsplit("#", 1)[-1].rsplit(".", 1)[-1].lower()
    return {"syncworker": "sync", "threadworker": "gthread"}.get(short, short)


@dataclass(frozen=True)
class Place:
    """A span of one file of the document."""

    path: str
    start: int
    end: int


@dataclass(frozen=True)
class Setting:
    """A setting's effective value (None: unknown, e.g. from a config file outside the tree),
    where it is set (None: the server's default) and how to say so."""

    value: str | None
    place: Place | None
    origin: str
    # The value holds unless a file that is not in the tree (an ``env_file:`` that is
    # gitignored) sets it: the words a finding adds ("unless ... sets GUNICORN_CMD_ARGS").
    # ``Launch.setting`` gives such a setting as unknown (with ``unknown``'s words) unless the
    # caller asks for the caveated value.
    caveat: str | None = None
    unknown: str | None = None
    # Where a value read through a settings object is set (`_Settings.PORT` at settings.py:7):
    # a reader of a finding cannot see it on the launch line, so messages name it.
    via: str | None = None


@dataclass(frozen=True)
class Evidence:
    """Why the app is believed to stream: what was found, and where."""

    what: str
    path: str
    line: int
    # The media type the response is written with, when a constant says (`text/csv` for a
    # file download, `text/event-stream` for SSE); None when the code does not say.
    media: str | None = None
    # For a streaming response: does its body send heartbeats while it waits (sse_starlette's
    # pings, a generator that yields a ping)? None: not known (the body is made elsewhere).
    pings: bool | None = None
    # The response's place on its line (1-based column, end column): where a ping goes.
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    # The response sends `X-Accel-Buffering: no` itself (a header of its call).
    unbuffered: bool = False
    # The route paths of the handlers it answers, where literals give them (None: not known;
    # linter/server/routepaths.py).
    routes: tuple[str, ...] | None = None
    # The (module, router object) those handlers are registered on: a prefix the app mounts
    # that router under goes in front of its paths (linter/server/routepaths.py).
    router: tuple[str, str] | None = None


@dataclass
class Launch:
    server: str  # "gunicorn", "uvicorn", "hypercorn" or "granian"
    # The server's command word (or the uvicorn.run call): where findings about defaults go.
    command: Place
    # How it is started, for messages: "Dockerfile CMD", "compose service `api` command", ...
    launcher: str
    app: str | None = None
    app_place: Place | None = None
    settings: dict[str, Setting] = field(default_factory=dict)
    # Folders an app module named on the command line is looked up in (absolute).
    search_dirs: tuple[str, ...] = ()
    # Packages its image copies below its working folder under a name of their own
    # (``COPY ./ ./backend/`` run as ``backend.main:app``): (dotted name, local folder,
    # which instruction says so).
    packages: tuple[tuple[str, str, str], ...] = ()
    # A compose service name or a Procfile process type: how a proxy in front names it.
    service: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    # The app is an LLM proxy served by this server (litellm, vllm): streams by its nature.
    llm_proxy: str | None = None
    # The read timeouts of the LLM calls its app's modules make (linter/stack/appcalls.py):
    # how long the app itself waits on a model before it answers.
    llm_waits: list[Any] = field(default_factory=list)
    # ASGI or WSGI, when the app file says so (FastAPI/Starlette vs Flask/Django).
    interface: str | None = None
    # A module of the app imports an MCP SDK (`mcp`, `fastmcp`): it may serve MCP's
    # streamable HTTP, whose answers are SSE, with none of the responses apps.py reads.
    imports_mcp: bool = False
    # A module of the app mounts a router under a prefix or a sub-app: the route paths its
    # handlers write are not where it serves them (linter/server/routepaths.py).
    routes_moved: bool = False
    # (router, prefix, the router it is mounted on): linter/server/routepaths.py's Mount.
    mounted: list[tuple[tuple[str, str], str, tuple[str, str] | None]] = field(default_factory=list)
    # NGINX upstreams of the repository in front of this server (linter.server.front).
    proxies: list[ProxyIdle] = field(default_factory=list)
    # A proxy config of the repository may reach it on a loopback address (False for a
    # Kubernetes container: only a sidecar in its own pod could, and the repository's NGINX
    # files are not that sidecar's).
    loopback: bool = True
    # The gunicorn config file of the tree this launch reads (as shown), and the places of
    # the settings it writes: a setting left at its default is changed there.
    config_file: str | None = None
    config_places: dict[str, Place] = field(default_factory=dict)
    # Read from a gunicorn.conf.py no launch line names, for the one app defined beside it
    # (linter.server.configlaunch.app_beside): dropped when a launch line serves that app.
    beside: bool = False
    # The app's modules were read only in part (linter/server/apps.py's limit): no evidence
    # found is not "no streaming endpoint".
    partial: bool = False
    # The environment the server starts with, where the tree gives values (compose's
    # `environment:`, a Dockerfile's ENV): which mode an app factory picks (modeswitch.py).
    environment: dict[str, str] = field(default_factory=dict)
    # A Kubernetes container's image that the tree does not build: its files (the app the
    # command names) are not in the repository, unless a launch line of the tree serves the
    # very same app (linter/server/twins.py).
    foreign_image: str | None = None

    def default_place(self, name: str) -> Place | None:
        """Where a finding about setting ``name`` left at its default goes when the launch
        reads a config file of the tree (the fix is written there): beside the timeout for
        the graceful timeout, else at the file's first setting."""
        if self.config_file is None or not self.config_places:
            return None
        if name == "graceful_timeout" and "timeout" in self.config_places:
            return self.config_places["timeout"]
        return next(iter(self.config_places.values()))

    def setting(self, name: str, caveated: bool = False) -> Setting:
        """The setting's value; one that holds only unless an unread file sets it is unknown,
        except to a caller that reports with the caveat (``caveated``)."""
        found = self.settings.get(name)
        if found is not None:
            if found.caveat is not None and not caveated:
                return Setting(None, None, found.unknown or found.caveat)
            return found
        defaults = DEFAULTS.get(self.server, {})
        origin = f"{self.server}'s default"
        if self.config_file is not None:
            origin += f"; {self.config_file}, which it reads, does not set it"
        return Setting(defaults.get(name), None, origin)

    def streams(self) -> bool:
        return bool(self.evidence) or self.llm_proxy is not None

    def stream_evidence(self) -> str:
        if self.llm_proxy is not None:
            return f"the app is {self.llm_proxy}, an LLM proxy that streams completions"
        first = self.evidence[0]
        more = f" (and {len(self.evidence) - 1} more)" if len(self.evidence) > 1 else ""
        return f"{first.what} at {first.path}:{first.line}{more}"


@dataclass
class ServerDocument(Document):
    launches: list[Launch] = field(default_factory=list)
    workspace_root: str = "."
    # Files of the linted tree that put a proxy in front (nginx configs).
    proxy_configs: tuple[str, ...] = ()
    cache: dict[str, object] = field(default_factory=dict)


# Settings a variable of the environment can set, for one server or another (GUNICORN_CMD_ARGS,
# UVICORN_*, GRANIAN_*, VLLM_HTTP_TIMEOUT_KEEP_ALIVE, KEEPALIVE_TIMEOUT, PORT, ...).
_ENV_SETTABLE = (
    "worker_class",
    "threads",
    "workers",
    "timeout",
    "graceful_timeout",
    "keepalive",
    "port",
)


# The variables each server reads its settings from (a caveat names them).
_ENV_VARIABLES = {
    "gunicorn": dict.fromkeys(_ENV_SETTABLE, "GUNICORN_CMD_ARGS"),
    "uvicorn": {
        "keepalive": "UVICORN_TIMEOUT_KEEP_ALIVE",
        "graceful_timeout": "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN",
        "workers": "WEB_CONCURRENCY",
        "port": "UVICORN_PORT",
    },
}


def _without_path(origin: str, path: str) -> str:
    """``origin`` without the file's name as it shows it (``at app (env_file)/compose.yml:6``):
    the words that say where a value comes from are looked for in the rest only."""
    parts = path.replace("\\", "/").split("/")
    for count in range(len(parts), 0, -1):
        shown = "/".join(parts[-count:])
        if shown and shown in origin:
            return origin.replace(shown, "")
    return origin


def unknown_unless_on_command_line(launch: Launch, said: str, unread: str | None = None) -> None:
    """What an unread environment file may set is unknown, except a value the command line
    itself writes (the command line wins over the environment). ``unread`` (the file, as a
    caveat names it): for a server whose variables are known (gunicorn's GUNICORN_CMD_ARGS,
    uvicorn's UVICORN_*), the value found without the file is kept with the caveat that the
    file may set that variable; a caller that does not ask for caveated values still sees
    it unknown."""
    variables = _ENV_VARIABLES.get(launch.server, {})
    for name in _ENV_SETTABLE:
        setting = launch.setting(name)
        place = setting.place
        written = (
            place is not None
            and place.path == launch.command.path
            and not any(
                mark in _without_path(setting.origin, place.path)
                for mark in ("environment of", "ENV at", "env_file", "(")
            )
        )
        if written:
            continue
        variable = variables.get(name)
        if unread is not None and variable is not None and setting.value is not None:
            launch.settings[name] = Setting(
                setting.value,
                setting.place,
                setting.origin,
                caveat=f"unless {unread} sets {variable}",
                unknown=said,
            )
        else:
            launch.settings[name] = Setting(None, None, said)
