"""Python files a launch names, read with ``ast`` and never imported: a gunicorn config file's
module-level settings, and the ``uvicorn.run(...)`` (or Flask ``app.run(...)``) calls of a
script."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Iterator, Mapping

from linter.server.model import Launch, Place, Setting
from linter.source import SourceText

# Reads a launch setting's expression that is not a constant of its own (an attribute of a
# settings object) in the file's module: (value, where it is set) or None.
SettingsReader = Callable[[ast.AST, ast.Module], "tuple[str, str] | None"]

# gunicorn config names the rules read (``bind`` gives the port, ``wsgi_app`` the app).
CONFIG_NAMES = frozenset(
    {
        "worker_class",
        "workers",
        "threads",
        "timeout",
        "graceful_timeout",
        "keepalive",
        "bind",
        "wsgi_app",
    }
)


def parse(source: SourceText) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _span(source: SourceText, node: ast.AST) -> tuple[int, int]:
    start = source.offset(node.lineno, node.col_offset + 1)  # type: ignore[attr-defined]
    end = source.offset(node.end_lineno, node.end_col_offset + 1)  # type: ignore[attr-defined]
    return start, end


def constant(node: ast.AST, env: Mapping[str, str]) -> str | None:
    """The value of a setting's expression as text, when it is a constant: a literal, simple
    arithmetic, ``int(...)``/``str(...)`` of one, ``os.environ.get("X", default)`` /
    ``os.getenv`` (the repository's value of X, else the default), an f-string of such
    parts; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        if isinstance(node.value, bool):
            return None
        return str(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add, ast.Sub)):
        left, right = constant(node.left, env), constant(node.right, env)
        try:
            a, b = float(left or "x"), float(right or "x")
        except ValueError:
            return None
        value = (
            a * b
            if isinstance(node.op, ast.Mult)
            else a + b
            if isinstance(node.op, ast.Add)
            else a - b
        )
        return str(int(value)) if value == int(value) else str(value)
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in ("int", "str", "float")
            and len(node.args) == 1
        ):
            inner = constant(node.args[0], env)
            if inner is None:
                return None
            try:
                return str(int(float(inner))) if func.id == "int" else inner
            except ValueError:
                return None
        name = _environ_name(func, node.args)
        if name is not None:
            if name in env:
                return env[name]
            return constant(node.args[1], env) if len(node.args) > 1 else None
    if isinstance(node, ast.JoinedStr):  # f"0.0.0.0:{os.getenv('PORT', '8000')}"
        parts = []
        for piece in node.values:
            written: ast.expr = piece
            if isinstance(piece, ast.FormattedValue):
                if piece.conversion != -1 or piece.format_spec is not None:
                    return None
                written = piece.value
            part = constant(written, env)
            if part is None:
                return None
            parts.append(part)
        return "".join(parts)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return _first_set(node.values, env)
    if isinstance(node, ast.Subscript) and _dotted(node.value) == "os.environ":
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return env.get(key.value)
    return None


def _first_set(values: list[ast.expr], env: Mapping[str, str]) -> str | None:
    """``a or b or ...``: the first operand with a value (`os.getenv("PORT") or "8000"`: the
    repository's PORT when it sets one, else "8000"). A variable the repository leaves unset
    (or empty), or a falsy literal, passes to the next operand."""
    for value in values:
        if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
            name = _environ_name(value.func, value.args)
            if name is not None:
                if env.get(name):
                    return env[name]
                continue
        if isinstance(value, ast.Constant) and not value.value:
            continue
        found = constant(value, env)
        if found is None:
            return None
        if found:
            return found
    return None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _environ_name(func: ast.AST, args: list[ast.expr]) -> str | None:
    if _dotted(func) in ("os.environ.get", "os.getenv", "environ.get", "getenv") and args:
        first = args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def module_settings(tree: ast.Module) -> Iterator[tuple[ast.Name, ast.expr, bool]]:
    """The module-level assignments to a plain name, as a config file's reader sees them, in
    order: (the name, its value, whether it is under ``if``/``try``/``with``)."""

    def visit(
        statements: list[ast.stmt], conditional: bool
    ) -> Iterator[tuple[ast.Name, ast.expr, bool]]:
        for statement in statements:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            elif isinstance(statement, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    yield from visit(getattr(statement, block, []) or [], True)
                for handler in getattr(statement, "handlers", []):
                    yield from visit(handler.body, True)
                continue
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    yield target, value, conditional

    return visit(tree.body, False)


def gunicorn_config(
    source: SourceText, env: Mapping[str, str], names: frozenset[str] = CONFIG_NAMES
) -> dict[str, tuple[str | None, Place, int]] | None:
    """Module-level settings of a Python config file (gunicorn's, or hypercorn's ``file:``
    one, with its ``names``): name -> (value or None, place of the value, line). An
    assignment under ``if``/``try`` makes the value unknown; None when the file does not
    parse."""
    tree = parse(source)
    if tree is None:
        return None
    found: dict[str, tuple[str | None, Place, int]] = {}
    for target, value, conditional in module_settings(tree):
        if target.id not in names:
            continue
        start, end = _span(source, value)
        known = None if conditional else constant(value, env)
        if target.id == "bind" and isinstance(value, (ast.List, ast.Tuple)) and value.elts:
            known = None if conditional else constant(value.elts[0], env)
        found[target.id] = (known, Place(source.path, start, end), value.lineno)
    return found


def uvicorn_runs(
    source: SourceText,
    launcher: str,
    env: Mapping[str, str],
    search_dirs: tuple[str, ...],
    shown: str,
    guarded: bool = False,
    settings: SettingsReader | None = None,
) -> list[Launch]:
    """Each ``uvicorn.run(...)`` call of a script (``import uvicorn`` or ``from uvicorn import
    run``), with its keyword settings; with ``guarded``, only the calls that running the file
    makes (see ``_main_block_nodes``). ``settings`` reads a value that is not a constant of
    the call itself (`port=settings.PORT`: linter/server/pysettings.py)."""
    if "uvicorn" not in source.text:
        return []
    tree = parse(source)
    if tree is None:
        return []
    module_names = {"uvicorn"}
    run_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "uvicorn":
                    module_names.add(alias.asname or "uvicorn")
        elif isinstance(node, ast.ImportFrom) and node.module == "uvicorn":
            for alias in node.names:
                if alias.name == "run":
                    run_names.add(alias.asname or "run")
    launches = []
    for node in _main_block_nodes(tree) if guarded else ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_run = (
            isinstance(func, ast.Attribute)
            and func.attr == "run"
            and isinstance(func.value, ast.Name)
            and func.value.id in module_names
        ) or (isinstance(func, ast.Name) and func.id in run_names)
        if not is_run:
            continue
        start, end = _span(source, func)
        launch = Launch(
            server="uvicorn",
            command=Place(source.path, start, end),
            launcher=launcher,
            search_dirs=search_dirs,
            environment=dict(env),
        )
        if node.args:
            app = node.args[0]
            if isinstance(app, ast.Constant) and isinstance(app.value, str):
                launch.app = app.value
            else:
                launch.app = f"{source.path}::"  # the app object of this very file
            app_start, app_end = _span(source, app)
            launch.app_place = Place(source.path, app_start, app_end)
        for keyword in node.keywords:
            name = {
                "timeout_keep_alive": "keepalive",
                "timeout_graceful_shutdown": "graceful_timeout",
                "workers": "workers",
                "port": "port",
            }.get(keyword.arg or "")
            if name is None:
                continue
            value_start, value_end = _span(source, keyword.value)
            origin = f"`{keyword.arg}={source.text[value_start:value_end]}` at {shown}:{keyword.value.lineno}"
            value, via = constant(keyword.value, env), None
            if value is None and settings is not None:
                found = settings(keyword.value, tree)
                if found is not None:
                    value, via = found
                    origin = f"{origin} ({via})"
            launch.settings[name] = Setting(
                value, Place(source.path, value_start, value_end), origin, via=via
            )
        launches.append(launch)
    return launches


# Settings of Flask's development server (werkzeug) that are not modelled: unknown, never a
# default (its keep-alive depends on threading and the werkzeug version).
_FLASK_UNKNOWN = ("keepalive", "graceful_timeout", "timeout", "worker_class")


def script_runs(
    source: SourceText,
    launcher: str,
    env: Mapping[str, str],
    search_dirs: tuple[str, ...],
    shown: str,
    settings: SettingsReader | None = None,
) -> list[Launch]:
    """The servers a script a launch line runs starts: its ``uvicorn.run(...)`` calls, else
    Flask's development server (``flask_runs``)."""
    found = uvicorn_runs(source, launcher, env, search_dirs, shown, settings=settings)
    return found or flask_runs(source, launcher, env, search_dirs, shown)


def flask_runs(
    source: SourceText,
    launcher: str,
    env: Mapping[str, str],
    search_dirs: tuple[str, ...],
    shown: str,
) -> list[Launch]:
    """Each ``app.run(...)`` that running the script makes (its ``__main__`` block), where
    ``app`` is bound once at module level to ``Flask(...)``: Flask's development server
    serving the script's own app (``python -m src.app`` in a Dockerfile)."""
    if "Flask" not in source.text or ".run(" not in source.text:
        return []
    tree = parse(source)
    if tree is None:
        return []
    flask_names = {"Flask"}
    modules = {"flask"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            flask_names |= {a.asname or a.name for a in node.names if a.name == "Flask"}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "flask"}
    apps: dict[str, int] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                apps[target.id] = apps.get(target.id, 0) + 1
    made = set()
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        func = node.value.func
        if (isinstance(func, ast.Name) and func.id in flask_names) or (
            isinstance(func, ast.Attribute)
            and func.attr == "Flask"
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ):
            made |= {t.id for t in node.targets if isinstance(t, ast.Name) and apps[t.id] == 1}
    launches = []
    for found in _main_block_nodes(tree):
        if not isinstance(found, ast.Call):
            continue
        call = found
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "run"
            and isinstance(func.value, ast.Name)
            and func.value.id in made
        ):
            continue
        start, end = _span(source, func)
        launch = Launch(
            server="flask",
            command=Place(source.path, start, end),
            launcher=launcher,
            search_dirs=search_dirs,
            environment=dict(env),
            app=f"{source.path}::",
            app_place=Place(source.path, *_span(source, func.value)),
        )
        for name in _FLASK_UNKNOWN:
            launch.settings[name] = Setting(
                None, None, "Flask's development server: not modelled (unknown)"
            )
        port = next((k.value for k in call.keywords if k.arg == "port"), None)
        if port is None and len(call.args) > 1:
            port = call.args[1]
        if port is not None:
            value_start, value_end = _span(source, port)
            launch.settings["port"] = Setting(
                constant(port, env),
                Place(source.path, value_start, value_end),
                f"`port={source.text[value_start:value_end]}` at {shown}:{port.lineno}",
            )
        else:
            launch.settings["port"] = Setting("5000", None, "Flask's default port 5000")
        launches.append(launch)
    return launches


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


def _main_block_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes running the file runs: its module-level ``if __name__ == "__main__":``
    blocks, and the bodies of the module-level functions those blocks call by name (one
    level: ``def main(): uvicorn.run(...)`` then ``main()``)."""
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    found: list[ast.AST] = []
    called: list[str] = []
    for statement in tree.body:
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            for inner in statement.body:
                for node in ast.walk(inner):
                    found.append(node)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                        called.append(node.func.id)
    for name in dict.fromkeys(called):
        function = functions.get(name)
        if function is not None:
            found.extend(ast.walk(function))
    return found
