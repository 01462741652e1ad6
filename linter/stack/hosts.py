"""Whether an XL finding could land in a file: a run given files (pre-commit) reports the
stack's findings only in them, and reading the compose project around an ordinary Python
module (its Dockerfile, compose file, app modules, NGINX and LiteLLM configs) to report nothing
there cost a one-file call 60 ms, most of its time.

An XL finding is placed at a hop's anchor or at the place of a limit (linter/stack/link.py,
rules/stack/). In a Python module those come from two readers only: a client built with a base
URL (linter.stack.clients: the module names a base URL or a completion endpoint), and the
server kind, which reads a Python file as a script that runs uvicorn (``uvicorn.run``: the
module names uvicorn), as an entry script (a command of a server in it), or as a config file
named on a launch line (gunicorn's ``-c``, hypercorn's ``file:`` config read as Python, or its
plain config read as TOML lines), whose settings are module-level assignments of the names
those readers look up; and an app module's streamed response (``StreamingResponse``, where
XL003 writes that it sends no heartbeat). (Not covered: a compose ``env_file:`` that names a ``.py`` file.) A module with none
of these can hold no XL finding, and when every file of the run is such a module there is no
stack to read. Any other file (not a ``.py`` module, or one the server kind claims by its
name) may hold one.
"""

from __future__ import annotations

import ast
import functools
import re
import warnings
from typing import TYPE_CHECKING

from linter.stack import names_client_url

if TYPE_CHECKING:
    from linter.workspace import Workspace


# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
# A launch of the server kind in the file: a script that runs uvicorn (``uvicorn.run``), or a
# file an ENTRYPOINT or CMD runs, read as a shell script, whose command starts a server
# (linter.server.commands: gunicorn, uvicorn, hypercorn, granian, `fastapi run`, `vllm
# serve`, litellm, `python -m ...`, `python x.py`).
_SERVER_WORDS = functools.cache(lambda: re.compile(rb"gunicorn|uvicorn|hypercorn|granian"))
_COMMANDS = functools.cache(
    lambda: re.compile(
        rb"\b(?:fastapi[ \t]+(?:run|dev)|vllm[ \t]+serve|litellm[ \t]+-"
        rb"|python[0-9.]*[ \t]+(?:-m[ \t]|\S*\.py\b))"
        rb"|(?:^|exec|[;&|])[ \t]*litellm[ \t]*$",
        re.MULTILINE,
    )
)


def may_hold_findings(
    path: str, relpath: str, workspace: Workspace, parse_limit: int = 1_000_000
) -> bool:
    """``parse_limit``: the size past which a Python file is never parsed (PY000's
    ``max-file-size``; 0: none): such a file may hold one, as far as this test knows."""
    if not relpath.endswith(".py"):
        return True
    from linter.server.detect import shape

    if shape(relpath) is not None:  # a gunicorn config by its name: a launch file
        return True
    try:
        data = workspace.read_bytes(path)
    except Exception:
        return True
    if b"\0" in data:  # UTF-16 or binary: the byte searches below would not see the names
        return True
    if names_client_url(data) or _SERVER_WORDS().search(data) or _COMMANDS().search(data):
        return True
    from linter.server.responses import RESPONSE_MARKERS

    if any(marker in data for marker in RESPONSE_MARKERS):
        return True  # an app's streamed response: where XL003 asks for a ping
    from linter.server import pyread
    from linter.server.model import HYPERCORN_KEYS

    names = pyread.CONFIG_NAMES | frozenset(HYPERCORN_KEYS)
    # Hypercorn reads a config named without `file:` as TOML: any `key =` line counts.
    toml_key = rb"^[ \t]*(?:%s)[ \t]*=" % b"|".join(
        re.escape(name.encode()) for name in sorted(HYPERCORN_KEYS)
    )
    if re.search(toml_key, data, re.MULTILINE):
        return True
    if parse_limit and len(data) > parse_limit:
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # (nothing would be read from it either; not worth being clever)
    return any(target.id in names for target, _, _ in pyread.module_settings(tree))
