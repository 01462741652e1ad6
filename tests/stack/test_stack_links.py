"""The stream path across files: what links, what is said when a link cannot be made, and
that a run over one file (pre-commit) answers as the whole-tree run does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, lint

from linter.config import SettingsResolver
from linter.runner import RunOptions, RunResult, run

FIXTURES = REPO / "fixtures" / "stack"


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / name, target)
    (target / "pyproject.toml").write_text("[tool.streamproof]\n")  # the repository's root
    return target


def audit(root: Path, *paths: Path) -> RunResult:
    resolver = SettingsResolver(cwd=str(root))
    return run([str(p) for p in paths or (root,)], resolver, RunOptions(audit=True))


def xl(result: RunResult, root: Path) -> set[tuple[str, str, int]]:
    return {
        (f.code, Path(f.path).relative_to(root).as_posix(), f.line)
        for f in result.findings
        if f.code.startswith("XL")
    }


def paths_of(result: RunResult) -> list[dict[str, Any]]:
    return [path for path in result.stack_paths if path["hops"]]


def test_one_file_run_answers_as_the_whole_tree_run(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    whole = xl(lint([root], cwd=root), root)
    assert ("XL001", "nginx/default.conf", 6) in whole
    assert ("XL003", "litellm_config.yaml", 8) in whole
    # pre-commit passes the changed file only: the rest of the stack is read for it
    alone = xl(lint([root / "nginx" / "default.conf"], cwd=root), root)
    assert alone == {f for f in whole if f[1] == "nginx/default.conf"}
    compose_only = xl(lint([root / "docker-compose.yml"], cwd=root), root)
    assert compose_only == set()  # nothing to say in the file that only links


def test_fixing_run_still_reports_the_stack(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    result = lint([root], cwd=root, fix=True, select=["XL001"])
    assert xl(result, root) == {("XL001", "nginx/default.conf", 6)}


def test_unknown_host_is_a_gap_not_a_guess(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    conf = root / "nginx" / "default.conf"
    conf.write_text(conf.read_text().replace("llm-proxy:4000", "inference.internal:4000"))
    result = audit(root)
    assert xl(result, root) == set()
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx"]
    assert (
        path["gap"]
        == "no compose service or Kubernetes Service of the repository answers to inference.internal:4000"
    )


def test_a_port_the_service_does_not_listen_on_is_a_gap(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    conf = root / "nginx" / "default.conf"
    conf.write_text(conf.read_text().replace("llm-proxy:4000", "llm-proxy:8000"))
    (path,) = paths_of(audit(root))
    assert path["gap"] == (
        "`llm-proxy` is the container_name of compose service `llm`, which listens on 4000, not 8000"
    )


def test_a_config_not_mounted_is_a_gap(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    compose = root / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace(
            "./litellm_config.yaml:/app/config.yaml:ro", "litellm-data:/data"
        )
    )
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "litellm"]
    assert path["gap"] is not None and "not a file the service mounts" in path["gap"]
    assert xl(result, root) == set()


def test_client_url_from_env_example_and_two_values_are_not_guessed(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL003/bad_client_direct")
    (path,) = paths_of(audit(root))
    assert (
        "$LLM_BASE_URL = http://localhost:4000 (written at .env.example:1)"
        in path["links"][0]["evidence"]
    )
    compose = root / "docker-compose.yml"
    compose.write_text(
        compose.read_text() + "  ui:\n    image: ui\n    environment:\n"
        "      LLM_BASE_URL: http://litellm:4001\n"
    )
    result = audit(root)
    assert paths_of(result) == []
    assert any(
        "$LLM_BASE_URL has 2 different values" in note
        for p in result.stack_paths
        for note in p.get("not_linked", [])
    )


def test_audit_formats_carry_the_path(tmp_path: Path) -> None:
    from linter.audit import render_json, render_markdown
    from linter.reporters import ReportContext

    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    result = audit(root)
    context = ReportContext(cwd=str(root), root=str(root), source_for=lambda path: None)
    markdown = render_markdown(
        result.audit_rows, result.findings, context, 3, paths=result.stack_paths
    )
    assert "```mermaid\nflowchart LR" in markdown
    assert "class h0 cut" in markdown  # NGINX, 60 s, cuts first
    import json

    data = json.loads(
        render_json(result.audit_rows, result.findings, context, 3, paths=result.stack_paths)
    )
    (path,) = [p for p in data["paths"] if p["hops"]]
    assert path["cuts_first"] == 0
    assert path["hops"][0]["read"] == {
        "seconds": 60.0,
        "text": "proxy_read_timeout 60s",
        "origin": "set at nginx/default.conf:6",
        "at": "nginx/default.conf:6",
        "none": False,
    }
    assert path["hops"][1]["own_idle"]["origin"].startswith("uvicorn's default")


@pytest.mark.parametrize("silence", [30, 59])
def test_budget_decides_xl001(tmp_path: Path, silence: int) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    result = lint([root], cwd=root, max_silence=silence, select=["XL001"])
    # 60 s in front is within a budget of 30 or 59 s: a silence that long is not expected, so
    # nginx's timeout is not too short. LiteLLM behind it still waits 600 s, though, and never
    # gets to retry or fall back: the finding stays, and asks for LiteLLM's timeout below 60 s.
    (finding,) = [f for f in result.findings if f.code == "XL001"]
    assert "Set LiteLLM's `stream_timeout` below 60s (say 48s)" in finding.message
    assert "Raise it to" not in finding.message


def test_one_file_run_reads_only_the_compose_project_around_it(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "other").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.streamproof]\n")
    shutil.copytree(FIXTURES / "XL001/bad_nginx_before_litellm", root / "deploy")
    conf = root / "deploy" / "nginx" / "default.conf"
    found = xl(lint([conf], cwd=root), root)
    assert found == {("XL001", "deploy/nginx/default.conf", 6)}
    # a file in no compose project: no stack to read, nothing reported
    lone = root / "other" / "site.conf"
    lone.write_text(conf.read_text())
    assert xl(lint([lone], cwd=root), root) == set()


@pytest.mark.parametrize(
    ("extra", "seconds", "origin"),
    [
        ([], 5.0, "uvicorn"),  # LiteLLM runs uvicorn, which keeps idle connections 5 s
        (["--run_gunicorn"], 2.0, "gunicorn"),  # gunicorn's keepalive 2 s (LiteLLM passes none)
        (["--keepalive_timeout", "75"], 75.0, "docker-compose.yml:11"),
    ],
)
def test_the_litellm_hop_keeps_alive_as_its_launch_says(
    tmp_path: Path, extra: list[str], seconds: float, origin: str
) -> None:
    root = copy(tmp_path, "XL001/bad_nginx_before_litellm")
    compose = root / "docker-compose.yml"
    command = '["--config", "/app/config.yaml", "--port", "4000"]'
    words = ", ".join(f'"{word}"' for word in extra)
    compose.write_text(
        compose.read_text().replace(command, command[:-1] + (", " + words if words else "") + "]")
    )
    (path,) = paths_of(audit(root))
    litellm = path["hops"][1]
    assert litellm["layer"] == "litellm"
    assert litellm["own_idle"]["seconds"] == seconds
    assert origin in litellm["own_idle"]["origin"]


def test_a_plain_route_to_an_app_that_waits_on_its_own_llm_call(tmp_path: Path) -> None:
    """NGINX (a template whose port is a placeholder) -> the compose service its host names ->
    the Dockerfile's `python -m` script running Flask's development server -> the OpenAI
    client the app's imports reach: the path is kept although the route does not stream,
    marked so, and its advice names the app's wait, never a heartbeat."""
    root = copy(tmp_path, "XL001/bad_flask_app_waits_on_openai")
    result = audit(root)
    (path,) = paths_of(result)
    assert not path["streamed"]
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "app server", "app llm call"]
    assert path["hops"][2]["read"]["seconds"] == 600.0
    assert path["hops"][2]["at"] == "api/quiz/tutor.py:4"
    assert "its port is a placeholder" in path["links"][0]["evidence"]
    assert path["advice"].startswith("raise proxy_read_timeout 60s to at least 600s")
    assert "heartbeat" not in path["advice"]
    assert xl(result, root) == {("XL001", "proxy/default.conf.template", 10)}
    # A run given the NGINX file alone (pre-commit) links the same path.
    one = lint([root / "proxy" / "default.conf.template"], cwd=root)
    assert xl(one, root) == {("XL001", "proxy/default.conf.template", 10)}


def test_a_plain_route_is_left_alone_without_an_app_llm_call(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/bad_flask_app_waits_on_openai")
    (root / "api" / "quiz" / "tutor.py").write_text(
        "def explain(question: str) -> str:\n    return question[::-1]\n"
    )
    result = audit(root)
    assert paths_of(result) == []  # no streaming signal, no LLM call: no path at all
    assert xl(result, root) == set()


def test_replicas_of_one_upstream_are_one_path_naming_every_launch(tmp_path: Path) -> None:
    """Each server of the upstream reaches its own launch line with the same limits: the
    first stands for all, and the link names the others with their places."""
    root = copy(tmp_path, "XL002/bad_replicas_by_container_name")
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "app server"]
    assert path["gap"] is None
    evidence = path["links"][0]["evidence"]
    assert "`answers-a` is the container_name of compose service `answer-a`" in evidence
    assert evidence.endswith(
        "the upstream's other servers reach launches with the same limits: answers-b:9000 "
        "(uvicorn (compose service `answer-b` command (docker-compose.yml:15)))"
    )
    assert xl(result, root) == {("XL002", "nginx/nginx.conf", 8)}


def test_replicas_with_different_limits_are_a_gap_not_the_first_ones_path(
    tmp_path: Path,
) -> None:
    root = copy(tmp_path, "XL002/good_replicas_differ")
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx"]
    assert path["gap"] == "the servers of upstream answers reach different layers"
    assert xl(result, root) == set()


def test_a_loopback_route_reaches_the_host_launch_of_its_project(tmp_path: Path) -> None:
    """No compose service answers 127.0.0.1:8000; the script beside the config starts the app
    server on that port: the link says so, and that the config is an example. The config
    believes the route streams, but the app behind it, read, answers after its own call: a
    plain route (XL001 judges it against the whole answer's budget, max-stream)."""
    root = copy(tmp_path, "XL001/bad_example_config_before_host_launch")
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "app server", "app llm call"]
    assert path["streamed"] is False
    assert path["links"][0]["evidence"] == (
        "proxy_pass http://127.0.0.1:8000: a loopback address, and the app server script "
        "start.sh (start.sh:3) binds port 8000 on the host (same project); "
        "nginx_site_example.conf is an example config (its name says so): this holds where it "
        "is deployed as written, on the host that runs that launch"
    )
    assert xl(result, root) == {("XL001", "nginx_site_example.conf", 10)}


def test_a_loopback_route_to_a_launch_of_another_project_is_a_gap(tmp_path: Path) -> None:
    """Two projects of one tree: the launch of one does not answer the other's loopback."""
    root = copy(tmp_path, "XL001/bad_example_config_before_host_launch")
    for project in ("chat", "site/nginx"):
        (root / project).mkdir(parents=True)
    (root / "start.sh").rename(root / "chat" / "start.sh")
    (root / "server.py").rename(root / "chat" / "server.py")
    (root / "nginx_site_example.conf").rename(root / "site" / "nginx" / "nginx_site_example.conf")
    result = audit(root)
    (path,) = [p for p in result.stack_paths if p["hops"]]
    assert [hop["layer"] for hop in path["hops"]] == ["nginx"]
    assert path["gap"] == (
        "no compose service or Kubernetes Service of the repository answers to 127.0.0.1:8000"
    )
    assert xl(result, root) == set()


def test_a_front_between_the_deployments_timeouts_names_the_one_that_waits_longer(
    tmp_path: Path,
) -> None:
    root = copy(tmp_path, "XL001/bad_front_before_longest_deployment")
    result = lint([root], cwd=root, select=["XL001"])
    (finding,) = result.findings
    # The shortest deployment (90 s) gives up first; the one that waits 900 s does not.
    assert "stream_timeout 900s" in finding.message
    assert "deployment `thinker`" in finding.message
    assert "Set that deployment's `stream_timeout` below 400s" in finding.message
    # The path's LiteLLM hop still reads the shortest: the one a silence meets first.
    (path,) = paths_of(audit(root))
    assert path["hops"][1]["read"]["seconds"] == 90


def test_one_service_of_a_base_compose_file_and_a_file_layered_on_it(tmp_path: Path) -> None:
    """`docker-compose.yml` and `docker-compose.local.yml` of one folder both write the
    service: one project, one service (the base file's), whose launches agree."""
    root = copy(tmp_path, "XL001/bad_service_in_layered_compose_files")
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "app server", "app llm call"]
    assert path["links"][0]["evidence"].startswith(
        "proxy_pass http://assistant:8000: `assistant` is the service name of compose service "
        "`assistant`, which docker-compose.local.yml also writes (docker-compose.yml:3)"
    )
    assert xl(result, root) == {("XL001", "site.conf", 7)}


def test_layered_compose_files_that_launch_differently_are_a_gap(tmp_path: Path) -> None:
    root = copy(tmp_path, "XL001/good_layered_compose_files_launch_differently")
    result = audit(root)
    (path,) = paths_of(result)
    assert path["gap"] == "compose service `assistant` has launches with different settings"
    assert xl(result, root) == set()


def test_services_of_two_folders_are_still_two() -> None:
    """The same name in compose files of two folders is two projects: not merged; in one
    folder it is one service, the base file's; a LiteLLM service is never merged."""
    from linter.stack.link import Stack
    from linter.stack.model import Service, Where

    def service(path: str, command: tuple[str, ...] = ()) -> Service:
        place = Where(path, 0, 1, 1)
        return Service(path, "api", place, command=tuple((w, place) for w in command))

    two = Stack("/r", services=[service("/r/a/compose.yml"), service("/r/b/compose.yml")])
    assert str(two.service_at("api", "8000")).startswith("several compose services answer")
    one = Stack(
        "/r", services=[service("/r/a/docker-compose.dev.yml"), service("/r/a/compose.yml")]
    )
    found = one.service_at("api", "8000")
    assert not isinstance(found, str)
    assert found[0].path == "/r/a/compose.yml"
    assert "which a/docker-compose.dev.yml also writes" in found[1]
    litellm = ("litellm", "--config", "/app/config.yaml")
    proxies = Stack(
        "/r",
        services=[service("/r/a/compose.yml", litellm), service("/r/a/compose.dev.yml", litellm)],
    )
    assert str(proxies.service_at("api", "4000")).startswith("several compose services answer")


def test_the_docker_host_reaches_the_app_the_project_launches_on_the_host(
    tmp_path: Path,
) -> None:
    root = copy(tmp_path, "XL001/bad_docker_host_to_host_launch")
    result = audit(root)
    (path,) = paths_of(result)
    assert [hop["layer"] for hop in path["hops"]] == ["nginx", "app server", "app llm call"]
    assert path["links"][0]["evidence"] == (
        "proxy_pass http://host.docker.internal:8000: `host.docker.internal`, the Docker host "
        "seen from a container, and the app server script run_api.sh (run_api.sh:4) binds "
        "port 8000 on the host (same project)"
    )
    assert xl(result, root) == {("XL001", "front.conf", 6)}


def test_the_docker_host_reaches_a_published_port_when_no_host_launch_binds_it(
    tmp_path: Path,
) -> None:
    root = copy(tmp_path, "XL001/bad_service_in_layered_compose_files")
    conf = root / "site.conf"
    conf.write_text(conf.read_text().replace("assistant:8000", "host.docker.internal:8000"))
    result = audit(root)
    (path,) = paths_of(result)
    assert "compose service `assistant` publishes port 8000" in path["links"][0]["evidence"]
    assert xl(result, root) == {("XL001", "site.conf", 7)}
