"""The NGINX kind: which files are NGINX, how they group (a main file and what it includes),
how a unit is read into an NginxDocument, and how a fix is checked before it is written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import TYPE_CHECKING

from linter.document import AuditRow, Claim, Comment, Document, Unit
from linter.model import Edit
from linter.nginx import detect, dump
from linter.nginx.context import CONTEXTS, Stmt
from linter.nginx.detect import BLOCK_SIGNAL as _BLOCK_SIGNAL
from linter.nginx.detect import NGINX_FOLDERS as _NGINX_FOLDERS
from linter.nginx.directives import looks_like_nginx_name
from linter.nginx.includes import (
    DiskFiles,
    DumpFiles,
    Expander,
    parsed_once,
    reachable_files,
)
from linter.nginx.lexer import TokenKind, tokenize
from linter.nginx.model import NginxDocument
from linter.nginx.outline import Outline, outline_of, scan
from linter.nginx.parser import parse_source
from linter.nginx.tree import Directive, ParsedFile
from linter.source import DecodeFailure, SourceText

if TYPE_CHECKING:
    from linter.config import Settings
    from linter.workspace import Workspace

_FRAGMENT_FOLDERS = ("conf.d", "sites-available", "sites-enabled", "http.d", "vhosts.d", "servers")
_CONTEXT_COMMENT = re.compile(r"#\s*streamproof\s*:\s*context\s+([a-z]+)")
# A whole configuration (nginx.conf) has `http {}` or `events {}`: it is nobody's fragment.
_WHOLE_CONFIG = re.compile(rb"(?m)^[ \t]*(?:http|events)[ \t\r\n]*\{")
_MAIN_NAMES = frozenset(
    {
        "http",
        "events",
        "stream",
        "worker_processes",
        "user",
        "pid",
        "load_module",
        "worker_rlimit_nofile",
        "daemon",
        "master_process",
        "env",
        "mail",
    }
)
_HTTP_NAMES = frozenset(
    {
        "server",
        "upstream",
        "map",
        "geo",
        "split_clients",
        "limit_req_zone",
        "limit_conn_zone",
        "proxy_cache_path",
        "log_format",
        "fastcgi_cache_path",
    }
)
_SERVER_NAMES = frozenset({"location", "listen", "server_name"})


class NginxHandler:
    name = "nginx"
    parse_error_code = "NGX000"

    # -- which files ----------------------------------------------------------------------

    def claim_by_name(self, relpath: str) -> Claim:
        return detect.claim_by_name(relpath)

    def claim(self, relpath: str, data: bytes, by_name: Claim) -> bool:
        return detect.claim(relpath, data, by_name)

    # -- grouping -----------------------------------------------------------------------------

    def plan(self, paths: Sequence[str], workspace: Workspace) -> list[Unit]:
        """One unit per file that no other linted file includes (a file reached through an
        include is linted in its includer's context)."""
        reached = {path: _reachable(path, workspace) for path in paths}
        return self._plan(paths, reached, frozenset(), workspace)

    def plan_undecided(self, paths: Sequence[tuple[str, bool]], workspace: Workspace) -> list[Unit]:
        """``plan`` for files whose kind is not yet decided: each path comes with whether it
        is NGINX for sure (its name says so). The content test (a parse) of the others is done
        here only where the answer changes the units: a file some sure file includes, and
        that includes nothing else, is never a unit of its own whatever it is; a file on its
        own (nothing includes it, it includes nothing) becomes a unit whose content is tested
        where it is checked (``Unit.unclaimed``, in a worker for large runs). So a run over
        a tree of configs parses nothing before its workers start."""
        order = [path for path, _ in paths]
        reached = {path: _reachable(path, workspace) for path in order}
        known = {path for path, sure in paths if sure}
        rejected: set[str] = set()
        while True:
            included: set[str] = set()
            reached_by_known: set[str] = set()
            for path in known:
                included |= reached[path] - {path}
                reached_by_known |= reached[path]
            covered: set[str] = set()
            for path in order:
                if path in known and path not in included:
                    covered |= reached[path] | {path}
            deferred: set[str] = set()
            doubtful: list[str] = []
            for path in order:
                if path in known or path in rejected:
                    continue
                own = reached[path] - {path}
                if path in included and own <= included and path in covered:
                    continue  # never a unit, and what it includes is included anyway
                if not own and path not in reached_by_known and not _through(path, workspace):
                    deferred.add(path)  # a unit of its own if it is NGINX
                    continue
                doubtful.append(path)
            if not doubtful:
                break
            for path in doubtful:
                (known if _sniff_file(path, workspace) else rejected).add(path)
        given = [path for path in order if path in known or path in deferred]
        return self._plan(given, reached, frozenset(deferred), workspace)

    def _plan(
        self,
        paths: Sequence[str],
        reached: dict[str, set[str]],
        unclaimed: frozenset[str],
        workspace: Workspace,
    ) -> list[Unit]:
        included = set()
        for path in paths:
            included |= {p for p in reached[path] if p != path}
        units = []
        covered: set[str] = set()
        for path in paths:
            if path not in included:
                units.append(Unit(self.name, path, unclaimed=path in unclaimed))
                covered |= reached[path] | {path}
        # Files that only include each other (a cycle): lint the first of each group.
        for path in paths:
            if path not in covered:
                units.append(Unit(self.name, path, unclaimed=path in unclaimed))
                covered |= reached[path] | {path}
        return _grouped(_through_includers(units, workspace, reached), workspace, reached)

    # -- reading --------------------------------------------------------------------------------

    def load(self, unit: Unit, workspace: Workspace, settings: Settings) -> NginxDocument:
        source = workspace.read_source(unit.path, bytes_as_text=True)
        document = load_document(source, workspace, settings, unit.context)
        if unit.report:
            document.report_paths = _reported(document, unit.report)
        return document

    def verify_fix(self, before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
        return verify_fix(before, after, edits)

    def audit(self, document: Document, settings: Settings) -> Iterable[AuditRow]:
        """Every streaming route with its effective read timeout, buffering, cache, gzip and
        keep-alive, where each comes from, and whether a rule reports it (see audit.py)."""
        from linter.nginx.audit import audit

        assert isinstance(document, NginxDocument)
        return list(audit(document, settings))

    def suppression_edits(
        self, document: Document, path: str, line: int, comment: str
    ) -> Sequence[Edit]:
        """Where an ignore comment for ``line`` may go (see PlacesSuppressions): the generic
        places (a trailing comment, else one on its own line above), but never inside a
        quoted string that runs over several lines, nor inside a Lua block, where a `#` is
        text, not a comment."""
        from linter.add_ignore import default_suppression_edits

        source = document.sources[path]
        tokens, _ = tokenize(source.text)

        def inside_token(offset: int) -> bool:
            for token in tokens:
                if token.kind is TokenKind.COMMENT:
                    continue
                # A Lua body starts right after its `{`: an insertion there is Lua.
                first = token.start if token.kind is TokenKind.RAW else token.start + 1
                if first <= offset < token.end:
                    return True
            return False

        start = source.offset(line, 1)
        end = start + len(source.line_text(line))
        edits = default_suppression_edits(
            source, line, comment, list(self.comments(document, path))
        )
        return [edit for edit in edits if not inside_token(end if edit.start >= end else start)]

    def comments(self, document: Document, path: str) -> Iterable[Comment]:
        source = document.sources[path]
        text = source.text
        parsed = (
            document.files.get(path)
            if isinstance(document, NginxDocument) and not document.is_dump
            else None
        )
        if parsed is not None and parsed.source.text == text:
            spans = [(c.start, c.end) for c in parsed.comments]  # the parse kept them
        else:
            tokens, _ = tokenize(text)
            spans = [(t.start, t.end) for t in tokens if t.kind is TokenKind.COMMENT]
        for start, end in spans:
            line_start = text.rfind("\n", 0, start) + 1
            own_line = not text[line_start:start].strip()
            yield Comment(path, start, text[start:end], own_line)


HANDLER = NginxHandler()


def sniff(
    data: bytes,
    relpath: str = "",
    path: str | None = None,
    trees: dict[tuple[str, str], object] | None = None,
    *,
    strict: bool = False,
) -> bool:
    """Is this content NGINX? Block structure of http/server/location/upstream with mostly
    NGINX directive names, or (in an NGINX-looking folder) a snippet of NGINX directives that
    parses cleanly. INI files, redis.conf, supervisord.conf and the like fail both.

    ``strict`` (for a name that says nothing) asks for the blocks and a clean parse.

    With the file's ``path`` and the run's ``trees``, the tree is kept for the load that
    follows (see includes.parsed_once), so a sniffed file is not parsed twice."""
    from linter.workspace import MAX_PARSE_BYTES

    if strict and not _BLOCK_SIGNAL.search(data[: 1 << 20]):
        return False
    if len(data) > MAX_PARSE_BYTES:
        # Too large to parse (loading it reports that): its first megabyte says what it is.
        data = data[: data.rfind(b"\n", 0, 1 << 20) + 1] or data[: 1 << 20]
        path = None  # nor is the tree of a part kept for the load
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if dump.is_dump(text):
        return True
    if path is not None and trees is not None:
        try:
            source = SourceText.from_bytes(path, data)
        except DecodeFailure:
            return False
        parsed = parse_source(source)
        trees[("nginx", path)] = parsed
    else:
        parsed = parse_source(SourceText.from_text(relpath or "<sniff>", text))
    statements = parsed.walk()
    if not statements or (strict and parsed.problems):
        return False
    known = sum(1 for d in statements if looks_like_nginx_name(d.name.value) or d.placeholder)
    share = known / len(statements)
    if _BLOCK_SIGNAL.search(data) and share >= 0.5:
        return True
    if parsed.problems or share < 1.0:
        return False
    distinct = sum(
        1 for d in statements if looks_like_nginx_name(d.name.value) and "_" in d.name.value
    )
    folders = relpath.lower().split("/")[:-1]
    in_nginx_folder = any(f in _NGINX_FOLDERS or "nginx" in f for f in folders)
    return distinct >= 1 if in_nginx_folder else distinct >= 2


def _reachable(path: str, workspace: Workspace) -> set[str]:
    """Files a file pulls in through includes, as a main file (for grouping only); computed
    once per run and file, from outlines (see outline.py), without expanding anything."""
    key = ("nginx", "reachable", path)
    cached = workspace.memo.get(key)
    if isinstance(cached, set):
        return cached
    found: set[str] = set()
    try:
        source = workspace.read_source(path, bytes_as_text=True)
    except Exception:
        source = None
    if source is not None and "include" in source.text and not dump.is_dump(source.text):
        settings = _settings_for(path, workspace)
        main = _outline(workspace, source)
        context = _context_of_comments(main.comments) or _context_of_names(
            main.top_names, os.path.relpath(source.path, workspace.root)
        )
        if context != "main" and settings.nginx_context:
            context = settings.nginx_context
        files = DiskFiles(workspace, source.path, settings.nginx_prefix, fragment=context != "main")
        found = reachable_files(
            files,
            source.path,
            main.includes,
            lambda key: (
                _outline(workspace, workspace.read_source(key, bytes_as_text=True)).includes
            ),
        )
    workspace.memo[key] = found
    return found


def _outline(workspace: Workspace, source: SourceText) -> Outline:
    """The file's outline: from its tree if it was parsed already, else from its tokens, else
    (a file the tokens alone cannot say) from a parse, kept for the load that follows."""
    key = ("nginx", "outline", source.path)
    cached = workspace.memo.get(key)
    if isinstance(cached, tuple) and cached[0] == source.text:
        return cached[1]
    parsed = workspace.trees.get(("nginx", source.path))
    if isinstance(parsed, ParsedFile) and parsed.source.text == source.text:
        outline = outline_of(parsed)
    else:
        outline = scan(source.text) or outline_of(parsed_once(workspace, source))
    workspace.memo[key] = (source.text, outline)
    return outline


def _sniff_file(path: str, workspace: Workspace) -> bool:
    """The content test of a file whose name leaves its kind open (as ``detect.claim``)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return False
    from linter.config import relative_posix

    relpath = relative_posix(path, workspace.root)
    return detect.claim_cached(relpath, data, Claim.MAYBE, path, workspace.trees)


def _through(path: str, workspace: Workspace) -> list[str]:
    """The files ``path``, as a unit, would be linted through (see ``_through_includers``)."""
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return []
    if not _fragment(data):
        return []
    from linter.nginx.includers import outermost_includers

    return outermost_includers(
        path,
        workspace,
        lambda p: _reachable(p, workspace),
        _settings_for(path, workspace).nginx_prefix,
    )


def _fragment(data: bytes) -> bool:
    """Content that may be a fragment (not a whole configuration, nor an `nginx -T` dump)."""
    return (
        bool(data)
        and _WHOLE_CONFIG.search(data) is None
        and not dump.is_dump(data.decode("utf-8", "replace"))
    )


def _grouped(units: list[Unit], workspace: Workspace, reached: dict[str, set[str]]) -> list[Unit]:
    """Units that share a file (a snippet included by two main files) form one group, so that
    worker processes never fix one file from two places; the others spread freely."""
    parent = list(range(len(units)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, unit in enumerate(units):
        files = reached.get(unit.path)
        if files is None:
            files = _reachable(unit.path, workspace)
        for path in files | {unit.path}:
            if path in owner:
                parent[find(index)] = find(owner[path])
            else:
                owner[path] = index
    return [replace(unit, group=f"nginx:{units[find(i)].path}") for i, unit in enumerate(units)]


def _through_includers(
    units: list[Unit], workspace: Workspace, reached: dict[str, set[str]]
) -> list[Unit]:
    """A fragment given alone (pre-commit passes only what changed) is linted through the
    files of the tree that include it, reporting only what lies in it; see includers.py."""
    kept: list[Unit] = []
    through: dict[str, list[str]] = {}
    for unit in units:
        roots = _through(unit.path, workspace)
        if not roots:
            kept.append(unit)
        for root in roots:
            through.setdefault(root, []).append(unit.path)
    for root, fragments in sorted(through.items()):
        # The fragments this root's unit covers, and any given file they include.
        report = set(fragments)
        for fragment in fragments:
            report |= reached.get(fragment, set())
        kept.append(Unit("nginx", root, report=tuple(sorted(report))))
    return kept


def _reported(document: NginxDocument, given: Sequence[str]) -> frozenset[str]:
    """The given files and every file they include (as this document resolved them)."""
    paths = set(given)
    changed = True
    while changed:
        changed = False
        for key, stmts in document.includers.items():
            if key in paths:
                continue
            if any(s.directive is not None and s.directive.path in paths for s in stmts):
                paths.add(key)
                changed = True
    return frozenset(paths)


def _settings_for(path: str, workspace: Workspace | None = None) -> Settings:
    """The settings of the file's folder, as config files say (one resolver per run: it reads
    each folder's config once)."""
    from linter.config import ConfigError, SettingsResolver, default_settings

    resolver = workspace.memo.get(("nginx", "resolver")) if workspace is not None else None
    if not isinstance(resolver, SettingsResolver):
        resolver = SettingsResolver()
        if workspace is not None:
            workspace.memo[("nginx", "resolver")] = resolver
    try:
        return resolver.for_path(path)
    except ConfigError:
        return default_settings()


def detect_context(parsed: ParsedFile, relpath: str) -> str:
    """The block a file is written for, from its top-level statements and its folder."""
    return _context_of_names(
        {d.name.value for d in parsed.directives if not d.placeholder}, relpath
    )


def _context_of_names(names: AbstractSet[str], relpath: str) -> str:
    if names & _MAIN_NAMES:
        return "main"
    if names & _HTTP_NAMES:
        return "http"
    if names & _SERVER_NAMES:
        return "server"
    folders = relpath.replace(os.sep, "/").split("/")[:-1]
    if any(folder in _FRAGMENT_FOLDERS for folder in folders) and not names:
        return "http"
    return "location"


def _context_comment(parsed: ParsedFile) -> str | None:
    return _context_of_comments(comment.text for comment in parsed.comments)


def _context_of_comments(comments: Iterable[str]) -> str | None:
    for text in comments:
        match = _CONTEXT_COMMENT.search(text)
        if match and match.group(1) in CONTEXTS:
            return match.group(1)
    return None


def load_document(
    source: SourceText, workspace: Workspace, settings: Settings, context: str | None
) -> NginxDocument:
    text = source.text
    is_dump = dump.is_dump(text)
    files: DiskFiles | DumpFiles
    if is_dump:
        sections = dump.split_dump(text)
        files = DumpFiles(source, sections)
        main = files.main() or parse_source(source)
        main_key = files.key(sections[0].path) if sections else source.path
    else:
        main = parsed_once(workspace, source)
        main_key = source.path
    detected = detect_context(main, os.path.relpath(source.path, workspace.root))
    chosen = _context_comment(main) or context
    if chosen is None and settings.nginx_context and detected != "main":
        chosen = settings.nginx_context
    chosen = chosen or detected
    if not is_dump:
        files = DiskFiles(workspace, source.path, settings.nginx_prefix, fragment=chosen != "main")
    root = Stmt(None, None, children=[], context=chosen)
    expander = Expander(files, root)
    root.children = expander.expand_file(main_key, main, root, None, ())
    result = expander.result
    sources = dict(result.sources)
    sources[source.path] = source
    document = NginxDocument(
        kind="nginx",
        source=source,
        sources=sources,
        problems=list(result.problems),
        context=chosen,
        root=root,
        files=result.files,
        includers=result.includers,
        workspace_root=workspace.root,
        nginx_version=settings.nginx_version,
        litellm_configs=tuple(workspace.discovered.get("litellm", ())),
        is_dump=is_dump,
    )
    if workspace.discovered.get("server"):
        # The app servers this repository launches: NGX007 compares with their keep-alive.
        from linter.server.front import keepalives_by_address

        try:
            document.server_keepalives = dict(keepalives_by_address(workspace, source.path))
        except Exception:  # evidence only: the uvicorn default then applies as before
            document.server_keepalives = {}
    return document


# -- checking a fix -------------------------------------------------------------------------------


Header = tuple[int, int, tuple[str, ...], tuple[str, ...]]


def _headers(parsed: ParsedFile) -> list[Header]:
    """(start, end of the arguments, enclosing block path, name and arguments) of every
    statement of a file."""
    found: list[Header] = []

    def visit(directives: list[Directive], outer: tuple[str, ...]) -> None:
        for directive in directives:
            words = (directive.name.raw, *(arg.raw for arg in directive.args))
            found.append((directive.start, directive.header_end, outer, words))
            if directive.block is not None:
                visit(directive.block, (*outer, " ".join(words)))

    visit(parsed.directives, ())
    return found


def verify_fix(before: Document, after: Document, edits: Sequence[Edit]) -> str | None:
    """None when every statement the edits did not touch is still there, unchanged and in the
    same block, and every new statement lies inside an edit; else why the fix is refused."""
    assert isinstance(before, NginxDocument) and isinstance(after, NginxDocument)
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    for path, path_edits in by_path.items():
        old = _file_of(before, path)
        new = _file_of(after, path)
        if old is None or new is None:
            return f"{path} is not part of the configuration after the fix"
        ordered = sorted(path_edits, key=lambda e: (e.start, e.end))
        new_headers = {offset: (outer, words) for offset, _end, outer, words in _headers(new)}
        matched: set[int] = set()
        for offset, end, outer, words in _headers(old):
            if any(_touches(edit, offset, end) for edit in ordered):
                continue  # a statement the fix rewrites
            shifted = offset + sum(
                len(e.content) - (e.end - e.start) for e in ordered if e.end <= offset
            )
            if new_headers.get(shifted) != (outer, words):
                return f"the fix would change `{' '.join(words)}` (or the block it is in)"
            matched.add(shifted)
        inserted = []
        position = 0
        for edit in ordered:
            start = edit.start + position
            inserted.append((start, start + len(edit.content)))
            position += len(edit.content) - (edit.end - edit.start)
        for offset, end, _outer, words in _headers(new):
            if offset in matched:
                continue
            if not any(start <= end and offset < stop for start, stop in inserted):
                return f"the fix would add `{' '.join(words)}` outside the edited text"
    return None


def _touches(edit: Edit, start: int, end: int) -> bool:
    """The edit changes text of the statement's name or arguments."""
    if edit.start == edit.end:
        return start < edit.start <= end
    return edit.start < end and start < edit.end


def _file_of(document: NginxDocument, path: str) -> ParsedFile | None:
    if document.is_dump:
        source = document.sources.get(path)
        return parse_source(source) if source is not None else None
    return document.files.get(path)
