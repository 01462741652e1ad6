"""After `--fix --unsafe-fixes` (every NGINX rule), each fixture and the example project still
pass the real `nginx -t` wherever they passed before the fixes (see
tests/nginx/test_fix_leaves_nothing.py for the findings side)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nginx_fix_run import CASES, Case, fixed_copy
from nginxrun import CheckRun, nginx_test_with_stand_ins, prepare, read, split_dump
from test_realnginx_fixtures import PLACEHOLDER, _prefixes, _roots

pytestmark = pytest.mark.nginx


def _nginx_t(nginx: str, case: Case, folder: Path, root: Path, work: Path) -> CheckRun:
    """`nginx -t` on ``root`` of ``folder``, in a private copy under ``work``."""
    shutil.copytree(folder, work / "tree")
    target = work / "tree" / root.relative_to(folder)
    prefixes = _prefixes(case.settings, work / "tree")
    context = case.settings.get("nginx-context")
    prepared = prepare(
        target,
        work / "prefix",
        context=str(context) if context else None,
        conf_root=work / "tree",
        conf_dir=prefixes.get("/etc/nginx"),
        prefixes=prefixes,
    )
    return nginx_test_with_stand_ins(nginx, prepared)


def _plain(case: Case) -> Path:
    """The case as written, in a folder of its own (a single file is copied into one)."""
    return case.source if case.source.is_dir() else case.source.parent


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_nginx_t_passes_after_the_fixes_where_it_passed_before(
    case: Case, nginx: str, tmp_path: Path
) -> None:
    fixed, before_findings, _ = fixed_copy(case, tmp_path / "fixed")
    if not any(f.fix is not None for f in before_findings):
        pytest.skip("no fix offered: the files are unchanged")
    original = tmp_path / "original"
    if case.source.is_dir():
        shutil.copytree(case.source, original)
    else:
        original.mkdir()
        shutil.copy2(case.source, original / case.source.name)
    checked = 0
    for index, root in enumerate(_roots(fixed)):
        text = read(root)
        if root.name.endswith(".template") or PLACEHOLDER.search(text) or split_dump(text):
            continue
        if ".fixed." in root.name:
            continue
        before = _nginx_t(
            nginx, case, original, original / root.relative_to(fixed), tmp_path / f"b{index}"
        )
        if not before.ok:
            continue  # nothing to keep: it did not pass before either
        after = _nginx_t(nginx, case, fixed, root, tmp_path / f"a{index}")
        assert after.ok, (
            f"{root.relative_to(fixed)} passed nginx -t before the fixes, not after:\n{after.output}"
        )
        checked += 1
    if not checked:
        pytest.skip("no root that nginx -t accepted before the fixes")
