"""Reading one unit: its main file parsed, its includes expanded (includes.py) in the context
the file is written for (fragments.py), into the NginxDocument the rules see."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from linter.hostnames import LOOPBACK
from linter.llmservers import LLM_PORTS
from linter.nginx import dump
from linter.nginx.context import Stmt
from linter.nginx.embedded import is_yaml
from linter.nginx.fragments import context_comment, detect_context
from linter.nginx.includes import DiskFiles, DumpFiles, Expander, parsed_once
from linter.nginx.model import NginxDocument
from linter.nginx.mounts import compose_mounts
from linter.nginx.parser import parse_source
from linter.nginx.targets import pass_host, path_matched_host
from linter.source import SourceText

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace


def reported(document: NginxDocument, given: Sequence[str]) -> frozenset[str]:
    """The given files and every file they include (as this document resolved them)."""
    paths = set(given)
    changed = True
    while changed:
        changed = False
        for key, stmts in document.includers.items():
            if key in paths:
                continue
            if any(s.directive is not None and s.directive.path in paths for s in stmts):
                paths.add(key)
                changed = True
    return frozenset(paths)


def load_document(
    source: SourceText, workspace: Workspace, settings: Settings, context: str | None
) -> NginxDocument:
    text = source.text
    is_dump = dump.is_dump(text)
    files: DiskFiles | DumpFiles
    if is_dump:
        sections = dump.split_dump(text)
        files = DumpFiles(source, sections)
        main = files.main() or parse_source(source)
        main_key = files.key(sections[0].path) if sections else source.path
    else:
        main = parsed_once(workspace, source)
        main_key = source.path
    detected = detect_context(main, os.path.relpath(source.path, workspace.root))
    chosen = context_comment(main) or context
    if chosen is None and settings.nginx_context and detected != "main":
        chosen = settings.nginx_context
    chosen = chosen or detected
    if not is_dump:
        files = DiskFiles(
            workspace,
            source.path,
            settings.nginx_prefix,
            fragment=chosen != "main",
            # (Only a file that includes can take anything a compose service mounts.)
            mounts=compose_mounts(workspace, source.path) if "include" in text else (),
        )
    root = Stmt(None, None, children=[], context=chosen)
    expander = Expander(files, root)
    root.children = expander.expand_file(main_key, main, root, None, ())
    result = expander.result
    sources = dict(result.sources)
    sources[source.path] = source
    document = NginxDocument(
        kind="nginx",
        source=source,
        sources=sources,
        problems=list(result.problems),
        context=chosen,
        root=root,
        files=result.files,
        includers=result.includers,
        workspace_root=workspace.root,
        nginx_version=settings.nginx_version,
        litellm_configs=tuple(workspace.discovered.get("litellm", ())),
        is_dump=is_dump,
    )
    document.gradio_pin = _gradio_pin(document, workspace)
    from linter.server.treefiles import launch_files

    if launch_files(workspace, source.path):
        # The app servers this repository launches: NGX007 compares with their keep-alive.
        from linter.server.front import keepalives_by_address

        try:
            document.server_keepalives = dict(keepalives_by_address(workspace, source.path))
        except Exception:  # evidence only: the uvicorn default then applies as before
            document.server_keepalives = {}
        _surroundings(document, workspace, source.path)
        if not is_dump:
            from linter.nginx.fronts import inner_fronts

            document.nginx_fronts = inner_fronts(workspace, settings, source.path, load_document)
            document.unbuffered_backends |= {
                address
                for address, inner in document.nginx_fronts.items()
                if all(route.passes_opt_out for route in inner)
            }
    elif is_yaml(source.path) or _in_cluster(workspace, source.path):
        # A config deployed in a ConfigMap: the Services of the manifests around it say which
        # apps stream, launch files or not (linter/server/kubeapps.py).
        _surroundings(document, workspace, source.path)
    if not is_dump and _loopback_subpath_route(document):
        _path_streams(document, workspace, source.path)
        # A config deployed to a cluster names its backends by Services the manifests define
        # (apps this tree may not build): a bare host there is not matched by path.
        document.bare_hosts_by_path = not (
            is_yaml(source.path) or _in_cluster(workspace, source.path)
        )
    if not is_dump and _prefix_route(document):
        _client_streams(document, workspace)
    if not is_dump and _weak_buffering_off(document):
        _quiet_project(document, workspace, source.path)
    if not is_dump and _loopback_llm_port(document):
        _own_ports(document, workspace, source.path)
    return document


def _loopback_llm_port(document: NginxDocument) -> bool:
    """An upstream server or a `proxy_pass` on this host at a port known for an LLM server:
    only then is the project's code read for the ports it listens on itself."""
    for stmt in document.statements():
        if stmt.args and (stmt.name == "server" or stmt.name.endswith("_pass")):
            host, port = pass_host(stmt.args[0])
            if port in LLM_PORTS and host.lower() in LOOPBACK:
                return True
    return False


def _own_ports(document: NginxDocument, workspace: Workspace, path: str) -> None:
    from linter.server.ownports import own_ports

    try:
        document.own_ports = own_ports(workspace, path)
    except Exception:  # evidence only
        document.own_ports = {}


def _prefix_route(document: NginxDocument) -> bool:
    """A prefix `location` other than `/` proxies somewhere: only then are the project's
    browser apps read for the event streams they open (linter/server/clientreaders.py)."""
    for stmt in document.statements():
        if not stmt.name.endswith("_pass") or stmt.parent is None:
            continue
        block = stmt.parent
        if block.name == "location" and len(block.args) == 1 and block.args[0] != "/":
            return True
        if block.name == "location" and len(block.args) == 2 and block.args[0] in ("^~", "="):
            return True
    return False


def _client_streams(document: NginxDocument, workspace: Workspace) -> None:
    from linter.server.clientreaders import client_streams

    key = ("server", "client-streams", workspace.root)
    if key not in workspace.memo:
        try:
            workspace.memo[key] = client_streams(workspace.root, workspace.root)
        except Exception:  # evidence only
            workspace.memo[key] = ()
    found = workspace.memo[key]
    if isinstance(found, tuple):
        document.client_streams = tuple((s.path, s.said) for s in found)


def _loopback_subpath_route(document: NginxDocument) -> bool:
    """A `location` other than `/` proxies to a loopback address or a bare service name: only
    then are the project's JS/TS apps read for a handler matched by path
    (linter/nginx/routes.py). A name of an `upstream {}` block of the config is no such
    host: a route to an upstream is never matched by path (linter/nginx/app_signal.py)."""
    passes: list[str] = []
    upstreams: set[str] = set()
    for stmt in document.statements():
        if stmt.name == "upstream" and stmt.args:
            upstreams.add(stmt.args[0].lower())
        if stmt.name != "proxy_pass" or not stmt.args or stmt.parent is None:
            continue
        block = stmt.parent
        if block.name != "location" or not block.args or block.args[-1] == "/":
            continue
        passes.append(pass_host(stmt.args[0])[0])
    return any(path_matched_host(host) and host.lower() not in upstreams for host in passes)


# `*_buffering off` somewhere in the main file: only then is the project's code read for
# whether anything in it streams (routes.py lets that weak signal yield to a quiet app).
_BUFFERING_OFF = re.compile(r"_buffering\s+off\b")


def _weak_buffering_off(document: NginxDocument) -> bool:
    """A block turns `*_buffering off` where nothing stronger says it streams (its path is
    no streaming endpoint's): only then can the project's code make that signal yield."""
    from linter.llmservers import streaming_path

    if not any(_BUFFERING_OFF.search(s.text) for s in document.sources.values()):
        return False
    for stmt in document.statements():
        if not stmt.name.endswith("_buffering") or stmt.args[:1] != ["off"]:
            continue
        block = stmt.parent
        while block is not None and block.name in ("if", "limit_except") and not block.is_root:
            block = block.parent
        if block is None:
            continue
        if block.is_root or block.name != "location" or not block.args:
            # A server-wide or snippet setting: any route it reaches may rely on it (a
            # snippet that proxies nothing itself has no route).
            if any(s.name.endswith("_pass") for s in block.walk()):
                return True
            continue
        if not streaming_path(block.args[-1], exact=block.args[0].startswith("=")):
            return True
    return False


def _quiet_project(document: NginxDocument, workspace: Workspace, path: str) -> None:
    from linter.server.quietproject import quiet_project

    try:
        document.quiet_project = quiet_project(workspace, path)
    except Exception:  # evidence only
        document.quiet_project = None


def _path_streams(document: NginxDocument, workspace: Workspace, path: str) -> None:
    from linter.server.nodebackends import path_streams

    try:
        streams, named = path_streams(workspace, path)
    except Exception:  # evidence only
        return
    document.path_streams = tuple((s.route, s.said, s.unbuffered) for s in streams)
    document.path_streams_far = any(s.far for s in streams)
    document.named_loopback = named


# A config that may proxy to a Gradio app (its name, or its port 7860).
_GRADIO_SIGN = re.compile(r"gradio|7860", re.IGNORECASE)
# Gradio 4 moved its queue from a WebSocket to SSE.
_GRADIO_SSE_VERSION = (4,)


def _gradio_pin(document: NginxDocument, workspace: Workspace) -> tuple[bool, str] | None:
    """The Gradio version the repository pins for the config's folder and those above it
    (linter/python/pins.py), when a file of the config names Gradio or its port. Evidence
    only: unreadable or unpinned gives None."""
    if not any(_GRADIO_SIGN.search(source.text) for source in document.sources.values()):
        return None
    from linter.python.pins import allows_only_below, find_pins

    try:
        pin = find_pins(document.source.path, workspace, ("gradio",)).get("gradio")
    except Exception:  # evidence only
        return None
    if pin is None or not pin.specifier:
        return None
    where = f"{pin.shown}:{pin.line}" if pin.shown and pin.line else pin.shown or "the repository"
    said = f"{where} pins gradio{pin.specifier}"
    if allows_only_below(pin.specifier, _GRADIO_SSE_VERSION):
        return True, said
    if pin.version and pin.version >= _GRADIO_SSE_VERSION:
        return False, said
    return None  # a range across Gradio 3 and 4: as if unpinned


def _in_cluster(workspace: Workspace, path: str) -> bool:
    from linter.server.kubeapps import in_cluster

    try:
        return in_cluster(workspace, path)
    except Exception:  # evidence only
        return False


def _surroundings(document: NginxDocument, workspace: Workspace, path: str) -> None:
    """What the repository says around the config (linter/server/proxied.py): the values of
    its template variables, and which of the apps it may proxy to stream. Evidence only:
    a failure leaves both empty, as for a config read alone."""
    from linter.server.nginxtemplate import template_environment
    from linter.server.proxied import (
        object_stores,
        quiet_apps,
        quiet_backends,
        streaming_backends,
        streaming_paths,
        unbuffered_backends,
    )

    try:
        document.streaming_backends = streaming_backends(workspace, path)
        document.unbuffered_backends = unbuffered_backends(workspace, path)
        document.quiet_backends = quiet_backends(workspace, path)
        document.streaming_paths = streaming_paths(workspace, path)
        document.quiet_apps = quiet_apps(workspace, path)
        document.object_stores = object_stores(workspace, path)
    except Exception:
        document.streaming_backends = {}
        document.unbuffered_backends = set()
        document.quiet_backends = {}
        document.streaming_paths = {}
        document.quiet_apps = {}
        document.object_stores = {}
    if "${" not in document.source.text and "__" not in document.source.text:
        return
    try:
        document.template_env = {
            name: (found.value, found.said)
            for name, found in template_environment(workspace, path).items()
        }
    except Exception:
        document.template_env = {}
