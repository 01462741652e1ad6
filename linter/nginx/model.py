"""The NGINX document rules see: the expanded configuration and everything read for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from linter.document import Document
from linter.nginx.context import Stmt
from linter.nginx.effective import display_path, where
from linter.nginx.tree import FileComment, ParsedFile
from linter.record import record


@record
class InnerRoute:
    """A streaming location of an inner nginx, for the outer routes that reach it."""

    modifier: str  # "", "=", "^~", "~", "~*"
    path: str  # the location's path or regex as written
    label: str  # "location /api/"
    where: str  # "frontend/nginx/default.conf:33"
    because: str  # why the inner route streams
    service: str  # how the compose service runs that nginx
    # The inner location adds `X-Accel-Buffering: no` to its answers or passes the backend's
    # on (`proxy_pass_header`): what the outer nginx then reads, not its own buffering.
    passes_opt_out: bool = False
    # A regex location that PHP-style front controllers reach: the prefix locations of its
    # server whose `try_files` falls back to a URI it matches (`location / { try_files $uri
    # /index.php?$query_string; }` before `location ~ \.php$`), and every prefix location of
    # that server (the longest that matches a request is the one nginx picks).
    entered_by: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    # Its `*_pass` statement (the file, the offset it starts at), which the stack's facts of
    # that config name too: the outer route's next hop (linter/stack/paths.py).
    pass_at: tuple[str, int] | None = None


@dataclass
class NginxDocument(Document):
    """A loaded NGINX unit: its statement tree with includes expanded, and the evidence read
    around it."""

    # The context the main file is linted in: main (a whole nginx.conf), http (a conf.d or
    # sites-* file), server or location (a snippet).
    context: str = "main"
    root: Stmt = field(default_factory=lambda: Stmt(None, None, children=[], context="main"))
    # Every file read, by key (a path; `<stock>/name` for stock files; `dump::/path` for the
    # files of an `nginx -T` dump).
    files: dict[str, ParsedFile] = field(default_factory=dict)
    includers: dict[str, list[Stmt]] = field(default_factory=dict)
    workspace_root: str = "."
    nginx_version: tuple[int, ...] | None = None
    # LiteLLM configs found in the same repository (evidence for streaming routes).
    litellm_configs: tuple[str, ...] = ()
    # App servers launched in the same repository, by the (host, port) an upstream server may
    # name: their real keep-alive (linter/server/front.py), for NGX007.
    server_keepalives: dict[tuple[str, str], object] = field(default_factory=dict)
    # The apps of the same repository that stream, by the (host, port) a route may name (port
    # "" for any port of a compose service named so), and why (linter/server/proxied.py).
    streaming_backends: dict[tuple[str, str], str] = field(default_factory=dict)
    # The apps of the same repository read and found never to stream (no streaming endpoint,
    # no MCP SDK), by (host, port), and what they are (linter/server/proxied.py).
    quiet_backends: dict[tuple[str, str], str] = field(default_factory=dict)
    # The apps of the same repository whose own folder (a launch's app folder, a compose
    # service's build context) holds an app and no word of a stream, by (host, port; port ""
    # for any port of a compose service), and what was read (linter/server/proxied.py).
    quiet_apps: dict[tuple[str, str], str] = field(default_factory=dict)
    # Compose services of the same repository that run an object store's image (MinIO), by
    # the (host, port) a route may name (port "" for any port of the service), and what they
    # are (linter/server/proxied.py).
    object_stores: dict[tuple[str, str], str] = field(default_factory=dict)
    # The project holds its server app and nothing of it streams: what was read, for
    # messages (linter/server/quietproject.py). None when unknown.
    quiet_project: str | None = None
    # Ports the project's own server code listens on (linter/server/ownports.py), each with
    # where: an upstream on this host at such a port reaches that code, whatever LLM server
    # the port is known for.
    own_ports: dict[str, str] = field(default_factory=dict)
    # Of the streaming backends, the route paths where the app streams, when all are known.
    streaming_paths: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # Of those, the apps whose streamed answers all send `X-Accel-Buffering: no` themselves.
    unbuffered_backends: set[tuple[str, str]] = field(default_factory=set)
    # JS/TS streaming handlers of the project with a known route path (route, what and
    # where, sends `X-Accel-Buffering: no`), and the loopback addresses its launches already
    # name (and its compose services' names, port ""): a route to another loopback port, or
    # to a service name nothing names, is matched to them by path.
    path_streams: tuple[tuple[str, str, bool], ...] = ()
    # Those handlers were found at the tree's top, not in the config's project folder: a
    # location whose prefix is cut down to `/` is not matched to them (it would match all).
    path_streams_far: bool = False
    # Paths the project's browser app reads as event streams on its own origin, and what
    # was read where (linter/server/clientreaders.py): a location they fall into streams.
    client_streams: tuple[tuple[str, str], ...] = ()
    # The inner nginx of a two-tier chain: (host, port) of a compose service running nginx
    # with a config of the tree -> its streaming locations (linter/nginx/fronts.py).
    nginx_fronts: dict[tuple[str, str], tuple[InnerRoute, ...]] = field(default_factory=dict)
    named_loopback: frozenset[tuple[str, str]] = frozenset()
    # A bare service-style host (`backend`) may be matched to those handlers by path too (not
    # for a config deployed to a cluster, whose hosts are the manifests' Services).
    bare_hosts_by_path: bool = False
    # Template variables (``${BACKEND_URL}``, ``__BACKEND_URL__``) the compose service that
    # renders this config sets: name -> (value, where it is set).
    template_env: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The Gradio version the repository pins (requirements, pyproject, lock files), when a
    # route may reach a Gradio app: (its queue runs over a WebSocket, as before Gradio 4;
    # where and what is pinned). None when nothing pins it.
    gradio_pin: tuple[bool, str] | None = None
    is_dump: bool = False
    # Results computed once per document and shared by the rules (routes, upstreams).
    cache: dict[str, object] = field(default_factory=dict)

    def display(self, path: str) -> str:
        return display_path(path, self.workspace_root)

    def where(self, stmt: Stmt) -> str:
        return where(stmt, self.workspace_root)

    def statements(self) -> Iterator[Stmt]:
        """Every statement of the configuration, includes expanded, in order (listed once per
        document: the rules walk it many times)."""
        found = self.cache.get("statements")
        if found is None:
            found = self.cache["statements"] = list(self.root.walk())
        return iter(found)  # type: ignore[call-overload]

    def comments_of(self, path: str) -> list[FileComment]:
        """The comments of a file, in order (listed once per document and file)."""
        key = f"comments:{path}"
        cached = self.cache.get(key)
        if cached is None:
            cached = self.cache[key] = self._comments_of(path)
        return list(cached)  # type: ignore[call-overload]

    def _comments_of(self, path: str) -> list[FileComment]:
        found: list[FileComment] = []
        seen: set[int] = set()
        for parsed in self.files.values():
            if parsed.path != path or parsed.stock:
                continue
            for comment in parsed.comments:
                if comment.start not in seen:
                    seen.add(comment.start)
                    found.append(comment)
        return sorted(found, key=lambda c: c.start)

    def version_at_least(self, *wanted: int) -> bool:
        return self.nginx_version is not None and self.nginx_version >= wanted

    def in_real_file(self, stmt: Stmt) -> bool:
        """The statement is in a file of the tree (not a stock file), so it can be reported."""
        return stmt.directive is not None and stmt.directive.path in self.sources
