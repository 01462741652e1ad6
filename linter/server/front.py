"""Which proxy of the repository stands in front of which app server, matched by address.

An NGINX ``upstream`` server ``host:port`` is in front of a launch when the port is the port
the server listens on and the host is the launch's compose service (or process) name, or a
loopback address. Nothing else is guessed: an upstream that matches no launch, or several
launches with different keep-alives, gives no answer.

Both sides use it: SRV003 (the server's keep-alive against the proxy's idle timeout) and
NGX007 (the proxy's idle timeout against the server's real keep-alive, instead of uvicorn's
default).
"""

from __future__ import annotations

import bisect
import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from linter import preparation
from linter.discovery import project_folder
from linter.hostnames import LOOPBACK
from linter.pathmatch import relative_posix
from linter.server.model import KEEPALIVE_NAMES, worker_name
from linter.server.treefiles import launch_files
from linter.server.twins import borrow_app_files

if TYPE_CHECKING:
    from linter.server.model import Launch
    from linter.workspace import Workspace


@dataclass(frozen=True)
class ServerKeepalive:
    """An app server's idle keep-alive as launched: seconds, and where that comes from."""

    seconds: float
    said: str  # "gunicorn keepalive 2s (gunicorn's default), launched by Dockerfile CMD (...)"
    server: str
    # The value holds unless a file that is not in the tree sets it ("unless env_file .env
    # (...), not in the tree, sets UVICORN_TIMEOUT_KEEP_ALIVE"): a finding on it is info.
    caveat: str | None = None


@dataclass(frozen=True)
class ProxyIdle:
    """An NGINX upstream in front of a launch, with keep-alive on."""

    upstream: str
    seconds: float
    said: str  # where the idle timeout is set, or nginx's default
    path: str
    line: int


def seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def near(launch_file: str, proxy_file: str) -> bool:
    """Do a launch file and a proxy config belong to one project? The proxy config lies in the
    launch file's folder (or below it), or the launch file lies in the folder above the proxy
    config's own (``nginx/nginx.conf`` beside ``docker-compose.yml`` or ``backend/``), or above
    its NGINX folder for a config in a layout folder (``nginx/sites-available/app``). Two
    projects of one tree never match by a shared port on localhost."""
    launch_dir = os.path.dirname(launch_file)
    proxy_parent = project_folder(proxy_file)
    return _within(proxy_file, launch_dir) or _within(launch_file, proxy_parent)


def _within(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


_T = TypeVar("_T")


class _NearIndex:
    """The positions of files ``near`` a proxy config, found without testing every file
    (each NGINX unit asks about all the run's launch files: configs x launch files tests).
    A file's folder (with its separator) that begins the config's path ends where the
    config's path has a separator: each of those prefixes is looked up. The files below the
    config's parent's folder are one run of the sorted paths."""

    def __init__(self, files: Sequence[str]) -> None:
        self.by_folder: dict[str, list[int]] = {}
        for position, file in enumerate(files):
            folder = os.path.dirname(file).rstrip(os.sep) + os.sep
            self.by_folder.setdefault(folder, []).append(position)
        self.ordered = sorted((file, position) for position, file in enumerate(files))
        self.names = [file for file, _ in self.ordered]

    def near(self, proxy_file: str) -> list[int]:
        found: set[int] = set()
        end = proxy_file.find(os.sep)
        while end >= 0:
            found.update(self.by_folder.get(proxy_file[: end + 1], ()))
            end = proxy_file.find(os.sep, end + 1)
        parent = project_folder(proxy_file).rstrip(os.sep) + os.sep
        at = bisect.bisect_left(self.names, parent)
        while at < len(self.names) and self.names[at].startswith(parent):
            found.add(self.ordered[at][1])
            at += 1
        return sorted(found)


def near_ones(
    workspace: Workspace, entries: list[_T], file_of: Callable[[_T], str], proxy_file: str
) -> list[_T]:
    """The entries (in their order) whose file is ``near`` ``proxy_file``: ``entries`` is a
    list kept for the run (workspace.memo), indexed once per process."""
    index = derived(
        workspace, "near-index", entries, lambda: _NearIndex([file_of(e) for e in entries])
    )
    return [entries[position] for position in index.near(proxy_file)]


class _Derived:
    """What was made from a list of this process (``derived``)."""

    __slots__ = ("source", "value")

    def __init__(self, source: object, value: object) -> None:
        self.source = source
        self.value = value

    def __reduce__(self) -> Any:
        # Never sent from the preparing process (linter.preparation): it stands for a list
        # of that process, and is quickly made again from the list where it is used.
        raise TypeError("not sent between processes")


def derived(workspace: Workspace, name: str, source: object, make: Callable[[], _T]) -> _T:
    """``make()``, once per process for this very ``source`` (a list kept in workspace.memo
    for the run, which the result was made from)."""
    key = ("server", name, id(source))
    known = workspace.memo.get(key)
    if not (isinstance(known, _Derived) and known.source is source):
        known = _Derived(source, make())
        workspace.memo[key] = known
    return known.value  # type: ignore[return-value]


def serves(launch: Launch, host: str, port: str) -> bool:
    """Does an upstream server ``host:port`` reach this launch?"""
    own_port = launch.setting("port").value
    if own_port is None or port != own_port:
        return False
    return (launch.loopback and host in LOOPBACK) or (
        launch.service is not None and host == launch.service
    )


def keepalive_of(launch: Launch, caveated: bool = False) -> ServerKeepalive | None:
    """The launch's keep-alive. gunicorn's sync worker closes after each request (no
    keep-alive at all); UvicornWorker and gthread use ``keepalive``; uvicorn its own.
    ``caveated``: a value that holds unless a file outside the tree (a gitignored ``.env``)
    sets it is given, with that caveat; else such a value is unknown."""
    caveats: list[str] = []
    if launch.server == "gunicorn":
        worker = launch.setting("worker_class", caveated)
        threads_setting = launch.setting("threads", caveated)
        threads = seconds(threads_setting.value)
        if worker.value is None or threads is None:
            return None
        if worker_name(worker.value) == "sync" and threads <= 1:
            return None
        caveats += [s.caveat for s in (worker, threads_setting) if s.caveat is not None]
    setting = launch.setting("keepalive", caveated)
    value = seconds(setting.value)
    if value is None:
        return None
    if setting.caveat is not None:
        caveats.insert(0, setting.caveat)
    label = KEEPALIVE_NAMES.get(launch.server, "keep-alive")
    return ServerKeepalive(
        value,
        f"{launch.server} {label} {value:g}s ({setting.origin}), launched by {launch.launcher}",
        launch.server,
        caveats[0] if caveats else None,
    )


def server_launches(workspace: Workspace, anchor: str | None = None) -> list[tuple[str, Launch]]:
    """Every launch of the run's launch files, with the file it is launched from (read once
    per process)."""
    files = launch_files(workspace, anchor)
    key = ("server", "launches", files)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    preparation.await_prepared(workspace)  # (a worker: made by the preparing child)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    from linter.server.handler import _referenced
    from linter.server.launches import Reader
    from linter.server.model import ServerDocument

    found: list[tuple[str, Launch]] = []
    referenced = _referenced(workspace)
    for path in files:
        if path in referenced:
            continue
        try:
            source = workspace.read_source(path)
            scratch = ServerDocument(kind="server", source=source)
            found.extend((path, launch) for launch in Reader(scratch, workspace).read(path))
        except Exception:  # evidence only
            continue
    every = [launch for _, launch in found]
    borrow_app_files(every, every, workspace.inside)
    workspace.memo[key] = found
    return found


def keepalives_by_address(
    workspace: Workspace, proxy_file: str
) -> dict[tuple[str, str], ServerKeepalive]:
    """For NGX007: (host, port) an upstream server of ``proxy_file`` may name -> the keep-alive
    of the one app server of its project it reaches. Addresses two launches answer with
    different keep-alives are left out."""
    answering: dict[tuple[str, str], list[tuple[int, ServerKeepalive | None]]] = {}
    launches = server_launches(workspace, proxy_file)
    for home, launch in near_ones(workspace, launches, _home, proxy_file):
        port = launch.setting("port").value
        if port is None:
            continue
        keepalive = keepalive_of(launch, caveated=True)
        hosts = (set(LOOPBACK) if launch.loopback else set()) | (
            {launch.service} if launch.service else set()
        )
        for host in hosts:
            answering.setdefault((host, port), []).append((closeness(home, proxy_file), keepalive))
    result: dict[tuple[str, str], ServerKeepalive] = {}
    for address, answers in answering.items():
        # Only the launches kept closest to the proxy config (see ``closeness``).
        closest = max(close for close, _ in answers)
        known = [k for close, k in answers if close == closest and k is not None]
        if known and all(k.seconds == known[0].seconds for k in known):
            result[address] = known[0]
    return result


def closeness(launch_file: str, proxy_file: str) -> int:
    """How close a launch file is to a proxy config: the length of their folders' common
    path. Of two launches of one project that answer one address (a compose service that
    publishes the port, a systemd unit that binds it: two ways to deploy), the one kept
    beside the proxy config is the deployment that config belongs to."""
    try:
        common = os.path.commonpath([os.path.dirname(launch_file), os.path.dirname(proxy_file)])
    except ValueError:
        return 0
    return len(common)


def _nearest(home: str, host: str, port: str, proxy_file: str, workspace: Workspace) -> bool:
    """Is no other launch of the project answering ``host:port`` closer to ``proxy_file``?"""
    own = closeness(home, proxy_file)
    launches = server_launches(workspace, proxy_file)
    return all(
        closeness(other, proxy_file) <= own
        for other, launch in near_ones(workspace, launches, _home, proxy_file)
        if serves(launch, host, port)
    )


def _home(entry: tuple[str, Launch]) -> str:
    return entry[0]


def proxies_in_front(launch: Launch, workspace: Workspace, home: str) -> list[ProxyIdle]:
    """NGINX upstreams of the project (see ``near``) that reach this launch, launched from
    ``home``, with keep-alive on (when another launch of the project answers the same
    address, the one closer to the proxy config is the one behind it)."""
    port = launch.setting("port").value
    if port is None:
        return []
    return [
        proxy
        for (host, _), proxy, proxy_file in _upstreams_by_port(workspace).get(port, ())
        if serves(launch, host, port)
        and near(home, proxy_file)
        and _nearest(home, host, port, proxy_file, workspace)
    ]


_Upstream = tuple[tuple[str, str], ProxyIdle, str]


def _upstreams_by_port(workspace: Workspace) -> dict[str, list[_Upstream]]:
    """``nginx_upstreams`` by port, in their order: a launch serves only those of its own
    port (each launch looked at every upstream of the run)."""
    upstreams = nginx_upstreams(workspace)

    def make() -> dict[str, list[_Upstream]]:
        by_port: dict[str, list[_Upstream]] = {}
        for upstream in upstreams:
            by_port.setdefault(upstream[0][1], []).append(upstream)
        return by_port

    return derived(workspace, "upstreams-by-port", upstreams, make)


def proxy_configs(workspace: Workspace) -> tuple[tuple[str, bool], ...]:
    """The run's NGINX configs, each with whether its kind is sure: those its name says, then
    those only their content can (``site.conf``: a parse decides, where they are loaded).
    Once per run."""
    sure = tuple(workspace.discovered.get("nginx", ()))
    undecided = tuple(workspace.discovered.get("nginx-undecided", ()))
    key = ("server", "proxy-configs", sure, undecided)
    known = workspace.memo.get(key)
    if isinstance(known, tuple):
        return known
    found = tuple((path, True) for path in sure) + tuple(
        (path, False) for path in undecided if _may_hold_upstream(path, workspace)
    )
    workspace.memo[key] = found
    return found


def _may_hold_upstream(path: str, workspace: Workspace) -> bool:
    """A byte test before a parse: only an ``upstream`` block (here or in a file it
    includes) keeps connections alive toward a server."""
    from linter.workspace import ReadFailure

    try:
        data = workspace.read_bytes(path)
    except ReadFailure:
        return False
    return b"upstream" in data or b"include" in data


def nginx_upstreams(workspace: Workspace) -> list[tuple[tuple[str, str], ProxyIdle, str]]:
    """Every upstream server address of the run's NGINX configs with keep-alive on, and its
    idle timeout (read once per process)."""
    entries = proxy_configs(workspace)
    key = ("server", "nginx-upstreams", entries)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    preparation.await_prepared(workspace)  # (a worker: made by the preparing child)
    known = workspace.memo.get(key)
    if isinstance(known, list):
        return known
    found: list[tuple[tuple[str, str], ProxyIdle, str]] = []
    if entries:
        from linter import kinds
        from linter.config import default_settings

        handler = kinds.handler("nginx")
        settings = default_settings()
        try:
            units = handler.plan_undecided(list(entries), workspace)  # type: ignore[attr-defined]
        except Exception:
            units = []
        # What a group of configs read is forgotten once its upstreams are taken, unless the
        # run keeps what it reads: every config's tree, kept, raised the peak memory of a
        # two-worker run (in the preparing process, while the workers work) and of a
        # one-process run (within the unit that asked first, 33 MB on the benchmark).
        releasing = preparation.preparing() or not workspace.keeps_reads
        mark = workspace.mark()
        # A config's tree holds cycles, freed only by a collection: by the collector's own
        # pace, the trees of ten groups were garbage at once (10 MB). While they are read, only
        # explicit collections of the youngest generation run, one per group (it holds what
        # the group made, nothing older: cheap).
        collecting = releasing and gc.isenabled()
        if collecting:
            gc.disable()
        try:
            _take_upstreams(units, handler, workspace, settings, found, releasing, mark)
        finally:
            if collecting:
                gc.enable()
    workspace.memo[key] = found
    return found


def _take_upstreams(
    units: list[Any],
    handler: Any,
    workspace: Workspace,
    settings: Any,
    found: list[tuple[tuple[str, str], ProxyIdle, str]],
    releasing: bool,
    mark: int,
) -> None:
    """``nginx_upstreams`` of the loaded units, added to ``found``; with ``releasing``, what a
    group of configs read is forgotten once its upstreams are taken."""
    for position, unit in enumerate(units):
        if releasing and position and unit.group != units[position - 1].group:
            workspace.release(mark)
            gc.collect(0)
        found.extend(_unit_upstreams(unit, handler, workspace, settings))


def _unit_upstreams(
    unit: Any, handler: Any, workspace: Workspace, settings: Any
) -> list[tuple[tuple[str, str], ProxyIdle, str]]:
    # (A function of its own: nothing of the unit's tree is held once it returns.)
    from linter.nginx.assess import keepalive_of as nginx_keepalive
    from linter.nginx.routes import pass_host, upstreams
    from linter.nginx.timevalue import parse_time

    found: list[tuple[tuple[str, str], ProxyIdle, str]] = []
    try:
        document = handler.load(unit, workspace, settings)
    except Exception:  # evidence only
        return found
    if document.fatal:
        return found
    for name, upstream in upstreams(document).items():
        mode, _ = nginx_keepalive(document, upstream)
        if mode not in ("explicit", "implicit"):
            continue
        timeouts = upstream.level_named("keepalive_timeout")
        if timeouts:
            directive = timeouts[0].directive
            if directive is None or not directive.args or directive.args[0].has_placeholder:
                continue
            parsed = parse_time(directive.args[0].value)
            if parsed is None:
                continue
            idle = parsed.milliseconds / 1000
            said = f"keepalive_timeout {directive.args[0].raw} at {document.where(timeouts[0])}"
            path, line = _stmt_place(timeouts[0], document, workspace)
        else:
            idle = 60.0
            said = f"nginx's default keepalive_timeout 60s in upstream {name} at {document.where(upstream)}"
            path, line = _stmt_place(upstream, document, workspace)
        for server in upstream.level_named("server"):
            if server.args:
                host, port = pass_host(server.args[0])
                proxy = ProxyIdle(name, idle, said, path, line)
                found.append(((host, port), proxy, unit.path))
    return found


def _stmt_place(stmt: object, document: object, workspace: Workspace) -> tuple[str, int]:
    where = document.where(stmt)  # type: ignore[attr-defined]
    path, _, line = where.rpartition(":")
    return relative_posix(path, workspace.root) if path.startswith("/") else path, int(
        line
    ) if line.isdigit() else 0
