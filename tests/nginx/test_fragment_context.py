"""A fragment given alone (what pre-commit passes: only the changed file) is linted in the
context of the files of the tree that include it, and only what lies in it is reported."""

from __future__ import annotations

from pathlib import Path

from helpers import lint, streamproof

from linter.checker import within
from linter.model import Applicability, Edit, Finding, Fix, Severity
from linter.nginx.handler import HANDLER
from linter.workspace import Workspace

NGINX_CONF = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n"
SITE = """\
upstream litellm {
    server 127.0.0.1:4000;
    keepalive 16;
}
server {
    listen 127.0.0.1:8080;
    location /v1/chat/completions {
        proxy_pass http://litellm;
        include snippets/proxy.conf;
    }
}
"""
SNIPPET = """\
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_read_timeout 30s;
proxy_buffering on;
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def project(root: Path, overrides: dict[str, str] | None = None) -> Path:
    """A repository keeping its configuration under deploy/nginx/ (nginx.conf, a conf.d site
    file, a snippet the site's streaming location includes); returns that folder."""
    files = {"nginx.conf": NGINX_CONF, "conf.d/chat.conf": SITE, "snippets/proxy.conf": SNIPPET}
    files.update(overrides or {})
    write(root / "deploy" / "nginx", files)
    return root / "deploy" / "nginx"


def found(paths: list[Path], cwd: Path, **settings: object) -> list[tuple[str, str, int]]:
    result = lint(paths, cwd=cwd, **settings)
    assert not result.errors, result.errors
    return sorted((str(Path(f.path).relative_to(cwd)), f.code, f.line) for f in result.findings)


def test_a_lone_snippet_is_linted_through_its_includers_and_only_its_findings_reported(
    tmp_path: Path,
) -> None:
    nginx = project(tmp_path)
    # Alone, the snippet has no location and no proxy_pass: nothing to judge. Through
    # nginx.conf and conf.d/chat.conf it sits in a streaming route.
    assert found([nginx / "snippets/proxy.conf"], tmp_path) == [
        ("deploy/nginx/snippets/proxy.conf", "NGX001", 3),
        ("deploy/nginx/snippets/proxy.conf", "NGX002", 4),
    ]
    # The whole configuration reports the same two, and what lies in the other files.
    assert found([nginx / "nginx.conf"], tmp_path) == [
        ("deploy/nginx/conf.d/chat.conf", "NGX007", 3),
        ("deploy/nginx/snippets/proxy.conf", "NGX001", 3),
        ("deploy/nginx/snippets/proxy.conf", "NGX002", 4),
    ]


def test_the_unit_is_the_outermost_includer_and_reports_only_the_given_file(
    tmp_path: Path,
) -> None:
    nginx = project(tmp_path)
    workspace = Workspace(root=str(tmp_path))
    snippet = str(nginx / "snippets/proxy.conf")
    (unit,) = HANDLER.plan([snippet], workspace)
    assert unit.path == str(nginx / "nginx.conf")
    assert unit.report == (snippet,)


def test_a_lone_site_file_gets_the_main_files_http_settings(tmp_path: Path) -> None:
    """nginx.conf turns buffering off for all of http: the site file's route is not buffered,
    though the site file alone (with nginx's default) would say it is."""
    nginx = project(
        tmp_path,
        {
            "nginx.conf": "events {}\nhttp {\n    proxy_buffering off;\n"
            "    include conf.d/*.conf;\n}\n",
            "snippets/proxy.conf": SNIPPET.replace("proxy_buffering on;\n", ""),
        },
    )
    site = nginx / "conf.d/chat.conf"
    assert ("deploy/nginx/conf.d/chat.conf", "NGX002", 7) not in found([site], tmp_path)
    # Without the includer in the tree, the same file alone is judged with nginx's default.
    (nginx / "nginx.conf").unlink()
    assert ("deploy/nginx/conf.d/chat.conf", "NGX002", 7) in found([site], tmp_path)


def test_a_fragment_nothing_includes_is_linted_alone(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "conf.d/chat.conf": "server {\n    listen 80;\n    location /v1/chat/completions {\n"
            "        proxy_pass http://127.0.0.1:4000;\n    }\n}\n",
            # Includes something else: not an includer of chat.conf.
            "nginx.conf": "events {}\nhttp {\n    include other/*.conf;\n}\n",
        },
    )
    workspace = Workspace(root=str(tmp_path))
    (unit,) = HANDLER.plan([str(tmp_path / "conf.d/chat.conf")], workspace)
    assert unit.path == str(tmp_path / "conf.d/chat.conf") and unit.report == ()
    assert ("conf.d/chat.conf", "NGX001", 3) in found([tmp_path / "conf.d/chat.conf"], tmp_path)


def test_includers_in_skipped_folders_are_not_used(tmp_path: Path) -> None:
    nginx = project(tmp_path)
    (nginx / "nginx.conf").unlink()
    (nginx / "conf.d/chat.conf").unlink()
    # A copy of the includers inside node_modules (a package's example) is not context.
    write(
        tmp_path,
        {
            "node_modules/pkg/nginx/nginx.conf": NGINX_CONF,
            "node_modules/pkg/nginx/conf.d/chat.conf": SITE,
        },
    )
    workspace = Workspace(root=str(tmp_path))
    snippet = str(nginx / "snippets/proxy.conf")
    (unit,) = HANDLER.plan([snippet], workspace)
    assert unit.path == snippet and unit.report == ()


def test_absolute_includes_and_several_fragments_share_one_unit(tmp_path: Path) -> None:
    # The site file names the snippet the way a packaged nginx sees it.
    absolute = "include /etc/nginx/snippets/proxy.conf;"
    nginx = project(
        tmp_path,
        {
            "conf.d/chat.conf": SITE.replace("include snippets/proxy.conf;", absolute),
            "conf.d/other.conf": "upstream other { server 10.0.0.1; }\n",
        },
    )
    workspace = Workspace(root=str(tmp_path))
    given = [str(nginx / "snippets/proxy.conf"), str(nginx / "conf.d/other.conf")]
    (unit,) = HANDLER.plan(given, workspace)
    assert unit.path == str(nginx / "nginx.conf")
    assert unit.report == tuple(sorted(given))
    assert found([Path(p) for p in given], tmp_path) == [
        ("deploy/nginx/snippets/proxy.conf", "NGX001", 3),
        ("deploy/nginx/snippets/proxy.conf", "NGX002", 4),
    ]


def test_a_snippet_shared_by_two_configurations_is_reported_once(tmp_path: Path) -> None:
    nginx = project(tmp_path)
    write(
        tmp_path,
        {
            "deploy/nginx/staging.conf": "events {}\nhttp {\n    server {\n"
            "        listen 8081;\n        location /v1/chat/completions {\n"
            "            proxy_pass http://127.0.0.1:4000;\n"
            "            include snippets/proxy.conf;\n        }\n    }\n}\n",
        },
    )
    workspace = Workspace(root=str(tmp_path))
    units = HANDLER.plan([str(nginx / "snippets/proxy.conf")], workspace)
    assert sorted(u.path for u in units) == [
        str(nginx / "nginx.conf"),
        str(nginx / "staging.conf"),
    ]
    assert found([nginx / "snippets/proxy.conf"], tmp_path) == [
        ("deploy/nginx/snippets/proxy.conf", "NGX001", 3),
        ("deploy/nginx/snippets/proxy.conf", "NGX002", 4),
    ]


def test_fix_on_a_lone_file_edits_only_that_file(tmp_path: Path) -> None:
    nginx = project(tmp_path)
    (nginx / "snippets/proxy.conf").write_text(SNIPPET + "proxy_send_timeout 1m30;\n")
    before = {p: p.read_bytes() for p in nginx.rglob("*.conf")}
    proc = streamproof(
        "check", "--fix", "--select", "NGX009,NGX001", "deploy/nginx/snippets/proxy.conf",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr  # NGX001 in the snippet remains
    changed = {p for p in before if p.read_bytes() != before[p]}
    assert changed == {nginx / "snippets/proxy.conf"}
    assert (nginx / "snippets/proxy.conf").read_text().endswith("proxy_send_timeout 1m30s;\n")


def test_stdin_content_is_linted_through_the_includer(tmp_path: Path) -> None:
    nginx = project(tmp_path)
    proc = streamproof(
        "check", "--output-format", "concise", "--stdin-filename",
        "deploy/nginx/snippets/proxy.conf",
        cwd=tmp_path,
        stdin=b"proxy_read_timeout 10s;\nproxy_buffering off;\n",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "NGX" in line]
    assert len(lines) == 1 and lines[0].startswith(
        "deploy/nginx/snippets/proxy.conf:1:1: NGX001 proxy_read_timeout is 10s"
    ), proc.stdout
    assert (nginx / "snippets/proxy.conf").read_text() == SNIPPET


def _finding(path: str, edits: tuple[Edit, ...] = ()) -> Finding:
    fix = Fix(Applicability.SAFE, edits) if edits else None
    return Finding("NGX001", "x", Severity.WARNING, "m", path, 1, 1, 1, 2, fix=fix)


def test_within_keeps_only_findings_in_the_given_files_and_their_own_fixes() -> None:
    inside = _finding("/r/a.conf", (Edit("/r/a.conf", 0, 0, "x"),))
    crossing = _finding("/r/a.conf", (Edit("/r/a.conf", 0, 0, "x"), Edit("/r/b.conf", 0, 0, "y")))
    outside = _finding("/r/b.conf")
    assert within([inside, crossing, outside], None) == [inside, crossing, outside]
    kept = within([inside, crossing, outside], frozenset({"/r/a.conf"}))
    assert kept[0] == inside
    assert kept[1].fix is None and "b.conf" in kept[1].fix_note
    assert len(kept) == 2


def test_an_includer_far_away_is_found_through_the_nginx_prefix_setting(tmp_path: Path) -> None:
    """The includer (docker/nginx/nginx.conf) and the fragment (config/sites/chat.conf) share
    no folder: only the `nginx-prefix` mapping joins them, and then the whole tree is searched."""
    write(
        tmp_path,
        {
            "docker/nginx/nginx.conf": "events {}\nhttp {\n    proxy_buffering off;\n"
            "    include /etc/nginx/sites/*.conf;\n}\n",
            "config/sites/chat.conf": SITE.replace("        include snippets/proxy.conf;\n", ""),
        },
    )
    site = tmp_path / "config/sites/chat.conf"
    workspace = Workspace(root=str(tmp_path))
    # Without the mapping nothing includes it: alone, buffering is nginx's default (on).
    (unit,) = HANDLER.plan([str(site)], workspace)
    assert unit.path == str(site)
    assert ("config/sites/chat.conf", "NGX002", 7) in found([site], tmp_path)
    (tmp_path / "streamproof.toml").write_text('[nginx-prefix]\n"/etc/nginx" = "config"\n')
    (unit,) = HANDLER.plan([str(site)], Workspace(root=str(tmp_path)))
    assert unit.path == str(tmp_path / "docker/nginx/nginx.conf")
    assert ("config/sites/chat.conf", "NGX002", 7) not in found([site], tmp_path)


def test_a_site_file_named_from_elsewhere_outside_git_still_finds_its_main_file(
    tmp_path: Path,
) -> None:
    """Named from another folder, in no git work tree, a file's own folder is the linted tree;
    the `nginx.conf` one folder up that includes it is still found (and with it, nginx.conf's
    http-level settings): the verdict does not depend on where the command runs."""
    nginx = project(
        tmp_path / "repo",
        {
            "nginx.conf": "events {}\nhttp {\n    proxy_buffering off;\n"
            "    include conf.d/*.conf;\n}\n",
            "snippets/proxy.conf": SNIPPET.replace("proxy_buffering on;\n", ""),
        },
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    site = nginx / "conf.d/chat.conf"
    result = lint([site], cwd=elsewhere)
    assert not result.errors, result.errors
    codes = {(f.code, f.line) for f in result.findings if f.path == str(site)}
    from_inside = {
        (code, line) for (_p, code, line) in found([site], tmp_path) if _p.endswith("chat.conf")
    }
    assert codes == from_inside
    assert ("NGX002", 7) not in codes  # nginx.conf one folder up turns buffering off
    # Without that main file, the same file is judged with nginx's default buffering.
    (nginx / "nginx.conf").unlink()
    result = lint([site], cwd=elsewhere)
    assert ("NGX002", 7) in {(f.code, f.line) for f in result.findings}
