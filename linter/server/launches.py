"""Each shape of launch file read into launches: Dockerfile, compose (its services read by
``composelaunch``), Procfile, shell entry script, gunicorn config file; and the files they
name (entry scripts, config files, Python scripts with ``uvicorn.run``), added to the
document they are read for."""

from __future__ import annotations

import os
import re

from linter.pathmatch import relative_posix
from linter.server import (
    composelaunch,
    detect,
    pyread,
    pysettings,
    servers,
    shell,
)
from linter.server.commands import LaunchContext, launch_from_words
from linter.server.dockerfile import Instruction
from linter.server.dotenv import Variable
from linter.server.images import Env, Image, ImageReading, Resolver
from linter.server.model import Launch, Place, ServerDocument
from linter.server.shell import Word, split_commands
from linter.source import DecodeFailure, SourceText
from linter.workspace import ReadFailure, Workspace


class Reader(ImageReading):
    def __init__(self, document: ServerDocument, workspace: Workspace) -> None:
        self.document = document
        self.workspace = workspace
        self.depth = 0
        # The compose file being read: its project's ``.env`` variables (interpolation).
        self.variables: dict[str, Variable] = {}
        # Dockerfiles read only for the environment and files a service's own ``command:`` /
        # ``entrypoint:`` runs in, and those whose CMD/ENTRYPOINT a launcher runs: the first
        # kind stays a launch file of its own (``docker run`` runs its CMD).
        self.image_only: set[str] = set()
        self.image_launched: set[str] = set()

    # -- files ---------------------------------------------------------------------------
    def source(self, path: str) -> SourceText | None:
        if not self.workspace.inside(path) or not os.path.isfile(path):
            return None
        known = self.document.sources.get(path)
        if known is not None:
            return known
        try:
            source = self.workspace.read_source(path)
        except (ReadFailure, DecodeFailure):
            return None
        self.document.sources[path] = source
        return source

    def display(self, path: str) -> str:
        return relative_posix(path, self.workspace.root)

    def _context(
        self,
        path: str,
        launcher: str,
        env: Env,
        search_dirs: tuple[str, ...],
        resolve: Resolver,
        service: str | None = None,
    ) -> LaunchContext:
        source = self.document.sources[path]
        plain = self._plain_env(env)

        def read_config(
            local: str, names: frozenset[str] | None = None
        ) -> dict[str, tuple[str | None, Place, int]] | None:
            found = self.source(local)
            if found is None:
                return None
            return pyread.gunicorn_config(found, plain, names or pyread.CONFIG_NAMES)

        def read_python(local: str, place: Place, context: LaunchContext) -> list[Launch]:
            found = self.source(local)
            if found is None:
                return []
            how = f"{launcher} runs {self.display(local)}"
            dirs = (os.path.dirname(local), *search_dirs)
            launches = pyread.script_runs(
                found, how, plain, dirs, self.display(local), self._settings_reader(dirs, plain)
            )
            for launch in launches:  # the service that runs the script serves its app
                launch.service = launch.service or service
            return launches

        return LaunchContext(
            path=path,
            text=source.text,
            launcher=launcher,
            env=env,
            resolve=resolve,
            search_dirs=search_dirs,
            read_config=read_config,
            read_source=self.source,
            read_python=read_python,
            service=service,
            display=self.display,
        )

    def _settings_reader(
        self, search_dirs: tuple[str, ...], env: dict[str, str]
    ) -> pyread.SettingsReader:
        """Reads `port=settings.PORT` through the settings object's class, in the launching
        file or the module of the tree it is imported from (linter/server/pysettings.py)."""
        from linter.server.appmodules import module_file

        def read_module(module: str) -> SourceText | None:
            path = module_file(module, search_dirs, self.workspace.inside)
            return self.source(path) if path is not None else None

        def read(node: object, tree: object) -> tuple[str, str] | None:
            import ast

            if not isinstance(node, ast.AST) or not isinstance(tree, ast.Module):
                return None
            found = pysettings.attribute_value(node, tree, env, read_module, self.display)
            return (found.value, found.said) if found is not None else None

        return read

    def _local_resolver(self, base: str) -> Resolver:
        def resolve(path: str) -> str | None:
            if not path or "\0" in path:
                return None
            candidate = (
                os.path.normpath(os.path.join(base, path)) if not path.startswith("/") else None
            )
            if (
                candidate is not None
                and self.workspace.inside(candidate)
                and os.path.exists(candidate)
            ):
                return candidate
            return None

        return resolve

    # -- shapes --------------------------------------------------------------------------
    def read(self, path: str) -> list[Launch]:
        launches = self._read(path)
        for launch in launches:
            if launch.server == "granian":
                servers.granian_version(launch, path, self.workspace)
        return launches

    def _read(self, path: str) -> list[Launch]:
        relpath = relative_posix(path, self.workspace.root)
        shape = detect.shape(relpath)
        # A compose file by its content (`docker/openweb-dev1.yml`), not its name.
        if (
            shape is None
            and path in self.document.sources
            and detect.is_compose(relpath, self.document.sources[path].text)
        ):
            shape = "compose"
        if shape == "dockerfile":
            return self.dockerfile(path)
        if shape == "compose":
            return composelaunch.read(self, path)
        if shape == "procfile":
            return self.procfile(path)
        if shape == "script":
            return self.script(path, {}, self._script_dirs(path), "script")
        if shape == "gunicorn-config":
            return self.gunicorn_config(path)
        if shape == "systemd":
            from linter.server import systemd

            return systemd.read(self, path)
        if shape is None and path.endswith(".py"):
            return self.python_script(path)
        if shape is None and detect.is_manifest(relative_posix(path, self.workspace.root)):
            from linter.server import kube

            return kube.read(self, path)
        return []

    def python_script(self, path: str) -> list[Launch]:
        """A Python file that starts uvicorn when it is run (``python main.py``): the
        ``uvicorn.run`` calls of its ``__main__`` block are a launch of their own."""
        source = self.document.sources[path]
        folder = os.path.dirname(path)
        shown = self.display(path)
        return pyread.uvicorn_runs(
            source,
            f"`python {shown}` (the file run as a script)",
            {},
            (folder,),
            shown,
            guarded=True,
            settings=self._settings_reader((folder,), {}),
        )

    def procfile(self, path: str) -> list[Launch]:
        source = self.document.sources[path]
        folder = os.path.dirname(path)
        launches = []
        offset = 0
        for line in source.text.splitlines(keepends=True):
            match = re.match(r"^([A-Za-z0-9_-]+):[ \t]*", line)
            if match:
                start, end = offset + match.end(), offset + len(line.rstrip("\r\n"))
                context = self._context(
                    path,
                    f"Procfile process `{match.group(1)}`",
                    {},
                    (folder,),
                    self._local_resolver(folder),
                    match.group(1),
                )
                for command in split_commands(source.text, start, end):
                    launches.extend(launch_from_words(command, context))
            offset += len(line)
        return launches

    def _script_dirs(self, path: str) -> tuple[str, ...]:
        """Where a script of the tree finds the modules its server names: its own folder,
        then the folders above it up to the tree's root (a `tools/run.sh` running
        `gunicorn app:app` is run from the root, where `app.py` is: `./tools/run.sh`)."""
        folder = os.path.dirname(path)
        found = [folder]
        while True:
            above = os.path.dirname(folder)
            if above == folder or not self.workspace.inside(above):
                break
            found.append(above)
            folder = above
        return tuple(found)

    def script(
        self,
        path: str,
        env: Env,
        search_dirs: tuple[str, ...],
        launcher: str,
        service: str | None = None,
    ) -> list[Launch]:
        """The launches a shell script runs; ``service``: the compose service whose image runs
        it (its ENTRYPOINT or CMD), the name a proxy in front reaches it by."""
        source = self.source(path)
        if source is None or self.depth > 3:
            return []
        self.depth += 1
        try:
            env = dict(env)
            launches: list[Launch] = []
            folder = os.path.dirname(path)
            # The folder the script has changed to with `cd` (None: where it started).
            cwd: str | None = None
            first_env = len(env)
            for command in split_commands(source.text, env=self._plain_env(env)):
                if len(env) > first_env and not all(w.known for w in command):
                    # Read again with what the script has set so far (`cd "$BACKEND_DIR"`).
                    again = split_commands(
                        source.text, command[0].start, command[-1].end, self._plain_env(env)
                    )
                    command = again[0] if len(again) == 1 else command
                words = command[1:] if command and command[0].text == "export" else command
                if words and all(
                    "=" in w.text and w.text.split("=", 1)[0].isidentifier() for w in words
                ):
                    for word in words:
                        name, value = word.text.split("=", 1)
                        line = source.text.count("\n", 0, word.start) + 1
                        if not word.known:
                            # `DIR="$(cd "$(dirname "$0")/.." && pwd)"`: a folder of the tree.
                            raw = source.text[word.start : word.end].split("=", 1)[1]
                            own = shell.script_folder(raw, folder)
                            if own is None or not self.workspace.inside(own):
                                continue
                            value = own
                        env[name] = (
                            value,
                            Place(path, word.start, word.end),
                            f"set at {self.display(path)}:{line}",
                        )
                    continue
                if words and words[0].text in ("cd", "pushd") and words[0].known:
                    cwd = self._changed_folder(words[1:], cwd or folder)
                    continue
                here = cwd or folder
                context = self._context(
                    path,
                    launcher if launcher != "script" else f"script {self.display(path)}",
                    env,
                    tuple(dict.fromkeys((here, folder, *search_dirs))),
                    self._local_resolver(here),
                    service,
                )
                launches.extend(launch_from_words(command, context))
            return launches
        finally:
            self.depth -= 1

    def _changed_folder(self, arguments: list[Word], current: str) -> str | None:
        """The folder of the tree ``cd ARG`` changes to: a relative path from ``current``, or
        a folder of the tree a variable holds (``cd "$BACKEND_DIR"``); None (where the script
        started is assumed, as before any `cd`) when it is not known."""
        arguments = [w for w in arguments if w.text not in ("-P", "-L", "--")]
        if len(arguments) != 1 or not arguments[0].known:
            return None
        target = arguments[0].text
        if target.startswith("/"):
            local = os.path.normpath(target)
            inside = target == local and self.workspace.inside(local)  # set from the tree
        else:
            local = os.path.normpath(os.path.join(current, target))
            inside = self.workspace.inside(local)
        return local if inside and os.path.isdir(local) else None

    def gunicorn_config(self, path: str) -> list[Launch]:
        """A config file with ``wsgi_app`` names its app: a launch of its own (run as
        ``gunicorn -c FILE``). Without it, a command the file's own comments write
        (``# run: gunicorn app:app -c gunicorn_config.py``) says how it is run: that command
        is read as the launch, and said to come from a comment."""
        source = self.document.sources[path]
        config = pyread.gunicorn_config(source, {})
        if not config:
            return []
        folder = os.path.dirname(path)
        if "wsgi_app" not in config or config["wsgi_app"][0] is None:
            from linter.server.configlaunch import app_beside, documented_launch

            return documented_launch(self, path, source) or app_beside(self, path, source)
        context = self._context(
            path,
            f"gunicorn config {self.display(path)}",
            {},
            (folder,),
            self._local_resolver(folder),
        )
        _, place, _ = config["wsgi_app"]
        command = Word("gunicorn", place.start, place.end)
        config_word = Word(os.path.basename(path), place.start, place.end)
        return launch_from_words(
            [command, Word("-c", place.start, place.end), config_word], context
        )

    # -- Dockerfile ----------------------------------------------------------------------
    def dockerfile(
        self,
        path: str,
        *,
        context_dir: str | None = None,
        target: str | None = None,
        outer_env: Env | None = None,
        service: str | None = None,
        label: str = "Dockerfile",
    ) -> list[Launch]:
        image = self.image(path, context_dir, target)
        if image is None:
            return []
        found = self._dockerfile(image, path, outer_env, service, label)
        packages = self.packages(image)
        for launch in found:
            launch.packages = packages
        return found

    def _dockerfile(
        self,
        image: Image,
        path: str,
        outer_env: Env | None,
        service: str | None,
        label: str,
    ) -> list[Launch]:
        self.image_launched.add(path)
        env = {**image.env, **(outer_env or {})}
        plain = {**image.args, **self._plain_env(env)}
        resolve = self.image_resolver(image)
        workdir_local = resolve(".")
        search_dirs = tuple(
            dict.fromkeys(d for d in (workdir_local, image.context_dir) if d and os.path.isdir(d))
        )
        shown = self.display(path)
        if image.entry is not None:
            instruction, words = image.entry
            context = self._context(
                path,
                f"{label} ENTRYPOINT ({shown}:{instruction.line})",
                env,
                search_dirs,
                resolve,
                service,
            )
            if words is None:  # shell form: the CMD is not passed
                return self._shell_launches(context, instruction, plain)
            argv = list(words)
            if image.cmd is not None and image.cmd[1] is not None:
                argv += image.cmd[1]
            found = launch_from_words(argv, context)
            if found:
                return found
            # An entry script that runs the server itself, or runs its arguments (exec "$@").
            script = resolve(words[0].text) if words and words[0].known else None
            if script is None or not os.path.isfile(script):
                return []
            found = self.script(
                script,
                env,
                search_dirs,
                f"{label} ENTRYPOINT script {self.display(script)}",
                service,
            )
            script_source = self.document.sources.get(script)
            if found or script_source is None or "$@" not in script_source.text:
                return found
        if image.cmd is not None:
            instruction, words = image.cmd
            context = self._context(
                path,
                f"{label} CMD ({shown}:{instruction.line})",
                env,
                search_dirs,
                resolve,
                service,
            )
            if words is None:
                return self._shell_launches(context, instruction, plain)
            found = launch_from_words(list(words), context)
            if found:
                return found
            script = resolve(words[0].text) if words and words[0].known else None
            if script is not None and os.path.isfile(script):
                return self.script(
                    script, env, search_dirs, f"{label} CMD script {self.display(script)}", service
                )
        return []

    def _shell_launches(
        self, context: LaunchContext, instruction: Instruction, plain: dict[str, str]
    ) -> list[Launch]:
        launches = []
        for command in split_commands(
            context.text, instruction.args_start, instruction.args_end, plain
        ):
            launches.extend(launch_from_words(command, context))
        return launches
