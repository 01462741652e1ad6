"""Kubernetes workloads read as launch lines: each container of a Deployment, StatefulSet,
DaemonSet, ReplicaSet, Pod, Job or CronJob, in a plain manifest or a Helm template.

A container's ``command`` replaces the image's ENTRYPOINT and ``args`` its CMD (compose's
``entrypoint`` and ``command``); its ``env`` is the server's environment (``GUNICORN_CMD_ARGS``,
``UVICORN_*``). In a chart, a value written as ``{{ .Values.x.y }}`` is read from
``values.yaml`` (or from the ``values-*.yaml`` files where they all agree), and a setting it
gives points there, with the chain from the template line to the values key. A value that
cannot be resolved (``valueFrom``, ``envFrom``, an expression) is unknown, never the default.
The image is built elsewhere: what it may set itself (its own command line, a
``gunicorn.conf.py`` in its working folder) is unknown too. An image that is an LLM server
(LiteLLM, vLLM), or one named for an LLM server or gateway, says that the server streams.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linter.document import Problem
from linter.model import Severity
from linter.server.commands import LaunchContext, launch_from_words
from linter.server.model import Launch, Place, Setting
from linter.server.shell import Word

if TYPE_CHECKING:
    from linter.k8s.helm import Action, Rendered
    from linter.k8s.model import Value
    from linter.litellm.model import YamlFile
    from linter.server.images import Env
    from linter.server.launches import Reader

WORKLOADS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob"}
)
# A template that names a server or a variable only servers read (the byte claim also takes
# any template, whose values may name one).
_SERVER_WORDS = re.compile(r"gunicorn|uvicorn|hypercorn|granian|GUNICORN_CMD_ARGS|UVICORN_")
# `$(VAR)` (and the `$$(VAR)` escape) in a container's command and args.
_DEPENDENT = re.compile(r"\$?\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_ALL = ("worker_class", "threads", "workers", "timeout", "graceful_timeout", "keepalive", "port")
# Variables the launch readers take settings from, and which: one whose value is not known
# here makes those settings unknown (unless the command line writes them).
_SERVER_ENV: dict[str, tuple[str, ...]] = {
    "GUNICORN_CMD_ARGS": _ALL,
    "UVICORN_TIMEOUT_KEEP_ALIVE": ("keepalive",),
    "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN": ("graceful_timeout",),
    "UVICORN_PORT": ("port",),
    "UVICORN_WORKERS": ("workers",),
    "VLLM_HTTP_TIMEOUT_KEEP_ALIVE": ("keepalive",),
    "KEEPALIVE_TIMEOUT": ("keepalive",),
    "WEB_CONCURRENCY": ("workers",),
    "NUM_WORKERS": ("workers",),
    "PORT": ("port",),
}


def _env_sets(variable: str) -> tuple[str, ...]:
    if variable.startswith(("HYPERCORN_", "GRANIAN_")):
        return _ALL
    return _SERVER_ENV.get(variable, ())


@dataclass
class _Container:
    """One container as the launch readers need it."""

    label: str  # "Deployment `api`, container `web` (deploy.yaml:12)"
    anchor: Place  # the container's name: where a launch with no command word is placed
    image: str | None
    image_said: str  # where the image is written, for the evidence
    image_line: tuple[str, int]
    env: Env = field(default_factory=dict)
    # Variables a server reads whose value is not known here (name -> why)
    unknown_env: dict[str, str] = field(default_factory=dict)
    env_from: str | None = None  # an active `envFrom:` (where), which may set any variable
    command: list[Word] | None = None
    args: list[Word] | None = None
    # Words whose value comes from values.yaml: (start, end) in the manifest -> the value
    remap: dict[tuple[int, int], Value] = field(default_factory=dict)
    # `command`/`args` written whole from a values.yaml list: key -> that values file
    from_values: dict[str, str] = field(default_factory=dict)
    key_places: dict[str, Place] = field(default_factory=dict)


class WorkloadReader:
    """The containers of one manifest or Helm template, read into launches."""

    def __init__(self, reader: Reader, path: str) -> None:
        self.reader = reader
        self.path = path
        self.shown = reader.display(path)

    def read(self) -> list[Launch]:
        from linter.k8s.charts import chart_defines, chart_root
        from linter.k8s.helm import is_template, render
        from linter.k8s.values import Reader as ValueReader
        from linter.k8s.values import Values
        from linter.litellm.model import YamlFile
        from linter.litellm.yamltree import compose
        from linter.server.kubechart import Template, chart_values

        source = self.reader.document.sources[self.path]
        root = chart_root(self.path) if is_template(source.text) else None
        values = Values(None)
        rendered: Rendered | None = None
        if root is not None:
            values = chart_values(root, self.reader.source)

            def text_of(path: str) -> str:
                found = self.reader.source(path)
                if found is None:
                    raise OSError(path)
                return found.text

            rendered = render(source.text, chart_defines(root, text_of))
        composed = compose(rendered.text if rendered is not None else source.text)
        if composed.error is not None:
            if rendered is not None and not _SERVER_WORDS.search(source.text):
                return []  # a chart's template that names no server: nothing to say about it
            error = composed.error
            end = error.end if error.end >= 0 else error.offset
            what = "Helm template" if rendered is not None else "Kubernetes manifest"
            self.reader.document.problems.append(
                Problem(
                    self.path,
                    error.offset,
                    end,
                    f"this {what} could not be read ({error.message}); its containers' "
                    "launches are not checked",
                    severity=Severity.INFO,
                    fatal=False,
                )
            )
            return []
        yaml_file = YamlFile(source, composed)
        self.values = values
        self.template = Template(yaml_file.text, rendered, values)
        self.file = yaml_file
        self.value_reader = ValueReader(yaml_file, rendered, values, os.path.basename(self.path))
        launches: list[Launch] = []
        for document in composed.documents:
            kind = self._text(yaml_file.get(document, "kind"))
            if kind not in WORKLOADS or self.template.inactive(document):
                continue
            name_node = yaml_file.get(document, "metadata", "name")
            name = self.value_reader.text_for_evidence(name_node) or _raw(yaml_file, name_node)
            pod = _pod(yaml_file, document, kind)
            for container in _seq(yaml_file.get(pod, "containers")):
                if not isinstance(container, MappingNode) or self.template.inactive(container):
                    continue
                found = self._container(kind, name or "(unnamed)", container)
                launches.extend(self._launches(found))
        return launches

    # -- values -------------------------------------------------------------------------
    def _text(self, node: Node | None) -> str | None:
        value = self.value_reader.value(node)
        return value.text if value is not None else None

    def _line(self, node: Node) -> int:
        return node.start_mark.line + 1

    def _chain(self, value: Value, manifest_line: int, what: str) -> str:
        """How a value reached the manifest: "`.Values.x` (values.yaml:19), written into
        WHAT at templates/deploy.yaml:76"."""
        return f"{value.origin}, written into {what} at {self.shown}:{manifest_line}"

    # -- a container ---------------------------------------------------------------------
    def _container(self, kind: str, workload: str, container: MappingNode) -> _Container:
        yaml_file = self.file
        name_node = yaml_file.get(container, "name")
        name = self.value_reader.text_for_evidence(name_node) or _raw(yaml_file, name_node)
        anchor_node = name_node if name_node is not None else container
        start, end = _span(yaml_file.text, anchor_node)
        label = f"{kind} `{workload}`, container `{name}` ({self.shown}:{self._line(anchor_node)})"
        image_node = yaml_file.get(container, "image")
        image = self.value_reader.text_for_evidence(image_node) or None
        image_said, image_line = self._image_place(image_node)
        found = _Container(label, Place(self.path, start, end), image, image_said, image_line)
        self._env(container, found)
        found.command = self._words(container, "command", found)
        found.args = self._words(container, "args", found)
        return found

    def _image_place(self, node: Node | None) -> tuple[str, tuple[str, int]]:
        """Where the image's name is written: the values key its repository comes from, or
        the manifest line."""
        if node is None:
            return "", (self.shown, 0)
        for action in self.value_reader.actions(node):
            value = self.value_reader.resolved(action.resolved, action.start, action.end)
            if value.known and value.path != self.path:
                key = value.origin.split(", set at", 1)[0]
                return f" ({key})", (self.reader.display(value.path), value.line)
        return "", (self.shown, self._line(node))

    def _env(self, container: MappingNode, found: _Container) -> None:
        yaml_file = self.file
        for item in _seq(yaml_file.get(container, "env")):
            if not isinstance(item, MappingNode) or self.template.inactive(item):
                continue
            name = self._text(yaml_file.get(item, "name"))
            if not name:
                continue
            value_node = yaml_file.get(item, "value")
            line = self._line(item)
            condition = self.template.undecided(item, container)
            if condition:
                found.unknown_env[name] = (
                    f"`{name}` at {self.shown}:{line} is set only under the template condition "
                    f"at {self.shown}:{condition}, which values.yaml does not decide"
                )
                found.env.pop(name, None)
                continue
            if value_node is None:
                if yaml_file.get(item, "valueFrom") is not None:
                    found.unknown_env[name] = (
                        f"`{name}` comes from `valueFrom` ({self.shown}:{line}), whose value "
                        "is not in the repository"
                    )
                continue
            value = self.value_reader.value(value_node)
            if value is None or value.text is None:
                why = value.origin if value is not None else "not a plain value"
                found.unknown_env[name] = (
                    f"`{name}` at {self.shown}:{line} is {why}, not resolved here"
                )
                found.env.pop(name, None)
                continue
            found.unknown_env.pop(name, None)
            what = f"the container's env `{name}`"
            if value.path != self.path:
                origin = self._chain(value, self._line(value_node), what)
            else:
                origin = f"env `{name}` of the container at {self.shown}:{line}"
            start, end = (
                _span("", value.node) if value.node is not None else (value.start, value.end)
            )
            found.env[name] = (value.text, Place(value.path, start, end), origin)
        env_from = [
            entry
            for entry in _seq(yaml_file.get(container, "envFrom"))
            if not self.template.inactive(entry)
        ]
        if env_from:
            found.env_from = f"`envFrom` at {self.shown}:{self._line(env_from[0])}"

    def _words(self, container: MappingNode, key: str, found: _Container) -> list[Word] | None:
        """A container's ``command`` or ``args`` as words in the manifest's text (None: not
        set). An item from values.yaml keeps its manifest span, mapped to the values place;
        a whole list from values.yaml (``toYaml``) gives words of the values file (said in
        ``found.from_values``); anything not resolved is an unknown word."""
        yaml_file = self.file
        entry = yaml_file.items(container).get(key)
        if entry is None or self.template.inactive(entry.key):
            return None
        node = entry.value
        if isinstance(node, SequenceNode):
            words = []
            for item in node.value:
                if self.template.inactive(item):
                    continue
                start, end = _span(yaml_file.text, item)
                value = self.value_reader.value(item)
                if value is None or value.text is None or self.template.undecided(item, container):
                    words.append(Word("", start, end, False))
                    continue
                words.append(self._expanded(Word(value.text, start, end), found))
                if value.path != self.path:
                    found.remap[(start, end)] = value
            return words
        start, end = _span(yaml_file.text, entry.key)
        if isinstance(node, ScalarNode) and not self.value_reader.actions(node):
            from linter.litellm.yamltree import is_null

            if is_null(node):
                block = self.template.block_action(entry.key)
                if block is None:
                    return None
                listed = self._values_list(block)
                if listed is not None:
                    found.from_values[key] = listed[0]
                    found.key_places[key] = Place(self.path, start, end)
                    return [self._expanded(word, found) for word in listed[1]]
        # A scalar, or a block we cannot read: its words are unknown (never read as absent).
        return [Word("", start, end, False)]

    def _values_list(self, action: Action) -> tuple[str, list[Word]] | None:
        """The words of a values.yaml list a ``toYaml .Values.x`` action writes: (the values
        file, its words at their places there); None when it is not such a list."""
        resolved = action.resolved
        values_file = self.values.file
        if not resolved.to_yaml or resolved.values is None or values_file is None:
            return None
        node = self.values.lookup(resolved.values)
        if not isinstance(node, SequenceNode) or self.values.others:
            return None
        words = []
        for item in node.value:
            if not isinstance(item, ScalarNode):
                return None
            start, end = _span(values_file.text, item)
            words.append(Word(str(item.value), start, end))
        return values_file.path, words

    def _expanded(self, word: Word, found: _Container) -> Word:
        """Kubernetes expands ``$(VAR)`` in command and args from the container's env (a
        variable it does not define stays as written; ``$$`` escapes)."""
        if "$(" not in word.text:
            return word
        known = True

        def value(match: re.Match[str]) -> str:
            nonlocal known
            name = match.group(1)
            if match.group(0).startswith("$$"):
                return match.group(0)[1:]
            if name in found.unknown_env:
                known = False
                return ""
            if name in found.env:
                return found.env[name][0]
            return match.group(0)

        text = _DEPENDENT.sub(value, word.text)
        return Word(text if known else "", word.start, word.end, known)

    # -- launches ------------------------------------------------------------------------
    def _context(self, found: _Container, launcher: str, path: str | None = None) -> LaunchContext:
        """How a launch of the container is read: its words are in the manifest, or in the
        values file ``path`` that writes them whole."""
        where = path or self.path
        source = self.reader.document.sources[where]
        return LaunchContext(
            path=where,
            text=source.text,
            launcher=launcher,
            env=found.env,
            resolve=lambda path: None,  # the image's files are not in the repository
            search_dirs=(),
            read_source=self.reader.source,
            display=self.reader.display,
        )

    def _launches(self, found: _Container) -> list[Launch]:
        from linter.server.composefile import llm_image

        files = set(found.from_values.values())
        present = [k for k in ("command", "args") if getattr(found, k) is not None]
        words_file: str | None = None
        if files:
            if len(files) == 1 and set(found.from_values) == set(present):
                words_file = next(iter(files))
                shown = self.reader.display(words_file)
                keys = " and ".join(f"`{k}`" for k in present)
                found.label += f", {keys} from {shown}"
            else:  # words of two files in one command line: not read
                for key in found.from_values:
                    place = found.key_places[key]
                    setattr(found, key, [Word("", place.start, place.end, False)])
        argv_words: list[Word] = []
        runs = llm_image(found.image) if found.command is None else None
        launches: list[Launch] = []
        if runs is not None and found.image is not None:
            program, defaults = runs
            arguments = found.args if found.args is not None else None
            place = found.anchor
            launcher = f"{found.label}, image {found.image}"
            if arguments is None:
                arguments = [Word(word, place.start, place.end) for word in defaults]
                words_file = None
            first = arguments[0] if arguments else None
            if first is None or (first.known and first.text.startswith("-")):
                at = arguments[0] if words_file is not None and arguments else None
                span = (at.start, at.end) if at is not None else (place.start, place.end)
                command = [Word(part, *span) for part in program.split()]
                launches = launch_from_words(
                    command + arguments, self._context(found, launcher, words_file)
                )
                argv_words = list(arguments)
        if not launches:
            argv_words = (found.command or []) + (found.args or [])
            if argv_words:
                what = "command" if found.command is not None else "args"
                launches = launch_from_words(
                    argv_words, self._context(found, f"{found.label} {what}", words_file)
                )
        if not launches and not any(w.known and not w.text.startswith("-") for w in argv_words[:1]):
            launches = self._env_launch(found)
            words_file = None
        for launch in launches:
            self._finish(launch, found, argv_words, words_file)
        return launches

    def _env_launch(self, found: _Container) -> list[Launch]:
        """No command of its own: the image's command runs the server, when a variable only
        one server reads says which (linter/server/imagecmd.py)."""
        from linter.server.imagecmd import image_command_launches

        context = self._context(found, found.label)
        return image_command_launches(found.env, found.unknown_env, context, found.anchor)

    def _finish(
        self,
        launch: Launch,
        found: _Container,
        argv: list[Word],
        words_file: str | None = None,
    ) -> None:
        launch.search_dirs, built = self._image_dirs(found.image)
        if built:  # the app is read from the image's files: say how they are known
            launch.launcher += f", image {found.image} ({built})"
        elif found.image:
            launch.foreign_image = found.image
        launch.loopback = False
        if words_file is not None:  # say where the words are: the key, in the manifest
            launch.command = found.key_places.get("command") or found.key_places.get(
                "args", launch.command
            )
        # Settings from values.yaml point there, with the chain from the template line.
        for name, setting in list(launch.settings.items()):
            place = setting.place
            if place is None or place.path != self.path:
                continue
            value = found.remap.get((place.start, place.end))
            if value is None:
                continue
            line = self.file.text.count("\n", 0, place.start) + 1
            start, end = (
                _span("", value.node) if value.node is not None else (value.start, value.end)
            )
            launch.settings[name] = Setting(
                setting.value,
                Place(value.path, start, end),
                f"{setting.origin}; {self._chain(value, line, 'the container command')}",
            )
        words_path = words_file or self.path
        on_command_line = {(words_path, w.start, w.end) for w in argv}
        in_env = {
            (place.path, place.start, place.end)
            for _, place, _ in found.env.values()
            if place is not None
        }

        def written(setting: Setting) -> bool:
            place = setting.place
            return place is not None and (
                place.path != self.path
                or (place.path, place.start, place.end) in on_command_line
                or (place.path, place.start, place.end) in in_env
            )

        unknown_words = [w for w in argv if not w.known]
        said: list[str] = []
        if unknown_words:
            line = self.file.text.count("\n", 0, unknown_words[0].start) + 1
            said.append(f"may be set by a command word not known here ({self.shown}:{line})")
        if found.env_from:
            said.append(f"may be set by {found.env_from}, whose variables are not read")
        for name in _ALL:
            setting = launch.setting(name)
            if said and not written(setting):
                launch.settings[name] = Setting(
                    None, None, said[0] if len(said) == 1 else "; ".join(said)
                )
        for variable, why in found.unknown_env.items():
            for name in _env_sets(variable):
                place = launch.setting(name).place
                if place is None or (place.path, place.start, place.end) not in on_command_line:
                    launch.settings[name] = Setting(None, None, f"may be set: {why}")
        self._evidence(launch, found)

    def _image_dirs(self, image_ref: str | None) -> tuple[tuple[str, ...], str]:
        """Where the app a container's command names is found: the image's own files, when
        the tree builds that image (linter/server/kubeapps.py), and how that is known; else
        nowhere (built elsewhere, its files are not in the repository)."""
        if not image_ref:
            return (), ""
        from linter.server import kubeapps
        from linter.server.front import near
        from linter.server.nearcompose import compose_files

        workspace = self.reader.workspace
        try:
            composes = [c for c in compose_files(workspace, self.path) if near(c.path, self.path)]
            built = kubeapps.image_build(
                image_ref, composes, workspace.root, kubeapps.builds(workspace, self.path)
            )
            image = (
                self.reader.image(built.dockerfile, built.context, built.target)
                if built is not None
                else None
            )
        except Exception:  # evidence only
            return (), ""
        if built is None or image is None:
            return (), ""
        workdir = self.reader.image_resolver(image)(".")
        return tuple(dict.fromkeys(d for d in (workdir, built.context) if d)), built.how

    def _evidence(self, launch: Launch, found: _Container) -> None:
        from linter.server.apps import image_evidence

        if launch.llm_proxy is None and found.image:
            path, line = found.image_line
            evidence = image_evidence(found.image, found.image_said, path, line)
            if evidence is not None:
                launch.evidence.append(evidence)


def _raw(yaml_file: YamlFile, node: Node | None) -> str:
    """A name as the template writes it (``{{ include "x.fullname" . }}``) when it is not
    known, so that a message still says which one."""
    if node is None:
        return "(unnamed)"
    raw = yaml_file.source.text[node.start_mark.index : node.end_mark.index].strip("\"' ")
    return raw or "(unnamed)"


def _span(text: str, node: Node) -> tuple[int, int]:
    """A node's span (offsets of its own file), inside the quotes of a quoted scalar."""
    start, end = node.start_mark.index, max(node.start_mark.index, node.end_mark.index)
    if isinstance(node, ScalarNode) and node.style in ("'", '"') and end - start >= 2:
        return start + 1, end - 1
    if isinstance(node, ScalarNode) and node.style in ("|", ">") and text:
        newline = text.find("\n", start, end)  # the content: below the indicator's line
        return (newline + 1, end) if newline >= 0 else (start, end)
    return start, end


def _seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _pod(yaml_file: YamlFile, document: Node, kind: str | None) -> Node | None:
    if kind == "Pod":
        return yaml_file.get(document, "spec")
    if kind == "CronJob":
        return yaml_file.get(document, "spec", "jobTemplate", "spec", "template", "spec")
    return yaml_file.get(document, "spec", "template", "spec")


def read(reader: Reader, path: str) -> list[Launch]:
    return WorkloadReader(reader, path).read()
