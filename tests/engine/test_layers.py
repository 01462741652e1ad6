"""The engine's modules import in layers: what a rule is and where rules are found sit below
the configuration that selects and configures them (no import cycle through config)."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import REPO


def _imports(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (in functions, under
    TYPE_CHECKING): a cycle only hidden inside a function is still a cycle."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            # `from linter import registry` imports the module linter.registry.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for top in ("linter", "rules"):
        for path in (REPO / top).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {m for m in _imports(path, package) if m in modules and m != name}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        for module in graph[pending.pop()]:
            if module not in seen:
                seen.add(module)
                pending.append(module)
    return seen


def test_the_registry_and_the_rule_definitions_never_reach_the_configuration() -> None:
    graph = import_graph()
    assert "linter.registry" in graph["linter.config"]  # the configuration reads the registry
    for below in ("linter.rule", "linter.registry", "linter.engine_rules"):
        assert "linter.config" not in reachable(graph, below), below


def test_no_cycle_between_the_registry_and_the_engine_rules() -> None:
    graph = import_graph()
    assert "linter.registry" not in reachable(graph, "linter.engine_rules")
    assert "linter.registry" not in reachable(graph, "linter.rule")


def test_the_graph_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from linter.config import Settings\n"
        "def f():\n    from linter import registry\n"
    )
    assert {"linter.config", "linter.registry"} <= _imports(module, "linter")
