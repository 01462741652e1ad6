"""A requirement with only an upper bound (``openai<3``) pins no version, but rules out the
versions above it: the PY rules then name and suggest only exceptions those versions raise
(no ``httpx2`` class, which only openai 3 brings, under ``openai<3``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint

from linter.python.pins import excluded_from, find_pins, upper_bound
from linter.workspace import Workspace

GUARDED_BY_HTTPX2 = (
    "import httpx2\nimport openai\n\nclient = openai.OpenAI()\n\n"
    "def show():\n"
    "    try:\n"
    "        for c in client.chat.completions.create(model='m', messages=[], stream=True, max_tokens=5):\n"
    "            print(c)\n"
    "    except httpx2.HTTPError:\n"
    "        print('cut')\n"
    "    for c in client.chat.completions.create(model='m', messages=[], stream=True, max_tokens=5):\n"
    "        print(c)\n"
)


def _messages(tmp_path: Path, requirement: str | None) -> dict[str, str]:
    if requirement is not None:
        (tmp_path / "requirements.txt").write_text(requirement + "\n")
    (tmp_path / "app.py").write_text(GUARDED_BY_HTTPX2)
    findings = lint([tmp_path / "app.py"], cwd=tmp_path, select=["PY001", "PY003"]).findings
    return {f.code: f.message for f in findings}


def test_under_openai_below_3_only_httpx_is_named_and_suggested(tmp_path: Path) -> None:
    messages = _messages(tmp_path, "openai<3")
    assert set(messages) == {"PY001", "PY003"}  # the httpx2 handler catches nothing there
    for message in messages.values():
        assert "httpx2" not in message.replace("`except httpx2.HTTPError`", "")
        assert "raises httpx.RemoteProtocolError" in message
        assert "(any openai<3, from requirements.txt: openai<3" in message
    assert messages["PY003"].endswith("add `httpx.HTTPError` to it")
    assert "`except httpx.HTTPError:`" in messages["PY001"]


def test_with_no_bound_at_all_both_transports_are_suggested(tmp_path: Path) -> None:
    messages = _messages(tmp_path, None)
    assert "no openai version pin found" in messages["PY001"]
    assert "`except (httpx.HTTPError, httpx2.HTTPError):`" in messages["PY001"]
    assert "PY003" not in messages  # httpx2 is what openai 3 raises: that handler may catch


def test_a_bound_above_3_keeps_httpx2(tmp_path: Path) -> None:
    messages = _messages(tmp_path, "openai<3.5")
    assert "`except (httpx.HTTPError, httpx2.HTTPError):`" in messages["PY001"]


def test_the_bound_is_read_from_pyproject_and_poetry(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["openai <3", "anthropic"]\n'
        '[tool.poetry.dependencies]\nanthropic = "<1.0"\n'
    )
    pins = find_pins(str(tmp_path / "app.py"), Workspace(str(tmp_path)), ("openai", "anthropic"))
    assert (pins["openai"].version, pins["openai"].upper) == ((), "<3")
    assert (pins["anthropic"].version, pins["anthropic"].upper) == ((), "<1.0")
    assert pins["openai"].line == 3


@pytest.mark.parametrize(
    ("spec", "upper", "first_excluded"),
    [
        ("<3", "<3", (3,)),
        ("<=2.9", "<=2.9", (2, 9, 1)),
        ("!=2.1, < 3.0", "<3.0", (3, 0)),
        ("<4,<=3.2", "<4,<=3.2", (3, 2, 1)),
        ("!=2.1", "", None),
    ],
)
def test_upper_bounds(spec: str, upper: str, first_excluded: tuple[int, ...] | None) -> None:
    assert upper_bound(spec) == upper
    assert excluded_from(upper) == first_excluded
