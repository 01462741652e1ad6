"""The words of a Python audit row (``audit``): a node's text and place, and where a call's
client comes from, step by step back from the call to its import ("from openai import
OpenAI; client = OpenAI()"), with the pin its version is read from."""

from __future__ import annotations

import ast
import os

from linter.config import Settings
from linter.document import AuditValue
from linter.python.analysis import Analysis, ClassInfo, FunctionInfo, StreamStart, unquote
from linter.python.document import PythonDocument
from linter.python.explain import target_versions

_MAX_STEPS = 6


class RowWords:
    """What ``_View`` says of a call's place and client (set by its ``__init__``)."""

    analysis: Analysis
    document: PythonDocument
    settings: Settings
    name: str  # the file's name, as rows name their lines
    folder: str
    imports: dict[int, ast.Import | ast.ImportFrom]  # by offset

    def at(self, line: int) -> str:
        return f"{self.name}:{line}"

    def text(self, node: ast.AST, limit: int = 60) -> str:
        return _short(" ".join(self.document.text_of(node).split()), limit)

    def value_text(self, node: ast.AST) -> str:
        """An assigned value in a resolution step: calls without their arguments."""
        if isinstance(node, ast.Await):
            return "await " + self.value_text(node.value)
        if isinstance(node, ast.Call):
            inner = "..." if node.args or node.keywords else ""
            return f"{self.value_text(node.func)}({inner})"
        if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Call, ast.Attribute)):
            return f"{self.value_text(node.value)}.{node.attr}"
        return self.text(node, 40)

    def where(self, node: ast.AST) -> str:
        function = self.analysis.enclosing_function(node)
        if function.is_module:
            return "at module level"
        return f"in {_qualified(function)}()"

    # -- client --------------------------------------------------------------------------------

    def client(self, start: StreamStart) -> AuditValue:
        steps, line = self.resolution(start.call.func)
        client = start.client
        origin = self.at(line or start.call.lineno)
        version, source = self.analysis.version(client, target_versions(self.settings))
        status = "ok"
        name = client.name
        if version == ():  # only an upper bound (``openai<3``): say it as written
            pin = self.document.pins.get(client.package)
            name = f"{client.name}{pin.upper if pin is not None else ''}"
            origin += f"; version from {self.pin_origin(client.package, source)}"
        elif version is not None:
            name = f"{client.name} {'.'.join(str(p) for p in version)}"
            origin += f"; version from {self.pin_origin(client.package, source)}"
        elif client.version_dependent:
            assumed = (
                "the older behaviour is assumed"
                if any(r.mapped for r in client.raises)
                else "every version's behaviour is assumed"
            )
            name = f"{client.name} (version not pinned: {assumed})"
            status = "unknown"
        return AuditValue(f"{name} ({steps})" if steps else name, origin, status)

    def pin_origin(self, package: str, source: str) -> str:
        pin = self.document.pins.get(package)
        if source == "python-target setting" or pin is None or not pin.file:
            return source
        # Named as the findings name it (relative to the linted root), not to this file.
        shown = pin.shown or os.path.relpath(pin.file, self.folder).replace(os.sep, "/")
        return f"{shown}:{pin.line}" if pin.line else shown

    def resolution(self, func: ast.expr) -> tuple[str, int]:
        """How the called object was resolved, in source order ("from openai import OpenAI;
        client = OpenAI()"), and the line of the step nearest the call."""
        steps: list[str] = []
        nearest = 0
        node: ast.AST | None = _root(func)
        scope = self.analysis.scope(func)
        at = self.document.start(func)
        for _ in range(_MAX_STEPS):
            if node is None:
                break
            step = self._step(node, scope, at)
            if step is None:
                break
            words, line, node, scope, at = step
            if words in steps:
                break
            steps.append(words)
            nearest = nearest or line
        return "; ".join(reversed(steps)), nearest

    def _step(
        self, node: ast.AST, scope: FunctionInfo, at: int
    ) -> tuple[str, int, ast.AST | None, FunctionInfo, int] | None:
        """One step back from ``node``: (words, line, the next node to explain, its scope,
        its offset)."""
        analysis = self.analysis
        if isinstance(node, ast.Attribute):  # ``self.x`` in a method
            function = analysis.enclosing_function(node)
            cls = _class_of(function)
            if cls is None:
                return None
            for value, where in cls.self_attrs.get(node.attr, ()):
                if analysis.value(value) is not None:
                    words = f"self.{node.attr} = {self.value_text(value)}"
                    return words, value.lineno, _root(value), where, self.document.start(value)
            return None
        if not isinstance(node, ast.Name):
            return None
        found = analysis.binding(node.id, scope, at)
        if found is None:
            return None
        offset, kind, payload, holder = found
        line = self.document.source.position(offset)[0]
        if kind == "import":
            statement = self.imports.get(offset)
            return (
                (_import_text(statement, node.id) if statement else f"import {payload}"),
                line,
                None,
                holder,
                offset,
            )
        if kind == "expr" and isinstance(payload, ast.expr):
            words = f"{node.id} = {self.value_text(payload)}"
            return words, payload.lineno, _root(payload), holder, self.document.start(payload)
        if kind == "with" and isinstance(payload, ast.expr):
            words = f"with {self.value_text(payload)} as {node.id}"
            return words, line, _root(payload), holder, self.document.start(payload)
        if kind == "param" and isinstance(payload, ast.expr):
            words = f"{node.id}: {self.text(payload)} (a parameter of {holder.name}())"
            return words, line, _root(unquote(payload)), holder.parent or holder, offset
        return None


# --- helpers -----------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _root(expr: ast.AST | None) -> ast.AST | None:
    """The name (or ``self.x``) an expression's value starts from: ``client`` for
    ``client.chat.completions.create``, ``OpenAI`` for ``OpenAI(...)``."""
    node = expr
    for _ in range(50):
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                return node
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Await, ast.Subscript, ast.Starred)):
            node = node.value
        elif isinstance(node, ast.Name):
            return node
        else:
            return None
    return None


def _import_text(node: ast.Import | ast.ImportFrom, bound: str) -> str:
    """The import statement as it binds ``bound`` (only that name of a longer list)."""
    for alias in node.names:
        name = alias.asname or alias.name.split(".", 1)[0]
        if name != bound:
            continue
        shown = alias.name + (f" as {alias.asname}" if alias.asname else "")
        if isinstance(node, ast.Import):
            return f"import {shown}"
        module = "." * node.level + (node.module or "")
        return f"from {module} import {shown}"
    return f"import {bound}"


def _class_of(function: FunctionInfo) -> ClassInfo | None:
    current: FunctionInfo | None = function
    while current is not None and not current.is_module:
        if current.cls is not None:
            return current.cls
        current = current.parent
    return None


def _qualified(function: FunctionInfo) -> str:
    return f"{function.cls.name}.{function.name}" if function.cls is not None else function.name
