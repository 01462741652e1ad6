"""Routes linked to the repository's app by path (linter/nginx/app_signal.py) when the
target is a machine named by its IP address, and apps kept in a folder no import can name
(linter/server/pypaths.py); info and status pages are no streaming routes
(linter/llmservers.py); a compose command reads its app where the image keeps it
(linter/server/composelaunch.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import lint

from linter.llmservers import not_streaming_path
from linter.nginx.targets import ip_address_host, path_matched_host

FIXTURES = Path(__file__).parents[2] / "fixtures/nginx"
BY_IP = FIXTURES / "NGX001/bad_app_in_dashed_folder_behind_ip_address"


def _copy(source: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    shutil.copytree(source, tree, ignore=shutil.ignore_patterns("*.fixed*"))
    return tree


def test_an_ip_address_is_a_machine_matched_by_path() -> None:
    assert ip_address_host("198.51.100.23") and ip_address_host("[2001:db8::5]")
    assert path_matched_host("10.0.0.7")
    for host in ("300.1.1.1", "10.0.0", "api.example.org", "[::", "1.2.3.4.5"):
        assert not ip_address_host(host), host


def test_a_route_to_an_ip_address_reaches_the_apps_path(tmp_path: Path) -> None:
    tree = _copy(BY_IP, tmp_path)
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002"])
    assert not result.errors, result.errors
    found = sorted((f.code, f.line) for f in result.findings)
    # /api/ keeps its path; /board/ cuts it down to `/` on another port: not matched.
    assert found == [("NGX001", 10), ("NGX002", 10)], found
    assert all("matched by path" in f.message for f in result.findings)


def test_an_ip_address_in_a_cluster_config_is_not_matched_by_path(tmp_path: Path) -> None:
    # A config deployed to a cluster names its backends by what the manifests define.
    tree = _copy(BY_IP, tmp_path)
    site = tree / "proxy/sites-enabled/answers"
    text = "\n".join("    " + line for line in site.read_text().splitlines())
    site.unlink()
    (tree / "proxy/configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edge\ndata:\n"
        "  default.conf: |\n" + text + "\n"
    )
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002"])
    assert not result.errors, result.errors
    assert [(f.code, f.line) for f in result.findings] == []


def test_a_port_compose_publishes_is_that_services_not_matched_by_path(tmp_path: Path) -> None:
    tree = _copy(BY_IP, tmp_path)
    (tree / "compose.yaml").write_text(
        "services:\n  gateway:\n    image: example/gateway:2\n    ports:\n      - '8000:8080'\n"
    )
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002"])
    assert not result.errors, result.errors
    assert [(f.code, f.line) for f in result.findings] == []


def test_an_app_in_a_dashed_folder_is_matched_by_path_on_loopback(tmp_path: Path) -> None:
    # The folder's name is no package name: the app runs from inside it, its imports beside.
    tree = _copy(BY_IP, tmp_path)
    site = tree / "proxy/sites-enabled/answers"
    site.write_text(site.read_text().replace("198.51.100.23", "127.0.0.1"))
    result = lint([tree], cwd=tree, select=["NGX002"])
    assert not result.errors, result.errors
    assert [(f.code, f.line) for f in result.findings] == [("NGX002", 10)]
    # A file name no import can name either (`server copy.py`) is no app module.
    (tree / "answer-service/server.py").rename(tree / "answer-service/server copy.py")
    result = lint([tree], cwd=tree, select=["NGX002"])
    assert [(f.code, f.line) for f in result.findings] == []


def test_info_and_status_pages_are_not_streaming_paths() -> None:
    for path in ("= /server-info", "/version", "/api/info", "= /server-status", "/nginx_status"):
        assert not_streaming_path(path), path
    for path in ("/information", "/api/chat/stream", "/v1/versions/stream"):
        assert not not_streaming_path(path), path


def test_info_pages_of_a_streaming_app_are_left_alone(tmp_path: Path) -> None:
    tree = _copy(FIXTURES / "NGX002/good_info_and_status_pages_of_streaming_app", tmp_path)
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002"])
    assert not result.errors, result.errors
    assert [(f.code, f.line) for f in result.findings] == []


def test_a_compose_command_with_a_file_copied_into_the_workdir(tmp_path: Path) -> None:
    # `COPY requirements.txt .` maps the working folder onto that file: the compose command's
    # app is still read from the build context, as the image's own CMD is, so the two
    # launches agree on the app at chat:8000.
    tree = _copy(FIXTURES / "NGX002/bad_compose_override_copies_a_file_into_workdir", tmp_path)
    result = lint([tree], cwd=tree, select=["NGX001", "NGX002"])
    assert not result.errors, result.errors
    found = sorted((f.code, f.line) for f in result.findings)
    assert found == [("NGX001", 6), ("NGX002", 6)], found
    assert all("chatsvc.main:app" in f.message for f in result.findings)
