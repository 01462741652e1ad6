"""The stack's facts (one per layer found in a file) and the paths linked from them.

Facts are plain frozen records (they cross process boundaries): offsets into their files,
values in seconds, and for each value where it comes from, as a message says it. They are
``@record`` classes (linter/record.py), not dataclasses: a pre-commit check of one
NGINX file imports them all, and generating their methods took 6 ms of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linter.document import Comment, Document, hash_comments
from linter.record import record
from linter.source import SourceText


@record
class Where:
    """A span of one file (absolute path, character offsets, 1-based line)."""

    path: str
    start: int
    end: int
    line: int


@record
class Limit:
    """A time limit of a layer: seconds (None: unknown or no limit; see ``none``), how it is
    written ("proxy_read_timeout 60s") and where it comes from (a place, inherited, or the
    layer's default; ``place`` is None for a default)."""

    seconds: float | None
    text: str
    origin: str
    place: Where | None = None
    # True when the layer has no such limit at all (uvicorn has no read timeout).
    none: bool = False
    # The value holds unless a file outside the tree sets it ("unless env_file .env (...),
    # not in the tree, sets UVICORN_TIMEOUT_KEEP_ALIVE"): a finding on it is info.
    caveat: str | None = None

    @property
    def known(self) -> bool:
        return self.seconds is not None


@record
class NginxRoute:
    """A location of an NGINX config that proxies (or a snippet root)."""

    path: str  # the file of the location
    label: str  # "location /v1/"
    anchor: Where  # the proxy_pass
    listens: tuple[str, ...]  # ports of its server block
    server_names: tuple[str, ...]
    prefix: str | None  # the location's prefix (None: regex or named)
    regex: tuple[str, str] | None  # ("~" or "~*", the expression) of a regex location
    targets: tuple[tuple[str, str], ...]  # (host, port) it sends to
    pass_text: str  # "proxy_pass http://litellm:4000"
    upstream: str | None
    streaming: bool
    read: Limit
    # The upstream's idle keep-alive toward the next hop (None: no connection cache).
    idle: Limit | None
    # NGX007 already judges this upstream's keep-alive (a known or launched backend).
    idle_judged: bool
    # The server block it is in (file, line), and that block's regex locations (``~ re``,
    # ``~* re``) in order: which location answers a client's path is decided with them.
    server_key: tuple[str, int] = ("", 0)
    server_regexes: tuple[tuple[str, str], ...] = ()
    # How it maps request paths onto its backend (linter/nginx/apppaths.py), to tell which of
    # the app's streaming endpoints it reaches (None: not read, it may reach any).
    reach: tuple[str, str, str, tuple[tuple[str, str], ...]] | None = None
    # The streaming location of an inner nginx (a compose service running nginx with another
    # config of the tree) it reaches: (that config, the offset of its `*_pass`, how it is
    # reached), linter/nginx/front_signal.py.
    inner: tuple[str, int, str] | None = None


@record
class Service:
    """A docker-compose service."""

    path: str
    name: str
    anchor: Where  # the service's key
    container_name: str | None = None
    hostname: str | None = None
    # (published host port, container port, place)
    ports: tuple[tuple[str, str, Where], ...] = ()
    expose: tuple[tuple[str, Where], ...] = ()
    image: str | None = None
    command: tuple[tuple[str, Where], ...] = ()  # command (entrypoint first) words
    # (local absolute path, path in the container, place)
    volumes: tuple[tuple[str, str, Where], ...] = ()
    environment: tuple[tuple[str, str, Where], ...] = ()
    # A Kubernetes Service (with the workload it selects), read by linter.stack.kube; its
    # other DNS names (`name.namespace`, `name.namespace.svc.cluster.local`).
    kubernetes: bool = False
    aliases: tuple[str, ...] = ()
    # A Kubernetes Service's (port, the container port it sends to), and (port name, ...) for
    # a named port: a named targetPort is read from the container's ports; one that cannot be
    # is left out.
    targets: tuple[tuple[str, str], ...] = ()
    # A Kubernetes Service's workload container's environment variable names, each with its
    # place in the workload's manifest (what the app calls, for route evidence).
    env_names: tuple[tuple[str, Where], ...] = ()
    # Those of them written as a literal `value:` (name, value): what a config template the
    # container renders is filled with (linter/server/kubefronts.py).
    env_values: tuple[tuple[str, str], ...] = ()

    @property
    def what(self) -> str:
        return "Kubernetes Service" if self.kubernetes else "compose service"

    @property
    def words(self) -> list[str]:
        return [word for word, _ in self.command]

    def runs_command_at(self, path: str, offset: int) -> bool:
        """Whether a launch read at ``offset`` of ``path`` is this service's own command (a
        Kubernetes workload's ``command``/``args``, which the launch was read from)."""
        if not self.command or self.command[0][1].path != path:
            return False
        first = min(place.start for _, place in self.command)
        last = max(place.end for _, place in self.command)
        return first <= offset <= last

    def option(self, *names: str) -> tuple[str, Where] | None:
        """The value of a command-line option (``--config X`` or ``--config=X``)."""
        for index, (word, place) in enumerate(self.command):
            for name in names:
                if word == name and index + 1 < len(self.command):
                    return self.command[index + 1]
                if word.startswith(name + "="):
                    return word[len(name) + 1 :], place
        return None

    @property
    def litellm(self) -> bool:
        image = (self.image or "").lower()
        return "litellm" in image.rsplit("/", 1)[-1] or any(
            word.rsplit("/", 1)[-1] == "litellm" for word in self.words[:2]
        )


@record
class AppLaunch:
    """An app server launch of the server kind that a compose service (or Procfile) names."""

    path: str  # the launch file
    service: str | None
    server: str
    launcher: str
    anchor: Where
    port: str | None
    keepalive: Limit | None  # its idle keep-alive (None: closes after each request)
    total: Limit | None  # a worker killed at timeout while it writes (gunicorn sync)
    streams: str | None  # the evidence that it streams
    # Its app's streaming responses: (file, line, column, end line, end column, what, pings:
    # True / False / None for not known, the route paths it answers: None for not known).
    endpoints: tuple[
        tuple[str, int, int, int, int, str, bool | None, tuple[str, ...] | None], ...
    ] = ()
    # How long its app waits on its own LLM calls (the shortest known; None: no call, or one
    # whose timeout is unknown), with its place (linter/stack/appcalls.py).
    waits: Limit | None = None
    # A proxy of the same host may reach it on a loopback address (False for a Kubernetes
    # container; a compose service's launch is reached through its service instead).
    loopback: bool = True


@record
class LiteLLMConfig:
    path: str
    anchor: Where  # litellm_settings key, else the file's first key
    read: Limit  # the per-read stream timeout toward the provider
    pings: Limit | None  # a heartbeat it sends while waiting (None: none)
    settings_key: bool  # anchor is the litellm_settings key
    # The stream timeout of the deployment that waits longest, when longer than ``read`` (the
    # shortest): a front cutting before it cuts that deployment's streams first.
    longest: Limit | None = None


@record
class Client:
    """A Python client constructed with a base URL."""

    path: str
    anchor: Where
    library: str
    url: str | None  # the URL (literal, or the environment default)
    url_said: str  # where the URL comes from
    env: str | None  # the environment variable that holds it
    read: Limit
    # Its module asks for a stream somewhere (`stream=True`, `.stream(`, `iter_lines`): a
    # client whose module never does is taken to make plain requests (no heartbeat helps).
    streams: bool = True


@record
class IngressRoute:
    """A path of a Kubernetes Ingress that streams (the k8s kind's evidence), with the
    backend service it names and its controller's read timeout."""

    path: str  # the file of the path entry (a manifest or a chart template)
    label: str  # "Ingress chat, path /v1/"
    anchor: Where
    service: str | None  # None: a template value that could not be resolved
    port: str | None
    read: Limit
    # A CDN edge in front that the repository says is there (Cloudflare's proxy: 100 s).
    edge: Limit | None = None
    # The nginx its backend Service runs, when the path is a route to an LLM backend through
    # it (linter/server/kubefronts.py's FrontRoute): the next hop, and where it sends.
    front: Any = None
    # A Gateway API route's cap on the whole answer (linter/stack/gateways.py), taken as its
    # read limit: heartbeats from behind do not reset it.
    total_cap: bool = False


Fact = NginxRoute | Service | AppLaunch | LiteLLMConfig | Client | IngressRoute


@dataclass(frozen=True)
class Hop:
    layer: str  # client, nginx, app server, litellm, provider
    name: str
    anchor: Where | None
    read: Limit | None = None  # idle limit while waiting for the next hop's bytes
    idle: Limit | None = None  # keep-alive toward the next hop
    own_idle: Limit | None = None  # its own keep-alive toward the hop in front
    total: Limit | None = None
    pings: Limit | None = None  # a heartbeat it sends toward the front
    fact: Any = field(default=None, compare=False)


@record
class Link:
    """How hop ``index`` reaches hop ``index + 1``, and the file that says so."""

    evidence: str
    place: Where | None


@dataclass
class StackPath:
    hops: list[Hop]
    links: list[Link]
    # What could not be linked after the last hop (said, never guessed).
    gap: str | None = None
    # False for a route that does not stream but waits for its app's own LLM call: its read
    # limits count (XL001), heartbeats and keep-alive races are not judged on it.
    streamed: bool = True

    def cut_first(self) -> int | None:
        """The hop whose read limit cuts a long silence first: the smallest known one not kept
        alive by heartbeats from behind it (the outermost on a tie); None when none is known."""
        best: int | None = None
        for index, hop in enumerate(self.hops):
            limit = hop.read
            if limit is None or limit.seconds is None:
                continue
            if self._pinged(index, limit.seconds):
                continue
            if best is None or limit.seconds < (self.hops[best].read.seconds or 0):  # type: ignore[union-attr]
                best = index
        return best

    def _pinged(self, index: int, seconds: float) -> bool:
        """A hop behind ``index`` sends heartbeats more often than ``seconds``, or (on a
        stream) the app behind it answers this route only with responses that ping. A
        gateway's cap on the whole answer is never reset by them."""
        if self.hops[index].layer == "gateway":
            return False
        return any(
            (
                hop.pings is not None
                and hop.pings.seconds is not None
                and hop.pings.seconds < seconds
            )
            or (self.streamed and self._app_pings(j))
            for j, hop in enumerate(self.hops[index + 1 :], start=index + 1)
        )

    def _app_pings(self, app: int) -> bool:
        """Hop ``app`` is an app server whose streaming responses on this route are known and
        all send heartbeats (their interval is not read: sse_starlette's is 15 s, and a ping
        loop of the app's own is taken to be as frequent, as XL003 takes it)."""
        launch = self.hops[app].fact
        if not isinstance(launch, AppLaunch) or app == 0:
            return False
        reached = [e for e in launch.endpoints if self.reaches(app, e[7])]
        return bool(reached) and all(e[6] is True for e in reached)

    def reaches(self, app: int, routes: tuple[str, ...] | None) -> bool:
        """The NGINX location just in front of hop ``app`` may reach a response answering
        ``routes`` (a longer location beside it may take them: linter/nginx/apppaths.py).
        Not known is yes."""
        front = self.hops[app - 1].fact
        if routes is None or not isinstance(front, NginxRoute) or front.reach is None:
            return True
        from linter.nginx.apppaths import reach_covers  # only paths through NGINX need it

        return reach_covers(front.reach, routes)

    def link_between(self, front: int, behind: int) -> Link | None:
        """The link that leads toward hop ``behind`` (the last one before it)."""
        if behind - 1 < len(self.links):
            return self.links[behind - 1]
        return None


class StackDocument(Document):
    """What XL rules read: every path of the repository and the files they go through."""

    def __init__(self, source: SourceText, paths: list[StackPath], read: Any) -> None:
        super().__init__(kind="stack", source=source)
        self.paths = paths
        self._read = read  # path -> SourceText | None

    def source_of(self, path: str) -> SourceText | None:
        known = self.sources.get(path)
        if known is None:
            known = self._read(path)
            if known is not None:
                self.sources[path] = known
        return known

    def comments(self, path: str) -> list[Comment]:
        source = self.source_of(path)
        return list(hash_comments(source)) if source is not None else []
