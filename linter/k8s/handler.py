"""The Kubernetes kind: units, loading, fix verification and comments.

A plain manifest file is a unit. The templates of one Helm chart are one unit (read with the
chart's ``values.yaml``, which is where most of their values are written). Each unit also reads,
as context, the controller ConfigMaps, Gateways and GatewayClasses of the run's other
manifests: they set the defaults its routes are served with.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter.document import Claim, Comment, Document, Problem, Unit, hash_comments
from linter.k8s import detect
from linter.model import Edit

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.k8s.model import Ingress, K8sDocument, ManifestSet
    from linter.k8s.values import Values
    from linter.source import SourceText
    from linter.workspace import Workspace

_CHART = "chart:"


class K8sHandler:
    name = "k8s"
    parse_error_code = "KUB000"

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        from linter.k8s.charts import chart_root

        units: list[Unit] = []
        charts: dict[str, str] = {}
        for path in sorted(os.path.abspath(p) for p in paths):
            root = chart_root(path)
            if root is None:
                units.append(Unit(self.name, path))
            elif root not in charts:
                charts[root] = path
                units.append(Unit(self.name, path, context=_CHART + root, group=root))
        return units + _workload_units(paths, workspace)

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> Document:
        from linter.k8s.charts import chart_defines, chart_name
        from linter.k8s.loading import read_file
        from linter.k8s.model import K8sDocument, ManifestSet
        from linter.k8s.values import Values
        from linter.litellm.model import YamlFile
        from linter.litellm.yamltree import compose

        source = workspace.read_source(unit.path)
        document = K8sDocument(kind=self.name, source=source)
        files = [unit.path]
        values = Values(None)
        chart = root = ""
        named: dict[str, str] = {}
        if unit.context and unit.context.startswith(_CHART):
            root = unit.context[len(_CHART) :]
            chart = chart_name(root, lambda p: workspace.read_source(p).text)
            named = chart_defines(root, lambda p: workspace.read_source(p).text)
            files = _chart_templates(root, unit.path, workspace)
            values_path = os.path.join(root, "values.yaml")
            if not os.path.isfile(values_path):
                values = _values_files(root, workspace, document)
            else:
                try:
                    values_source = workspace.read_source(values_path)
                except Exception:  # an unreadable values.yaml: every value is unknown
                    values_source = None
                if values_source is not None:
                    composed = compose(values_source.text)
                    values_file = YamlFile(values_source, composed)
                    document.sources[values_path] = values_source
                    document.files[values_path] = values_file
                    values = Values(values_file if composed.error is None else None)
                    if composed.error is not None:
                        document.problems.append(_yaml_problem(values_path, composed.error))
            document.templates = frozenset(files)
        own = ManifestSet()
        for path in files:
            file_source = source if path == unit.path else workspace.read_source(path)
            yaml_file, found, problems = read_file(file_source, values, chart, named)
            document.sources[path] = file_source
            document.files[path] = yaml_file
            document.problems.extend(problems)
            own.extend(found)
            if not chart and _RELEASE_WORDS in file_source.text:
                own.extend(_released(yaml_file, workspace, document))
            elif not chart and detect.overlay_chart(path) is not None:
                own.extend(_released(yaml_file, workspace, document, overlay_only=True))
        if not chart and any(not ingress.paths for ingress in own.ingresses):
            own.ingresses = [_patched(i, workspace) for i in own.ingresses]
        document.own = own
        document.context = _context(workspace, set(files))
        if (own.ingresses or own.routes) and not chart:
            _app_backends(document, workspace, unit.path)
        if own.ingresses and root:
            _chart_apps(document, root, files, workspace, values, chart, named)
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        from linter.k8s.verify import verify_fix

        return verify_fix(before, after, edits)

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        return list(hash_comments(document.sources[path]))


_RELEASE_WORDS = "kind:"


def _app_backends(document: K8sDocument, workspace: Workspace, path: str) -> None:
    """The Services around the manifest whose app streams (linter/server/kubebackends.py).
    Evidence only: a failure leaves none, as for a manifest read alone."""
    from linter.server.kubebackends import kubernetes_backends, kubernetes_llm_callers

    try:
        document.app_backends, document.unbuffered_backends = kubernetes_backends(workspace, path)
        document.llm_callers = kubernetes_llm_callers(workspace, path)
        for address, said in _environment_backends(workspace, path).items():
            document.app_backends.setdefault(address, said)
    except Exception:
        document.app_backends, document.unbuffered_backends = {}, set()
        document.llm_callers = {}
    from linter.server.kubefronts import kubernetes_nginx_fronts

    try:
        document.front_backends = kubernetes_nginx_fronts(workspace, path, document.app_backends)
    except Exception:  # evidence only
        document.front_backends = {}


def _environment_backends(workspace: Workspace, path: str) -> dict[tuple[str, str], str]:
    """(Service name, port) -> why its app calls an LLM, for the Services around a manifest
    whose workload's environment points it at an LLM endpoint (`AZURE_OPENAI_ENDPOINT`,
    `OLLAMA_BASE_URL`: linter.k8s.chartapps.llm_endpoint_variable), as a chart's container
    is read. For the Ingress's own rules only: an NGINX config's buffering rules need an app
    that streams, which an address in the environment does not say."""
    from linter.k8s.chartapps import WAITS_ON_LLM, llm_endpoint_variable
    from linter.pathmatch import relative_posix
    from linter.server import kubeapps

    found: dict[tuple[str, str], str | None] = {}
    for service in kubeapps.services(workspace, path):
        calls = next(
            (
                (name, where, said)
                for name, where in service.env_names
                if (said := llm_endpoint_variable(name)) is not None
            ),
            None,
        )
        if calls is None:
            continue
        name, where, said = calls
        evidence = (
            f"Kubernetes Service `{service.name}` "
            f"({relative_posix(service.path, workspace.root)}:{service.anchor.line}) selects a "
            f"workload whose environment sets {name} "
            f"({relative_posix(where.path, workspace.root)}:{where.line}): the app calls {said} "
            + WAITS_ON_LLM
        )
        for outside, _ in service.targets:
            for host in (service.name, *service.aliases):
                address = (host.lower(), outside)
                previous = found.get(address, evidence)
                found[address] = evidence if previous == evidence else None
    return {address: said for address, said in found.items() if said is not None}


def _patched(ingress: Ingress, workspace: Workspace) -> Ingress:
    """A kustomize patch of an Ingress, merged over its base (linter/k8s/kustomize.py); else
    the Ingress as written. Evidence only: a failure leaves it as written."""
    from linter.k8s.kustomize import merged
    from linter.k8s.loading import read_file
    from linter.k8s.values import Values

    if ingress.paths:
        return ingress

    def read(path: str) -> SourceText | None:
        try:
            return workspace.read_source(path)
        except Exception:
            return None

    def manifests(path: str) -> ManifestSet | None:
        source = read(path)
        if source is None or "Ingress" not in source.text:
            return None
        return read_file(source, Values(None))[1]

    try:
        return merged(ingress, read, manifests, workspace.inside) or ingress
    except Exception:
        return ingress


def _released(
    yaml_file: object, workspace: Workspace, document: K8sDocument, overlay_only: bool = False
) -> ManifestSet:
    """The Ingresses of the charts of the tree that the file's release manifests (Flux
    HelmRelease, Argo CD Application) install, rendered with their values."""
    from linter.k8s.model import ManifestSet
    from linter.k8s.releases import overlay_release, releases, render
    from linter.k8s.remotecharts import released_ingresses
    from linter.k8s.values import Reader, Values
    from linter.litellm.model import YamlFile
    from linter.server.kubechart import chart_values

    found = ManifestSet()
    assert isinstance(yaml_file, YamlFile)
    if yaml_file.composed.error is not None:
        return found

    def read_or_none(path: str) -> object:
        try:
            return workspace.read_source(path)
        except Exception:
            return None

    if overlay_only:
        # A values overlay of a chart of the tree (linter/k8s/detect.py): the chart rendered
        # with it, for the Ingresses values.yaml leaves off.
        overlay = overlay_release(yaml_file)
        found_releases = [overlay] if overlay is not None else []
    else:
        try:
            reader = Reader(yaml_file, None, Values(None), os.path.basename(yaml_file.path))
            found.ingresses.extend(released_ingresses(reader))
        except Exception:  # evidence only
            pass
        found_releases = releases(yaml_file, workspace.root)
    for release in found_releases:
        try:
            manifests, files = render(
                release,
                yaml_file,
                workspace.read_source,
                lambda root: chart_values(root, read_or_none),  # type: ignore[arg-type]
                lambda root: _chart_templates(root, "", workspace)[1:],
            )
        except Exception:  # evidence only: the release's own file is still checked
            continue
        for path, values_file in files.items():
            document.files.setdefault(path, values_file)
            document.sources.setdefault(path, values_file.source)
        found.extend(manifests)
    return found


def _workload_units(paths: Sequence[str], workspace: Workspace) -> list[Unit]:
    """A manifest of this kind that also declares a workload running an app server (an
    Ingress and its Deployment in one file): the server kind reads its launches too (a file
    has one kind; the server kind would otherwise never see it)."""
    from linter import kinds
    from linter.server.detect import workload

    if "server" not in kinds.available_kinds():
        return []
    found = []
    for path in sorted(os.path.abspath(p) for p in paths):
        try:
            data = workspace.read_bytes(path)
        except Exception:
            continue
        if workload(data):
            found.append(Unit("server", path))
    return found


def _values_files(root: str, workspace: Workspace, document: K8sDocument) -> Values:
    """A chart without values.yaml, installed with one of its values files
    (``values-production.yaml``, ``values.dev.yaml``): a value is known where they agree."""
    import glob

    from linter.k8s.values import Values
    from linter.litellm.model import YamlFile
    from linter.litellm.yamltree import compose

    files = []
    for pattern in ("values-*.yaml", "values-*.yml", "values.*.yaml", "values.*.yml"):
        for path in sorted(glob.glob(os.path.join(glob.escape(root), pattern))):
            try:
                source = workspace.read_source(path)
            except Exception:
                return Values(None)  # one unreadable: which applies cannot be said
            composed = compose(source.text)
            if composed.error is not None:
                return Values(None)
            document.sources[path] = source
            document.files[path] = YamlFile(source, composed)
            files.append(document.files[path])
    if not files:
        return Values(None)
    return Values(files[0], files[1:])


_WORKLOAD_KIND = re.compile(
    rb"(?m)^[ \t]*kind[ \t]*:[ \t]*[\"']?(?:Deployment|StatefulSet|DaemonSet)\b"
)


def _chart_apps(
    document: K8sDocument,
    root: str,
    read: list[str],
    workspace: Workspace,
    values: Values,
    chart: str,
    named: dict[str, str],
) -> None:
    """The container ports of the chart's workloads whose app streams (linter/k8s/
    chartapps.py), from its templates that declare a workload. Evidence only: a template
    that cannot be read gives none."""
    from linter.k8s.chartapps import chart_apps
    from linter.k8s.loading import read_file
    from linter.server.proxied import image_product

    containers = []
    folder = os.path.join(root, "templates")
    for base, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(base, name)
            if path in read or not name.endswith((".yaml", ".yml", ".tpl")):
                continue
            try:
                if not _WORKLOAD_KIND.search(workspace.read_bytes(path)):
                    continue
                _, found, _ = read_file(workspace.read_source(path), values, chart, named)
            except Exception:  # evidence only
                continue
            containers += found.containers
    document.chart_apps = chart_apps(document.own.containers + containers, image_product)


def _chart_templates(root: str, main: str, workspace: Workspace) -> list[str]:
    """The chart's templates that are manifests of this kind, the main one first."""
    from linter.k8s.detect import claim, claim_by_name

    found = [main]
    folder = os.path.join(root, "templates")
    for base, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(base, name)
            if path == main or claim_by_name(os.path.relpath(path, root)) is Claim.NO:
                continue
            try:
                data = workspace.read_bytes(path)
            except Exception:
                continue
            if claim(name, data, Claim.MAYBE):
                found.append(path)
    return found


def _context_candidates(workspace: Workspace, own: set[str]) -> list[str]:
    """The run's other manifests, and the YAML files beside the unit's own (and in the folder
    above), so that a pre-commit run on one Ingress sees the ConfigMap next to it as a
    whole-tree run does."""
    found = dict.fromkeys(workspace.discovered.get("k8s", ()))
    folders = {os.path.dirname(path) for path in own}
    folders |= {os.path.dirname(folder) for folder in folders}
    for folder in sorted(folders):
        if not workspace.inside(folder):
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.lower().endswith((".yaml", ".yml")):
                found.setdefault(os.path.join(folder, name))
    return [path for path in found if path not in own]


def _context(workspace: Workspace, own: set[str]) -> ManifestSet:
    """ConfigMaps, Gateways and GatewayClasses of the other manifests (see above)."""
    from linter.k8s.loading import read_file
    from linter.k8s.model import ManifestSet
    from linter.k8s.values import Values

    context = ManifestSet()
    for path in _context_candidates(workspace, own):
        if not os.path.isfile(path):
            continue
        try:
            data = workspace.read_bytes(path)
        except Exception:
            continue
        if (
            b"ConfigMap" not in data
            and b"Gateway" not in data
            and b"controller" not in data
            and b"envoyproxy" not in data
        ):
            continue
        try:
            source = workspace.read_source(path)
        except Exception:
            continue
        # Every unit of the run reads the same context: each file is composed once.
        key = ("k8s-context", path)
        cached = workspace.memo.get(key)
        if isinstance(cached, tuple) and cached[0] is source.text:
            found = cached[1]
        else:
            _, found, _ = read_file(source, Values(None))
            workspace.memo[key] = (source.text, found)
        context.configs += found.configs
        context.gateways += found.gateways
        context.classes += found.classes
        context.envoy_policies += found.envoy_policies
    return context


def _yaml_problem(path: str, error: object) -> Problem:
    offset = getattr(error, "offset", 0)
    end = getattr(error, "end", -1)
    return Problem(path, offset, end if end >= 0 else offset, getattr(error, "message", ""))


HANDLER = K8sHandler()
