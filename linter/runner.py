"""One run: discover, classify, group into units, check (and fix) each unit, collect.

A file that cannot be read, or a rule that crashes, becomes a finding for that file; the run
always goes on with the others.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from linter import kinds, registry
from linter.checker import check_document, dedupe, plain_finding
from linter.config import Settings, SettingsResolver
from linter.discovery import Candidate, discover, excluded_when_named, find_root
from linter.document import AuditRow, Claim, Unit
from linter.model import Finding, Severity
from linter.pathmatch import relative_posix
from linter.source import DecodeFailure
from linter.stack import FACT_KINDS, names_client_text
from linter.stack import wanted as stack_wanted
from linter.workspace import ReadFailure, Workspace

if TYPE_CHECKING:
    # (The fixer is imported where a run fixes: a plain check never needs it.)
    from linter.fixer import FileChange


@dataclass
class RunOptions:
    fix: bool = False
    unsafe_fixes: bool | None = None  # None: as the config says
    diff: bool = False  # compute the fixes but write nothing
    force_exclude: bool = False
    stdin_filename: str | None = None
    stdin_data: bytes | None = None
    jobs: int | None = None
    # --add-ignore: the reason written in each ignore comment (None: not adding any).
    add_ignore: str | None = None
    # `streamproof audit`: also collect each unit's stream path (handler.audit rows).
    audit: bool = False
    # Called in this process as units finish: progress(done, total).
    progress: Callable[[int, int], None] | None = field(default=None, compare=False, repr=False)


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    # Problems with the run itself (missing paths, write failures): shown on stderr, exit 2.
    errors: list[str] = field(default_factory=list)
    files_checked: int = 0
    root: str = "."
    workspace: Workspace | None = None
    # Codes of the rules that ran: the selected rules of the kinds present, and the engine's
    # (reporters such as SARIF list every rule that ran, not only those that found something).
    rules_run: set[str] = field(default_factory=set)
    # `streamproof audit` only: what each kind says about the stream path as configured.
    audit_rows: list[AuditRow] = field(default_factory=list)
    # Files named on the command line that no kind reads, and why (a note each on stderr;
    # the exit status does not change).
    not_checked: dict[str, str] = field(default_factory=dict)
    # `streamproof audit` only: the stream paths linked across the files (the model of
    # linter.stack.render), and what could not be linked.
    stack_paths: list[dict[str, Any]] = field(default_factory=list)
    stack_notes: list[str] = field(default_factory=list)


@dataclass
class UnitResult:
    findings: list[Finding]
    changes: list[FileChange] = field(default_factory=list)
    audit_rows: list[AuditRow] = field(default_factory=list)
    # False when the unit turned out not to be of its kind (see Unit.unclaimed).
    checked: bool = True
    # Files whose fixes this run may not write (path -> why; see FixOutcome.unwritable).
    unwritable: dict[str, str] = field(default_factory=dict)
    # What the unit says about its layer of the stream path (linter.stack.facts), and the
    # files it read for that (None: no facts were taken).
    facts: list[Any] = field(default_factory=list)
    covered: tuple[str, ...] | None = None


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


def _units_by_kind(
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


def _claim(unit: Unit, workspace: Workspace) -> bool:
    """Does the unit's kind want this file after all (see Unit.unclaimed)?"""
    try:
        data = workspace.read_bytes(unit.path)
    except ReadFailure:
        return False  # only a name suggested the kind: an unreadable file is not ours to report
    relpath = relative_posix(unit.path, workspace.root)
    by_name = kinds.detector(unit.kind).claim_by_name(relpath)
    # (A parse the content test makes is kept in the run's trees for the load that follows.)
    found = kinds.classify(
        relpath,
        data,
        {unit.kind: by_name},
        path=unit.path,
        trees=workspace.trees,
        workspace=workspace,
    )
    return found == unit.kind


def process_unit(
    unit: Unit, workspace: Workspace, settings: Settings, options: RunOptions
) -> UnitResult:
    # What a unit builds (the million nodes of an 8 MB LiteLLM config) lives until the unit is
    # done: a full collection meanwhile walks it all to free nothing (1.2 s of 4.5 s there).
    # Cycles made while the unit runs are collected after it.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _process_unit(unit, workspace, settings, options)
    finally:
        if enabled:
            gc.enable()


def _process_unit(
    unit: Unit, workspace: Workspace, settings: Settings, options: RunOptions
) -> UnitResult:
    if unit.unclaimed:
        if not _claim(unit, workspace):
            dropped = UnitResult([], checked=False)
            if unit.kind == "python" and stack_wanted(settings, options.audit):
                # Not an LLM file for the python rules, but it may still hold an httpx client
                # with a base URL: looked at here, where its bytes are at hand.
                from linter.stack.clients import clients_in_bytes

                dropped.facts = clients_in_bytes(unit.path, workspace)
                dropped.covered = (unit.path,)
            if not unit.keep:
                workspace.forget(unit.path)
            return dropped
        result = _process_unit(replace(unit, unclaimed=False), workspace, settings, options)
        if not (options.fix or options.diff or options.add_ignore is not None or unit.keep):
            workspace.forget(unit.path)  # keep memory flat: reports read it again if needed
        return result
    handler = kinds.handler(unit.kind)
    # With --stdin-filename only the text read from stdin is given back: no other file changes.
    writable = frozenset(workspace.stdin) if options.stdin_filename is not None else None
    try:
        if options.add_ignore is not None:
            from linter.add_ignore import add_ignores

            outcome = add_ignores(
                unit, handler, workspace, settings, reason=options.add_ignore, writable=writable
            )
            return UnitResult(outcome.findings, outcome.changes)
        if options.fix or options.diff:
            from linter.fixer import fix_unit

            unsafe = settings.unsafe_fixes if options.unsafe_fixes is None else options.unsafe_fixes
            outcome = fix_unit(unit, handler, workspace, settings, unsafe=unsafe, writable=writable)
            return UnitResult(outcome.findings, outcome.changes, unwritable=outcome.unwritable)
        document = handler.load(unit, workspace, settings)
        result = UnitResult(check_document(document, handler, settings))
        if unit.kind in FACT_KINDS and not document.fatal and stack_wanted(settings, options.audit):
            # A Python module gives a fact only where it names a base URL (linter.stack.clients):
            # tested here, so that the others do not import the stack's modules.
            if unit.kind != "python" or names_client_text(document.source.text):
                from linter.stack.facts import facts_of

                result.facts = facts_of(document, settings)
            result.covered = tuple(document.sources) or (unit.path,)
        audit = getattr(handler, "audit", None)
        if options.audit and audit is not None and not document.fatal:
            result.audit_rows.extend(audit(document, settings))
        return result
    except ReadFailure as exc:
        return UnitResult([plain_finding(handler.parse_error_code, exc.path, exc.message)])
    except DecodeFailure as exc:
        return UnitResult(
            [plain_finding(handler.parse_error_code, unit.path, exc.message, exc.line, exc.column)]
        )
    except Exception as exc:  # a bug of ours must not stop the run
        return UnitResult(
            [
                plain_finding(
                    "SP900",
                    unit.path,
                    f"streamproof failed on this file: {type(exc).__name__}: {exc}; please report it",
                )
            ]
        )


def selected_codes(kind: str, settings: Settings) -> set[str]:
    """The rules a unit of this kind runs under these settings (the engine's included)."""
    rules = (*registry.rules_for_kind(kind), *registry.rules_for_kind(registry.ENGINE_KIND))
    return {rule.code for rule in rules if settings.is_selected(rule.code)}


# Below this many units a pool costs more than it saves (fork, pickling, imports per worker).
PARALLEL_THRESHOLD = 64

_WorkerState = tuple[Sequence[Unit], Workspace, SettingsResolver, RunOptions]


def _init_worker(
    units: Sequence[Unit], workspace: Workspace, resolver: SettingsResolver, options: RunOptions
) -> None:
    # One state per worker process, set once by the pool initializer. With fork the units and
    # the workspace (and the bytes it already read) are inherited, not copied through a pipe:
    # work items are indices into the units.
    global _worker_state
    _worker_state = (units, workspace, resolver, options)


_worker_state: _WorkerState | None = None


def _work(indices: list[int], state: _WorkerState | None = None) -> list[UnitResult | None]:
    """The results of the units at ``indices``; None for a unit that was not of its kind
    after all (nothing to send back). ``state``: the run's (else the one a started worker
    was given)."""
    if state is None:
        state = _worker_state
    assert state is not None
    units, workspace, resolver, options = state
    results: list[UnitResult | None] = []
    for found in _in_turn([units[index] for index in indices], workspace, resolver, options):
        empty = not (
            found.checked
            or found.findings
            or found.changes
            or found.audit_rows
            or found.facts
            or found.covered
        )
        results.append(None if empty and not found.unwritable else found)
    return results


def _in_turn(
    units: Sequence[Unit], workspace: Workspace, resolver: SettingsResolver, options: RunOptions
) -> Iterator[UnitResult]:
    """Check the units one after the other. A run that writes nothing forgets what a unit read
    once it is done (with the next unit of its group, when that one follows): the memory a
    run needs stays that of its largest unit, not of the whole tree."""
    releasing = not (options.fix or options.diff or options.add_ignore is not None)
    mark = workspace.mark()
    for position, unit in enumerate(units):
        yield process_unit(unit, workspace, resolver.for_path(unit.path), options)
        following = units[position + 1] if position + 1 < len(units) else None
        together = following is not None and (
            (unit.group is not None and following.group == unit.group)
            or (unit.keep and following.path == unit.path)
        )
        if releasing and not together:
            workspace.release(mark)


def _spawned_pool(
    units: Sequence[Unit],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
    chunks: list[list[int]],
    jobs: int,
    take: Callable[[int, Sequence[UnitResult | None]], None],
) -> bool:
    """Where processes cannot fork (Windows): a pool of started ones, each handed the run's
    state once. False when a worker died (the caller then does it all itself)."""
    import concurrent.futures
    import multiprocessing

    try:
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=min(jobs, len(chunks)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(units, workspace, resolver, options),
        ) as executor:
            for number, chunk_results in enumerate(executor.map(_work, chunks)):
                take(number, chunk_results)
        return True
    except concurrent.futures.process.BrokenProcessPool:
        return False


def _process_all(
    units: Sequence[Unit],
    workspace: Workspace,
    resolver: SettingsResolver,
    options: RunOptions,
    files: int = 0,
) -> list[UnitResult]:
    """Check every unit: in this process for small runs, in worker processes for large ones
    (by files, not units: one NGINX unit can stand for hundreds of included files)."""
    jobs = options.jobs if options.jobs and options.jobs > 0 else (os.cpu_count() or 1)
    large = max(len(units), files) >= PARALLEL_THRESHOLD
    chunks: list[list[int]] = []
    if jobs > 1 and large and options.stdin_filename is None:
        from linter import pool  # (only large runs need it)

        late = frozenset(
            kind
            for kind in {unit.kind for unit in units}
            if getattr(kinds.handler(kind), "reads_prepared", False)
        )
        chunks = pool.chunks(units, jobs, late)
    if len(chunks) > 1:
        from linter import preparation

        # Settings of every folder now, once: the workers inherit the filled cache instead of
        # each looking up and reading the same config files again. Likewise the handlers and
        # rules of the kinds present: imported once here, not once per worker.
        for unit in units:
            resolver.for_path(unit.path)
        writes = options.fix or options.diff or options.add_ignore is not None
        present = sorted({unit.kind for unit in units})
        for kind in present:
            kinds.handler(kind)
            registry.rules_for_kind(kind)
        registry.rules_for_kind(registry.ENGINE_KIND)
        preparation.start(present, workspace, writes)
        results: list[UnitResult | None] = [None] * len(units)
        done = 0

        def take(
            number: int, chunk_results: Sequence[UnitResult | None], report: bool = True
        ) -> None:
            nonlocal done
            chunk = chunks[number]
            for index, unit_result in zip(chunk, chunk_results, strict=True):
                results[index] = unit_result or UnitResult([], checked=False)
            done += len(chunk)
            if report and options.progress is not None:
                options.progress(done, len(units))

        # What exists now is shared with the workers: kept out of the collector's sight, so
        # that a collection in a worker does not copy the pages it lies in (copy-on-write).
        # Garbage first (what the preparing left in cycles): frozen, it would never go.
        gc.collect()
        gc.freeze()
        try:
            if pool.available():
                import pickle

                state = (units, workspace, resolver, options)  # inherited by the fork
                # Results stay pickled here until the workers have ended: unpickled as they
                # came, the findings took 17 MB of this process while the workers were at
                # their largest (the benchmark's whole corpus; 6 MB pickled).
                packed: dict[int, bytes] = {}
                arrived_units = 0

                def arrived(number: int, data: bytes) -> None:
                    nonlocal arrived_units
                    packed[number] = data
                    arrived_units += len(chunks[number])
                    if options.progress is not None:
                        options.progress(arrived_units, len(units))

                finished = pool.run(
                    len(chunks),
                    lambda number: pickle.dumps(
                        _work(chunks[number], state), pickle.HIGHEST_PROTOCOL
                    ),
                    jobs,
                    arrived,
                )
                for number in sorted(packed):
                    take(number, pickle.loads(packed.pop(number)), report=False)
                # A worker that died left its chunk undone: done here.
                for number, chunk in enumerate(chunks):
                    if number not in finished:
                        picked = [units[index] for index in chunk]
                        take(number, list(_in_turn(picked, workspace, resolver, options)))
                return [r for r in results if r is not None]
            if _spawned_pool(units, workspace, resolver, options, chunks, jobs, take):
                return [r for r in results if r is not None]
        except OSError:
            pass  # no processes here: do it all in this process instead
        except BaseException:
            preparation.abandon()
            raise
        finally:
            gc.unfreeze()
            preparation.finish(workspace)
    serial = []
    for unit_result in _in_turn(units, workspace, resolver, options):
        serial.append(unit_result)
        if options.progress is not None:
            options.progress(len(serial), len(units))
    return serial


def run(
    paths: Sequence[str],
    resolver: SettingsResolver,
    options: RunOptions,
) -> RunResult:
    cwd = resolver.cwd
    if options.stdin_filename is not None:
        stdin_path = os.path.abspath(os.path.join(cwd, options.stdin_filename))
        root = find_root([stdin_path if os.path.exists(os.path.dirname(stdin_path)) else cwd], cwd)
        workspace = Workspace(root=root, cwd=cwd)
        workspace.stdin[stdin_path] = options.stdin_data or b""
        candidates = [
            Candidate(stdin_path, os.path.relpath(stdin_path, root).replace(os.sep, "/"), True)
        ]
        if options.force_exclude and excluded_when_named(resolver, stdin_path, folder=False):
            candidates = []
        result = RunResult(root=root)
    else:
        paths = list(paths) or ["."]
        root = find_root(paths, cwd)
        workspace = Workspace(root=root, cwd=cwd)
        workspace.whole_tree = any(
            os.path.isdir(p) and _holds(os.path.realpath(os.path.join(cwd, p)), workspace.root)
            for p in paths
        )
        result = RunResult(root=root)
        candidates, missing = discover(paths, root, resolver, force_exclude=options.force_exclude)
        result.errors.extend(missing)

    result.workspace = workspace
    workspace.many_files = len(candidates) >= PARALLEL_THRESHOLD
    workspace.writing = options.fix and not options.diff and options.stdin_filename is None
    workspace.keeps_reads = options.fix or options.diff or options.add_ignore is not None
    units = _units_by_kind(candidates, workspace, result)
    unwritable: dict[str, str] = {}
    codes: dict[tuple[str, int], set[str]] = {}  # selected_codes by kind and settings
    named = {candidate.path: candidate for candidate in candidates if candidate.explicit}
    facts: list[Any] = []
    covered: set[str] = set()
    checked_paths: set[str] = set()
    for unit, unit_result in zip(
        units,
        _process_all(units, workspace, resolver, options, files=len(candidates)),
        strict=True,
    ):
        facts.extend(unit_result.facts)
        if unit_result.covered is not None:
            covered.update(unit_result.covered)
        if not unit_result.checked:
            # Its kind looked at the content and did not want it after all.
            if unit.path in named and not unit_result.findings:
                why = why_not_checked(named[unit.path], workspace)
                if why is not None:
                    result.not_checked[unit.path] = why
            continue
        if unit.path not in checked_paths:  # (a Python script may be a unit of two kinds)
            checked_paths.add(unit.path)
            result.files_checked += 1
        settings = resolver.for_path(unit.path)
        key = (unit.kind, id(settings))
        if key not in codes:
            codes[key] = selected_codes(unit.kind, settings)
        result.rules_run.update(codes[key])
        result.findings.extend(unit_result.findings)
        result.audit_rows.extend(unit_result.audit_rows)
        for path, why in unit_result.unwritable.items():
            if path not in unwritable:
                unwritable[path] = why
                result.errors.append(f"{why}; fix not written")
        for change in unit_result.changes:
            # Units that share a file (an NGINX snippet) fix it in turn: keep the last text.
            previous = next((c for c in result.changes if c.path == change.path), None)
            if previous is None:
                result.changes.append(change)
            else:
                previous.after = change.after
                previous.fixed.extend(change.fixed)

    from linter.stack.step import stack_step

    stack_step(result, facts, covered, candidates, paths, workspace, resolver, options)

    # Reporters read files through the workspace: give them the text the findings describe
    # (worker processes changed only their own copy of the overlay).
    for change in result.changes:
        workspace.overlay[change.path] = change.after
    writes = options.fix or options.add_ignore is not None
    if writes and not options.diff and options.stdin_filename is None:
        from linter.fixer import WriteRefused, write_change

        for change in list(result.changes):
            try:
                expected = workspace.read_bytes(change.path)
            except ReadFailure:
                expected = None
            try:
                write_change(change, expected)
            except WriteRefused as exc:
                result.errors.append(str(exc))
            except OSError as exc:
                result.errors.append(
                    f"cannot write {change.path}: {exc.strerror or exc}; fix not written "
                    "(the file is unchanged)"
                )
            else:
                continue
            # The fixes were not written, so their findings still stand (and none is counted
            # as fixed).
            result.findings.extend(change.fixed)
            result.changes.remove(change)
    result.findings = sorted(dedupe(result.findings), key=lambda f: f.sort_key)
    return result


def _holds(folder: str, root: str) -> bool:
    """``folder`` is the tree's root or a folder above it."""
    return root == folder or root.startswith(folder.rstrip(os.sep) + os.sep)
