"""Python clients that name the proxy they talk to: ``OpenAI(base_url=...)``,
``httpx.Client(base_url=...)``, ``litellm.completion(api_base=...)``, or a raw POST to a
completion endpoint; the URL and the client's read timeout (given, or the library's default),
followed through the module as ``pyvalues`` does (constants, ``self.x``, a settings object's
fields, an environment variable read inside a helper)."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from linter.source import SourceText
from linter.stack import client_text_matches, names_client_text, names_client_url
from linter.stack.model import Client, Limit, Where
from linter.stack.pyvalues import Module
from linter.workspace import Workspace

if TYPE_CHECKING:
    from linter.python.analysis.modules import TreeModules

# What a module that asks for a stream writes (the request flag, a streaming call or reader).
_STREAM_SIGN = re.compile(
    r"""\bstream\s*=\s*True|["']stream["']\s*:\s*True|\.a?stream\(|\ba?iter_(?:lines|bytes|text)\b"""
    r"|\biter_content\b|text/event-stream"
)
# The endpoint a raw POST streams a completion from.
_COMPLETION = re.compile(r"/(?:chat/)?completions/?$")
# Constructor or function -> (library, keyword of the URL, default read timeout, how said).
_OPENAI = ("openai", "base_url", 600.0, "openai's default timeout 600s")
_KNOWN: dict[str, tuple[str, str, float | None, str]] = {
    "OpenAI": _OPENAI,
    "AsyncOpenAI": _OPENAI,
    "Client": ("httpx", "base_url", 5.0, "httpx's default 5s read timeout"),
    "AsyncClient": ("httpx", "base_url", 5.0, "httpx's default 5s read timeout"),
    "completion": ("litellm", "api_base", 600.0, "litellm completion()'s default 600s"),
    "acompletion": ("litellm", "api_base", 600.0, "litellm completion()'s default 600s"),
}


def _name(func: ast.expr) -> tuple[str, str]:
    """(last name, owner) of a called function: ``httpx.Client`` -> ("Client", "httpx")."""
    if isinstance(func, ast.Name):
        return func.id, ""
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return func.attr, owner
    return "", ""


def _read(
    call: ast.Call, default: float | None, said: str, module: Module
) -> tuple[Limit, ast.expr | None]:
    """The client's read timeout, and the expression that sets it (its place)."""
    node = next((k.value for k in call.keywords if k.arg in ("timeout", "request_timeout")), None)
    if node is None:
        if default is None:
            return Limit(None, "no timeout", said, none=True), None
        return Limit(default, said.split("'s default ")[-1], said), None
    where = module.at(node)
    if isinstance(node, ast.Constant) and node.value is None:
        return Limit(None, "timeout=None", f"set at {where}: no read timeout", none=True), node
    if isinstance(node, ast.Call) and _name(node.func)[0] in ("Timeout", "ClientTimeout"):
        return _timeout_object(node, module)
    found = module.resolve(node)
    if isinstance(found.value, float):
        origin = f"set at {where}" if found.node is node else found.said
        return Limit(found.value, f"read timeout {found.value:g}s", origin), found.node or node
    return Limit(None, "timeout", f"not a number at {where}"), node


def _timeout_object(node: ast.Call, module: Module) -> tuple[Limit, ast.expr | None]:
    """``httpx.Timeout(10, read=30)`` (read, else the one value for all) or aiohttp's
    ``ClientTimeout(total=60, sock_read=...)`` (the shorter: a total caps each silence too)."""
    where = module.at(node)

    def keyword(name: str) -> ast.expr | None:
        return next((k.value for k in node.keywords if k.arg == name), None)

    if _name(node.func)[0] == "ClientTimeout":
        found: list[tuple[float, str, ast.expr]] = []
        for name in ("total", "sock_read"):
            value = keyword(name)
            number = module.resolve(value).value if value is not None else None
            if isinstance(number, float) and value is not None:
                found.append((number, name, value))
        if not found:
            return Limit(None, "timeout", f"no total or sock_read at {where}"), node
        number, name, value = min(found, key=lambda item: item[0])
        return Limit(number, f"ClientTimeout {name}={number:g}s", f"set at {where}"), value
    read = keyword("read")
    if read is None:
        read = node.args[0] if node.args else keyword("timeout")
    if isinstance(read, ast.Constant) and read.value is None:
        return Limit(None, "read=None", f"set at {where}: no read timeout", none=True), read
    number = module.resolve(read).value if read is not None else None
    if not isinstance(number, float):
        return Limit(None, "timeout", f"not a number at {where}"), node
    return Limit(number, f"read timeout {number:g}s", f"set at {where}"), read


def _offset(source: SourceText, line: int, byte_column: int) -> int:
    """The text offset of an ``ast`` position (its columns count UTF-8 bytes)."""
    text = source.line_text(line)
    column = len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))
    return source.offset(line, column + 1)


def _covering(tree: ast.AST, lines: list[int]) -> Iterator[ast.AST]:
    """The nodes whose lines take in one of ``lines`` (where a base URL keyword is written):
    the rest of the module is not walked."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        start = getattr(node, "lineno", None)
        if start is not None:
            end = getattr(node, "end_lineno", None) or start
            index = bisect.bisect_left(lines, start)
            if index == len(lines) or lines[index] > end:
                continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def mentions(data: bytes) -> bool:
    """Does the file name a base URL or a completion endpoint (linter.stack)?"""
    return names_client_url(data)


def clients_in_bytes(path: str, workspace: Workspace) -> list[Client]:
    """The clients of a Python file given by path, after a byte search (most files name no
    base URL and are never decoded)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return []
    if not mentions(data):
        return []
    try:
        return list(clients(workspace.read_source(path), modules=modules_of(workspace)))
    except Exception:  # undecodable: the python kind says so when it takes the file
        return []


def modules_of(workspace: Workspace) -> TreeModules | None:
    try:
        from linter.python.analysis.project import project_of

        return project_of(workspace)
    except Exception:  # values are then followed within the module only
        return None


def _where(source: SourceText, node: ast.expr) -> Where:
    start = _offset(source, node.lineno, node.col_offset)
    end = _offset(source, node.end_lineno or node.lineno, node.end_col_offset or 0)
    return Where(source.path, start, end, node.lineno)


def clients(
    source: SourceText, tree: ast.Module | None = None, modules: TreeModules | None = None
) -> Iterator[Client]:
    """``tree``: the file's module when the python kind has parsed it already; ``modules``:
    the run's modules, through which a value imported from another module is followed."""
    if not names_client_text(source.text):
        return
    if tree is None:
        try:
            tree = ast.parse(source.text)
        except (SyntaxError, ValueError, RecursionError):
            return
    module = Module(tree, source.path.rsplit("/", 1)[-1], source.path, modules)
    streams = _STREAM_SIGN.search(source.text) is not None
    lines = sorted({source.position(m.start())[0] for m in client_text_matches(source.text)})
    calls = sorted(
        (node for node in _covering(tree, lines) if isinstance(node, ast.Call)),
        key=lambda call: (call.lineno, call.col_offset),
    )
    for node in calls:
        found = _constructor(node) or _request(node, module)
        if found is None:
            continue
        library, url_node, default, said = found
        origin = module.resolve(url_node)
        url = origin.value if isinstance(origin.value, str) else None
        read, timeout_node = _read(node, default, said, module)
        if timeout_node is not None and read.place is None:
            read = Limit(
                read.seconds, read.text, read.origin, _where(source, timeout_node), read.none
            )
        yield Client(
            path=source.path,
            anchor=_where(source, node),
            library=library,
            url=url,
            url_said=origin.said,
            env=origin.env,
            read=read,
            streams=streams,
        )


def _constructor(node: ast.Call) -> tuple[str, ast.expr, float | None, str] | None:
    """A client built with its base URL (``OpenAI(base_url=...)``)."""
    name, owner = _name(node.func)
    known = _KNOWN.get(name)
    if known is None or (name in ("Client", "AsyncClient") and owner != "httpx"):
        return None
    library, keyword, default, said = known
    url_node = next((k.value for k in node.keywords if k.arg == keyword), None)
    if url_node is None:
        return None
    return library, url_node, default, said


def _request(
    node: ast.Call, module: Module, endpoint: re.Pattern[str] = _COMPLETION
) -> tuple[str, ast.expr, float | None, str] | None:
    """A raw HTTP POST to a completion endpoint (``requests.post(f"{base}/v1/chat/completions",
    timeout=60)``, an aiohttp session's ``post(..., timeout=ClientTimeout(total=60))``). The
    library's default is only assumed for the modules themselves (``requests.post``,
    ``httpx.post``); on another object (a session, a client) only an explicit timeout is read."""
    name, owner = _name(node.func)
    arguments = node.args
    if name in ("stream", "request"):
        # httpx's ``client.stream("POST", url, ...)`` / ``client.request("POST", url, ...)``.
        method = arguments[0] if arguments else None
        if not (
            isinstance(method, ast.Constant)
            and isinstance(method.value, str)
            and method.value.upper() == "POST"
        ):
            return None
        arguments = arguments[1:]
    elif name != "post":
        return None
    url_node = (
        arguments[0]
        if arguments
        else next((k.value for k in node.keywords if k.arg == "url"), None)
    )
    if url_node is None:
        return None
    url = module.resolve(url_node).value
    if not isinstance(url, str) or endpoint.search(url) is None:
        return None
    timeout = next((k.value for k in node.keywords if k.arg == "timeout"), None)
    if owner == "requests":
        return "requests", url_node, None, "requests' default (no timeout)"
    if owner == "httpx":
        return "httpx", url_node, 5.0, "httpx's default 5s read timeout"
    if timeout is None:
        return None
    if isinstance(timeout, ast.Call) and _name(timeout.func)[0] == "ClientTimeout":
        return "aiohttp", url_node, None, "aiohttp"
    if owner and _built_by_httpx(node, owner, module):
        return "httpx", url_node, None, "httpx"
    return "HTTP", url_node, None, "HTTP"


def client_post(
    node: ast.Call, module: Module, endpoint: re.Pattern[str]
) -> tuple[ast.expr, ast.Call] | None:
    """A POST to ``endpoint`` that sets no timeout of its own, made on an httpx client the
    same function (or module) builds (``async with httpx.AsyncClient(timeout=None) as c:
    c.stream("POST", url)``): its URL, and the client's constructor, whose timeout it uses."""
    name, owner = _name(node.func)
    if not owner or any(k.arg == "timeout" for k in node.keywords):
        return None
    arguments = node.args
    if name in ("stream", "request"):
        method = arguments[0] if arguments else None
        if not (isinstance(method, ast.Constant) and str(method.value).upper() == "POST"):
            return None
        arguments = arguments[1:]
    elif name != "post":
        return None
    url_node = arguments[0] if arguments else None
    if url_node is None:
        return None
    url = module.resolve(url_node).value
    if not isinstance(url, str) or endpoint.search(url) is None:
        return None
    built = _httpx_client(node, owner, module)
    return (url_node, built) if built is not None else None


def _built_by_httpx(node: ast.Call, owner: str, module: Module) -> bool:
    return bool(_httpx_clients(node, owner, module))


def _httpx_client(node: ast.Call, owner: str, module: Module) -> ast.Call | None:
    """The httpx client a request is made on: the ``with`` that holds the request, else
    the one client of that name its function builds (None: not known)."""
    found = _httpx_clients(node, owner, module)
    holding = [
        built
        for built, block in found
        if block is not None and block.lineno <= node.lineno <= (block.end_lineno or 0)
    ]
    if holding:
        return holding[-1]  # the innermost: ast.walk meets the outer one first
    return found[0][0] if len(found) == 1 else None


def _httpx_clients(
    node: ast.Call, owner: str, module: Module
) -> list[tuple[ast.Call, ast.stmt | None]]:
    """The httpx clients named ``owner`` built in the function (or module) of a request:
    ``async with httpx.AsyncClient() as owner`` (with its block) or ``owner =
    httpx.Client(...)``."""
    function, _ = module.enclosing(node)
    scope: ast.AST = function if function is not None else module.tree
    found: list[tuple[ast.Call, ast.stmt | None]] = []
    for item in ast.walk(scope):
        built: ast.expr | None = None
        block: ast.stmt | None = None
        if isinstance(item, (ast.With, ast.AsyncWith)):
            for withitem in item.items:
                named = withitem.optional_vars
                if isinstance(named, ast.Name) and named.id == owner:
                    built, block = withitem.context_expr, item
        elif isinstance(item, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == owner for t in item.targets
        ):
            built = item.value
        if isinstance(built, ast.Call) and _name(built.func) in (
            ("Client", "httpx"),
            ("AsyncClient", "httpx"),
        ):
            found.append((built, block))
    return found
