"""The route paths of a Python app's streaming handlers, where literals give them: a handler
decorated `@router.post("/chat")` (FastAPI, Starlette-style and Flask decorators) on an
object bound once at module level to `APIRouter(prefix="/api")`, `Blueprint(...,
url_prefix="/api")` or the app itself, and a module-level helper that builds the response
for the decorated handlers that call it by name.

A path is a claim about where a stream is served, so anything that may move it leaves it
unknown (None): a decorator whose path is not a literal, a router from another module, a
helper no handler of the module calls. A router the app mounts under a prefix
(`include_router(chat.router, prefix="/api/chat")`, a blueprint's `url_prefix`) gets it in
front (``mounts``, ``moved``); a mount the app does not say that way (a sub-app, a router
it does not name through its imports, a prefix that is not a literal, an app with a
`root_path`) moves every path.
"""

from __future__ import annotations

import ast

# Decorator methods that register a route with a path (the first argument or `path=`).
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "options", "head", "api_route", "route"}
)
# What a module-level router or app is made with, and the keyword of its path prefix.
_ROUTERS = {
    "APIRouter": "prefix",
    "Blueprint": "url_prefix",
    "FastAPI": "",
    "Starlette": "",
    "Flask": "",
    "Quart": "",
}


# (module, router object) a handler's decorator registers on: ("api.routes.chat", "router").
RouterKey = tuple[str, str]
# How many routers deep mounts are followed (a cycle or a generated tree ends there).
_MAX_DEPTH = 8


# A router mounted by a module: (the router, the prefix put in front of its paths, the router
# or app it is mounted on, whose own mounts put theirs in front in turn; None: not followed).
Mount = tuple[RouterKey, str, RouterKey | None]


def mounts(
    tree: ast.Module, calls: list[ast.Call], module: str | None = None
) -> tuple[list[Mount], bool]:
    """The routers the module mounts (`app.include_router(chat.router, prefix="/api/chat")`,
    `register_blueprint(bp, url_prefix=...)`, `api_router.include_router(agents.router)`):
    one Mount for each it names through its imports; and whether it moves paths it does not
    say how (a router it does not name so, a prefix that is not a literal, a sub-app
    `mount`). A router mounted on another router of the module (bound once at module level,
    ``module`` named) gets that router's own prefix too, and then whatever mounts that one."""
    aliases = _aliases(tree)
    found: list[Mount] = []
    unknown = False
    for call in calls:
        func = call.func
        if getattr(func, "id", "") in ("FastAPI", "Starlette") and any(
            k.arg == "root_path" for k in call.keywords
        ):
            unknown = True  # served under a prefix a proxy may strip or not
            continue
        if not isinstance(func, ast.Attribute):
            continue
        if func.attr == "mount":
            unknown = unknown or not _static_files(call)
            continue
        if func.attr in ("FastAPI", "Starlette") and any(
            k.arg == "root_path" for k in call.keywords
        ):
            unknown = True
            continue
        word = {"include_router": "prefix", "register_blueprint": "url_prefix"}.get(func.attr)
        if word is None:
            continue
        written = next((k.value for k in call.keywords if k.arg == word), None)
        parent, own = _parent(func.value, tree, module)
        if written is None and (parent is None or _made_as_app(tree, func.value)):
            # Mounted as it is, on an app no other mount moves; on the app object itself
            # (`app.include_router(qa_router)`, whatever router the name holds) a mount
            # without a prefix keeps every path the router's handlers write.
            continue
        key = _router_key(call.args[0], aliases) if call.args else None
        if written is None:
            written = ast.Constant("")
        if key is None or not (
            isinstance(written, ast.Constant) and isinstance(written.value, str)
        ):
            unknown = True
            continue
        found.append((key, _join(own or "", written.value), parent))
    return found, unknown


def _parent(
    receiver: ast.expr, tree: ast.Module, module: str | None
) -> tuple[RouterKey | None, str | None]:
    """The router a mount is made on, when the module binds it once at module level, and its
    own prefix (None: not known, and the mount is not followed further)."""
    if module is None or not isinstance(receiver, ast.Name):
        return None, None
    own = bound_prefix(tree, receiver.id)
    return ((module, receiver.id), own) if own is not None else (None, None)


# What makes an app object (not a router: no prefix keyword): a mount on it without a prefix
# moves no path.
_APPS = frozenset(made for made, keyword in _ROUTERS.items() if not keyword)


def _made_as_app(tree: ast.Module, receiver: ast.expr) -> bool:
    """``receiver`` is a name the module binds once at module level to an app constructor."""
    if not isinstance(receiver, ast.Name):
        return False
    bound = _bound_call(tree, receiver.id)
    return bound is not None and bound[0] in _APPS


def _bound_call(tree: ast.Module, name: str) -> tuple[str, ast.Call] | None:
    """The call ``name`` is bound to once at module level, with the name it calls
    (`router = APIRouter(prefix="/api")`: "APIRouter")."""
    bindings = [
        s
        for s in tree.body
        if isinstance(s, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
    ]
    if len(bindings) != 1 or not isinstance(bindings[0].value, ast.Call):
        return None
    call = bindings[0].value
    func = call.func
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")), call


def _static_files(call: ast.Call) -> bool:
    """`app.mount("/static", StaticFiles(...))`: files, not a sub-app with handlers."""
    app = call.args[1] if len(call.args) > 1 else None
    app = app or next((k.value for k in call.keywords if k.arg == "app"), None)
    if not isinstance(app, ast.Call):
        return False
    made = app.func.attr if isinstance(app.func, ast.Attribute) else getattr(app.func, "id", "")
    return made == "StaticFiles"


def _aliases(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, name in it; None for a module imported whole)."""
    found: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = (alias.name, None)
    return found


def _router_key(node: ast.expr, aliases: dict[str, tuple[str, str | None]]) -> RouterKey | None:
    if isinstance(node, ast.Name) and node.id in aliases:
        module, name = aliases[node.id]
        return (module, name) if name is not None else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id not in aliases:
            return None
        module, name = aliases[node.value.id]
        # `from api.routes import chat` then `chat.router`: the module api.routes.chat.
        return (f"{module}.{name}" if name is not None else module, node.attr)
    return None


def moved(
    routes: tuple[str, ...], key: RouterKey | None, mounted: list[Mount], depth: int = 0
) -> tuple[str, ...] | None:
    """The paths where a router's handlers are served once the app mounts it (``mounted``:
    every module's `mounts`); a router mounted under a prefix gets it in front, and the
    prefixes of the routers it is mounted on in turn (`api_router` under "/api/v1")."""
    places = [(prefix, parent) for mounted_key, prefix, parent in mounted if mounted_key == key]
    if not places:
        return routes
    found: set[str] = set()
    for prefix, parent in places:
        joined = tuple(_join(prefix, r) for r in routes)
        if parent is not None and parent != key and depth < _MAX_DEPTH:
            joined = moved(joined, parent, mounted, depth + 1) or joined
        found.update(joined)
    return tuple(sorted(found))


class RoutePaths:
    """The route paths of one module's handlers (``of_call``)."""

    def __init__(
        self, tree: ast.Module, functions: list[ast.FunctionDef | ast.AsyncFunctionDef]
    ) -> None:
        self.tree = tree
        self.functions = functions
        self._prefixes: dict[str, str | None] = {}

    def of_call(self, call: ast.Call) -> tuple[tuple[str, ...], str] | None:
        """The paths of the handlers a streaming response built at ``call`` answers, as the
        module writes them, and the router object they are registered on; None when not
        known (or when they are on different routers)."""
        line = call.lineno
        around = sorted(
            (f for f in self.functions if f.lineno < line <= (f.end_lineno or f.lineno)),
            key=lambda f: f.lineno,
            reverse=True,
        )  # innermost first
        if not around:
            return None
        for function in around:
            route = self._route(function)
            if route is not False:
                return route if isinstance(route, tuple) else None
        outer = around[-1]
        if outer not in self.tree.body:
            return None
        callers = [
            f
            for f in self.functions
            if f is not outer
            and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == outer.name
                for n in ast.walk(f)
            )
        ]
        routes = [self._route(f) for f in callers]
        known = [r for r in routes if isinstance(r, tuple)]
        if not routes or len(known) != len(routes) or len({r[1] for r in known}) != 1:
            return None  # a helper of handlers not known, or of several routers
        return tuple(sorted({r[0][0] for r in known})), known[0][1]

    def _route(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[tuple[str, ...], str] | bool | None:
        """The path of a handler's route decorator and its router object; None when it has
        one whose path is not known; False when it has none."""
        for decorator in function.decorator_list:
            if not (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in _ROUTE_METHODS
                and isinstance(decorator.func.value, ast.Name)
            ):
                continue
            written = decorator.args[0] if decorator.args else None
            if written is None:
                written = next(
                    (k.value for k in decorator.keywords if k.arg in ("path", "rule")), None
                )
            if not (isinstance(written, ast.Constant) and isinstance(written.value, str)):
                return None
            router = decorator.func.value.id
            prefix = self._prefix(router)
            if prefix is None:
                return None
            return (_join(prefix, written.value),), router
        return False

    def _prefix(self, name: str) -> str | None:
        if name not in self._prefixes:
            self._prefixes[name] = self._find_prefix(name)
        return self._prefixes[name]

    def _find_prefix(self, name: str) -> str | None:
        return bound_prefix(self.tree, name)


def bound_prefix(tree: ast.Module, name: str) -> str | None:
    """The path prefix of the router or app ``name`` is bound to once at module level."""
    bound = _bound_call(tree, name)
    if bound is None or bound[0] not in _ROUTERS:
        return None
    made, call = bound
    keyword = _ROUTERS[made]
    written = next((k.value for k in call.keywords if keyword and k.arg == keyword), None)
    if written is None:
        return "" if not any(k.arg is None for k in call.keywords) else None
    if isinstance(written, ast.Constant) and isinstance(written.value, str):
        return written.value
    return None


def _join(prefix: str, rest: str) -> str:
    parts = [p.strip("/") for p in (prefix, rest) if p.strip("/")]
    return "/" + "/".join(parts)
