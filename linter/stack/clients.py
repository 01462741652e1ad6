"""Python clients that name the proxy they talk to: ``OpenAI(base_url=...)``,
``httpx.Client(base_url=...)``, ``litellm.completion(api_base=...)``; the URL (a literal, a
module-level constant, or the default of ``os.environ.get``/``os.getenv``) and the client's
read timeout (given, or the library's default)."""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator

from linter.source import SourceText
from linter.stack.model import Client, Limit, Where
from linter.workspace import Workspace

_MENTIONS = re.compile(r"\b(?:base_url|api_base)\s*=")
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


def _number(node: ast.expr | None) -> float | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    return None


def _environment_getter(func: ast.expr) -> bool:
    """``os.environ.get``, ``environ.get``, ``os.getenv`` or ``getenv``: nothing else is read
    as an environment variable (``config.get("url", ...)`` is not one)."""
    if isinstance(func, ast.Name):
        return func.id == "getenv"
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if func.attr == "getenv":
        return isinstance(owner, ast.Name) and owner.id == "os"
    if func.attr != "get":
        return False
    if isinstance(owner, ast.Name):
        return owner.id == "environ"
    return (
        isinstance(owner, ast.Attribute)
        and owner.attr == "environ"
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "os"
    )


def _url(
    node: ast.expr, constants: dict[str, ast.expr], where: str
) -> tuple[str | None, str, str | None]:
    """(URL, where it comes from, environment variable)."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, f"written at {where}", None
    if isinstance(node, ast.Call) and node.args:
        first = node.args[0]
        is_get = _environment_getter(node.func)
        if is_get and isinstance(first, ast.Constant) and isinstance(first.value, str):
            default = node.args[1] if len(node.args) > 1 else None
            if isinstance(default, ast.Constant) and isinstance(default.value, str):
                return (
                    default.value,
                    f"the default of ${first.value} at {where}",
                    first.value,
                )
            return None, f"${first.value} (no default at {where})", first.value
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
        and isinstance(node.value, (ast.Name, ast.Attribute))
        and (node.value.id if isinstance(node.value, ast.Name) else node.value.attr) == "environ"
    ):
        return None, f"${node.slice.value} at {where}", node.slice.value
    return None, f"not a literal at {where}", None


def _read(call: ast.Call, default: float | None, said: str, where: str) -> Limit:
    node = next((k.value for k in call.keywords if k.arg in ("timeout", "request_timeout")), None)
    if node is None:
        return Limit(default, said.split("'s default ")[-1], said)
    if isinstance(node, ast.Constant) and node.value is None:
        return Limit(None, "timeout=None", f"set at {where}: no read timeout", none=True)
    value = _number(node)
    if value is None and isinstance(node, ast.Call) and _name(node.func)[0] == "Timeout":
        read = next((k.value for k in node.keywords if k.arg == "read"), None)
        if read is None:
            read = (
                node.args[0]
                if node.args
                else next((k.value for k in node.keywords if k.arg == "timeout"), None)
            )
        value = _number(read)
        if isinstance(read, ast.Constant) and read.value is None:
            return Limit(None, "read=None", f"set at {where}: no read timeout", none=True)
    if value is None:
        return Limit(None, "timeout", f"not a number at {where}")
    return Limit(value, f"read timeout {value:g}s", f"set at {where}")


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


def clients_in_bytes(path: str, workspace: Workspace) -> list[Client]:
    """The clients of a Python file given by path, after a byte search (most files name no
    base URL and are never decoded)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return []
    if b"base_url" not in data and b"api_base" not in data:
        return []
    try:
        return list(clients(workspace.read_source(path)))
    except Exception:  # undecodable: the python kind says so when it takes the file
        return []


def clients(source: SourceText, tree: ast.Module | None = None) -> Iterator[Client]:
    """``tree``: the file's module when the python kind has parsed it already."""
    if "base_url" not in source.text and "api_base" not in source.text:
        return
    if _MENTIONS.search(source.text) is None:
        return
    if tree is None:
        try:
            tree = ast.parse(source.text)
        except (SyntaxError, ValueError, RecursionError):
            return
    constants: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                constants[target.id] = stmt.value
    shown = source.path.rsplit("/", 1)[-1]
    lines = sorted({source.position(m.start())[0] for m in _MENTIONS.finditer(source.text)})
    calls = sorted(
        (node for node in _covering(tree, lines) if isinstance(node, ast.Call)),
        key=lambda call: (call.lineno, call.col_offset),
    )
    for node in calls:
        name, owner = _name(node.func)
        known = _KNOWN.get(name)
        if known is None or (name in ("Client", "AsyncClient") and owner != "httpx"):
            continue
        library, keyword, default, said = known
        url_node = next((k.value for k in node.keywords if k.arg == keyword), None)
        if url_node is None:
            continue
        start = _offset(source, node.lineno, node.col_offset)
        end = _offset(source, node.end_lineno or node.lineno, node.end_col_offset or 0)
        where = f"{shown}:{node.lineno}"
        url, url_said, env = _url(url_node, constants, where)
        timeout = next((k for k in node.keywords if k.arg in ("timeout", "request_timeout")), None)
        timeout_at = f"{shown}:{timeout.value.lineno}" if timeout is not None else where
        read = _read(node, default, said, timeout_at)
        if timeout is not None and read.place is None:
            t_start = _offset(source, timeout.value.lineno, timeout.value.col_offset)
            t_end = _offset(
                source,
                timeout.value.end_lineno or timeout.value.lineno,
                timeout.value.end_col_offset or 0,
            )
            read = Limit(
                read.seconds,
                read.text,
                read.origin,
                Where(source.path, t_start, t_end, timeout.value.lineno),
                read.none,
            )
        yield Client(
            path=source.path,
            anchor=Where(source.path, start, end, node.lineno),
            library=library,
            url=url,
            url_said=url_said,
            env=env,
            read=read,
        )
