"""Security: YAML is composed, never constructed beyond the safe types; nothing in the linted
tree is executed or imported; a run opens no network connection; and no file outside the
linted tree is read, whatever an include or a symlink says.

Each runs the real command in a subprocess (a canary file would be created by anything that
executed; an audit hook, ``sys.addaudithook``, records every file opened and every socket
used)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, in_ci

# Runs the command line in this process after installing an audit hook that appends every
# event worth knowing to the file named by STREAMPROOF_AUDIT_LOG (one JSON list a line). The
# hook stays in forked worker processes, which append to the same file.
AUDITED_RUN = """
import json, os, sys

# As the console script runs: the current folder (the linted tree) is not on sys.path.
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]

LOG = os.environ["STREAMPROOF_AUDIT_LOG"]
WATCHED = {
    "open", "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg", "socket.bind",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "exec",
}
busy = []  # the hook's own os.open is an event too

def hook(event, args):
    if event not in WATCHED or busy:
        return
    if event == "open" and (not args or not isinstance(args[0], str)):
        return  # a file descriptor
    if event == "exec":  # code run: where it comes from
        record = [event, getattr(args[0], "co_filename", "")]
    else:
        record = [event] + [a if isinstance(a, (str, int)) else str(a) for a in args[:2]]
    busy.append(True)
    try:
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(record) + "\\n").encode())
        finally:
            os.close(fd)
    finally:
        busy.pop()

sys.addaudithook(hook)
from linter.cli import main
sys.argv = ["streamproof", *sys.argv[1:]]
main()
"""


def audited(
    args: list[str], cwd: Path, log: Path
) -> tuple[subprocess.CompletedProcess[str], list[list]]:  # type: ignore[type-arg]
    """Run `streamproof ARGS` in ``cwd`` under the audit hook: (the process, the events)."""
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(REPO), STREAMPROOF_AUDIT_LOG=str(log))
    proc = subprocess.run(
        [sys.executable, "-c", AUDITED_RUN, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    events = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return proc, events


def _console_script() -> list[str]:
    """How users run it: the installed console script (the current folder is not on sys.path,
    so the linted tree cannot shadow a module)."""
    script = Path(sys.executable).with_name("streamproof")
    if script.exists():
        return [str(script)]
    if in_ci():
        pytest.fail("the streamproof console script is not installed next to the interpreter")
    return [sys.executable, "-I", "-m", "linter"]


# -- YAML ------------------------------------------------------------------------------------------

UNSAFE_TAGS = """\
model_list:
  - model_name: evil
    litellm_params:
      model: !!python/object/apply:os.system ["touch {canary}/apply"]
      api_base: !!python/object/new:subprocess.Popen [["touch", "{canary}/popen"]]
      api_key: !!python/object/apply:builtins.open ["{canary}/open", "w"]
      max_tokens: !!python/name:os.system
      timeout: !!python/module:os
      stream_timeout: 5
litellm_settings: !!python/object/apply:builtins.exec ["open('{canary}/exec', 'w')"]
include:
  - more.yaml
"""
MORE = """\
router_settings: !!python/object/apply:os.system ["touch {canary}/included"]
"""


def test_yaml_is_never_constructed_beyond_safe_types(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    canary.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "config.yaml").write_text(UNSAFE_TAGS.format(canary=canary))
    (tree / "more.yaml").write_text(MORE.format(canary=canary))
    for args in (
        ["check", "--output-format", "json", "."],
        ["check", "--fix", "--unsafe-fixes", "."],
    ):
        proc = subprocess.run(
            [*_console_script(), *args],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, NO_COLOR="1"),
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert list(canary.iterdir()) == []
    found = json.loads(
        subprocess.run(
            [*_console_script(), "check", "--output-format", "json", "."],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    tags = [
        f
        for f in found
        if f["code"] == "LIT000" and "cannot be loaded by yaml.safe_load" in f["message"]
    ]
    assert {f["line"] for f in tags if f["path"] == "config.yaml"} >= {4, 5, 6, 7, 8, 10}
    assert all("nothing was constructed from it here" in f["message"] for f in tags)
    assert [f["line"] for f in tags if f["path"] == "more.yaml"] == [1]


# -- the linted tree ---------------------------------------------------------------------------------


def _hostile_tree(tree: Path, canary: Path) -> None:
    """Files that would leave a canary behind if anything in them ran or were imported."""
    touch = f"open({str(canary)!r} + '/' + __name__.replace('.', '_'), 'w').close()\n"
    stream = (
        "from openai import OpenAI\n"
        "for chunk in OpenAI().chat.completions.create(model='m', messages=[], stream=True):\n"
        "    print(chunk)\n"
    )
    for name in (
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
        "setup.py",
        "noxfile.py",
        # Modules streamproof imports itself, and the clients it reads about.
        "yaml.py",
        "click.py",
        "libcst.py",
        "tomli.py",
        "tomllib.py",
        "openai.py",
        "httpx.py",
        "requests.py",
        "typing_extensions.py",
    ):
        (tree / name).write_text(touch + stream)
    (tree / "linter").mkdir()
    (tree / "linter" / "__init__.py").write_text(touch)
    (tree / "linter" / "__main__.py").write_text(touch)
    (tree / "rules").mkdir()
    (tree / "rules" / "__init__.py").write_text(touch)
    (tree / "app.py").write_text(touch + "import openai\n" + stream + "exec('1')\n")
    (tree / "evil.pth").write_text(f"import os; os.system('touch {canary}/pth')\n")
    (tree / "nginx.conf").write_text(
        "http {\n"
        "    server {\n"
        "        location /v1/chat/completions {\n"
        f'            content_by_lua_block {{ os.execute("touch {canary}/lua") }}\n'
        "            proxy_pass http://127.0.0.1:4000;\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        "[tool.streamproof]\n"
    )
    # git runs core.fsmonitor whenever it reads the index (streamproof lists files with git).
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(tree), "config", "core.fsmonitor", f"touch {canary}/fsmonitor; false"],
        check=True,
    )


@pytest.mark.skipif(shutil.which("git") is None and not in_ci(), reason="needs git")
def test_nothing_in_the_linted_tree_is_executed_or_imported(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    canary.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    _hostile_tree(tree, canary)
    for args in (["check", "."], ["check", "--fix", "--unsafe-fixes", "."], ["audit", "."]):
        proc = subprocess.run(
            [*_console_script(), *args],
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, NO_COLOR="1"),
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (0, 1, 2), proc.stderr
        assert sorted(p.name for p in canary.iterdir()) == [], args
    # It did look at them: the stream loops were found (and so the files were read).
    proc = subprocess.run(
        [*_console_script(), "check", "--output-format", "json", "."],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert {"app.py", "conftest.py", "yaml.py"} <= {f["path"] for f in json.loads(proc.stdout)}

    # Under the audit hook: nothing from the tree is imported, compiled as code or run, and
    # git is the only program started.
    proc, events = audited(["check", "."], tree, tmp_path / "events.jsonl")
    executed = [e for e in events if e[0] == "exec" and str(e[1]).startswith(str(tree))]
    assert executed == []
    assert not list(tree.rglob("__pycache__"))
    started = [
        e
        for e in events
        if e[0] in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn")
    ]
    assert all(Path(str(e[1])).name == "git" for e in started), started
    assert sorted(p.name for p in canary.iterdir()) == []


# -- the network ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_network_access_over_all_the_fixtures(tmp_path: Path) -> None:
    """The whole check (and every fix) over a copy of the repository's fixtures and examples:
    no socket is connected, bound or resolved, in the main process or its workers."""
    tree = tmp_path / "tree"
    shutil.copytree(REPO / "fixtures", tree / "fixtures")
    shutil.copytree(REPO / "examples", tree / "examples")
    log = tmp_path / "events.jsonl"
    for args in (["check", "--jobs", "2", "."], ["check", "--fix", "--unsafe-fixes", "."]):
        proc, events = audited(args, tree, log)
        assert proc.returncode in (1, 2), proc.stderr
        network = [e for e in events if e[0].startswith("socket.")]
        assert network == [], network[:5]
    # The run did read the fixtures (the hook sees what it should).
    opened = {Path(str(e[1])).name for e in events if e[0] == "open"}
    assert {"nginx.conf", "config.yaml"} & opened


# -- includes and symlinks that point out of the tree ------------------------------------------


def test_nothing_outside_the_linted_tree_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secrets = {
        "secret.conf": "proxy_buffering off;\n",
        "glob-a.conf": "proxy_read_timeout 1s;\n",
        "outside.yaml": "router_settings:\n  timeout: 1\n",
        "absolute.yaml": "router_settings:\n  timeout: 1\n",
        "linked.yaml": "router_settings:\n  timeout: 1\n",
        "linked.conf": "proxy_buffering off;\n",
        "credentials": "aws_secret_access_key = SECRET\nhttp {\n",
        "requirements.txt": "openai>=1.0  # SECRET\n",
    }
    for name, text in secrets.items():
        (outside / name).write_text(text)
    tree = tmp_path / "repo" / "deploy"
    tree.mkdir(parents=True)
    (tree / "nginx.conf").write_text(
        "http {\n"
        "    include /etc/passwd;\n"
        "    include ../../outside/secret.conf;\n"
        f"    include {outside}/glob-*.conf;\n"
        "    include linked.conf;\n"
        "    server {\n"
        "        location /v1/chat/completions {\n"
        "            proxy_pass http://127.0.0.1:4000;\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    (tree / "linked.conf").symlink_to(outside / "linked.conf")
    (tree / "config.yaml").write_text(
        "include:\n"
        "  - ../../outside/outside.yaml\n"
        f"  - {outside}/absolute.yaml\n"
        "  - linked.yaml\n"
        "model_list:\n"
        "  - model_name: chat\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "      max_tokens: 100\n"
    )
    (tree / "linked.yaml").symlink_to(outside / "linked.yaml")
    (tree / "site.nginx").symlink_to(outside / "credentials")  # a main file that leaves
    (tree / "requirements.txt").symlink_to(outside / "requirements.txt")  # evidence that leaves
    (tree / "app.py").write_text(
        "from openai import OpenAI\n"
        "for c in OpenAI().chat.completions.create(model='m', messages=[], stream=True):\n"
        "    print(c)\n"
    )

    proc, events = audited(
        ["check", "--output-format", "json", "."], tree, tmp_path / "events.jsonl"
    )
    opened = {os.path.realpath(str(e[1])) for e in events if e[0] == "open"}
    leaked = sorted(p for p in opened if p.startswith(str(outside)) or p == "/etc/passwd")
    assert leaked == []
    assert "SECRET" not in proc.stdout
    found = {(f["path"], f["line"], f["severity"], f["message"]) for f in json.loads(proc.stdout)}
    said = {
        (path, line)
        for path, line, severity, message in found
        if severity == "info"
        and (
            "outside the linted tree; not followed" in message
            or "outside the checked tree; not followed" in message
            or "a symlink to a file outside the linted tree; not followed" in message
        )
    }
    assert said >= {
        ("nginx.conf", 2),
        ("nginx.conf", 3),
        ("nginx.conf", 4),
        ("nginx.conf", 5),
        ("config.yaml", 2),
        ("config.yaml", 3),
        ("config.yaml", 4),
        ("site.nginx", 1),
    }, found
    assert proc.returncode == 1  # the stream findings; what was not followed is info only
    # --fix does not write through the link that leaves the tree either.
    before = {name: (outside / name).read_bytes() for name in secrets}
    subprocess.run(
        [sys.executable, "-m", "linter", "check", "--fix", "--unsafe-fixes", "."],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        timeout=120,
    )
    assert {name: (outside / name).read_bytes() for name in secrets} == before
