"""The catalogue and the rule modules stay in step, and rules load only for kinds in use."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO

from linter import registry
from linter.registry import Rule


def test_every_rule_module_is_in_the_catalogue_under_its_name() -> None:
    listed = {entry.module for entry in registry.catalogue() if entry.kind in registry.KINDS}
    found = set()
    for kind in registry.KINDS:
        package = f"rules.{kind}"
        path = REPO / "rules" / kind
        for info in pkgutil.iter_modules([str(path)]):
            if not info.name.startswith("_"):
                found.add(f"{package}.{info.name}")
    assert found == listed


def test_every_catalogue_entry_loads_its_rule() -> None:
    for entry in registry.catalogue():
        rule = registry.get_rule(entry.code)
        assert isinstance(rule, Rule)
        assert (rule.code, rule.name, rule.kind) == (entry.code, entry.name, entry.kind)
        # The catalogue selects every rule by default; a rule off by default would need a column.
        assert rule.default_enabled


def test_codes_and_names_are_unique_per_kind() -> None:
    codes = [e.code for e in registry.catalogue()]
    assert len(codes) == len(set(codes))
    names = [(e.kind, e.name) for e in registry.catalogue()]
    assert len(names) == len(set(names))


def _heavy(modules: set[str], kinds: tuple[str, ...]) -> set[str]:
    """Modules of these kinds beyond their light name/byte detectors (a detector may keep
    its byte patterns in a light module of their own: `signs`)."""
    return {
        m
        for m in modules
        for kind in kinds
        if m.startswith((f"linter.{kind}.", f"rules.{kind}"))
        and m not in (f"linter.{kind}.detect", f"linter.{kind}.signs")
    }


def _modules_after_check(path: Path) -> set[str]:
    script = (
        "import sys\n"
        "from linter.cli import main\n"
        "try:\n"
        f"    main(['check', '-q', {str(path)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120
    ).stdout
    return set(out.split())


def test_an_nginx_run_imports_neither_libcst_nor_other_kinds(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp { server { location / { return 204; } } }\n")
    modules = _modules_after_check(conf)
    assert "linter.nginx.handler" in modules
    assert not {m for m in modules if m.split(".")[0] == "libcst"}
    assert not _heavy(modules, ("python", "litellm"))
    # One file starts no worker (linter.pool) and searches no Python file's bytes (ctypes).
    assert not {"linter.pool", "ctypes", "concurrent.futures"} & modules


def test_a_python_run_does_not_import_libcst(tmp_path: Path) -> None:
    script = tmp_path / "chat.py"
    script.write_text(
        "import openai\nc = openai.OpenAI()\nfor x in c.chat.completions.create(model='m', messages=[], stream=True):\n    pass\n"
    )
    modules = _modules_after_check(script)
    assert "rules.python.py001_unguarded_stream_loop" in modules
    assert not {m for m in modules if m.split(".")[0] == "libcst"}
    assert not _heavy(modules, ("nginx",))
