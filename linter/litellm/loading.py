"""Reading a LiteLLM config unit: the main file, the files it includes, merged as LiteLLM does.

``include:`` (litellm/proxy/common_utils/config_includes.py in 1.106): a list of paths, each
relative to the file that declares it (a path found only next to the main file is still read),
each file read once; a list section of an included file is appended to the one already there,
any other section replaces it. A scalar ``include`` or a missing file stops the proxy.
"""

from __future__ import annotations

import gc
import os
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Problem, Unit
from linter.litellm.model import (
    Deployment,
    Entry,
    IncludeIssue,
    LiteLLMDocument,
    YamlFile,
    judge_mode,
)
from linter.litellm.yamltree import compose, is_null
from linter.model import Severity
from linter.source import DecodeFailure, SourceText
from linter.workspace import ReadFailure, Workspace


def read_yaml(source: SourceText) -> YamlFile:
    composed = compose(source.text)
    yaml_file = YamlFile(source=source, composed=composed)
    if composed.documents and isinstance(composed.documents[0], MappingNode):
        yaml_file.root = composed.documents[0]
    return yaml_file


def _planned_key(path: str) -> tuple[str, str, str]:
    return ("litellm", "planned", path)


def _read_yaml_once(workspace: Workspace, source: SourceText) -> YamlFile:
    """The file as planning composed it (configs with `include:` and what they include are
    composed to plan the units), else composed now: each file is parsed once per run. Only
    planning stores trees, so a run keeps no more of them than its includes need."""
    planned = workspace.memo.get(_planned_key(source.path))
    if isinstance(planned, YamlFile) and planned.source.text == source.text:
        return planned
    return read_yaml(source)


def yaml_problems(yaml_file: YamlFile) -> list[Problem]:
    """What stops ``yaml.safe_load`` (LiteLLM's loader) from reading the file."""
    composed = yaml_file.composed
    path = yaml_file.path
    text = yaml_file.text
    encoding = yaml_file.source.encoding
    wide = []
    if encoding.startswith(("utf-16", "utf-32")):
        wide.append(
            Problem(
                path,
                0,
                0,
                f"the file is {encoding[:6].upper()}: LiteLLM opens its config as text in the "
                "locale's encoding (UTF-8 as a rule), so the proxy stops at start with a "
                "UnicodeDecodeError; save it as UTF-8",
                fatal=False,
            )
        )
    if composed.error is not None:
        error = composed.error
        end = error.end if error.end > error.offset else _token_end(text, error.offset)
        return [*wide, Problem(path, error.offset, end, error.message)]
    problems = wide
    for node in composed.odd_tags:
        start = node.start_mark.index
        bang = text.find("!", start, max(start + 1, node.end_mark.index))
        start = bang if bang >= 0 else start
        problems.append(
            Problem(
                path,
                start,
                _token_end(text, start),
                f"tag `{node.tag}` cannot be loaded by yaml.safe_load, which LiteLLM uses: the "
                "proxy will not start (nothing was constructed from it here)",
                fatal=False,
            )
        )
    for key in composed.bad_merges:
        problems.append(
            Problem(
                path,
                key.start_mark.index,
                key.end_mark.index,
                "a `<<` merge needs a mapping or a list of mappings: yaml.safe_load refuses this "
                "file",
                fatal=False,
            )
        )
    documents = composed.documents
    if len(documents) > 1:
        start = documents[1].start_mark.index
        marker = text.rfind("---", 0, start + 1)
        start = marker if marker >= 0 else start
        problems.append(
            Problem(
                path,
                start,
                start + 3,
                f"this file holds {len(documents)} YAML documents; LiteLLM reads its config with "
                "yaml.safe_load, which accepts exactly one (only the first is checked here)",
                fatal=False,
            )
        )
    return problems


def _token_end(text: str, offset: int) -> int:
    end = offset
    while end < len(text) and not text[end].isspace():
        end += 1
    return max(end, min(offset + 1, len(text)))


def include_entries(yaml_file: YamlFile) -> tuple[Entry | None, list[tuple[str, Node]], str]:
    """The ``include`` entry of a file, its string items, and what is wrong with it ("" if
    nothing)."""
    entry = yaml_file.items(yaml_file.root).get("include")
    if entry is None:
        return None, [], ""
    value = entry.value
    if is_null(value):
        # `include:` with nothing after it is None, not an empty list: LiteLLM's
        # isinstance(..., list) check refuses it as it refuses a scalar.
        return (
            entry,
            [],
            (
                "`include` is empty (null), not a list: LiteLLM refuses to start; write "
                "`include: []` or remove the key"
            ),
        )
    if not isinstance(value, SequenceNode):
        return (
            entry,
            [],
            (
                "`include` must be a list of file paths (`include: [models.yaml]`); LiteLLM "
                "refuses to start with anything else"
            ),
        )
    items: list[tuple[str, Node]] = []
    problem = ""
    for item in value.value:
        if isinstance(item, ScalarNode) and item.tag.endswith(":str") and item.value:
            items.append((str(item.value), item))
        else:
            problem = (
                "every `include` entry must be a file path; LiteLLM refuses to start otherwise"
            )
    return entry, items, problem


def resolve_include(entry: str, declared_in: str, main: str) -> str:
    """The file an include entry names: next to the file declaring it, else (an older layout
    LiteLLM still accepts) next to the main file."""
    declared = os.path.normpath(os.path.join(os.path.dirname(declared_in), entry))
    beside_main = os.path.normpath(os.path.join(os.path.dirname(main), entry))
    if declared == beside_main or os.path.exists(declared) or not os.path.exists(beside_main):
        return declared
    return beside_main


def include_targets(path: str, workspace: Workspace) -> list[str]:
    """Files a config includes, directly or through included files (for planning units)."""
    found: list[str] = []
    pending = [path]
    seen = {path}
    while pending:
        current = pending.pop(0)
        try:
            yaml_file = _read_yaml_once(workspace, workspace.read_source(current))
        except (ReadFailure, DecodeFailure):
            continue
        workspace.memo[_planned_key(current)] = yaml_file
        _, items, _ = include_entries(yaml_file)
        for entry, _node in items:
            target = resolve_include(entry, current, path)
            if target not in seen:
                seen.add(target)
                found.append(target)
                if workspace.inside(target) and os.path.isfile(target):
                    pending.append(target)
    return found


def load_unit(unit: Unit, workspace: Workspace) -> LiteLLMDocument:
    # Reading a large config builds a million objects that all live as long as the document:
    # the cyclic collector would walk them again and again for nothing (see yamltree.compose).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_unit(unit, workspace)
    finally:
        gc.freeze()  # what was built goes to the oldest generation in one step
        gc.unfreeze()
        if enabled:
            gc.enable()


# A LiteLLM config held in a Kubernetes ConfigMap: a literal block whose top level has the
# config's sections (read through linter.configmap, at the YAML file's own offsets).
_EMBEDDED_SECTIONS = re.compile(
    r"(?m)^[ \t]*(?:model_list|litellm_settings|router_settings|general_settings)[ \t]*:"
)


def embedded_source(source: SourceText) -> SourceText:
    """A ConfigMap manifest's LiteLLM config, masked (linter.configmap); else ``source``."""
    if not source.path.lower().endswith((".yaml", ".yml")) or "ConfigMap" not in source.text:
        return source
    from linter import configmap

    masked = configmap.mask(
        source.text, r"[\w.-]+\.ya?ml", lambda block: _EMBEDDED_SECTIONS.search(block) is not None
    )
    return source.with_text(masked) if masked is not None else source


def _load_unit(unit: Unit, workspace: Workspace) -> LiteLLMDocument:
    source = embedded_source(workspace.read_source(unit.path))
    main = _read_yaml_once(workspace, source)
    document = LiteLLMDocument(kind="litellm", source=source)
    document.files[main.path] = main
    document.problems.extend(yaml_problems(main))
    composed = main.composed
    if composed.error is not None:
        return document
    if not composed.documents:
        document.problems.append(
            Problem(
                main.path,
                0,
                0,
                "the config is empty; LiteLLM refuses to start with an empty config",
                fatal=False,
            )
        )
        return document
    if main.root is None:
        first = composed.documents[0]
        document.problems.append(
            Problem(
                main.path,
                first.start_mark.index,
                _token_end(source.text, first.start_mark.index),
                "the top level of a LiteLLM config must be a mapping of sections "
                "(`model_list:`, `litellm_settings:`, ...), not a "
                + ("list" if isinstance(first, SequenceNode) else "single value"),
                fatal=False,
            )
        )
        return document
    _assemble(document, main, workspace)
    _find_deployments(document)
    return document


def _assemble(document: LiteLLMDocument, main: YamlFile, workspace: Workspace) -> None:
    config: dict[str, list[Entry]] = {}
    for name, entry in main.items(main.root).items():
        if name != "include":
            config[name] = [entry]
    pending: list[tuple[str, Node, YamlFile]] = []
    _queue_includes(document, main, pending)
    loaded = {main.path}
    while pending:
        written, node, declared_in = pending.pop(0)
        target = resolve_include(written, declared_in.path, main.path)
        start, end = declared_in.span(node)
        if target in loaded:
            continue  # LiteLLM reads a file once, however often it is included
        if "\x00" in written:  # `"a\0b.yaml"`: open() raises ValueError in LiteLLM too
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path,
                    start,
                    end,
                    "the included file name holds a NUL character: LiteLLM cannot open it and "
                    "refuses to start",
                )
            )
            continue
        if not workspace.inside(target):
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path,
                    start,
                    end,
                    f"included file `{written}` is outside the checked tree; not followed, so "
                    "what it sets is unknown here",
                    "info",
                )
            )
            continue
        if not os.path.lexists(target):  # a symlink loop exists: reading it says so
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path,
                    start,
                    end,
                    f"included file `{written}` does not exist (looked for "
                    f"{_shown(target, main.path)}); LiteLLM refuses to start",
                )
            )
            continue
        loaded.add(target)
        try:
            source = workspace.read_source(target)
        except ReadFailure as exc:
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path, start, end, f"included file `{written}`: {exc.message}"
                )
            )
            continue
        except DecodeFailure as exc:
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path, start, end, f"included file `{written}`: {exc.message}"
                )
            )
            continue
        included = _read_yaml_once(workspace, source)
        document.files[included.path] = included
        document.sources[included.path] = source
        document.problems.extend(yaml_problems(included))
        if included.composed.error is not None:
            document.complete = False
            continue
        if not included.composed.documents:
            continue  # LiteLLM reads an empty included file as {}
        if included.root is None:
            document.complete = False
            document.include_issues.append(
                IncludeIssue(
                    declared_in.path,
                    start,
                    end,
                    f"included file `{written}` is not a mapping of sections; LiteLLM refuses to "
                    "start",
                )
            )
            continue
        for name, entry in included.items(included.root).items():
            if name == "include":
                continue
            previous = config.get(name)
            if previous is None:
                config[name] = [entry]
                continue
            last = previous[-1]
            if isinstance(last.value, SequenceNode) and isinstance(entry.value, SequenceNode):
                previous.append(entry)
                continue
            _report_replaced(document, previous, entry, written)
            config[name] = [entry]
        _queue_includes(document, included, pending)
    document.config = config


def _queue_includes(
    document: LiteLLMDocument, yaml_file: YamlFile, pending: list[tuple[str, Node, YamlFile]]
) -> None:
    entry, items, problem = include_entries(yaml_file)
    if entry is not None and problem:
        document.complete = False
        start, end = yaml_file.span(entry.key)
        document.include_issues.append(IncludeIssue(yaml_file.path, start, end, problem))
    for written, node in items:
        pending.append((written, node, yaml_file))


def _report_replaced(
    document: LiteLLMDocument, previous: list[Entry], entry: Entry, written: str
) -> None:
    """A non-list section defined twice: the included one replaces, never merges."""
    included = document.files[entry.path]
    line = included.line(entry.key)
    for old in previous:
        if is_null(old.value) or (
            isinstance(old.value, (MappingNode, SequenceNode)) and not old.value.value
        ):
            continue  # nothing is lost
        holder = document.files[old.path]
        start, end = holder.span(old.key)
        what = "list" if isinstance(old.value, SequenceNode) else "section"
        document.include_issues.append(
            IncludeIssue(
                old.path,
                start,
                end,
                f"`{old.name}` here is replaced, not merged, by the one in `{written}` (line "
                f"{line}): LiteLLM only appends lists from included files, so this whole {what} "
                "is dropped",
                "warning",
            )
        )


def _shown(path: str, main: str) -> str:
    return os.path.relpath(path, os.path.dirname(main))


def _find_deployments(document: LiteLLMDocument) -> None:
    for entry in document.config.get("model_list", []):
        yaml_file = document.files[entry.path]
        if not isinstance(entry.value, SequenceNode):
            continue
        for index, node in enumerate(entry.value.value):
            if not isinstance(node, MappingNode):
                continue
            fields = yaml_file.items(node)
            params_entry = fields.get("litellm_params")
            params = yaml_file.items(params_entry.value) if params_entry is not None else {}
            info_entry = fields.get("model_info")
            info = yaml_file.items(info_entry.value) if info_entry is not None else {}
            mode, judged_by = judge_mode(params, info, fields)
            document.deployments.append(
                Deployment(
                    file=yaml_file,
                    node=node,
                    index=index,
                    fields=fields,
                    params_entry=params_entry,
                    params=params,
                    info=info,
                    mode=mode,
                    judged_by=judged_by,
                )
            )


def severity_of(issue: IncludeIssue) -> Severity:
    return {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}[
        issue.severity
    ]
