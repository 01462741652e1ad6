"""The kinds of file streamproof reads, and which kind a file is.

Handlers are imported on first use so that a run over one kind pays nothing for the others.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from linter.document import Claim, KindHandler

if TYPE_CHECKING:
    from linter.workspace import Workspace

KIND_MODULES = {
    "nginx": "linter.nginx.handler",
    "litellm": "linter.litellm.handler",
    "python": "linter.python.handler",
    "k8s": "linter.k8s.handler",
    "server": "linter.server.handler",
}
# Light modules with `claim_by_name(relpath)` and `claim(relpath, data, by_name)`: deciding a
# file's kind must not import every kind's parser.
DETECT_MODULES = {
    "nginx": "linter.nginx.detect",
    "litellm": "linter.litellm.detect",
    "python": "linter.python.detect",
    "k8s": "linter.k8s.detect",
    "server": "linter.server.detect",
}


@functools.cache
def handler(kind: str) -> KindHandler:
    module = importlib.import_module(KIND_MODULES[kind])
    found: KindHandler = module.HANDLER
    return found


@functools.cache
def detector(kind: str) -> Any:
    """The kind's light detection module (falls back to its handler)."""
    name = DETECT_MODULES.get(kind)
    try:
        if name and importlib.util.find_spec(name) is not None:
            return importlib.import_module(name)
    except ModuleNotFoundError:
        pass
    return handler(kind)


@functools.cache
def claims_per_file(kind: str, relpath: str | None = None) -> bool:
    """True for kinds whose files are units of their own (no includes): their content check
    can wait until the file is checked (``PER_FILE`` in the detector, or its ``per_file``
    test of the name for a kind whose other files are planned together)."""
    found = detector(kind)
    test = getattr(found, "per_file", None)
    if test is not None and relpath is not None:
        return bool(test(relpath))
    return bool(getattr(found, "PER_FILE", False))


@functools.cache
def available_kinds() -> tuple[str, ...]:
    """Kinds whose handler module exists (looked up once per process)."""
    kinds = []
    for kind, module in KIND_MODULES.items():
        try:
            if importlib.util.find_spec(module) is not None:
                kinds.append(kind)
        except ModuleNotFoundError:
            pass
    return tuple(kinds)


@functools.cache
def _name_tests() -> tuple[tuple[str, Callable[[str], Claim]], ...]:
    """Each available kind with its detector's ``claim_by_name`` (looked up once: every
    discovered file is asked about)."""
    return tuple((kind, detector(kind).claim_by_name) for kind in available_kinds())


def claims_by_name(relpath: str) -> dict[str, Claim]:
    """Kinds that want to look at a file with this name, and how sure they are."""
    result: dict[str, Claim] = {}
    for kind, claim_by_name in _name_tests():
        claim = claim_by_name(relpath)
        if claim is not Claim.NO:
            result[kind] = claim
    return result


def _surest(item: tuple[str, Claim]) -> int:
    return -item[1]


def classify(
    relpath: str,
    data: bytes,
    by_name: dict[str, Claim],
    *,
    path: str | None = None,
    trees: dict[tuple[str, str], object] | None = None,
    workspace: Workspace | None = None,
) -> str | None:
    """The kind of a file, given its name claims and its bytes; None when none wants it.
    A detector with `claim_cached` may keep what it parsed in the run's ``trees``; one with
    `claim_in_tree` may also want a file for what it imports from the run's tree."""
    # A sure claim by name is tried first, then the content decides among the others.
    claims = by_name.items() if len(by_name) == 1 else sorted(by_name.items(), key=_surest)
    for kind, claim in claims:
        found = detector(kind)
        cached = getattr(found, "claim_cached", None)
        if cached is not None and trees is not None:
            wanted = cached(relpath, data, claim, path, trees)
        else:
            wanted = found.claim(relpath, data, claim)
        if not wanted and workspace is not None and path is not None:
            in_tree = getattr(found, "claim_in_tree", None)
            wanted = in_tree is not None and in_tree(relpath, data, claim, path, workspace)
        if wanted:
            return kind
    return None


def classify_lazily(
    relpath: str,
    data: bytes,
    by_name: dict[str, Claim],
    *,
    path: str | None = None,
    trees: dict[tuple[str, str], object] | None = None,
    workspace: Workspace | None = None,
) -> tuple[str, bool] | None:
    """``classify``, but a file only one kind wants by name, whose kind a look at the bytes
    cannot decide (``claim_cheap`` in the detector gives None), is left undecided: (kind,
    False), and the kind's ``plan_undecided`` tests its content where it matters. Else
    (kind, True), or None."""
    if len(by_name) == 1:
        kind, claim = next(iter(by_name.items()))
        cheap = getattr(detector(kind), "claim_cheap", None)
        if cheap is not None and hasattr(handler(kind), "plan_undecided"):
            verdict = cheap(relpath, data, claim)
            if verdict is None:
                return kind, False
            return (kind, True) if verdict else None
    found = classify(relpath, data, by_name, path=path, trees=trees, workspace=workspace)
    return None if found is None else (found, True)
