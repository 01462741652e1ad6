"""The stack pass: after the units, link the run's facts into paths, run the XL rules over
them, and give the audit its paths.

A whole-tree run has every fact already (the units gave them). A run over some files only
(pre-commit, ``--stdin-filename``) or one that fixes (fixing units give no facts) reads the
stack files of the whole repository through their kinds' loaders: the answer about a file is
the same whichever files were named, and only findings in the named files are reported.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from linter import kinds, registry
from linter.config import Settings, SettingsResolver
from linter.document import Unit
from linter.model import Finding
from linter.pathmatch import relative_posix
from linter.source import SourceText
from linter.stack.model import Fact, LiteLLMConfig, StackPath, Where
from linter.stack.scope import project_around
from linter.workspace import Workspace

CODES_PREFIX = "XL"
ENV_FILES = (".env.example", ".env.sample", ".env.template", "example.env", ".env.dist")
# (functools.cache: compiled on first use, not when a pre-commit call imports the module.)
_ENV_LINE = functools.cache(
    lambda: re.compile(r"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.MULTILINE)
)


@dataclass
class StackResult:
    findings: list[Finding] = field(default_factory=list)
    paths: list[StackPath] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The audit's model of the paths (linter.stack.render.model).
    model: list[dict[str, Any]] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)


def selected(settings: Settings) -> set[str]:
    return {
        rule.code for rule in registry.rules_for_kind("stack") if settings.is_selected(rule.code)
    }


def _stack_kind(relpath: str, workspace: Workspace, path: str) -> str | None:
    """The kind of a file for the stack (the facts' kinds), by name then by content."""
    from linter.server import detect as server_detect

    if server_detect.shape(relpath) == "compose":
        return "server"
    claims = {
        k: c
        for k, c in kinds.claims_by_name(relpath).items()
        if k in ("nginx", "litellm", "python", "k8s")
    }
    yaml = relpath.lower().endswith(server_detect.YAML_SUFFIXES)
    if not claims and not yaml:
        return None
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return None
    if yaml and server_detect.compose_by_content(data):
        return "server"  # a compose file by its content, whatever its name
    if not claims:
        return None
    if "python" in claims:
        from linter.stack.clients import mentions

        return "python" if mentions(data) else None
    return kinds.classify(relpath, data, claims, path=path, trees=workspace.trees)


def _load_facts(
    paths: Iterable[str], workspace: Workspace, resolver: SettingsResolver
) -> list[Fact]:
    """Facts of files no unit of the run gave: each read through its kind's loader."""
    from linter.stack.facts import facts_of

    by_kind: dict[str, list[str]] = {}
    for path in paths:
        kind = _stack_kind(relative_posix(path, workspace.root), workspace, path)
        if kind is not None:
            by_kind.setdefault(kind, []).append(path)
    found: list[Fact] = []
    for path in by_kind.pop("python", []):
        from linter.stack.clients import clients, modules_of

        try:
            found.extend(clients(workspace.read_source(path), modules=modules_of(workspace)))
        except Exception:
            continue
    for kind, kind_paths in by_kind.items():
        handler = kinds.handler(kind)
        try:
            units = (
                handler.plan(kind_paths, workspace)
                if kind in ("nginx", "k8s")
                else [Unit(kind, p) for p in kind_paths]
            )
        except Exception:
            continue
        for unit in units:
            try:
                settings = resolver.for_path(unit.path)
                document = handler.load(
                    Unit(unit.kind, unit.path, unit.context), workspace, settings
                )
                if not document.fatal:
                    found.extend(facts_of(document, settings))
            except Exception:  # evidence only: the file's own unit reports its problems
                continue
    return found


def _kubernetes(paths: Iterable[str], workspace: Workspace) -> list[Fact]:
    """Services, workloads and Traefik IngressRoutes of the run's manifests (linter.stack.kube),
    after a byte search."""
    yaml_files = [p for p in sorted(paths) if p.lower().endswith((".yaml", ".yml"))]
    if not yaml_files:
        return []
    # (Imported only with a YAML file: a run over NGINX configs alone never needs it.)
    from linter.stack import kube

    sources, kustomizations = kube.manifest_sources(yaml_files, workspace)
    if not sources:
        return []
    try:
        return list(kube.read(sources, kustomizations))
    except Exception:  # evidence only: never a crash of the run
        return []


def _env_files(workspace: Workspace, folders: Iterable[str]) -> list[Fact]:
    """``.env.example`` and its like, read as compose would see defaults (``NAME=value``)."""
    from linter.stack.model import Service

    found: list[Fact] = []
    for folder in dict.fromkeys(folders):
        for name in ENV_FILES:
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            try:
                source = workspace.read_source(path)
            except Exception:
                continue
            values = []
            for match in _ENV_LINE().finditer(source.text):
                value = match.group(2).strip().strip("'\"")
                line = source.position(match.start(1))[0]
                values.append(
                    (match.group(1), value, Where(path, match.start(2), match.end(2), line))
                )
            if values:
                # Carried as a service without a name: only its environment is read.
                anchor = Where(path, 0, 0, 1)
                found.append(Service(path, "", anchor, environment=tuple(values)))
    return found


def stack_pass(
    facts: Sequence[Fact],
    covered: set[str],
    folders: bool,
    checked: set[str],
    workspace: Workspace,
    resolver: SettingsResolver,
    audit: bool,
) -> StackResult:
    """``facts``: what the units gave; ``covered``: files whose unit gave facts (or had
    none to give); ``folders``: the run was given folders (their stack is what they hold),
    not files (pre-commit: the rest of the repository's stack is read for them, and only
    findings in the given files are reported); ``checked``: the files the run discovered."""
    from linter.discovery import discover

    root = workspace.root
    settings = resolver.for_path(os.path.join(root, "streamproof-stack"))
    result = StackResult()
    if not selected(settings) and not audit:
        return result
    all_facts = list(facts)
    candidates_paths: set[str] = set()
    if folders:
        # Files no unit gave facts for: a fixing run's (fixes give none), else only Python
        # files the workers did not look at.
        missing = [p for p in sorted(checked) if p not in covered]
    else:
        scope = project_around(workspace, checked)
        if scope is None:
            return result  # no compose project around the given files: nothing links them
        try:
            candidates, _ = discover([scope], root, resolver)
        except Exception:  # a broken config elsewhere in the tree: the given files only
            candidates = []
        missing = [c.path for c in candidates if c.path not in covered]
        candidates_paths = {c.path for c in candidates}
    all_facts.extend(_load_facts(missing, workspace, resolver))
    all_facts.extend(_kubernetes(checked if folders else candidates_paths, workspace))
    env_dirs = [root] + [
        os.path.dirname(f.path) for f in all_facts if type(f).__name__ == "Service"
    ]
    all_facts.extend(_env_files(workspace, env_dirs))
    # (Here, past the returns above: a pre-commit call on a file with no compose project
    # around it never links a stack, and link.py with urllib.parse costs it 4 ms to import.)
    from linter.stack.checks import check_stack
    from linter.stack.link import Stack, build

    stack = Stack.of(root, all_facts)
    stack.built = _built_images(stack, workspace)

    def load_config(path: str) -> LiteLLMConfig | None:
        for fact in _load_facts_as(path, "litellm", workspace, resolver):
            if isinstance(fact, LiteLLMConfig):
                return fact
        return None

    stack.load_config = load_config
    result.paths, result.notes = build(stack)
    if audit:
        from linter.stack.render import model

        result.model = model(result.paths, result.notes, root, settings.max_silence)
    if not result.paths or not selected(settings):
        return result
    report = None if folders else frozenset(checked)
    result.findings, ran = check_stack(result.paths, stack, workspace, settings, report)
    result.codes = set(ran)
    return result


def _built_images(stack: Any, workspace: Workspace) -> dict[tuple[str, str], tuple[str, str]]:
    """The Kubernetes Services whose workload runs, with the image's own command, an image a
    compose service, workflow or skaffold file of the tree builds (linter/server/kubeapps.py):
    (manifest, name) -> (its Dockerfile, how that is known). Evidence only."""
    from linter.server import kubeapps
    from linter.server.front import near
    from linter.server.nearcompose import compose_files

    found: dict[tuple[str, str], tuple[str, str]] = {}
    for service in stack.services:
        if not service.kubernetes or service.command or not service.image:
            continue
        try:
            composes = [
                c for c in compose_files(workspace, service.path) if near(c.path, service.path)
            ]
            built = kubeapps.builder(
                service, composes, workspace.root, kubeapps.builds(workspace, service.path)
            )
        except Exception:  # evidence only
            continue
        if built is not None:
            found[(service.path, service.name)] = (built.dockerfile, built.how)
    return found


def _load_facts_as(
    path: str, kind: str, workspace: Workspace, resolver: SettingsResolver
) -> list[Fact]:
    from linter.stack.facts import facts_of

    try:
        settings = resolver.for_path(path)
        document = kinds.handler(kind).load(Unit(kind, path), workspace, settings)
    except Exception:
        return []
    return [] if document.fatal else facts_of(document, settings)


def read_source(workspace: Workspace, path: str) -> SourceText | None:
    try:
        return workspace.read_source(path)
    except Exception:
        return None
