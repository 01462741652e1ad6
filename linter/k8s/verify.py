"""Did a fix change the manifests only where its edits meant to? Each file is composed again
and compared node by node with the one before (as LiteLLM configs are); a Helm template is
never edited (fixes go to values.yaml or to plain manifests)."""

from __future__ import annotations

from collections.abc import Sequence

from linter.document import Document
from linter.litellm.verify import compare_yaml_file
from linter.model import Edit


def verify_fix(before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
    from linter.k8s.model import K8sDocument

    if not isinstance(before, K8sDocument) or not isinstance(after, K8sDocument):
        return "not a Kubernetes manifest"
    for edit in edits:
        if edit.path in before.templates:
            return "a fix never edits a Helm template (its text is not YAML before rendering)"
    for path, old in before.files.items():
        new = after.files.get(path)
        if new is None:
            return f"after the fix {path} is no longer read"
        if new.composed.error is not None:
            return f"after the fix {path} is not valid YAML: {new.composed.error.message}"
        reason = compare_yaml_file(old, new, [e for e in edits if e.path == path])
        if reason:
            return reason
    return None
