"""The `--fix --unsafe-fixes` run over every NGINX fixture and the example project, shared by
tests/nginx/test_fix_leaves_nothing.py (no avoidable finding remains) and
tests/realnginx/test_realnginx_fix_leaves_nothing.py (`nginx -t` still passes)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import lint

from linter.fixtures import all_fixtures, is_fixed_output
from linter.model import Finding

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "chat-proxy"


class Case:
    def __init__(self, name: str, source: Path, settings: dict[str, object]) -> None:
        self.name, self.source, self.settings = name, source, settings


def cases() -> list[Case]:
    found = [
        Case(f"{f.code}/{f.name}", f.path, dict(f.settings()))
        for f in all_fixtures()
        if f.kind == "nginx"
    ]
    found.append(Case("examples/chat-proxy", EXAMPLE / "nginx", {}))
    return found


CASES = cases()


def fixed_copy(case: Case, target: Path) -> tuple[Path, list[Finding], list[Finding]]:
    """A private copy of the case, fixed with `--fix --unsafe-fixes` (every NGINX rule
    selected): (its folder, the findings before, the findings after)."""
    if case.source.is_dir():
        shutil.copytree(
            case.source,
            target,
            ignore=lambda d, names: [n for n in names if is_fixed_output(Path(n))],
        )
        path, base = target, target
    else:
        target.mkdir(parents=True)
        path = target / case.source.name
        shutil.copy2(case.source, path)
        base = target
    settings = {**case.settings, "select": ["NGX"]}
    before = lint([path], cwd=base, **settings).findings
    fixing = lint([path], cwd=base, fix=True, unsafe=True, **settings)
    assert not fixing.errors, fixing.errors
    after = lint([path], cwd=base, **settings).findings
    return base, before, after
