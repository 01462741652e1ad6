"""Applying fixes: pick edits that do not overlap, apply them in memory, parse the result
again and check it changed only where meant, repeat until nothing changes, then write each
changed file atomically with its encoding, BOM, newlines and mode kept."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field, replace

from linter.checker import check_document
from linter.config import Settings
from linter.document import Document, KindHandler, Unit
from linter.model import Edit, Finding
from linter.reporters import display_path
from linter.source import BYTES_AS_TEXT, DecodeFailure, SourceText
from linter.workspace import TEMP_PREFIX, TEMP_SUFFIX, Workspace, is_fix_temporary

MAX_PASSES = 10


@dataclass
class FileChange:
    path: str
    before: SourceText
    after: str
    fixed: list[Finding] = field(default_factory=list)

    def unified_diff(self, display_path: str) -> str:
        before = self.before.text.splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        import difflib

        lines = difflib.unified_diff(before, after, f"a/{display_path}", f"b/{display_path}")
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits of one file (from the end, so offsets stay true)."""
    pieces = []
    cursor = len(text)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        pieces.append(text[edit.end : cursor])
        pieces.append(edit.content)
        cursor = edit.start
    pieces.append(text[:cursor])
    return "".join(reversed(pieces))


def fix_allowed(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and bool(finding.fix.edits) and (finding.fix.is_safe or unsafe)


def outside(finding: Finding, writable: Set[str]) -> str | None:
    """The first file a finding's fix edits outside ``writable`` (None: there is none)."""
    if finding.fix is None:
        return None
    return next((path for path in finding.fix.paths() if path not in writable), None)


def _finding_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.code, finding.path, finding.message)


def choose_fixes(
    findings: Sequence[Finding], unsafe: bool, refused: set[tuple[str, str, str]]
) -> list[Finding]:
    """A set of fixes whose edits do not overlap; a fix's edits go in together or not at all."""
    chosen: list[Finding] = []
    taken: list[Edit] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        if not fix_allowed(finding, unsafe) or _finding_key(finding) in refused:
            continue
        assert finding.fix is not None
        edits = finding.fix.edits
        if any(edit.overlaps(other) for edit in edits for other in taken):
            continue  # waits for the next pass
        if any(a.overlaps(b) for i, a in enumerate(edits) for b in edits[i + 1 :]):
            continue
        chosen.append(finding)
        taken.extend(edits)
    return chosen


def _findings_went_away(
    batch: Sequence[Finding], before: Sequence[Finding], after: Sequence[Finding]
) -> bool:
    """Each fixed finding is gone: one fewer with its message (two blocks can give the same
    message: fixing one leaves its twin), and (should the fix only have changed the wording)
    one fewer of its code in its file for every fix applied."""
    keys_fixed = Counter(_finding_key(f) for f in batch)
    keys_before = Counter(_finding_key(f) for f in before)
    keys_after = Counter(_finding_key(f) for f in after)
    if any(keys_after[key] > keys_before[key] - n for key, n in keys_fixed.items()):
        return False
    fixed = Counter((f.code, f.path) for f in batch)
    count_before = Counter((f.code, f.path) for f in before)
    count_after = Counter((f.code, f.path) for f in after)
    return all(count_after[key] <= count_before[key] - n for key, n in fixed.items())


def _rebased(edit: Edit, done: Sequence[Edit]) -> Edit:
    """``edit`` (offsets as the pass began) in the text after ``done`` were applied. The edits
    of one pass never overlap, so each applied edit lies wholly before or after it."""
    shift = sum(
        len(other.content) - (other.end - other.start)
        for other in done
        if other.path == edit.path and other.end <= edit.start
    )
    return replace(edit, start=edit.start + shift, end=edit.end + shift) if shift else edit


@dataclass
class FixOutcome:
    findings: list[Finding]
    changes: list[FileChange]
    # Files a fix was meant for that this run may not write (path -> why): their fixes were
    # not applied, so the findings and their positions stay those of the file as it is.
    unwritable: dict[str, str] = field(default_factory=dict)


def _current_text(workspace: Workspace, path: str) -> str:
    if path in workspace.overlay:
        return workspace.overlay[path]
    # The text as the kind decoded it (a Python file's coding cookie), when it was read.
    original = workspace.original_source(path)
    if original is not None:
        return original.text
    return workspace.read_source(path).text


def _verify(
    handler: KindHandler,
    unit: Unit,
    workspace: Workspace,
    settings: Settings,
    before: Document,
    edits: Sequence[Edit],
) -> tuple[Document | None, str | None]:
    try:
        after = handler.load(unit, workspace, settings)
    except Exception as exc:
        return None, f"the fixed file could not be read back ({type(exc).__name__}: {exc})"
    if after.fatal or len(after.problems) > len(before.problems):
        new = [p.message for p in after.problems if p not in before.problems]
        return None, "the fixed file does not parse" + (f": {new[0]}" if new else "")
    reason = handler.verify_fix(before, after, edits)
    if reason:
        return None, reason
    return after, None


def _reads_back(workspace: Workspace, path: str) -> str | None:
    """Why the fixed text of ``path`` would not be read back as it is checked (None: it
    would). The check sees decoded text; the file is bytes: a fix that brings a U+FEFF to the
    start (deleting the line before it) writes what the next read takes for a byte-order mark,
    and text the file's encoding cannot hold cannot be written at all."""
    text = workspace.overlay[path]
    before = workspace.original_source(path)
    if before is None:
        before = workspace.read_source(path)
    try:
        data = before.with_text(text).encode()
    except UnicodeEncodeError as exc:
        return f"the fixed file cannot be written in {before.encoding} ({exc.reason})"
    try:
        again = SourceText.from_bytes(
            path,
            data,
            honour_coding_cookie=path.endswith((".py", ".pyi")),
            bytes_as_text=before.encoding == BYTES_AS_TEXT,
        )
    except DecodeFailure as exc:
        return f"the fixed file would not be read back ({exc.message})"
    if again.text != text or again.encoding != before.encoding:
        return "the fixed file would be read back as other text (a byte-order mark or a coding line would start it)"
    return None


def fix_unit(
    unit: Unit,
    handler: KindHandler,
    workspace: Workspace,
    settings: Settings,
    *,
    unsafe: bool,
    writable: Set[str] | None = None,
) -> FixOutcome:
    """Fix a unit to a fixed point (at most MAX_PASSES) in the workspace overlay.

    ``writable``: the only files fixes may change (None: any). With --stdin-filename only the
    text read from stdin is given back, so a fix that edits another file (an NGINX include)
    cannot be applied."""
    refused: dict[tuple[str, str, str], str] = {}
    applied: dict[str, list[Finding]] = {}
    unwritable: dict[str, str] = {}

    def blocked(paths: Iterable[str]) -> str | None:
        """Why this run may not write one of ``paths`` (None: it may write them all)."""
        if not workspace.writing:
            return None
        for path in paths:
            if path not in unwritable and (why := write_refusal(path)) is not None:
                unwritable[path] = why
            if path in unwritable:
                return unwritable[path]
        return None

    document = handler.load(unit, workspace, settings)
    findings = check_document(document, handler, settings)
    for _ in range(MAX_PASSES):
        if document.fatal:
            break
        if writable is not None:
            for finding in findings:
                elsewhere = outside(finding, writable)
                if elsewhere is not None:
                    refused.setdefault(
                        _finding_key(finding),
                        f"fix not applied: it edits {display_path(elsewhere, workspace.cwd)}, and only "
                        "the text read from stdin is given back",
                    )
        chosen = choose_fixes(findings, unsafe, set(refused))
        if not chosen:
            break
        saved = dict(workspace.overlay)
        progressed = False
        # Edits (as the pass began) of the single fixes already applied in this pass.
        done: list[Edit] = []
        # Try the batch; if the batch fails, try its fixes one at a time to find the culprit.
        for batch in [chosen] + ([[f] for f in chosen] if len(chosen) > 1 else []):
            planned = [edit for finding in batch for edit in finding.fix.edits]  # type: ignore[union-attr]
            # A single fix tried after others succeeded lands in text they changed: move its
            # edits past theirs (applied at the old offsets, "30s" -> "300s" rewrote
            # `proxy_pass http://litellm` into `http://lit300sm` once).
            edits = [_rebased(edit, done) for edit in planned]
            by_path: dict[str, list[Edit]] = {}
            for edit in edits:
                by_path.setdefault(edit.path, []).append(edit)
            # Known before anything is applied: a file the run may not write keeps its
            # findings where they are, not moved to the lines of a text never written.
            why = blocked(by_path)
            if why is not None:
                for finding in batch:
                    refused[_finding_key(finding)] = f"fix not applied: {why}"
                continue
            try:
                previous = {path: _current_text(workspace, path) for path in by_path}
                for path, path_edits in by_path.items():
                    workspace.overlay[path] = apply_edits(previous[path], path_edits)
            except Exception as exc:  # an unreadable target file
                workspace.overlay.clear()
                workspace.overlay.update(saved)
                for finding in batch:
                    refused[_finding_key(finding)] = f"fix not applied: {exc}"
                continue
            if all(workspace.overlay[path] == previous[path] for path in by_path):
                workspace.overlay.clear()
                workspace.overlay.update(saved)
                for finding in batch:
                    refused[_finding_key(finding)] = "fix not applied: it changes nothing"
                continue
            reason = next(
                (why for path in by_path if (why := _reads_back(workspace, path)) is not None),
                None,
            )
            after = None
            if reason is None:
                after, reason = _verify(handler, unit, workspace, settings, document, edits)
            new_findings = check_document(after, handler, settings) if after is not None else []
            if after is not None and not _findings_went_away(batch, findings, new_findings):
                after, reason = None, "the fix did not make the finding go away"
            if after is None:
                workspace.overlay.clear()
                workspace.overlay.update(saved)
                if len(batch) == 1:
                    refused[_finding_key(batch[0])] = f"fix not applied: {reason}"
                continue
            for finding in batch:
                applied.setdefault(finding.path, []).append(finding)
            done.extend(planned)
            document = after
            findings = new_findings
            progressed = True
            saved = dict(workspace.overlay)
            if batch is chosen:
                break
        if not progressed:
            break
    final = []
    for f in findings:
        note = refused.get(_finding_key(f))
        if note is None and fix_allowed(f, unsafe):
            # Never tried (it waited for a pass that did not come): the file still says no.
            why = blocked(f.fix.paths())  # type: ignore[union-attr]
            note = f"fix not applied: {why}" if why is not None else None
        final.append(replace(f, fix_note=note) if note is not None else f)
    changes = []
    touched = {path for path, fixed in applied.items() if fixed} | {
        edit.path
        for findings_ in applied.values()
        for f in findings_
        for edit in f.fix.edits  # type: ignore[union-attr]
    }
    for path, text in sorted(workspace.overlay.items()):
        if path not in touched:
            continue
        original = workspace.original_source(path)
        if original is None:
            original = workspace.read_source(path)
        if text != original.text:
            changes.append(FileChange(path, original, text, applied.get(path, [])))
    return FixOutcome(final, changes, unwritable)


class WriteRefused(Exception):
    pass


def write_refusal(path: str) -> str | None:
    """Why a fix may not be written to ``path`` (None: it may). The mode bits decide, even for
    root, who could write anything: a read-only file or folder says "leave me as I am". A fix
    is written to a temporary file beside the file, then renamed over it, so the folder must
    be writable too, and a file with other hard links is left alone (it would lose them)."""
    try:
        info = os.stat(path)
    except OSError:
        return None  # gone or unreadable: the write itself says so
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    if not info.st_mode & writable:
        return f"{path} is read-only"
    if info.st_nlink > 1:
        # The rename gives this name a new file: the other names would keep the old text.
        return (
            f"{path} has {info.st_nlink} hard links (a fix is written to a new file renamed "
            "over this name, so the others would keep the old text)"
        )
    directory = os.path.dirname(os.path.realpath(path))
    try:
        folder = os.stat(directory)
    except OSError:
        return None
    if not folder.st_mode & writable:
        return f"{path} is in a read-only folder (a fix is written beside the file, then renamed over it)"
    if not os.access(path, os.W_OK):
        return f"{path}: no permission to write it"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{path}: no permission to write in its folder (a fix is written beside the file, then renamed over it)"
    return None


def write_change(change: FileChange, expected_bytes: bytes | None = None) -> None:
    """Replace the file with its fixed text: same encoding, BOM, mode and (when we may) owner;
    through a temporary file in the same folder and an atomic rename."""
    path = change.path
    try:
        info = os.stat(path)
    except OSError as exc:
        raise WriteRefused(f"cannot write {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"not a regular file: {path}")
    refusal = write_refusal(path)  # checked again: it may have changed during the run
    if refusal is not None:
        raise WriteRefused(f"{refusal}; fix not written")
    if expected_bytes is not None:
        try:
            with open(path, "rb") as handle:
                current = handle.read()
        except OSError as exc:
            raise WriteRefused(f"cannot read {path} again: {exc.strerror}") from None
        if current != expected_bytes:
            raise WriteRefused(f"{path} changed while it was being checked; fix not written")
    data = change.before.with_text(change.after).encode()
    real = os.path.realpath(path)
    directory = os.path.dirname(real)
    import tempfile  # only when a file is written

    remove_leftovers(directory)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=directory
        )
    except OSError as exc:
        raise WriteRefused(
            f"cannot write {path}: {exc.strerror or exc} (creating a temporary file beside it); "
            "fix not written"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # Owner first: chown clears the setuid and setgid bits, chmod then puts them back.
        with contextlib.suppress(OSError):
            os.chown(temporary, info.st_uid, info.st_gid)
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# A temporary file older than this is a leftover whatever its name says (a write takes well
# under a second; a run on another machine sharing the folder is not visible to os.kill).
LEFTOVER_SECONDS = 3600
_PID_IN_NAME = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


def remove_leftovers(directory: str) -> list[str]:
    """Remove the temporary files of fixing runs that died between writing and renaming (killed,
    out of power): those of processes that no longer run, and any over an hour old. A run that
    is writing one right now keeps it. Returns the paths removed."""
    import time

    try:
        names = [name for name in os.listdir(directory) if is_fix_temporary(name)]
    except OSError:
        return []
    removed = []
    now = time.time()
    for name in names:
        path = os.path.join(directory, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        match = _PID_IN_NAME.match(name)
        dead = match is not None and not _process_alive(int(match.group(1)))
        if dead or now - info.st_mtime > LEFTOVER_SECONDS:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows os.kill(pid, 0) would send CTRL_C_EVENT: age decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: keep the file
    return True
