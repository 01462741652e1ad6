"""The NGINX kind's modules form a one-way flow: no module imports one that imports it back
(lazy imports inside functions count too), and none reaches up into the commands that use
the kind (``linter.add_ignore``, the CLI, the runner)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "linter" / "nginx"


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for file in sorted(PACKAGE.glob("*.py")):
        name = f"linter.nginx.{file.stem}"
        found: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "linter.nginx":
                    found |= {f"linter.nginx.{alias.name}" for alias in node.names}
                else:
                    found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = found
    return graph


def test_nginx_modules_import_each_other_without_a_cycle() -> None:
    graph = _imports()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for dependency in sorted(graph.get(module, ())):
            if dependency in path:
                cycles.append([*path[path.index(dependency) :], dependency])
            elif dependency in graph and dependency not in done:
                visit(dependency, [*path, dependency])
        done.add(module)

    done: set[str] = set()
    for module in graph:
        visit(module, [module])
    assert not cycles, cycles


def test_nginx_modules_do_not_reach_into_the_commands() -> None:
    commands = {"linter.add_ignore", "linter.cli", "linter.runner"}
    offending = {
        module: sorted(deps & commands) for module, deps in _imports().items() if deps & commands
    }
    assert not offending
    # The detector the engine imports for every run stays light: no parser at import time.
    detect = ast.parse((PACKAGE / "detect.py").read_text(encoding="utf-8"))
    top_level = {
        node.module for node in detect.body if isinstance(node, ast.ImportFrom) and node.module
    }
    assert top_level <= {"__future__", "posixpath", "linter.document", "linter.nginx.signs"}
