"""Which files launch an app server: decided from the name, and for shell scripts a byte search
for a server name. Light on purpose: classifying files imports nothing else of the kind."""

from __future__ import annotations

import functools
import re

from linter.document import Claim

# compose.yaml, docker-compose.prod.yml, app.compose.yaml, and a project's own prefix
# (litellm_docker_compose.yaml, api-compose.yml); not "decompose.yml" or "composer.yml".
_COMPOSE = re.compile(
    r"^(?:[^/]*[._-])?(?:docker[._-])?compose(?:[._-][^/]*)?\.ya?ml$|^[^/]*\.compose\.ya?ml$"
)
GUNICORN_CONFIG_NAMES = frozenset(
    {"gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py", "gunicorn.config.py"}
)
# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
_SERVERS = functools.cache(lambda: re.compile(rb"\b(?:gunicorn|uvicorn)\b"))
# A systemd unit that may start an app server (its ExecStart is read when it is checked).
_UNIT_SERVERS = functools.cache(
    lambda: re.compile(rb"\b(?:gunicorn|uvicorn|hypercorn|granian|litellm|vllm|fastapi)\b")
)
# Module-level gunicorn settings: a `*gunicorn*.py` file other than the usual config names is
# a config file only when it sets at least two of them.
_CONFIG_SETTING = functools.cache(
    lambda: re.compile(
        rb"(?m)^(worker_class|workers|threads|timeout|graceful_timeout|keepalive|bind|wsgi_app)"
        rb"[ \t]*(?::[^=\n]*)?="
    )
)


# A compose file by its content, whatever its name (`docker/openweb-dev1.yml`): a top-level
# `services:` mapping, and under it a service (one indent level down) whose own keys (deeper)
# hold `image: <name>` or `build:`. Literal shapes on purpose (a byte test before any YAML
# parse): a Helm values file's `services:` with `image:` as a mapping of repository and tag,
# a workflow's indented `services:`, or a `services:` list of names do not match.
_COMPOSE_SECTION = functools.cache(
    lambda: re.compile(
        r"(?m)^services[ \t]*:[ \t]*(?:#.*)?\r?$((?:\r?\n(?:[ \t]+\S.*|[ \t]*(?:#.*)?))*)"
    )
)
_COMPOSE_ENTRY = functools.cache(
    lambda: re.compile(r"(?m)^([ \t]+)[\w.-]+[ \t]*:[ \t]*(?:#.*)?\r?$")
)
_COMPOSE_SOURCE = functools.cache(
    lambda: re.compile(r"(?m)^([ \t]+)(?:image[ \t]*:[ \t]*[\"']?[\w${.-]|build[ \t]*:)")
)
YAML_SUFFIXES = (".yml", ".yaml")


def compose_by_content(text: str | bytes) -> bool:
    """A YAML text that is a compose file (see ``_COMPOSE_SECTION``): a substring test first."""
    if isinstance(text, bytes):
        if b"services" not in text:
            return False
        text = text.decode("utf-8", "replace")
    elif "services" not in text:
        return False
    section = _COMPOSE_SECTION().search(text)
    if section is None:
        return False
    body = section.group(1)
    entry = _COMPOSE_ENTRY().search(body)
    if entry is None:
        return False
    indent = len(entry.group(1).expandtabs())
    return any(
        len(found.group(1).expandtabs()) > indent for found in _COMPOSE_SOURCE().finditer(body)
    )


def is_compose(relpath: str, text: str | bytes | None = None) -> bool:
    """A compose file by its name, or (``text`` given) a YAML file by its content."""
    if shape(relpath) == "compose":
        return True
    return text is not None and relpath.lower().endswith(YAML_SUFFIXES) and compose_by_content(text)


def config_by_content(data: bytes) -> bool:
    return len({m.group(1) for m in _CONFIG_SETTING().finditer(data)}) >= 2


def shape(relpath: str) -> str | None:
    """The shape of a launch file by its name: dockerfile, compose, procfile, gunicorn-config,
    script, systemd (a service unit); None for other names."""
    name = relpath.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower in ("dockerfile", "containerfile") or lower.startswith(
        ("dockerfile.", "containerfile.")
    ):
        return "dockerfile"
    if lower.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if _COMPOSE.match(lower):
        return "compose"
    if lower == "procfile" or lower.startswith("procfile.") or lower.endswith(".procfile"):
        return "procfile"
    if lower in GUNICORN_CONFIG_NAMES or (lower.endswith(".py") and "gunicorn" in lower):
        return "gunicorn-config"
    if lower.endswith(".sh"):
        return "script"
    if lower.endswith(".service"):
        return "systemd"
    return None


# A workload manifest is YAML other kinds read first: the server kind asks about it as a
# guest, after them and after NGINX's own guest claim (a ConfigMap holding an nginx.conf
# beside the Deployment of its sidecar is NGINX's). A compose file keeps its sure claim.
GUEST_SUFFIXES = (".yaml", ".yml", ".tpl")


def is_manifest(relpath: str) -> bool:
    """A name a Kubernetes workload manifest (or a chart's template) may have."""
    lowered = relpath.lower()
    if lowered.endswith((".yaml", ".yml")):
        return True
    # Helm renders every file of templates/ but partials (`_*`): some charts use `.tpl`.
    name = lowered.rsplit("/", 1)[-1]
    return lowered.endswith(".tpl") and "templates/" in lowered and not name.startswith("_")


_WORKLOAD = functools.cache(
    lambda: re.compile(
        rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?(?:Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod|Job"
        rb"|CronJob)[\"']?[ \t]*(?:#.*)?\r?$"
    )
)
# What a workload must mention for its containers' launches to be worth reading: a server, a
# variable a server reads, an LLM server image, or a template value (which may hold any).
_LAUNCH_SIGNS = functools.cache(
    lambda: re.compile(
        rb"gunicorn|uvicorn|hypercorn|granian|GUNICORN_CMD_ARGS|UVICORN_|litellm|vllm|\{\{"
    )
)


def workload(data: bytes) -> bool:
    """A byte test: a workload manifest whose containers may start an app server."""
    return (
        _WORKLOAD().search(data) is not None
        and b"containers" in data
        and _LAUNCH_SIGNS().search(data) is not None
    )


def claim_by_name(relpath: str) -> Claim:
    found = shape(relpath)
    if (
        found == "gunicorn-config"
        and relpath.rsplit("/", 1)[-1].lower() not in GUNICORN_CONFIG_NAMES
    ):
        return Claim.MAYBE  # `*gunicorn*.py`: its content decides
    if found is None:
        if relpath.endswith(".py") or is_manifest(relpath):
            return Claim.MAYBE
        return Claim.NO
    return Claim.MAYBE if found in ("script", "systemd") else Claim.YES


def per_file(relpath: str) -> bool:
    """A Python script is a unit of its own, checked (and sniffed) where it is checked, as
    the python kind's files are; the launch files are planned together."""
    return relpath.endswith(".py") and shape(relpath) is None


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    found = shape(relpath)
    if found is None and is_manifest(relpath):
        # A compose file whatever its name is a launch file too (read as compose).
        return workload(data) or (
            relpath.lower().endswith(YAML_SUFFIXES) and compose_by_content(data)
        )
    if found is None:
        # A Python script that starts uvicorn itself when run (``python main.py``).
        # (Substring tests only: the file is read with ``ast`` when it is checked.)
        return (
            relpath.endswith(".py")
            and b"__main__" in data
            and b"uvicorn" in data
            and b"run(" in data
        )
    if found == "script":
        return _SERVERS().search(data) is not None
    if found == "systemd":
        return b"ExecStart" in data and _UNIT_SERVERS().search(data) is not None
    if (
        found == "gunicorn-config"
        and relpath.rsplit("/", 1)[-1].lower() not in GUNICORN_CONFIG_NAMES
    ):
        return config_by_content(data)
    return True
