"""Inline suppressions, the same in every kind of file:

    # streamproof: ignore[NGX001] -- the upstream answers within 5s
    # streamproof: ignore-file[PY002, PY006] -- test double, never hits a network

A comment on a line of its own covers the next line; a comment after code covers its own line.
``ignore-file`` covers the whole file. A suppression that suppressed nothing, for a rule that
ran, is reported as SP100; one that cannot be read as SP101.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from linter import registry
from linter.config import closest
from linter.document import Comment, Document, KindHandler
from linter.engine_rules import INVALID_SUPPRESSION, UNUSED_SUPPRESSION
from linter.model import Edit, Finding
from linter.record import record

_DIRECTIVE = re.compile(r"#\s*streamproof\s*:\s*(?P<verb>[A-Za-z-]+)")
_CODES = re.compile(r"\[(?P<codes>[^\]]*)\]")
# Directives that are not suppressions but that other stages read.
OTHER_DIRECTIVES = ("stream", "no-stream", "context")


@record
class Suppression:
    comment: Comment
    codes: tuple[str, ...]
    file_level: bool
    covers_line: int  # the line whose findings it covers (0 for ignore-file)
    codes_start: int  # offset of the text between the brackets
    codes_end: int
    reason: str


def parse_suppressions(
    comments: Iterable[Comment], document: Document
) -> tuple[list[Suppression], list[Finding]]:
    """Suppressions found in comments, and SP101 findings for those that cannot be read."""
    found: list[Suppression] = []
    invalid: list[Finding] = []
    for comment in comments:
        match = _DIRECTIVE.search(comment.text)
        if not match:
            continue
        source = document.sources[comment.path]
        verb = match.group("verb").lower()
        start = comment.offset + match.start()
        if verb in OTHER_DIRECTIVES:
            continue
        if verb not in ("ignore", "ignore-file"):
            hint = closest(verb, ("ignore", "ignore-file", *OTHER_DIRECTIVES))
            invalid.append(
                INVALID_SUPPRESSION.report(
                    source,
                    start,
                    comment.offset + len(comment.text),
                    f"unknown streamproof directive {verb!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""),
                )
            )
            continue
        rest = comment.text[match.end() :]
        codes_match = _CODES.match(rest.lstrip())
        if not codes_match:
            invalid.append(
                INVALID_SUPPRESSION.report(
                    source,
                    start,
                    comment.offset + len(comment.text),
                    f"`{verb}` needs the codes it suppresses, e.g. `# streamproof: {verb}[NGX001] -- reason`",
                )
            )
            continue
        lead = len(rest) - len(rest.lstrip())
        codes_start = comment.offset + match.end() + lead + 1
        raw_codes = codes_match.group("codes")
        codes_end = codes_start + len(raw_codes)
        after = rest.lstrip()[codes_match.end() :]
        reason = after.split("--", 1)[1].strip() if "--" in after else ""
        codes = []
        for piece in raw_codes.split(","):
            code = piece.strip()
            if not code:
                continue
            rule = registry.lookup(code)
            if rule is None:
                hint = closest(code.upper(), [e.code for e in registry.catalogue()])
                offset = codes_start + raw_codes.find(piece.strip())
                invalid.append(
                    INVALID_SUPPRESSION.report(
                        source,
                        offset,
                        offset + len(code),
                        f"unknown code {code!r} in suppression"
                        + (f"; did you mean {hint!r}?" if hint else ""),
                    )
                )
                continue
            codes.append(rule.code)
        if not codes:
            if raw_codes.strip() == "":
                invalid.append(
                    INVALID_SUPPRESSION.report(
                        source,
                        start,
                        comment.offset + len(comment.text),
                        "empty code list in suppression",
                    )
                )
            continue
        line, _ = source.position(comment.offset)
        file_level = verb == "ignore-file"
        covers = 0 if file_level else (line + 1 if comment.own_line else line)
        found.append(
            Suppression(comment, tuple(codes), file_level, covers, codes_start, codes_end, reason)
        )
    return found, invalid


def _removal_edit(suppression: Suppression, document: Document, unused: set[str]) -> Edit:
    source = document.sources[suppression.comment.path]
    text = source.text
    remaining = [c for c in suppression.codes if c not in unused]
    comment = suppression.comment
    if remaining:
        return Edit(
            source.path, suppression.codes_start, suppression.codes_end, ", ".join(remaining)
        )
    start = comment.offset
    end = comment.offset + len(comment.text)
    if comment.own_line:
        # The whole line goes, its line break with it.
        start = source.line_start(start)
        if end < len(text) and text[end] == "\r":
            end += 1
        if end < len(text) and text[end] == "\n":
            end += 1
    else:
        while start > 0 and text[start - 1] in " \t":
            start -= 1
    return Edit(source.path, start, end, "")


def apply_suppressions(
    findings: Sequence[Finding],
    document: Document,
    handler: KindHandler,
    ran_codes: frozenset[str],
    report_unused: bool,
) -> list[Finding]:
    """Drop suppressed findings; add SP100/SP101 findings about the comments themselves."""
    by_path: dict[str, list[Suppression]] = {}
    extra: list[Finding] = []
    for path in document.sources:
        try:
            comments = list(handler.comments(document, path))
        except Exception:  # a comment scan must never lose the findings
            comments = []
        suppressions, invalid = parse_suppressions(comments, document)
        by_path[path] = suppressions
        extra.extend(invalid)

    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        suppressed = False
        for suppression in by_path.get(finding.path, ()):
            if finding.code not in suppression.codes:
                continue
            if suppression.file_level or suppression.covers_line == finding.line:
                used.add((id(suppression), finding.code))
                suppressed = True
                break
        if not suppressed:
            kept.append(finding)

    if report_unused:
        for path, suppressions in by_path.items():
            source = document.sources[path]
            for suppression in suppressions:
                unused = {
                    code
                    for code in suppression.codes
                    if code in ran_codes and (id(suppression), code) not in used
                }
                if not unused:
                    continue
                ordered = [c for c in suppression.codes if c in unused]
                fix = UNUSED_SUPPRESSION.make_fix(
                    [_removal_edit(suppression, document, unused)],
                    "remove the unused suppression"
                    if len(ordered) == len(suppression.codes)
                    else f"remove {', '.join(ordered)} from the suppression",
                )
                extra.append(
                    UNUSED_SUPPRESSION.report(
                        source,
                        suppression.comment.offset,
                        suppression.comment.offset + len(suppression.comment.text),
                        f"unused suppression of {', '.join(ordered)}: no such finding here",
                        fix=fix,
                    )
                )
    # Engine findings can be suppressed too (but never count as using a suppression).
    result = kept
    for finding in extra:
        if not any(
            finding.code in s.codes and (s.file_level or s.covers_line == finding.line)
            for s in by_path.get(finding.path, ())
        ):
            result.append(finding)
    return result
