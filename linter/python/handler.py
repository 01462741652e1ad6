"""Python source as a kind of file.

Only files that mention an LLM client (or stream with an HTTP library) are parsed: a regular
expression over the bytes decides first, so a repository's other Python files cost one scan.
The parser is the standard library's ``ast`` (about a millisecond for a typical file): the
rules need names, calls and ``try`` blocks, not concrete syntax, and most fixes are
character-range edits computed from ``ast`` positions. The few that add an import or change a
statement use libcst (linter/python/cstfix.py), imported only when such a fix is used.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from linter.document import AuditRow, Claim, Comment, Document, Problem, Unit
from linter.model import Edit, Severity
from linter.python import detect
from linter.python.clients import PINNED_PACKAGES
from linter.python.document import PythonDocument

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace


def _syntax_problem(document: PythonDocument, exc: SyntaxError) -> Problem:
    lineno = exc.lineno or 1
    # SyntaxError.offset counts characters from 1 (3.10+); clamp to the line.
    column = max(1, exc.offset or 1)
    starts = document.line_starts()
    index = max(0, min(lineno - 1, len(starts) - 1))
    line_end = starts[index + 1] if index + 1 < len(starts) else len(document.source.text)
    start = min(starts[index] + column - 1, line_end)
    end = start
    end_line = getattr(exc, "end_lineno", None)
    end_offset = getattr(exc, "end_offset", None)
    if end_line == lineno and end_offset and end_offset > column:
        end = min(starts[index] + end_offset - 1, line_end)
    message = exc.msg or "invalid syntax"
    line_text = document.source.text[starts[index] : line_end]
    newer = _newer_grammar(message, line_text)
    if newer is not None:
        feature, version = newer
        running = f"{sys.version_info[0]}.{sys.version_info[1]}"
        # Valid code for a newer Python: say so, without failing the run (exit status 2 on
        # every check of a 3.12 code base run under 3.11 would be a false alarm).
        return Problem(
            document.path,
            start,
            end,
            f"not checked: Python {running} (the Python running streamproof) cannot parse this file "
            f"({message}); it uses {feature}, valid from Python {version}; run streamproof with "
            f"Python {version} or later to check it",
            severity=Severity.INFO,
            fatal=False,
        )
    return Problem(document.path, start, end, f"Python syntax error: {message}")


# An f-string whose replacement field holds its own quote: ``f"{d["key"]}"`` (3.12+ only).
_NESTED_QUOTE = re.compile(r"""(?<![A-Za-z0-9_])[rR]?[fF][rR]?(["'])(?:(?!\1)[^{])*\{[^}]*\1""")
_TYPE_ALIAS = re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*[\[=]")
_GENERIC_DEF = re.compile(r"^\s*(?:async\s+def|def|class)\s+[A-Za-z_]\w*\s*\[")


def _newer_grammar(message: str, line: str) -> tuple[str, str] | None:
    """(the feature, the first Python version with it) when a syntax error is most likely
    valid code for a newer Python than the one running."""
    version = sys.version_info[:2]
    if version < (3, 12):
        if message.startswith("f-string expression part cannot include") or (
            message.startswith("f-string: ") and _NESTED_QUOTE.search(line)
        ):
            return "PEP 701 f-strings (quotes, backslashes or comments inside `{}`)", "3.12"
        if _TYPE_ALIAS.match(line) or _GENERIC_DEF.match(line):
            return "PEP 695 type parameters or a `type` statement", "3.12"
    if version < (3, 11) and re.match(r"^\s*except\s*\*", line):
        return "PEP 654 `except*`", "3.11"
    if version < (3, 14) and message.startswith("multiple exception types must be parenthesized"):
        return "PEP 758 `except` without parentheses", "3.14"
    return None


# Past this size a Python file is reported and not parsed: generated code (20,000 stream
# calls in 3.9 MB) took 3.8 s and 593 MB to analyse. Configurable as PY000's max-file-size.
DEFAULT_MAX_FILE_SIZE = 1_000_000


def _too_large(document: PythonDocument, settings: Settings) -> Problem | None:
    limit = settings.rule_options.get("PY000", {}).get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    size = len(document.source.text)
    if not limit or size <= limit:
        return None
    return Problem(
        document.path,
        0,
        0,
        f"not checked: the file holds {size:,} characters, over the {limit:,} of "
        "`[tool.streamproof.rules.PY000] max-file-size` (generated code this large costs "
        "seconds and hundreds of MB to analyse); raise the limit to check it, or exclude the file",
        severity=Severity.INFO,
        fatal=False,
    )


class PythonHandler:
    name = "python"
    parse_error_code = "PY000"

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        return [Unit(self.name, path) for path in paths]

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> PythonDocument:
        source = workspace.read_source(unit.path, honour_coding_cookie=True)
        document = PythonDocument(kind=self.name, source=source)
        from linter.python.analysis.project import project_of

        document.project = project_of(workspace)
        document.project.checking(document.path)
        text = source.text
        if source.encoding.startswith(("utf-16", "utf-32")):
            document.problems.append(
                Problem(
                    document.path,
                    0,
                    0,
                    f"the file is {source.encoding[:6].upper()}: Python reads source as UTF-8 (or "
                    "as its coding cookie says) and stops at the byte-order mark with a "
                    "SyntaxError; save it as UTF-8",
                    fatal=False,
                )
            )
        oversize = _too_large(document, settings)
        if oversize is not None:
            document.problems.append(oversize)
            return document
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences and the like
                document.tree = ast.parse(text, filename=unit.path)
        except SyntaxError as exc:
            document.problems.append(_syntax_problem(document, exc))
        except ValueError as exc:  # NUL bytes
            index = text.find("\0")
            start = index if index >= 0 else 0
            document.problems.append(
                Problem(document.path, start, start, f"Python source cannot be parsed: {exc}")
            )
        except (RecursionError, MemoryError):
            document.problems.append(
                Problem(document.path, 0, 0, "Python source is nested too deeply to be parsed")
            )
        if document.tree is not None and re.search(r"\b(?:openai|anthropic|litellm)\b", text):
            from linter.python.pins import find_pins

            try:
                document.pins = find_pins(unit.path, workspace, PINNED_PACKAGES)
            except Exception:  # pins are evidence, never a reason to fail
                document.pins = {}
        if document.tree is not None and ("Middleware" in text or "event-stream" in text):
            from linter.python.serverfacts import gather

            try:
                document.endpoint_facts = gather(document, unit.path, workspace)
            except Exception:  # evidence from other files, never a reason to fail
                document.endpoint_facts = None
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        assert isinstance(before, PythonDocument) and isinstance(after, PythonDocument)
        if before.tree is None or after.tree is None:
            return "the fixed file does not parse"
        from linter.python.verify import changed_only_at

        return changed_only_at(before, after, edits)

    def audit(self, document: Document, settings: Settings) -> Iterable[AuditRow]:
        """Each stream call site's client, guard, cap and timeout (linter/python/audit.py)."""
        assert isinstance(document, PythonDocument)
        from linter.python.audit import audit_rows

        return list(audit_rows(document, settings))

    def suppression_edits(
        self, document: Document, path: str, line: int, comment: str
    ) -> Sequence[Edit]:
        """Where --add-ignore may put an ignore comment: never inside a string, after a
        backslash continuation, or above a coding cookie (linter/python/placement.py)."""
        assert isinstance(document, PythonDocument)
        from linter.python.placement import suppression_edits

        return suppression_edits(document, path, line, comment)

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        source = document.sources[path]
        text = source.text
        if "streamproof" not in text:
            return []  # no directive can be there: skip the tokenizer
        import io
        import tokenize  # only files that mention streamproof get here

        starts = document.line_starts() if isinstance(document, PythonDocument) else [0]
        found: list[Comment] = []
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type != tokenize.COMMENT:
                    continue
                row, column = token.start
                offset = (
                    starts[row - 1] + column
                    if row - 1 < len(starts)
                    else source.offset(row, column + 1)
                )
                own_line = not token.line[:column].strip()
                found.append(Comment(path, offset, token.string, own_line))
        except (tokenize.TokenError, SyntaxError, IndentationError, RecursionError):
            pass  # comments before the error still count
        return found


HANDLER = PythonHandler()

__all__ = ["HANDLER", "PythonHandler"]
