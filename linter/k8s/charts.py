"""Finding a Helm chart around a template: its folder, its name and its named templates."""

from __future__ import annotations

import os
from collections.abc import Callable


def chart_root(path: str) -> str | None:
    """The chart folder of a template (``<chart>/templates/...`` with ``<chart>/Chart.yaml``,
    or with ``<chart>/values.yaml`` when Chart.yaml is not in the tree linted: a chart copied
    or vendored without it is still read with its values, not as broken YAML)."""
    parts = path.split(os.sep)
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] == "templates":
            root = os.sep.join(parts[:index])
            if os.path.isfile(os.path.join(root, "Chart.yaml")) or os.path.isfile(
                os.path.join(root, "values.yaml")
            ):
                return root
    return None


def chart_defines(root: str, read: Callable[[str], str]) -> dict[str, str]:
    """The named templates of a chart's partials (``templates/_*.tpl``, ``_helpers.tpl``):
    Helm renders none of them, and every template may ``include`` them."""
    from linter.k8s.helm import defines

    found: dict[str, str] = {}
    folder = os.path.join(root, "templates")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        if name.startswith("_") and name.endswith(".tpl"):
            try:
                found.update(defines(read(os.path.join(folder, name))))
            except Exception:  # an unreadable partial: its includes stay unknown
                continue
    return found


def chart_name(root: str, read: object) -> str:
    """The chart's `name:` from Chart.yaml (a line search: the file is small and flat)."""
    try:
        text = read(os.path.join(root, "Chart.yaml"))  # type: ignore[operator]
    except Exception:
        return os.path.basename(root)
    for line in str(text).splitlines():
        if line.startswith("name:"):
            return line.partition(":")[2].strip().strip("\"'")
    return os.path.basename(root)
