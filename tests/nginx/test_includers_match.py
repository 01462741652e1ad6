"""The includers search matches an include pattern against a file name as fnmatch would on the
joined path, without compiling a pattern per folder."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.nginx.includers import _matches

_PART = st.sampled_from(["a", "b", "conf.d", "x.conf", "*", "*.conf", "?", "[ab]", "[!a]", "..", "[x]"])  # fmt: skip
_NAME_PART = st.sampled_from(["a", "b", "conf.d", "x.conf", "ab", "[x]", "a.conf"])


@settings(max_examples=500, deadline=None)
@given(
    st.lists(_PART, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.tuples(st.booleans(), st.lists(_PART, min_size=1, max_size=3)).map(
        lambda flag_parts: ("/" if flag_parts[0] else "") + "/".join(flag_parts[1])
    ),
    st.lists(_NAME_PART, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts)),
)
def test_matches_is_fnmatch_on_the_joined_path(base: str, pattern: str, name: str) -> None:
    assert _matches(name, base, pattern) == fnmatchcase(name, os.path.join(base, pattern))


def test_matches_examples() -> None:
    assert _matches("/t/site/conf.d/a.conf", "/t/site", "conf.d/*.conf")
    assert _matches("/t/site/snippets/s.conf", "/t/site", "snippets/s.conf")
    assert not _matches("/t/other/conf.d/a.conf", "/t/site", "conf.d/*.conf")
    assert _matches("/t/[x]/a.conf", "/t/[x]", "a.conf") == fnmatchcase(
        "/t/[x]/a.conf", "/t/[x]/a.conf"
    )
