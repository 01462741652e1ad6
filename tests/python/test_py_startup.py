"""Start-up cost of the Python kind (issue 6): value classes made without code generation,
and modules a check does not need are not imported by it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from linter.record import record


@record
class Point:
    x: int
    y: int = 0
    label: str = ""


@record(eq=False)
class Place:
    line: int


def test_record_is_a_frozen_value() -> None:
    point = Point(1, label="a")
    assert (point.x, point.y, point.label) == (1, 0, "a")
    assert point == Point(1, 0, "a") and point != Point(2)
    assert hash(point) == hash(Point(1, label="a"))
    assert repr(point) == "Point(x=1, y=0, label='a')"
    with pytest.raises(AttributeError, match="frozen"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected arguments"):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Point(1, 2, "a", 4)  # type: ignore[call-arg]


@record
class Trimmed:
    text: str
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.strip())


def test_record_calls_post_init_after_setting_its_fields() -> None:
    assert Trimmed("  a ").text == "a"
    assert Trimmed(text=" b", note="n") == Trimmed("b", "n")
    with pytest.raises(AttributeError, match="frozen"):
        Trimmed("c").text = "d"  # type: ignore[misc]


def test_record_without_eq_compares_by_identity() -> None:
    first, second = Place(3), Place(3)
    assert first != second and first == first
    assert len({first, second}) == 2


def test_a_check_imports_neither_the_audit_nor_the_add_ignore_modules(tmp_path: Path) -> None:
    path = tmp_path / "chat.py"
    path.write_text(
        "import openai\nclient = openai.OpenAI()\n"
        "for c in client.chat.completions.create(model='m', messages=[], stream=True):\n"
        "    print(c)\n"
    )
    code = (
        "import sys\nfrom linter.cli import main\n"
        "try:\n    main(['check', '--exit-zero', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('linter.python')), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    loaded = proc.stderr.strip().splitlines()[-1]
    assert "linter.python.analysis" in loaded  # the check did run
    for lazy in ("linter.python.audit", "linter.python.placement"):
        assert lazy not in loaded, loaded
