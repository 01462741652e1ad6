"""`--fix --unsafe-fixes` leaves nothing of ours behind: on every NGINX fixture and on the
example project, after the fixes, no finding remains that a fix was offered for, and no
finding appears that was not there before (the fixes made it: NGX007 after a keepalive added
without a keepalive_timeout, NGX006 after a keepalive whose routes still send HTTP/1.0).
`nginx -t` on the same fixed trees: tests/realnginx/test_realnginx_fix_leaves_nothing.py."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from nginx_fix_run import CASES, Case, fixed_copy

from linter.model import Finding


def _key(finding: Finding, base: Path) -> tuple[str, str]:
    return (str(Path(finding.path).resolve().relative_to(base.resolve())), finding.code)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fix_unsafe_fixes_leaves_no_avoidable_finding(case: Case, tmp_path: Path) -> None:
    base, before, after = fixed_copy(case, tmp_path / "case")
    still_fixable = [f"{f.path}:{f.line}: {f.code} {f.message}" for f in after if f.fix is not None]
    assert not still_fixable, still_fixable
    new = Counter(_key(f, base) for f in after) - Counter(_key(f, base) for f in before)
    made = [f"{f.path}:{f.line}: {f.code} {f.message}" for f in after if _key(f, base) in new]
    assert not new, made


def test_the_example_needs_the_fixes_of_several_rules_in_one_run(tmp_path: Path) -> None:
    """Not vacuous: the example's fix touches keep-alive (NGX005 with its keepalive_timeout,
    then NGX006 on both routes) along with the timeout, buffering and gzip."""
    base, before, after = fixed_copy(CASES[-1], tmp_path / "case")
    assert {f.code for f in before} >= {"NGX001", "NGX002", "NGX004", "NGX005"}
    assert not [f for f in after if f.code in ("NGX005", "NGX006", "NGX007")]
    text = (base / "nginx.conf").read_text()
    assert "keepalive 16;" in text and "keepalive_timeout 4s;" in text
    assert text.count("proxy_http_version 1.1;") == 2  # both routes to the upstream
    assert text.count('proxy_set_header Connection "";') == 2
