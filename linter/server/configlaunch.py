"""How a gunicorn config file that no launch line of the repository names is run: the gunicorn
command its own comment writes, or else the one a README of its folder (or a folder above)
writes, naming the file with ``-c``/``--config`` and an app. gunicorn loads only
``./gunicorn.conf.py`` by itself, so such a file says nothing without that command; with it,
the launch is judged and said to come from there."""

from __future__ import annotations

import os
import posixpath
import re
from typing import TYPE_CHECKING

from linter.server.commands import launch_from_words
from linter.server.model import Launch, Place
from linter.server.shell import Word, split_commands

if TYPE_CHECKING:
    from linter.server.launches import Reader
    from linter.source import SourceText

# A comment's text (after `#`), and a gunicorn command word in it.
_COMMENT = re.compile(r"(?m)^[ \t]*#+[ \t]*(.*?)[ \t]*\r?$")
_GUNICORN_WORD = re.compile(r"(?<![\w./-])gunicorn(?=[ \t])")
_README = re.compile(r"^readme(?:\.(?:md|rst|txt|markdown))?$", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def _readmes(folder: str) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, name) for name in names if _README.match(name)]


def _code_regions(text: str) -> list[tuple[int, int]]:
    """Where a README writes commands: inside inline code (`...`), else each line (a code
    block's lines, or prose with a command in it: only a gunicorn command naming the
    config file counts)."""
    regions: list[tuple[int, int]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if "gunicorn" in body:
            spans = [m.span(1) for m in _INLINE_CODE.finditer(body)]
            if spans:
                regions.extend((offset + s, offset + e) for s, e in spans)
            else:
                regions.append((offset, offset + len(body)))
        offset += len(line)
    return regions


def documented_launch(reader: Reader, path: str, source: SourceText) -> list[Launch]:
    """The gunicorn command a comment of the config file writes, or else a README of its
    folder (or a folder above it) writes, naming this file with ``-c``/``--config`` and
    an app: no launch line of the repository names the file, and gunicorn loads only
    ``./gunicorn.conf.py`` by itself. The launch is said to come from there."""
    regions = [(match.start(1), match.end(1)) for match in _COMMENT.finditer(source.text)]
    found = _documented(reader, path, path, source.text, regions, "the comment")
    if found:
        return found
    folder = os.path.dirname(path)
    while reader.workspace.inside(folder):
        for readme in _readmes(folder):
            text = reader.source(readme)
            if text is None:
                continue
            found = _documented(
                reader, path, readme, text.text, _code_regions(text.text), "the README line"
            )
            if found:
                for launch in found:  # defaults are said at the config file
                    launch.command = Place(path, 0, len(source.text.split("\n", 1)[0]))
                return found
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return []


def _documented(
    reader: Reader,
    config: str,
    where: str,
    text: str,
    regions: list[tuple[int, int]],
    what: str,
) -> list[Launch]:
    """A gunicorn command in one of ``regions`` of ``where`` that runs ``config``."""
    name = os.path.basename(config)
    folder = os.path.dirname(where)
    for start, end in regions:
        at = _GUNICORN_WORD.search(text, start, end)
        if at is None:
            continue
        line = text.count("\n", 0, start) + 1
        context = reader._context(
            where,
            f"the command in {what} at {reader.display(where)}:{line} (no launch line "
            f"of the repository names {reader.display(config)})",
            {},
            tuple(dict.fromkeys((folder, os.path.dirname(config)))),
            reader._local_resolver(folder),
        )
        for words in split_commands(text, at.start(), end):
            names_file = any(
                w.text in ("-c", "--config")
                and i + 1 < len(words)
                and posixpath.basename(words[i + 1].text) == name
                for i, w in enumerate(words)
            ) or any(w.text in (f"--config={name}", f"-c{name}") for w in words)
            if not names_file:
                continue
            found = [launch for launch in launch_from_words(words, context) if launch.app]
            if found:
                return found
    return []


# The app constructors of the frameworks gunicorn serves (a module-level `app = FastAPI()`).
_APP_CLASSES = frozenset({"FastAPI", "Starlette", "Quart", "Flask", "Sanic", "Litestar"})
_APP_BYTES = re.compile(r"\b(?:FastAPI|Starlette|Quart|Flask|Sanic|Litestar)\(")
AUTO_CONFIG = "gunicorn.conf.py"
# Settings that load the app from elsewhere than the config's folder.
_MOVES_APP = re.compile(r"(?m)^(?:chdir|pythonpath|wsgi_app)[ \t]*(?::[^=\n]*)?=")


def _module_apps(text: str) -> list[tuple[str, int]]:
    """The names a module binds at its top level to an app constructor, with their lines."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: list[tuple[str, int]] = []
    for node in tree.body:
        value: ast.expr | None = None
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign):
            value, targets = node.value, [node.target]
        if not isinstance(value, ast.Call):
            continue
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in _APP_CLASSES:
            continue
        found.extend((t.id, node.lineno) for t in targets if isinstance(t, ast.Name))
    return found


def app_beside(reader: Reader, path: str, source: SourceText) -> list[Launch]:
    """``gunicorn.conf.py``, which gunicorn loads by itself from the folder it is started
    in, that no launch line names: a platform that runs gunicorn in that folder (Azure App
    Service, a bare ``gunicorn app:app``) serves the app defined beside it. Judged only
    when exactly one module of the folder binds an app object (``app = FastAPI()``), and
    said so; with none or several the app is not known."""
    if os.path.basename(path) != AUTO_CONFIG or _MOVES_APP.search(source.text):
        return []
    folder = os.path.dirname(path)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found: list[tuple[str, str, int]] = []
    for name in names:
        stem = name[:-3]
        if not name.endswith(".py") or name == AUTO_CONFIG or not stem.isidentifier():
            continue
        if stem.startswith("test") or stem in ("conftest", "setup"):
            continue
        local = os.path.join(folder, name)
        text = reader.source(local)
        if text is None or _APP_BYTES.search(text.text) is None:
            continue
        found.extend((local, app, line) for app, line in _module_apps(text.text))
    if len(found) != 1:
        return []
    local, app, line = found[0]
    module = os.path.basename(local)[:-3]
    first = Place(path, 0, len(source.text.split("\n", 1)[0]))
    context = reader._context(
        path,
        f"gunicorn started in {reader.display(folder) or '.'} with the {AUTO_CONFIG} it loads "
        f"by itself (no launch line of the repository runs it), serving "
        f"{reader.display(local)}:{line} `{app}`, the one app defined beside it",
        {},
        (folder,),
        reader._local_resolver(folder),
    )
    words = [Word("gunicorn", first.start, first.end), Word(f"{module}:{app}", 0, 0)]
    launches = launch_from_words(words, context)
    for launch in launches:
        launch.command = first
        launch.app_place = None
        launch.beside = True
    return launches
