"""Planning a run: the kind of each discovered file, and the units each kind checks.

A file whose name alone decides is planned unread (read and sniffed where it is checked); the
others are read and classified here. A file named on the command line that no kind wants gets
a note saying why.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from linter import kinds
from linter.checker import plain_finding
from linter.discovery import Candidate
from linter.document import Claim, Unit
from linter.model import Severity
from linter.workspace import ReadFailure, Workspace

if TYPE_CHECKING:
    from linter.runner import RunResult


def _classify(
    candidate: Candidate, workspace: Workspace, result: RunResult
) -> tuple[str, bool] | None:
    """The candidate's kind, and whether it is sure (see kinds.classify_lazily)."""
    claims = kinds.claims_by_name(candidate.relpath)
    name = os.path.basename(candidate.relpath).lstrip(".")
    if candidate.explicit and (
        not claims or ("." not in name and Claim.YES not in claims.values())
    ):
        # A named file whose name says nothing (none, or no extension): every kind looks at
        # the content, those the name suggests first.
        claims = {**claims, **{k: Claim.MAYBE for k in kinds.available_kinds() if k not in claims}}
    if not claims:
        return None
    try:
        data = workspace.read_bytes(candidate.path)
    except ReadFailure as exc:
        sure = [kind for kind, claim in claims.items() if claim is Claim.YES]
        if sure or candidate.explicit:
            kind = sure[0] if sure else next(iter(claims))
            code = kinds.handler(kind).parse_error_code
            if exc.outside:  # as an include outside the tree: said, and no error
                found = plain_finding(
                    code, candidate.path, exc.message, fatal=False, severity=Severity.INFO
                )
            else:
                found = plain_finding(code, candidate.path, exc.message)
            result.findings.append(found)
        return None
    return kinds.classify_lazily(
        candidate.relpath,
        data,
        claims,
        path=candidate.path,
        trees=workspace.trees,
        workspace=workspace,
    )


def units_by_kind(
    candidates: Sequence[Candidate], workspace: Workspace, result: RunResult
) -> list[Unit]:
    by_kind: dict[str, list[tuple[str, bool]]] = {}
    deferred: list[Unit] = []
    for candidate in candidates:
        if not candidate.explicit:
            claims = kinds.claims_by_name(candidate.relpath)
            if claims and all(kinds.claims_per_file(k, candidate.relpath) for k in claims):
                # Read and sniffed where it is checked (in a worker, for large runs); a
                # Python file is a unit of each kind that may want it (python, and server
                # for a script that runs uvicorn itself), side by side.
                last = len(claims) - 1
                deferred.extend(
                    Unit(kind, candidate.path, unclaimed=True, keep=index < last)
                    for index, kind in enumerate(claims)
                )
                continue
        reported = len(result.findings)
        found = _classify(candidate, workspace, result)
        if found is not None:
            by_kind.setdefault(found[0], []).append((candidate.path, found[1]))
            if candidate.explicit:  # another per-file kind may want it too (see above)
                deferred.extend(
                    Unit(kind, candidate.path, unclaimed=True)
                    for kind in kinds.claims_by_name(candidate.relpath)
                    if kind != found[0] and kinds.claims_per_file(kind, candidate.relpath)
                )
        elif candidate.explicit and len(result.findings) == reported:
            why = why_not_checked(candidate, workspace)
            if why is not None:
                result.not_checked[candidate.path] = why
    # (Files whose kind is still undecided are left out: only their own kind plans them.)
    workspace.discovered = {
        kind: [path for path, sure in entries if sure] for kind, entries in by_kind.items()
    }
    # Files a kind wants whose content is not tested yet (``site.conf`` may be NGINX): the
    # app-server rules look at them as proxy configs in front (their content decides there).
    undecided = [path for path, sure in by_kind.get("nginx", ()) if not sure]
    if undecided:
        workspace.discovered["nginx-undecided"] = undecided
    units: list[Unit] = []
    for kind, entries in by_kind.items():
        handler = kinds.handler(kind)
        if all(sure for _, sure in entries):
            units.extend(handler.plan([path for path, _ in entries], workspace))
        else:
            units.extend(handler.plan_undecided(entries, workspace))  # type: ignore[attr-defined]
    return units + deferred


# How a note names the kinds a file is not (a kind missing here is named by its key).
KIND_NAMES = {
    "nginx": "NGINX configuration",
    "litellm": "LiteLLM proxy YAML",
    "python": "Python",
    "k8s": "Kubernetes manifest",
    "server": "app-server launch file",
}


def why_not_checked(candidate: Candidate, workspace: Workspace) -> str | None:
    """Why a file named on the command line is of no kind streamproof reads; None when there
    is nothing to say: a Python file is read, its bytes scanned for the clients the rules are
    about (one that names none has nothing to find), and an unreadable file is a finding."""
    claims = kinds.claims_by_name(candidate.relpath)
    if "python" in claims:
        return None
    try:
        data = workspace.read_bytes(candidate.path)
    except ReadFailure:
        return None
    if not data.strip():
        return "it is empty"
    if b"\0" in data[:8192]:
        return "it is binary"
    if claims:
        return "its content is not " + " or ".join(KIND_NAMES.get(k, k) for k in claims)
    known = ", ".join(KIND_NAMES.get(k, k) for k in kinds.available_kinds())
    return f"not a kind of file streamproof reads ({known})"
