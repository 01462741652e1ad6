"""A Helm template as the launch reader of Kubernetes workloads sees it (linter/server/kube.py):
its static rendering, the chart's values, and what values.yaml decides about the template's
``if``/``with`` blocks (a branch turned off is not rendered; one whose condition is not
decided here may or may not be)."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaml.nodes import Node, ScalarNode

if TYPE_CHECKING:
    from linter.k8s.helm import Action, Rendered, Resolved
    from linter.k8s.values import Values
    from linter.litellm.model import YamlFile
    from linter.source import SourceText


def chart_values(root: str, read: Callable[[str], SourceText | None]) -> Values:
    """The chart's values.yaml, else its ``values-*.yaml`` files (agreeing values only)."""
    from linter.k8s.values import Values
    from linter.litellm.model import YamlFile
    from linter.litellm.yamltree import compose

    def load(path: str) -> YamlFile | None:
        found = read(path)
        if found is None:
            return None
        composed = compose(found.text)
        return None if composed.error is not None else YamlFile(found, composed)

    main = os.path.join(root, "values.yaml")
    if os.path.isfile(main):
        return Values(load(main))
    files = []
    for pattern in ("values-*.yaml", "values-*.yml", "values.*.yaml", "values.*.yml"):
        for path in sorted(glob.glob(os.path.join(glob.escape(root), pattern))):
            loaded = load(path)
            if loaded is None:
                return Values(None)  # one unreadable: which applies cannot be said
            files.append(loaded)
    return Values(files[0], files[1:]) if files else Values(None)


@dataclass
class Template:
    """One manifest's rendering (None for a plain manifest) with its chart's values."""

    text: str  # the text the YAML was composed from
    rendered: Rendered | None
    values: Values

    def truth(self, condition: Resolved) -> bool | None:
        """An ``if``/``with`` condition's truth as values.yaml gives it (None: not known)."""
        from linter.litellm.yamltree import is_null

        if condition.literal is not None:
            return condition.literal not in ("", "false", "0")
        if condition.values is None or self.values.file is None:
            return None
        node = self.values.lookup(condition.values)
        if node is None:
            # Missing from values.yaml: nil, unless several values files disagree on it.
            return False if not self.values.others else None
        if is_null(node):
            return False
        if isinstance(node, ScalarNode):
            return str(node.value).strip().lower() not in ("", "false", "0", "~", "null")
        return bool(node.value)

    def inactive(self, node: Node) -> bool:
        """Is the node in an ``if``/``with`` branch that values.yaml turns off?"""
        if self.rendered is None:
            return False
        offset = node.start_mark.index
        for block in self.rendered.enclosing(offset):
            truth = self.truth(block.condition)
            if truth is None:
                continue
            if block.negated:
                truth = not truth
            in_else = block.else_start >= 0 and offset >= block.else_start
            if truth == in_else:
                return True
        return False

    def undecided(self, node: Node, container: Node) -> int:
        """The line of an ``if``/``with`` inside the container that holds the node and whose
        condition values.yaml does not decide (0: none): whether the node is rendered is not
        known. (A condition around the whole workload decides whether it exists: its
        launch is read as written.)"""
        if self.rendered is None:
            return 0
        for block in self.rendered.enclosing(node.start_mark.index):
            if block.start < container.start_mark.index:
                continue
            if self.truth(block.condition) is None:
                return self.text.count("\n", 0, block.start) + 1
        return 0

    def block_action(self, key: Node) -> Action | None:
        """The template action that writes the block below ``key`` (a `toYaml` line), if
        any."""
        if self.rendered is None:
            return None
        line = key.start_mark.line
        lines = self.text.split("\n")
        column = key.start_mark.column
        for action in self.rendered.actions:
            if action.line <= line or action.inline:
                continue
            text = lines[action.line] if action.line < len(lines) else ""
            between = [lines[n] for n in range(line + 1, action.line) if lines[n].strip()]
            indent = len(text) - len(text.lstrip(" "))
            if indent > column and not any(
                len(b) - len(b.lstrip(" ")) <= column and not b.lstrip().startswith("#")
                for b in between
            ):
                return action
            break
        return None
