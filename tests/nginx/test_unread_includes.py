"""An include that cannot be read never silences a server: a lookup passes over one that
cannot set the directive (known content, or a name that says what it holds), and a finding
on a value one could set is reported as `info` with the caveat."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import lint

from linter.nginx.unread import reach_of

SERVER = """\
events {{}}
http {{
    server {{
        listen 8080;
        {include}
        location /v1/chat/completions {{
            proxy_pass http://127.0.0.1:4000;
        }}
    }}
}}
"""


def _findings(tmp_path: Path, include: str) -> dict[str, tuple[str, str, bool]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "nginx.conf").write_text(SERVER.format(include=include))
    result = lint([repo / "nginx.conf"], cwd=repo, select=["NGX001", "NGX002"])
    return {f.code: (f.severity.value, f.message, f.fix is not None) for f in result.findings}


@pytest.mark.parametrize(
    ("include", "basis"),
    [
        ("include /etc/letsencrypt/options-ssl-nginx.conf;", "certbot's options file"),
        ("include /etc/nginx/snippets/snakeoil.conf;", "Debian's snakeoil snippet"),
        ("include /opt/site/ssl-params.conf;", "its name says it holds TLS settings"),
        ("include /srv/nginx/letsencrypt.conf;", "the ACME challenge location"),
        ("include /srv/nginx/security-headers.conf;", "response headers"),
    ],
)
def test_an_include_that_cannot_set_the_value_is_passed_over(
    tmp_path: Path, include: str, basis: str
) -> None:
    found = _findings(tmp_path, include)
    assert set(found) == {"NGX001", "NGX002"}
    for severity, message, fixable in found.values():
        assert severity == "warning"
        assert "(not read) sets" not in message
        assert basis in message  # the evidence says why the include was passed over
        assert fixable


def test_an_include_that_could_set_the_value_gives_an_info_finding_with_the_caveat(
    tmp_path: Path,
) -> None:
    found = _findings(tmp_path, "include /opt/site/tuning.conf;")
    assert {code: severity for code, (severity, _, _) in found.items()} == {
        "NGX001": "info",
        "NGX002": "info",
    }
    assert "unless `/opt/site/tuning.conf` (not read) sets proxy_read_timeout" in found["NGX001"][1]
    assert "unless `/opt/site/tuning.conf` (not read) sets proxy_buffering" in found["NGX002"][1]
    # The include is at server level: the location's own value wins, so the fix stays.
    assert found["NGX001"][2] and found["NGX002"][2]


def test_a_gzip_named_include_can_hide_gzip_but_not_buffering(tmp_path: Path) -> None:
    reach = reach_of("/etc/nginx/conf.d/gzip.conf")
    assert reach.could_set("gzip") and reach.could_set("gzip_types")
    assert not reach.could_set("proxy_buffering")
    found = _findings(tmp_path, "include /opt/site/gzip.conf;")
    assert found["NGX002"][0] == "warning"


def test_a_template_placeholder_still_hides_the_value(tmp_path: Path) -> None:
    assert _findings(tmp_path, "include ${SETTINGS};") == {}


@pytest.mark.parametrize(
    "pattern",
    ["/etc/nginx/proxy.conf", "/opt/x/*.conf", "/etc/nginx/sites-enabled/default", "$conf"],
)
def test_names_that_say_nothing_may_set_anything(pattern: str) -> None:
    reach = reach_of(pattern)
    assert reach.anything and reach.could_set("proxy_read_timeout")
