"""The stream path across the files of one repository (DESIGN.md "The next shape").

Where the cross-file model lives and when it is built: each unit, once its kind has loaded it
(in a worker process for large runs), gives small picklable *facts* about the layer it is
(``facts.py``: an NGINX route, a compose service, an app-server launch, a LiteLLM config, a
Python client); the engine then links the facts of the whole run into paths in the main
process (``link.py``) and runs the XL rules over them (``run.py``). No file is parsed twice in
a whole-tree run. A run over some files only (pre-commit) reads the stack files of the rest of
the repository through their kinds' loaders, links the same way and reports only in the files
it was given.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.config import Settings

# Kinds whose documents give stack facts (linter.stack.facts).
FACT_KINDS = frozenset({"nginx", "litellm", "server", "python", "k8s"})


def wanted(settings: Settings, audit: bool) -> bool:
    """Does this run need the stack (an XL rule selected, or an audit)? Decided from the
    catalogue: no rule is imported for it."""
    if audit:
        return True
    return any(settings.is_selected(code) for code in _codes())


@functools.cache
def _codes() -> tuple[str, ...]:
    from linter.registry import catalogue

    return tuple(entry.code for entry in catalogue() if entry.kind == "stack")
