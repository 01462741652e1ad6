"""Python fixes that add imports or change statements, made with libcst so that everything
else in the file (comments, blank lines, quotes, line ends) stays as it was.

libcst costs about 0.28 s to import and ten times ``ast`` to parse, so this module is imported
only when such a fix is applied, shown as a diff or printed (``linter.model.DeferredEdits``);
the checks themselves never import it. Each function takes the file's text and path and
returns byte-range edits (found by comparing the text before and after), like every fix.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Sequence
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from linter.model import Edit

_CUT_COMMENT = "# A dropped connection ends the stream mid-answer: tell the user it is incomplete."


def add_imports(text: str, path: str, edits: Sequence[Edit], modules: Sequence[str]) -> list[Edit]:
    """``edits`` (plain text, made at check time) and ``import <module>`` for each module."""
    module = cst.parse_module(text)
    return [*edits, *_edits_between(path, text, _with_imports(module, modules).code)]


def widen_handler(
    text: str, path: str, handler_line: int, names: Sequence[str], modules: Sequence[str]
) -> list[Edit]:
    """The ``except`` clause on ``handler_line`` also catches ``names`` (a tuple, kept or
    made), and ``modules`` are imported."""

    def widened(handler: cst.ExceptHandler) -> cst.ExceptHandler:
        assert handler.type is not None
        added = [cst.Element(cst.parse_expression(name)) for name in names]
        if isinstance(handler.type, cst.Tuple) and handler.type.lpar:
            elements = list(handler.type.elements)
            last = elements[-1]
            if isinstance(last.comma, cst.MaybeSentinel):
                elements[-1] = last.with_changes(comma=_comma())
            for index, element in enumerate(added[:-1]):
                added[index] = element.with_changes(comma=_comma())
            return handler.with_changes(
                type=handler.type.with_changes(elements=[*elements, *added])
            )
        first = cst.Element(handler.type, comma=_comma())
        for index, element in enumerate(added[:-1]):
            added[index] = element.with_changes(comma=_comma())
        return handler.with_changes(type=cst.Tuple([first, *added]))

    changed = _HandlerEdit(handler_line, widened=widened).run(text)
    return _edits_between(path, text, _with_imports(changed, modules).code)


def add_except_clause(
    text: str,
    path: str,
    handler_line: int,
    before_line: int,
    name: str,
    logger: str,
    modules: Sequence[str],
) -> list[Edit]:
    """A new ``except <name>:`` clause in the ``try`` that holds the handler on
    ``handler_line``: before the handler on ``before_line`` (one that re-raises, so that it
    does not take the exception first), else after the last one. Its body logs that the
    answer is incomplete; ``modules`` are imported."""
    statement = cst.parse_statement(
        f'{logger}(__name__).warning("the stream was cut mid-answer: the answer is '
        'incomplete", exc_info=True)\n'
    )
    statement = statement.with_changes(
        leading_lines=[cst.EmptyLine(comment=cst.Comment(_CUT_COMMENT))]
    )
    clause = cst.ExceptHandler(body=cst.IndentedBlock([statement]), type=cst.parse_expression(name))
    changed = _HandlerEdit(handler_line, clause=clause, before_line=before_line).run(text)
    return _edits_between(path, text, _with_imports(changed, modules).code)


def _comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


class _HandlerEdit(cst.CSTTransformer):
    """Changes the handler that starts on ``line`` (``widened``) or adds ``clause`` to its
    ``try``. Raises LookupError when no such handler is found."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        line: int,
        *,
        widened: Any = None,
        clause: cst.ExceptHandler | None = None,
        before_line: int = 0,
    ) -> None:
        super().__init__()
        self.line = line
        self.widened = widened
        self.clause = clause
        self.before_line = before_line
        self.done = False

    def run(self, text: str) -> cst.Module:
        module = MetadataWrapper(cst.parse_module(text)).visit(self)
        if not self.done:
            raise LookupError(f"no except clause on line {self.line}")
        return module

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if self.widened is not None and self._line(original_node) == self.line:
            self.done = True
            widened: cst.ExceptHandler = self.widened(updated_node)
            return widened
        return updated_node

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        if self.clause is None:
            return updated_node
        lines = [self._line(handler) for handler in original_node.handlers]
        if self.line not in lines:
            return updated_node
        handlers = list(updated_node.handlers)
        where = lines.index(self.before_line) if self.before_line in lines else len(handlers)
        handlers.insert(where, self.clause)
        self.done = True
        return updated_node.with_changes(handlers=handlers)


def _with_imports(module: cst.Module, modules: Sequence[str]) -> cst.Module:
    """``module`` with ``import <name>`` at its top for each of ``modules``. Raises
    LookupError when one is still not imported at module level (libcst saw an import of it
    elsewhere, under ``if TYPE_CHECKING:`` say, and added none): the fix would not run."""
    if not modules:
        return module
    context = CodemodContext()
    for name in modules:
        AddImportsVisitor.add_needed_import(context, name)
    changed = AddImportsVisitor(context).transform_module(module)
    imported = {
        alias.name
        for statement in ast.parse(changed.code).body
        if isinstance(statement, ast.Import)
        for alias in statement.names
        if alias.asname is None
    }
    missing = [name for name in modules if name not in imported]
    if missing:
        raise LookupError(f"could not import {', '.join(missing)} at the top of the file")
    return changed


def _edits_between(path: str, old: str, new: str) -> list[Edit]:
    """The smallest edits (one per changed run of lines, trimmed to the characters that
    differ) that turn ``old`` into ``new``. A whole inserted line goes in before the line
    break that precedes it, so that it touches the statement it follows."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = starts[i1], starts[i2]
        content = "".join(new_lines[j1:j2])
        before = old[start:end]
        prefix = len(_common_prefix(before, content))
        suffix = len(_common_prefix(before[prefix:][::-1], content[prefix:][::-1]))
        start += prefix
        end -= suffix
        content = content[prefix : len(content) - suffix]
        if start == end and content:
            start, content = _before_line_break(old, start, content)
            end = start
        edits.append(Edit(path, start, end, content))
    return edits


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def _before_line_break(text: str, point: int, content: str) -> tuple[int, str]:
    """An insertion of whole lines at a line start, moved before the previous line break."""
    for newline in ("\r\n", "\n", "\r"):
        if text[max(0, point - len(newline)) : point] == newline and content.endswith(newline):
            return point - len(newline), newline + content[: -len(newline)]
    return point, content
