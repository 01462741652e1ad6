"""What an app server serves: the app module named on its launch line, found in the tree, and
the streaming endpoints in it and in the local modules it imports.

Evidence that an app streams, strongest first: the app is an LLM proxy (litellm, vllm); a
``StreamingResponse`` or ``EventSourceResponse`` (starlette, fastapi, sse_starlette) is
returned; Flask's ``stream_with_context`` or a ``Response`` built from a generator. Only
modules reached from the app module by imports count: a streaming helper elsewhere in the
tree says nothing about this server.
"""

from __future__ import annotations

import ast
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from linter.llmservers import UVICORN_LLM_SERVERS
from linter.server.appmodules import (
    folder_modules,
    memo_missing_module_folder,
    memo_module_file,
    missing_module_folder,
    module_file,
    read_in_place,
)
from linter.server.django import (
    DJANGO_HTTP,
    DJANGO_STREAMING,
    django_modules,
    streamed_django_media,
)
from linter.server.model import Evidence, Launch
from linter.server.modeswitch import Condition, conditional_imports, decided
from linter.server.pyread import parse
from linter.server.responses import (
    HEARTBEAT,
    RESPONSE_MARKERS,
    TOKEN_MEDIA,
    comment_line,
    flask_media_type,
    generator_call,
    media_type,
    sends_unbuffered,
    streamed_media_type,
    unbuffered_later,
    whole_body,
)
from linter.server.routepaths import Mount, RoutePaths, RouterKey, mounts, moved
from linter.source import SourceText

if TYPE_CHECKING:
    from linter.stack.model import Limit

_STREAM_CLASSES = {
    "StreamingResponse": ("starlette", "fastapi"),
    "EventSourceResponse": ("sse_starlette", "fastapi", "starlette"),
}
# Frameworks whose `Response(generator)` and `stream_with_context` stream (by import name).
_FLASK_LIKE = {"flask": "Flask", "quart": "Quart"}
# The import names of MCP SDKs (the official `mcp`, and `fastmcp`).
_MCP_SDKS = frozenset({"mcp", "fastmcp"})
# How many local modules of one app are read, following its imports (a large app is judged
# on these, and said to be read in part).
MAX_MODULES = 60

Reader = Callable[[str], "SourceText | None"]


def image_evidence(image: str, said: str, path: str, line: int) -> Evidence | None:
    """An app server run from an image named for an LLM server or gateway (a product name,
    or a word made with "llm", as in `opengatellm`): it streams completions. The generic word
    alone (`llm-api`) and a model family (`mistral-ocr`) name apps that may not stream."""
    from linter.llmservers import GENERIC_LLM_WORDS, MODEL_FAMILIES, llm_name

    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        repository = repository[: len(repository) - len(last)] + last.split(":", 1)[0]
    word = llm_name(repository)
    if word is None or word in GENERIC_LLM_WORDS or word in MODEL_FAMILIES:
        return None
    return Evidence(
        f"the image `{repository}`{said} is named for an LLM server or gateway (`{word}`)",
        path,
        line,
    )


def find_evidence(
    launch: Launch,
    read: Reader,
    inside: Callable[[str], bool],
    display: Callable[[str], str],
    memo: dict[tuple[str, str | None], tuple[str, _Summary | None]] | None = None,
) -> None:
    """Fill ``launch.evidence``, ``llm_proxy`` and ``interface`` from its app. ``memo``: the
    run's facts of the modules already read (one app is launched from its Dockerfile, compose
    file and Procfile alike, and they share its modules)."""
    memo = {} if memo is None else memo
    app = launch.app
    if not app:
        return
    if app.endswith("::"):  # uvicorn.run(app) with the app object of the script itself
        first = app[:-2]
        module = None
    else:
        module = app.split(":", 1)[0].strip()
        top = module.split(".", 1)[0]
        if top in UVICORN_LLM_SERVERS:
            launch.llm_proxy = UVICORN_LLM_SERVERS[top]
            launch.interface = "asgi"
            return
        found = module_file(module, launch.search_dirs, inside, launch.packages)
        if found is None:
            folder = missing_module_folder(module, launch.search_dirs, inside)
            if folder is None:
                return
            note = read_in_place(module, folder, display)
            queue = [(local, named, note) for local, named in folder_modules(folder, module)]
            _follow(launch, queue, {p for p, _, _ in queue}, read, inside, display, memo, None)
            with_mounts(launch)
            return
        first = found
        if launch.packages and module_file(module, launch.search_dirs, inside) is None:
            # Found through a package the image copies under its own name: said with the
            # evidence, as the link it rests on.
            said = next(
                (s for p, _, s in launch.packages if (module + ".").startswith(p + ".")), ""
            )
            note = f"(`{module}` is {display(found)}: {said})"
            _follow(launch, [(first, module, note)], {first}, read, inside, display, memo, first)
            with_mounts(launch)
            return
    _follow(launch, [(first, module, "")], {first}, read, inside, display, memo, first)
    with_mounts(launch)


def _follow(
    launch: Launch,
    queue: list[tuple[str, str | None, str]],
    seen: set[str],
    read: Reader,
    inside: Callable[[str], bool],
    display: Callable[[str], str],
    memo: dict[tuple[str, str | None], tuple[str, _Summary | None]],
    first: str | None,
) -> None:
    """Read the queued modules and those their imports reach (``note``: said after each
    piece of evidence found through a folder read in place of a module not in the tree)."""
    # The modules read count, not those queued: an app module importing sixty of its own
    # (models, middleware) must still reach the routers it mounts further down the queue.
    reads = 0
    # The files of modules imported only in a mode the launch does not run, and those some
    # module imports whatever the mode (these are read, whatever another module's branch).
    other_mode: set[str] = set()
    imported_always: set[str] = set()
    while queue:
        if reads >= MAX_MODULES:
            launch.partial = True  # what was not read may stream: "no streaming endpoint" unsaid
            break
        path, name, note = queue.pop(0)
        if path in other_mode and path not in imported_always:
            continue  # (queued as a module of a folder read in place of a missing one)
        source = read(path)
        if source is None:
            continue
        reads += 1
        data = source.text
        known = memo.get((path, name))
        # (The same text, not the same object: the preparing process's facts, received by a
        # worker, hold a copy. Text a fix changed is read again.)
        if known is not None and known[0] == data:
            facts = known[1]
        else:
            facts = None
            if (
                any(marker.decode() in data for marker in RESPONSE_MARKERS)
                or "import" in data
                or "ROOT_URLCONF" in data  # Django settings name their URL conf by string
            ):
                tree = parse(source)
                if tree is not None:
                    walked = _Facts(tree, name, path, data)
                    # What is kept is plain data: the tree is freed with the module.
                    facts = _Summary(
                        walked.interface,
                        walked.streaming_calls(display(path)),
                        walked.modules,
                        _llm_waits(tree, source),
                        walked.groups,
                        *_mounts(tree, walked.calls, name),
                        conditional=walked.conditional(),
                    )
            memo[(path, name)] = (data, facts)
        if facts is None:
            continue
        if path == first and launch.interface is None:
            launch.interface = facts.interface
        launch.evidence.extend(
            replace(e, what=f"{e.what} {note}") if note else e for e in facts.evidence
        )
        launch.llm_waits.extend(facts.waits)
        launch.routes_moved = launch.routes_moved or facts.moves_paths
        launch.mounted.extend(facts.mounted)
        if not launch.imports_mcp:
            launch.imports_mcp = any(m.split(".", 1)[0] in _MCP_SDKS for m in facts.modules)
        if launch.interface is None and launch.evidence:
            # No app constructor in the module itself (an app factory): what it streams with
            # says which interface it serves.
            wsgi = any("Flask" in e.what or "Django" in e.what for e in launch.evidence)
            launch.interface = "wsgi" if wsgi else "asgi"
        dirs = (*launch.search_dirs, os.path.dirname(path))
        # An import made only in a mode the launch's environment does not run is not followed
        # (linter/server/modeswitch.py): the other mode's app is not this server's.
        skipped = {
            imported
            for imported, condition in facts.conditional
            if decided(condition, launch.environment) is False
        }
        files = {
            imported: memo_module_file(imported, dirs, inside, memo)
            or (module_file(imported, (), inside, launch.packages) if launch.packages else None)
            for imported in facts.modules
        }
        for imported in skipped:
            if files[imported] is not None:
                other_mode.add(files.pop(imported) or "")
        imported_always.update(target for target in files.values() if target is not None)
        for imported, target in files.items():
            if target is not None and target not in seen:
                seen.add(target)
                queue.append((target, imported, note))
        for group in facts.groups:
            if any(files.get(imported) is not None for imported in group):
                continue
            if all(imported in skipped for imported in group):
                continue
            folder = memo_missing_module_folder(group[0], dirs, inside, memo)
            if folder is None:
                continue
            said = note or read_in_place(group[0], folder, display)
            for local, named in folder_modules(folder, group[0]):
                if local not in seen:
                    seen.add(local)
                    queue.append((local, named, said))
    dropped = {display(path) for path in other_mode - imported_always}
    if dropped:  # (a module of the other mode read before the branch that leaves it out)
        launch.evidence[:] = [e for e in launch.evidence if e.path not in dropped]


class _Summary(NamedTuple):
    """What a launch needs of one module: its app's interface, its streaming evidence, the
    modules its imports name, and those names by import statement (one of which must be a
    file of the tree, else the tree is partial: see ``missing_module_folder``)."""

    interface: str | None
    evidence: list[Evidence]
    modules: list[str]
    # The read timeouts of the LLM calls the module makes (linter/stack/appcalls.py).
    waits: list[Limit]
    groups: list[tuple[str, ...]]
    # The routers it mounts under a prefix, and whether it moves paths in another way.
    mounted: tuple[Mount, ...] = ()
    moves_paths: bool = False
    # The modules it imports only under a condition on the environment (modeswitch.py).
    conditional: tuple[tuple[str, Condition], ...] = ()


def _mounts(
    tree: ast.Module, calls: list[ast.Call], module: str | None
) -> tuple[tuple[Mount, ...], bool]:
    found, unknown = mounts(tree, calls, module)
    return tuple(found), unknown


def _routes(
    found: tuple[tuple[str, ...], str] | None, module: str | None
) -> tuple[tuple[str, ...] | None, RouterKey | None]:
    """The route fields of an Evidence: its paths and the router they are on."""
    if found is None:
        return None, None
    return found[0], (module, found[1]) if module else None


def with_mounts(launch: Launch) -> None:
    """Put the prefixes the app mounts its routers under in front of its evidence's paths."""
    if not launch.mounted:
        return
    launch.evidence[:] = [
        replace(e, routes=moved(e.routes, e.router, launch.mounted)) if e.routes else e
        for e in launch.evidence
    ]


def _llm_waits(tree: ast.Module, source: SourceText) -> list[Limit]:
    from linter.stack.appcalls import names_sdk, waits

    return waits(tree, source) if names_sdk(source.text) else []


class _Facts:
    """What one walk over a module finds: its app constructor's interface, its imports
    (local names and the modules they name), its generator functions and its calls."""

    def __init__(
        self, tree: ast.Module, module: str | None, path: str, source_text: str | None = None
    ) -> None:
        self.interface: str | None = None
        self.module = module
        self.source_text = source_text
        self.tree = tree  # while the module is walked (the summary keeps plain data only)
        self.imported: dict[str, str] = {}  # local name -> module it comes from
        self.modules: list[str] = []  # the modules and names its imports name
        self.groups: list[tuple[str, ...]] = []  # the same, by import statement
        self.calls: list[ast.Call] = []
        # module name -> the condition every import of it is made under (None: one is not).
        self._conditions: dict[str, Condition | None] = {}
        self._functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self._generators: set[str] | None = None
        package = (module or "").rsplit(".", 1)[0] if module and "." in module else ""
        if module and path.endswith("__init__.py"):
            package = module
        functions = self._functions
        # Only an indented import can sit in a branch (cheap test before the walk).
        branches = (
            conditional_imports(tree)
            if source_text is None or _INDENTED_IMPORT.search(source_text)
            else {}
        )
        full = source_text is None or _CALL_WORDS.search(source_text) is not None
        nodes = ast.walk(tree) if full else _statements(tree)
        for node in nodes:
            if isinstance(node, ast.Call):
                self.calls.append(node)
                if self.interface is None:
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name in ("FastAPI", "Starlette", "Quart", "get_asgi_application"):
                        self.interface = "asgi"
                    elif name in ("Flask", "get_wsgi_application"):
                        self.interface = "wsgi"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append(node)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imported[alias.asname or alias.name.split(".")[0]] = alias.name
                    self.modules.append(alias.name)
                    self.groups.append((alias.name,))
                    self._condition(alias.name, branches.get(id(node)))
            elif isinstance(node, ast.ImportFrom):
                if node.module:
                    for alias in node.names:
                        self.imported[alias.asname or alias.name] = node.module
                if node.level:
                    base = package.split(".") if package else []
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                if prefix:
                    named = [prefix, *(f"{prefix}.{alias.name}" for alias in node.names)]
                    self.groups.append(tuple(named))
                else:
                    named = [alias.name for alias in node.names]
                    self.groups.extend((name,) for name in named)
                self.modules.extend(named)
                for imported in named:
                    self._condition(imported, branches.get(id(node)))
        if source_text is not None:
            # A Django project names its settings and URL confs by string, not by import.
            for named_module in django_modules(tree, source_text):
                self.modules.append(named_module)
                self.groups.append((named_module,))

    def _condition(self, module: str, condition: Condition | None) -> None:
        if module in self._conditions and self._conditions[module] != condition:
            condition = None  # imported in two ways: followed whatever the mode
        self._conditions[module] = condition

    def conditional(self) -> tuple[tuple[str, Condition], ...]:
        return tuple((m, c) for m, c in self._conditions.items() if c is not None)

    @property
    def generators(self) -> set[str]:
        """Names of its generator functions (walked only when a `Response(...)` needs them)."""
        if self._generators is None:
            self._generators = {
                function.name
                for function in self._functions
                if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(function))
            }
        return self._generators

    def _pings(self, call: ast.Call, name: str) -> bool | None:
        """Does the response send heartbeats? sse_starlette's ``EventSourceResponse`` pings
        every 15 s unless ``ping`` turns it off; a ``StreamingResponse`` of a generator function
        of this module pings when that function yields a heartbeat (its text names a ping,
        a heartbeat or a keep-alive, or yields an SSE comment line); else not known."""
        if name == "EventSourceResponse":
            ping = next((k.value for k in call.keywords if k.arg == "ping"), None)
            return not (isinstance(ping, ast.Constant) and ping.value in (0, None, False))
        # Starlette's `media_type`; Flask's and Quart's `mimetype` / `content_type`.
        words = ("media_type",) if name == "StreamingResponse" else ("mimetype", "content_type")
        media = next((k.value for k in call.keywords if k.arg in words), None)
        if name == DJANGO_STREAMING and media is None and len(call.args) > 1:
            media = call.args[1]  # StreamingHttpResponse(streaming_content, content_type)
        if isinstance(media, ast.Constant) and isinstance(media.value, str):
            kind = media.value.split(";", 1)[0].strip().lower()
            if not (kind.startswith("text/") and kind != "text/csv") and kind not in TOKEN_MEDIA:
                return None  # a file download (CSV, audio, an image): not a token stream
        body = call.args[0] if call.args else None
        if body is None:
            body = next(
                (
                    k.value
                    for k in call.keywords
                    if k.arg in ("content", "response", "streaming_content")
                ),
                None,
            )
        if (
            isinstance(body, ast.Call)
            and getattr(body.func, "id", getattr(body.func, "attr", "")) == "stream_with_context"
            and body.args
        ):
            body = body.args[0]  # Flask's wrapper around the generator
        if not isinstance(body, ast.Call) or self.source_text is None:
            return None
        func = body.func
        called = func.id if isinstance(func, ast.Name) else None
        if called is None or called not in self.generators:
            return None
        function = self._visible(called, call)
        if function is None:
            return None
        text = ast.get_source_segment(self.source_text, function) or ""
        return HEARTBEAT.search(text) is not None or any(
            comment_line(node.value) for node in ast.walk(function) if isinstance(node, ast.Yield)
        )

    def _visible(self, name: str, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function ``name`` means at ``call``: one defined in the innermost function
        around the call (two handlers may each define their own ``stream_generator``), else
        the only one of that name."""
        line = call.lineno
        around = [
            f
            for f in self._functions
            if f.lineno < line <= (f.end_lineno or f.lineno) and f.name != name
        ]
        candidates = [f for f in self._functions if f.name == name]
        if around:
            inner = max(around, key=lambda f: f.lineno)
            local = [
                f
                for f in candidates
                if inner.lineno < f.lineno and (f.end_lineno or 0) <= (inner.end_lineno or 0)
            ]
            if len(local) == 1:
                return local[0]
        return candidates[0] if len(candidates) == 1 else None

    def streaming_calls(self, shown: str) -> list[Evidence]:
        found = []
        paths = RoutePaths(self.tree, self._functions)
        module = self.module
        for node in self.calls:
            func = node.func
            if isinstance(func, ast.Name):
                name, origin = func.id, self.imported.get(func.id, "")
            elif isinstance(func, ast.Attribute):
                # `fastapi.responses.StreamingResponse(...)`: the module the chain starts from.
                root = func.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if not isinstance(root, ast.Name):
                    continue
                name, origin = func.attr, self.imported.get(root.id, "")
            else:
                continue
            top = origin.split(".", 1)[0]
            # Quart is Flask's API on ASGI: its Response streams a generator the same way.
            framework = _FLASK_LIKE.get(top, "Flask")
            if name in _STREAM_CLASSES and top in _STREAM_CLASSES[name]:
                if name == "StreamingResponse" and whole_body(node):
                    continue  # a body held whole in memory, or a file download: no stream
                media = "text/event-stream" if name == "EventSourceResponse" else media_type(node)
                found.append(
                    self._evidence(
                        node,
                        f"`{name}(...)`",
                        name,
                        media,
                        shown,
                        paths,
                        module,
                        unbuffered=name == "EventSourceResponse",
                    )
                )
            elif name == DJANGO_STREAMING and origin in DJANGO_HTTP:
                if (evidence := self._django_response(node, shown, paths, module)) is not None:
                    found.append(evidence)
            elif name == "stream_with_context" and top in _FLASK_LIKE:
                found.append(
                    Evidence(f"{framework}'s `stream_with_context(...)`", shown, node.lineno)
                )
            elif (name == "Response" and top in _FLASK_LIKE) or (
                name == "response_class" and isinstance(func, ast.Attribute)
            ):
                if node.args and generator_call(node.args[0], self.generators):
                    found.append(
                        Evidence(
                            f"a {framework} `Response` built from a generator",
                            shown,
                            node.lineno,
                            media=flask_media_type(node),
                            pings=self._pings(node, "Response"),
                            column=node.col_offset + 1,
                            end_line=node.end_lineno or node.lineno,
                            end_column=(node.end_col_offset or 0) + 1,
                            unbuffered=sends_unbuffered(node) or unbuffered_later(self.tree, node),
                            routes=(known := _routes(paths.of_call(node), module))[0],
                            router=known[1],
                        )
                    )
                elif media := streamed_media_type(node):
                    # The body comes from elsewhere (another module's generator): the media type
                    # says the response is a stream.
                    found.append(
                        Evidence(
                            f"a {framework} `Response` of {media}",
                            shown,
                            node.lineno,
                            media=media.strip("`"),
                        )
                    )
        return found

    def _django_response(
        self, node: ast.Call, shown: str, paths: RoutePaths, module: str | None
    ) -> Evidence | None:
        """Django's `StreamingHttpResponse` of an event stream (or of text a generator of the
        module yields): evidence that the app streams, like Flask's `Response`."""
        value = next((k.value for k in node.keywords if k.arg == "content_type"), None)
        if value is None and len(node.args) > 1:
            value = node.args[1]
        media = (
            value.value.split(";", 1)[0].strip().lower()
            if isinstance(value, ast.Constant) and isinstance(value.value, str)
            else None
        )
        body = node.args[0] if node.args else None
        if body is None:
            body = next((k.value for k in node.keywords if k.arg == "streaming_content"), None)
        if not streamed_django_media(
            media, body is not None and generator_call(body, self.generators)
        ):
            return None
        what = f"a Django `{DJANGO_STREAMING}(...)` of `{media}`"
        return self._evidence(node, what, DJANGO_STREAMING, media, shown, paths, module)

    def _evidence(
        self,
        node: ast.Call,
        what: str,
        name: str,
        media: str | None,
        shown: str,
        paths: RoutePaths,
        module: str | None,
        unbuffered: bool = False,
    ) -> Evidence:
        """A streaming response built at ``node``: where, of what media, whether it pings or
        unbuffers itself, and the route paths it answers at."""
        routes, router = _routes(paths.of_call(node), module)
        return Evidence(
            what,
            shown,
            node.lineno,
            media=media,
            pings=self._pings(node, name),
            column=node.col_offset + 1,
            end_line=node.end_lineno or node.lineno,
            end_column=(node.end_col_offset or 0) + 1,
            unbuffered=unbuffered or sends_unbuffered(node) or unbuffered_later(self.tree, node),
            routes=routes,
            router=router,
        )


# The names a call must have to count (an app constructor, a streaming response): a module
# whose text holds none of them gives its imports only, read from its statements without
# walking every expression (the modules an app imports are mostly plain ones).
_INDENTED_IMPORT = re.compile(r"^[ \t]+(?:from|import)[ \t]", re.M)
_CALL_WORDS = re.compile(
    r"FastAPI|Starlette|Quart|Flask|Response|stream_with_context|response_class"
    r"|get_[wa]sgi_application|include_router|register_blueprint"
)
_BODIES = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """The module's statements (and the handlers and cases holding some) in ``ast.walk``'s
    order: breadth first, fields in order. Expressions hold no statement, so leaving them
    out changes no statement's place in that order."""
    queue: deque[ast.AST] = deque([tree])
    while queue:
        node = queue.popleft()
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], _BODIES):
                queue.extend(value)
        yield node
