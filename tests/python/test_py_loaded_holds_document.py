"""Another module's analysis, reused from the file being checked (linter/python/analysis/
other_files.py), keeps its document alive while it is used: the analysis holds it weakly, and
a collection in between freed it ("the analysis outlived its document", an internal error
that stopped a whole-tree run)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from linter.python.analysis import analysis_of
from linter.python.analysis.other_files import Loaded, load_document
from linter.python.analysis.project import Project
from linter.workspace import Workspace


def test_a_reused_analysis_keeps_its_document_while_used(tmp_path: Path) -> None:
    module = tmp_path / "chat.py"
    module.write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    project = Project(Workspace(root=str(tmp_path), cwd=str(tmp_path)))
    project.unit_path = str(module)
    document = load_document(str(module), project)
    assert document is not None
    assert analysis_of(document) is not None  # the unit's analysis, remembered weakly
    freed = weakref.ref(document)
    with Loaded(project, str(module)) as analysis:
        assert analysis is not None
        del document  # the unit is done with it
        gc.collect()
        assert freed() is not None
        assert analysis.document.path == str(module)
    gc.collect()
    assert freed() is None
