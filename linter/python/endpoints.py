"""Python web endpoints that stream, read from one file's ``ast`` tree: server-sent-events
responses (Starlette/FastAPI ``StreamingResponse``, Flask/Quart ``Response``, Django
``StreamingHttpResponse`` with ``text/event-stream``), whether they send the anti-buffering
headers, the route they serve, and compression middleware put on the app.

Names are resolved through the file's imports, so ``from starlette.responses import
StreamingResponse as SR`` is seen and a class of the same name from elsewhere is not. Kept
apart from ``analysis`` (the LLM-client model): nothing here needs a stream client.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.python.document import PythonDocument
from linter.record import record

SSE_MEDIA_TYPE = "text/event-stream"
# Response classes that stream what they are given, and where their media type and headers
# are passed: (positional index of the media type, of the headers) and the keyword names.
_STARLETTE = (3, 2, ("media_type",))
_FLASK = (3, 2, ("mimetype", "content_type"))
_DJANGO = (None, None, ("content_type",))
RESPONSE_CLASSES: dict[str, tuple[int | None, int | None, tuple[str, ...]]] = {
    "starlette.responses.StreamingResponse": _STARLETTE,
    "fastapi.responses.StreamingResponse": _STARLETTE,
    "flask.Response": _FLASK,
    "flask.wrappers.Response": _FLASK,
    "werkzeug.Response": _FLASK,
    "werkzeug.wrappers.Response": _FLASK,
    "quart.Response": _FLASK,
    "quart.wrappers.Response": _FLASK,
    "django.http.StreamingHttpResponse": _DJANGO,
    "django.http.response.StreamingHttpResponse": _DJANGO,
}
STREAMING_CLASSES = frozenset(
    {
        "starlette.responses.StreamingResponse",
        "fastapi.responses.StreamingResponse",
        "django.http.StreamingHttpResponse",
        "django.http.response.StreamingHttpResponse",
    }
)
# Classes that stream events with both headers and a heartbeat of their own (not flagged).
EVENT_SOURCE_CLASSES = frozenset(
    {
        "sse_starlette.EventSourceResponse",
        "sse_starlette.sse.EventSourceResponse",
        "fastapi.sse.EventSourceResponse",
        "fastapi.responses.EventSourceResponse",
    }
)
GZIP_MIDDLEWARES = frozenset(
    {"starlette.middleware.gzip.GZipMiddleware", "fastapi.middleware.gzip.GZipMiddleware"}
)
# brotli-asgi flushes its own brotli stream per chunk, but by default (``gzip_fallback=True``)
# serves clients that do not accept ``br`` with starlette's GZipResponder.
BROTLI_MIDDLEWARES = frozenset({"brotli_asgi.BrotliMiddleware"})
COMPRESSION_NAMES = ("GZipMiddleware", "BrotliMiddleware")
# The headers an SSE response needs, lower-cased, with the value the fix writes.
NEEDED_HEADERS = (
    ("cache-control", "Cache-Control", "no-cache"),
    ("x-accel-buffering", "X-Accel-Buffering", "no"),
)
_APPLICATION_CLASSES = frozenset(
    {"fastapi.FastAPI", "starlette.applications.Starlette", "flask.Flask", "quart.Quart"}
)
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "api_route", "route", "websocket", "api_view"}
)


@record
class SseResponse:
    call: ast.Call
    qualified: str  # the response class, e.g. "starlette.responses.StreamingResponse"
    missing: tuple[str, ...]  # header names (as written by the fix) that are not sent
    headers: ast.Dict | None  # the literal ``headers=`` dict, when there is one
    # The full paths the enclosing route decorators serve; None when one is not known (not a
    # literal, or on a router whose prefix is given elsewhere).
    routes: tuple[str, ...] | None


@record
class Middleware:
    node: ast.expr  # the middleware class as written
    qualified: str
    how: str  # "add_middleware", "Middleware(...)" or "wraps the app"
    gzip_fallback: bool = False  # brotli-asgi: starlette's gzip serves clients without br


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name for every import in the file (any scope)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def qualified_name(node: ast.expr, imports: dict[str, str]) -> str | None:
    """``SR`` -> ``starlette.responses.StreamingResponse`` through the imports; None when the
    name is not imported (a local class of the same name is not the library's)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports:
        return None
    return ".".join([imports[node.id], *reversed(parts)])


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once to a string constant (``SSE = "text/event-stream"``)."""
    seen: dict[str, list[object]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(
                        statement.value.value if isinstance(statement.value, ast.Constant) else None
                    )
    return {
        name: values[0]
        for name, values in seen.items()
        if len(values) == 1 and isinstance(values[0], str)
    }


def _argument(call: ast.Call, index: int | None, keywords: tuple[str, ...]) -> ast.expr | None:
    for item in call.keywords:
        if item.arg in keywords:
            return item.value
    if index is not None and index < len(call.args):
        argument = call.args[index]
        return None if isinstance(argument, ast.Starred) else argument
    return None


def _string(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _class_attribute(
    node: ast.expr | None, call: ast.Call, parents: dict[ast.AST, ast.AST], tree: ast.Module
) -> str | None:
    """``media_type=self.media_type`` in a method of a class whose body sets it to a string
    (``media_type: str = "text/event-stream"``): that string, when it is the only value the
    module gives the name (no subclass here sets another, no ``self.media_type = ...``)."""
    if not (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("self", "cls")
    ):
        return None
    name = node.attr
    owner = parents.get(call)
    while owner is not None and not isinstance(owner, ast.ClassDef):
        owner = parents.get(owner)
    if owner is None:
        return None
    values: set[object] = set()
    own: str | None = None
    for item in ast.walk(tree):
        if isinstance(item, ast.ClassDef):
            for statement in item.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    value = getattr(statement, "value", None)
                    bound = value.value if isinstance(value, ast.Constant) else value
                    values.add(bound if isinstance(bound, str) else id(statement))
                    if item is owner and isinstance(bound, str):
                        own = bound
        elif isinstance(item, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            if any(isinstance(t, ast.Attribute) and t.attr == name for t in targets):
                return None  # set on an instance somewhere: not one value
    return own if own is not None and len(values) == 1 else None


def _opaque(call: ast.Call) -> bool:
    """``**kwargs`` or ``*args``: what the call passes cannot be known."""
    return any(item.arg is None for item in call.keywords) or any(
        isinstance(argument, ast.Starred) for argument in call.args
    )


def _literal_header_keys(mapping: ast.Dict) -> set[str] | None:
    """The lower-cased keys of a literal dict; None when a key is not a string (``**x``)."""
    keys: set[str] = set()
    for key in mapping.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        keys.add(key.value.lower())
    return keys


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _enclosing_function(
    node: ast.AST, parents: dict[ast.AST, ast.AST]
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            return current
        current = parents.get(current)
    return None


def _applications(tree: ast.Module, imports: dict[str, str]) -> set[str]:
    """Module-level names bound to an application made here (``app = FastAPI()``): routes
    declared on them are full paths. A ``root_path`` or ``**kwargs`` makes them unknown."""
    found: set[str] = set()
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        if qualified_name(call.func, imports) not in _APPLICATION_CLASSES or _opaque(call):
            continue
        if any(item.arg in ("root_path", "static_url_path") for item in call.keywords):
            continue
        found.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return found


def _routes(
    function: ast.FunctionDef | ast.AsyncFunctionDef | None, applications: set[str]
) -> tuple[str, ...] | None:
    if function is None:
        return None
    found = []
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in _ROUTE_METHODS
        ):
            owner = decorator.func.value
            path = _argument(decorator, 0, ("path", "rule"))
            if not (isinstance(owner, ast.Name) and owner.id in applications):
                return None  # a router or blueprint: its prefix is set where it is included
            if not (isinstance(path, ast.Constant) and isinstance(path.value, str)):
                return None
            found.append(path.value)
    return tuple(found) or None


def _headers_set_later(
    function: ast.AST | None, tree: ast.Module, call: ast.Call, parents: dict[ast.AST, ast.AST]
) -> set[str] | None:
    """Header names the code sets on the response after making it (``r.headers["X"] = ..``,
    Django's ``r["X"] = ..``); None when it changes them in a way that cannot be read."""
    parent = parents.get(call)
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
        return set()
    target = parent.targets[0]
    if not isinstance(target, ast.Name):
        return set()
    name = target.id
    names: set[str] = set()
    for node in ast.walk(function or tree):
        if isinstance(node, ast.Assign):
            for item in node.targets:
                if not isinstance(item, ast.Subscript):
                    continue
                owner = item.value
                if isinstance(owner, ast.Attribute) and owner.attr == "headers":
                    owner = owner.value
                if isinstance(owner, ast.Name) and owner.id == name:
                    key = item.slice
                    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                        return None
                    names.add(key.value.lower())
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "setdefault", "add", "set", "extend", "__setitem__")
        ):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "headers":
                owner = owner.value
            if isinstance(owner, ast.Name) and owner.id == name:
                return None  # headers changed by a call: not read, so no claim
    return names


def sse_responses(document: PythonDocument) -> Iterator[SseResponse]:
    """Every response made with the SSE media type by a class that sends no heartbeat or
    anti-buffering headers of its own, with the headers it still misses. A response whose
    headers cannot be read (``headers=some_dict``, ``**kwargs``, changed by a call later) is
    not yielded, nor one whose missing header is named elsewhere in the file (outside the
    functions that make SSE responses, which are read precisely): a hook or helper there
    may send it. Precision first."""
    tree = document.tree
    if tree is None:
        return
    imports = imported_names(tree)
    app_class = app_response_class(tree, imports)
    if app_class is None and not any(value in RESPONSE_CLASSES for value in _candidates(imports)):
        return
    constants = _module_constants(tree)
    parents = _parents(tree)
    applications = _applications(tree, imports)
    found: list[SseResponse] = []
    read: list[tuple[int, int]] = []  # spans of the code read for each SSE response
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = qualified_name(node.func, imports)
        if qualified is None and _calls_response_class(node):
            qualified = app_class
        shape = RESPONSE_CLASSES.get(qualified or "")
        if shape is None or qualified is None or _opaque(node):
            continue
        media_index, headers_index, media_keywords = shape
        given = _argument(node, media_index, media_keywords)
        media = _string(given, constants) or _class_attribute(given, node, parents, tree)
        if media is None or media.split(";", 1)[0].strip().lower() != SSE_MEDIA_TYPE:
            continue
        function = _enclosing_function(node, parents)
        read.append(document.span(function or node))
        headers = _argument(node, headers_index, ("headers",))
        literal: ast.Dict | None = None
        present: set[str] = set()
        if headers is not None:
            if not isinstance(headers, ast.Dict):
                continue  # built elsewhere: not read
            keys = _literal_header_keys(headers)
            if keys is None:
                continue
            literal, present = headers, keys
        later = _headers_set_later(function, tree, node, parents)
        if later is None:
            continue
        present |= later
        missing = tuple(written for lower, written, _ in NEEDED_HEADERS if lower not in present)
        if missing:
            found.append(
                SseResponse(node, qualified, missing, literal, _routes(function, applications))
            )
    if not found:
        return
    # Another route's handler names a header for its own response only (a JSON endpoint's
    # `headers={"Cache-Control": ...}`): it cannot add one to these. Hooks, middleware and
    # helpers stay in what is searched.
    read.extend(
        document.span(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _route_handler(node)
    )
    # The file's text with the code read above blanked out: what is left is code not read.
    text = document.source.text.lower()
    pieces, last = [], 0
    for start, end in sorted(read):
        if start > last:
            pieces.append(text[last:start])
        last = max(last, end)
    rest = "\n".join([*pieces, text[last:]])
    for response in found:
        if not any(header.lower() in rest for header in response.missing):
            yield response


# The response class a Flask or Quart application makes with `app.response_class(...)`.
_APP_RESPONSE_CLASSES = {"flask": "flask.Response", "quart": "quart.Response"}


def app_response_class(tree: ast.Module, imports: dict[str, str]) -> str | None:
    """The class behind ``app.response_class(...)`` in a file that imports Flask (or Quart):
    its ``Response`` unless the file assigns ``response_class`` anywhere (an app or a
    subclass with a response class of its own: not read). Only these apps have the
    attribute among the frameworks read here; one framework per file, else unknown."""
    frameworks = {
        _APP_RESPONSE_CLASSES[top]
        for value in imports.values()
        if (top := value.split(".", 1)[0]) in _APP_RESPONSE_CLASSES
    }
    if len(frameworks) != 1:
        return None
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (isinstance(target, ast.Attribute) and target.attr == "response_class") or (
                isinstance(target, ast.Name) and target.id == "response_class"
            ):
                return None
    return frameworks.pop()


def _calls_response_class(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "response_class"


def _route_handler(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated as a route (``@app.get("/x")``, ``@router.post(...)``, ``@bp.route(...)``)."""
    return any(
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in _ROUTE_METHODS
        for decorator in function.decorator_list
    )


def _candidates(imports: dict[str, str]) -> Iterator[str]:
    """Every qualified name an import could make (a module import stands for its classes)."""
    for value in imports.values():
        yield value
        for known in RESPONSE_CLASSES:
            if known.startswith(value + "."):
                yield known


def has_heartbeat(document: PythonDocument) -> bool:
    """The file writes an SSE comment (``": ping\\n\\n"``), the usual keep-alive."""
    tree = document.tree
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            value = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if value.startswith(":") and value.endswith("\n") and len(value) < 80:
                return True
    return False


def compression_middlewares(document: PythonDocument) -> Iterator[Middleware]:
    """GZip middleware put on an app: ``app.add_middleware(GZipMiddleware, ...)``,
    ``Middleware(GZipMiddleware, ...)`` in a ``middleware=[...]`` list, ``GZipMiddleware(app)``."""
    tree = document.tree
    if tree is None:
        return
    imports = imported_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = qualified_name(node.func, imports) or ""
        if qualified in GZIP_MIDDLEWARES or (
            qualified in BROTLI_MIDDLEWARES and _gzip_fallback(node, 1)
        ):
            fallback = qualified in BROTLI_MIDDLEWARES
            yield Middleware(node.func, qualified, "wraps the app", fallback)
            continue
        first = node.args[0] if node.args else None
        if first is None:
            continue
        named = qualified_name(first, imports) or ""
        if named in BROTLI_MIDDLEWARES and not _gzip_fallback(node, 1):
            continue
        if named not in GZIP_MIDDLEWARES and named not in BROTLI_MIDDLEWARES:
            continue
        fallback = named in BROTLI_MIDDLEWARES
        if isinstance(node.func, ast.Attribute) and node.func.attr == "add_middleware":
            yield Middleware(first, named, "add_middleware", fallback)
        elif qualified in ("starlette.middleware.Middleware", "fastapi.middleware.Middleware"):
            yield Middleware(first, named, "Middleware(...)", fallback)


def _gzip_fallback(call: ast.Call, app_arguments: int) -> bool:
    """brotli-asgi's gzip fallback is on: ``gzip_fallback`` not given or a literal true (a
    value passed positionally or not a literal: not known, so not claimed)."""
    if _opaque(call) or len(call.args) > app_arguments:
        return False
    for item in call.keywords:
        if item.arg == "gzip_fallback":
            return isinstance(item.value, ast.Constant) and item.value.value is True
    return True


@record
class StreamKind:
    node: ast.AST
    # True: text/event-stream (or an event-source class); False: another media type; None:
    # a media type that is not a literal here.
    sse: bool | None


def streaming_responses(document: PythonDocument) -> Iterator[StreamKind]:
    """Every streaming response the file makes, SSE or not (for the compression rule)."""
    tree = document.tree
    if tree is None:
        return
    imports = imported_names(tree)
    app_class = app_response_class(tree, imports)
    constants = _module_constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = qualified_name(node.func, imports) or ""
        if not qualified and _calls_response_class(node):
            qualified = app_class or ""
        for item in node.keywords:  # FastAPI's ``@app.get(..., response_class=...)``
            if item.arg == "response_class":
                named = qualified_name(item.value, imports) or ""
                if named in EVENT_SOURCE_CLASSES or named in STREAMING_CLASSES:
                    yield StreamKind(item.value, named in EVENT_SOURCE_CLASSES)
        if qualified in EVENT_SOURCE_CLASSES:
            yield StreamKind(node, True)
        elif qualified in STREAMING_CLASSES:
            media_index, _, keywords = RESPONSE_CLASSES[qualified]
            media = _string(_argument(node, media_index, keywords), constants)
            sse = None if media is None else _is_sse(media)
            yield StreamKind(node, sse)
        elif qualified in RESPONSE_CLASSES:
            _, _, keywords = RESPONSE_CLASSES[qualified]
            media = _string(_argument(node, 3, keywords), constants) or ""
            if _is_sse(media):
                yield StreamKind(node, True)


def stream_calls(tree: ast.Module, imports: dict[str, str]) -> Iterator[ast.Call]:
    """The calls of a module that make a server-sent-events response: an event-source class,
    or a response class given the SSE media type as a literal (the project's own streaming
    routes, ``analysis.own_routes``)."""
    constants = _module_constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = qualified_name(node.func, imports) or ""
        if qualified in EVENT_SOURCE_CLASSES:
            yield node
        elif qualified in RESPONSE_CLASSES and not _opaque(node):
            media_index, _, keywords = RESPONSE_CLASSES[qualified]
            media = _string(_argument(node, media_index, keywords), constants)
            if media is not None and _is_sse(media):
                yield node


def _is_sse(media: str) -> bool:
    return media.split(";", 1)[0].strip().lower() == SSE_MEDIA_TYPE
