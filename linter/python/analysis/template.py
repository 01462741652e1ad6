"""Template methods across modules: a base class calls ``self.name()``, and the subclasses of
other modules define ``name`` (``BaseModel.predict`` runs ``self.get_answer_stream_iter()``
under its ``try``; each provider module's class streams in its own ``get_answer_stream_iter``).

The guard of a subclass's method is then where the base class calls it: those calls dispatch
to the override. The base class is found through the subclass's ``class X(Base)`` and the
file's imports (no name search): precise, and cheap (one file read per base class).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.model import FunctionInfo, Sym
from linter.python.cut_errors import Raised

if TYPE_CHECKING:
    from linter.python.analysis.guards import Guards
    from linter.python.analysis.project import ConsumerSite, Project

_MAX_BASES = 4


def template_sites(
    analysis: Guards, function: FunctionInfo, client: K.Client
) -> list[ConsumerSite] | None:
    """The calls of method ``function`` that base classes of other modules make on ``self``,
    each judged where it is; None in a cycle or past the project's depth."""
    project = analysis.document.project
    cls = function.cls
    if project is None or cls is None or function.is_test:
        return []
    found: list[ConsumerSite] = []
    for base in cls.node.bases[:_MAX_BASES]:
        value = analysis.value(base)
        if not isinstance(value, Sym) or value.path.startswith("@"):
            continue
        resolved = project.resolve(analysis.document.path, value.path)
        if resolved is None or len(resolved[1]) != 1:
            continue
        sites = _base_sites(project, resolved[0], resolved[1][0], function, client)
        if sites is None:
            return None
        found.extend(sites)
    return found


def _base_sites(
    project: Project, path: str, class_name: str, function: FunctionInfo, client: K.Client
) -> list[ConsumerSite] | None:
    from linter.python.analysis.project import _MAX_HOPS

    cache: dict[tuple[str, str, str, str, bool], list[ConsumerSite] | None] = project._templates
    key = (path, class_name, function.name, client.name, function.is_generator)
    if key in cache:
        return cache[key]
    if project._hops >= _MAX_HOPS:
        return None
    cache[key] = None  # while judged (a cycle gives nothing)
    project._hops += 1
    try:
        found = _judged(project, path, class_name, function, client)
    finally:
        project._hops -= 1
    cache[key] = found
    return found


def _judged(
    project: Project, path: str, class_name: str, function: FunctionInfo, client: K.Client
) -> list[ConsumerSite]:
    from linter.python.analysis.project import ConsumerSite

    sites: list[ConsumerSite] = []
    with project._analysis(path) as analysis:
        if analysis is None:
            return sites
        base = analysis.classes.get(class_name)
        if base is None:
            return sites
        module = project.module_name(path)
        raised: tuple[Raised, ...] | None = None
        for call in analysis.attr_calls.get(function.name, ()):
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            method = analysis.scope(call).method
            if (
                method is None
                or method.cls is not base
                or not isinstance(receiver, ast.Name)
                or receiver.id != method.self_name
                or method.is_test
                or _overridden(function, method.name)
            ):
                continue
            if raised is None:
                raised = client.raised(analysis.version(client, {})[0])
            node, iterated, created = analysis.stream_call_site(call, function.is_generator)
            verdict = analysis.guard_of(node, client, raised, creation=created)
            line = getattr(node, "lineno", call.lineno)
            sites.append(
                ConsumerSite(
                    path,
                    module,
                    line,
                    iterated,
                    verdict.guarded,
                    verdict.guard,
                    unknown=verdict.unknown,
                )
            )
    return sites


def _overridden(function: FunctionInfo, name: str) -> bool:
    """The subclass defines the base method ``name`` too (and does not call the base one
    through ``super()``): the base method's calls never run for its instances."""
    cls = function.cls
    own = cls.methods.get(name) if cls is not None else None
    if own is None:
        return False
    return not any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
        for node in ast.walk(own.node)
    )
