"""Include resolution: globs sorted, silent empty globs, missing files, cycles, the edge of the
linted tree, the nginx-prefix mapping, stock files and nginx -T dumps."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.config import default_settings
from linter.document import Unit
from linter.nginx.dump import split_dump
from linter.nginx.handler import HANDLER
from linter.nginx.model import NginxDocument
from linter.workspace import Workspace


def _load(path: Path, root: Path, **settings: object) -> NginxDocument:
    workspace = Workspace(root=str(root))
    document = HANDLER.load(Unit("nginx", str(path)), workspace, default_settings(**settings))
    assert isinstance(document, NginxDocument)
    return document


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def test_glob_matches_are_sorted_and_relative_to_the_main_file(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
            "conf.d/b.conf": "upstream b { server 127.0.0.1:2; }\n",
            "conf.d/a.conf": "upstream a { server 127.0.0.1:1; }\n",
        },
    )
    document = _load(tmp_path / "nginx.conf", tmp_path)
    names = [s.args[0] for s in document.statements() if s.name == "upstream"]
    assert names == ["a", "b"]
    upstream = next(s for s in document.statements() if s.name == "upstream")
    assert upstream.parent is not None and upstream.parent.name == "http"
    assert document.where(upstream) == "conf.d/a.conf:1 (included from nginx.conf:3)"
    assert not document.problems


def test_glob_without_match_is_silent_and_missing_file_is_an_error(tmp_path: Path) -> None:
    _write(
        tmp_path, {"nginx.conf": "http {\n    include none/*.conf;\n    include missing.conf;\n}\n"}
    )
    document = _load(tmp_path / "nginx.conf", tmp_path)
    assert [(p.message.split(" (")[0], p.severity.value, p.fatal) for p in document.problems] == [
        ("included file missing.conf not found", "error", False)
    ]
    assert document.source.position(document.problems[0].start) == (3, 13)


def test_cycle_is_reported_at_the_including_line(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx.conf": "http {\n    include a.conf;\n}\n",
            "a.conf": "include b.conf;\n",
            "b.conf": "\ninclude a.conf;\n",
        },
    )
    result = lint([tmp_path], cwd=tmp_path)
    cycles = [f for f in result.findings if "cycle" in f.message]
    assert [(Path(f.path).name, f.line, f.column) for f in cycles] == [("b.conf", 2, 9)]
    assert "a.conf -> b.conf -> a.conf" in cycles[0].message


def test_include_outside_the_tree_is_info_and_its_findings_carry_a_caveat(tmp_path: Path) -> None:
    inner = tmp_path / "repo"
    _write(
        tmp_path,
        {
            "outside.conf": "proxy_read_timeout 10s;\n",
            "repo/nginx.conf": (
                "http {\n  server {\n    location /v1/chat/completions {\n"
                "      proxy_pass http://127.0.0.1:4000;\n      include ../outside.conf;\n    "
                "}\n  }\n}\n"
            ),
        },
    )
    result = lint([inner / "nginx.conf"], cwd=inner)
    codes = sorted((f.code, f.severity.value) for f in result.findings)
    # The outside file is not read: it could set the timeout or the buffering, so the rules
    # that need them report at `info` with the caveat (an info finding never changes the exit
    # status), and offer no fix: the include sits in the location itself, where a second
    # proxy_read_timeout would be a duplicate.
    assert codes == [("NGX000", "info"), ("NGX001", "info"), ("NGX002", "info")]
    by_code = {f.code: f for f in result.findings}
    assert (
        "unless `../outside.conf` (not read) sets proxy_read_timeout" in by_code["NGX001"].message
    )
    assert "unless `../outside.conf` (not read) sets proxy_buffering" in by_code["NGX002"].message
    assert by_code["NGX001"].fix is None and by_code["NGX002"].fix is None


def test_nginx_prefix_maps_absolute_includes_into_the_repository(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "deploy/nginx/nginx.conf": "http {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
            "deploy/nginx/conf.d/app.conf": "server {\n    listen 80;\n}\n",
        },
    )
    config = tmp_path / "streamproof.toml"
    config.write_text('[nginx-prefix]\n"/etc/nginx" = "deploy/nginx"\n')
    result = lint([tmp_path / "deploy/nginx/nginx.conf"], cwd=tmp_path, config=config)
    assert not [f for f in result.findings if f.code == "NGX000"]


def test_without_prefix_setting_the_main_folder_is_tried(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "deploy/nginx.conf": "http {\n    include /etc/nginx/conf.d/*.conf;\n    include /etc/nginx/snippets/x.conf;\n}\n",
            "deploy/conf.d/app.conf": "server {\n    listen 80;\n}\n",
        },
    )
    document = _load(tmp_path / "deploy/nginx.conf", tmp_path)
    assert any(s.name == "server" for s in document.statements())
    # The explicit file is not there: the prefix is a guess, so it is only `info`.
    assert [p.severity.value for p in document.problems] == ["info"]


def test_stock_files_are_known_by_their_standard_content(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx.conf": "http {\n    include /etc/nginx/proxy_params;\n    include mime.types;\n}\n"
        },
    )
    document = _load(tmp_path / "nginx.conf", tmp_path)
    assert not document.problems
    headers = [s.args[0] for s in document.statements() if s.name == "proxy_set_header"]
    assert headers == ["Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]
    assert any(s.name == "types" for s in document.statements())


def test_template_file_is_tried_for_a_missing_include(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx.conf": "http {\n    include proxy.conf;\n}\n",
            "proxy.conf.template": "proxy_buffering off;\n",
        },
    )
    document = _load(tmp_path / "nginx.conf", tmp_path)
    assert not document.problems
    assert any(s.name == "proxy_buffering" for s in document.statements())


DUMP = (
    "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
    "nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
    "# configuration file /etc/nginx/nginx.conf:\n"
    "events {}\n"
    "http {\n"
    "    include /etc/nginx/conf.d/*.conf;\n"
    "}\n"
    "\n"
    "# configuration file /etc/nginx/conf.d/llm.conf:\n"
    "server {\n"
    "    listen 80;\n"
    "    location /v1/chat/completions {\n"
    "        proxy_pass http://127.0.0.1:4000;\n"
    "    }\n"
    "}\n"
)


def test_dump_sections_are_split_back_into_files() -> None:
    sections = split_dump(DUMP)
    assert [s.path for s in sections] == ["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/llm.conf"]
    assert DUMP[sections[0].start :].startswith("events {}")
    assert DUMP[sections[1].start : sections[1].end].startswith("server {")


def test_dump_findings_point_into_the_dump(tmp_path: Path) -> None:
    dump_file = tmp_path / "nginx-T.txt"
    dump_file.write_text(DUMP)
    result = lint([dump_file], cwd=tmp_path, select=["NGX001", "NGX002", "NGX000"])
    found = sorted((f.code, Path(f.path).name, f.line) for f in result.findings)
    assert found == [("NGX001", "nginx-T.txt", 12), ("NGX002", "nginx-T.txt", 12)]
    fixed = lint([dump_file], cwd=tmp_path, fix=True, select=["NGX002"])
    assert not fixed.errors
    assert (
        "        proxy_pass http://127.0.0.1:4000;\n        proxy_buffering off;\n"
        in dump_file.read_text()
    )


def test_file_included_by_a_linted_file_is_not_a_unit_of_its_own(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "nginx.conf": "events {}\nhttp {\n    include sites-enabled/*;\n}\n",
            "sites-enabled/app.conf": "server {\n    listen 80;\n    include snippets/proxy.conf;\n}\n",
            "snippets/proxy.conf": "location / {\n    proxy_pass http://127.0.0.1:3000;\n}\n",
            "standalone.conf": "server {\n    listen 81;\n}\n",
        },
    )
    paths = [
        str(tmp_path / p)
        for p in ("nginx.conf", "sites-enabled/app.conf", "snippets/proxy.conf", "standalone.conf")
    ]
    units = HANDLER.plan(paths, Workspace(root=str(tmp_path)))
    assert sorted(Path(u.path).name for u in units) == ["nginx.conf", "standalone.conf"]


def test_a_latin1_config_and_its_latin1_include_are_linted_and_fixed_byte_for_byte(
    tmp_path: Path,
) -> None:
    """nginx reads bytes (`nginx -t` accepts Latin-1 comments and names): such a file is
    linted, and a fix keeps every byte it does not change."""
    main = tmp_path / "nginx.conf"
    main.write_bytes(b"# r\xe9glages\nhttp {\n    include sites/*.conf;\n}\n")
    (tmp_path / "sites").mkdir()
    site = tmp_path / "sites" / "chat.conf"
    before = (
        b"server {\n    server_name caf\xe9.example; # \xe9t\xe9\n"
        b"    location /v1/chat/completions {\n"
        b"        proxy_pass http://127.0.0.1:4000;\n"
        b"        proxy_buffering off;\n"
        b"        proxy_read_timeout 20s; # d\xe9lai\n"
        b"    }\n}\n"
    )
    site.write_bytes(before)
    found = lint([main])
    assert [(f.code, f.line, f.column) for f in found.findings] == [("NGX001", 6, 9)]
    assert found.errors == []
    lint([main], fix=True)
    assert site.read_bytes() == before.replace(b"20s; # d", b"300s; # d")
    assert main.read_bytes().startswith(b"# r\xe9glages\n")
