"""The project index (linter/python/analysis/project.py): streams followed across the modules
of the linted tree, and a run on one file (pre-commit) that answers as the whole tree does."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from helpers import lint

from linter.fixtures import all_fixtures
from linter.python.analysis.imports import imported
from linter.python.analysis.project import Project
from linter.workspace import Workspace

FOLDERS = [f for f in all_fixtures() if f.kind == "python" and f.path.is_dir()]
PY = ["PY001", "PY002", "PY003", "PY004", "PY005", "PY006", "PY007"]


def _findings(paths: list[Path], cwd: Path) -> set[tuple[str, str, int, str]]:
    result = lint(paths, cwd=cwd, extend_select=PY)
    assert not result.errors, result.errors
    return {(os.path.relpath(f.path, cwd), f.code, f.line, f.message) for f in result.findings}


@pytest.mark.parametrize("fixture", FOLDERS, ids=lambda f: f"{f.code}/{f.name}")
def test_a_run_on_one_file_gives_what_the_whole_tree_gives_for_it(
    fixture: object, tmp_path: Path
) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(fixture.path, copy)  # type: ignore[attr-defined]
    whole = _findings([copy], copy)
    files = sorted(p for p in copy.rglob("*.py"))
    assert files
    for file in files:
        relative = os.path.relpath(file, copy)
        alone = _findings([file], copy)
        assert alone == {f for f in whole if f[0] == relative}, relative


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


PROVIDER = """\
    import openai

    client = openai.OpenAI()


    def stream_chat(messages):
        stream = client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=9)
        for chunk in stream:
            yield chunk
"""


def test_the_unguarded_consumer_is_reported_naming_the_generator_and_its_loop_on_request(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/providers.py": PROVIDER,
            "app/web.py": """\
                from app.providers import stream_chat


                def page(q):
                    out = []
                    for chunk in stream_chat(q):
                        out.append(chunk)
                    return out
            """,
        },
    )
    # By default the consumer's loop alone is reported (issue 11 item 1), naming the
    # generator and its module.
    [consumer] = lint([root], cwd=root, select=["PY001"]).findings
    assert (os.path.relpath(consumer.path, root), consumer.line) == ("app/web.py", 6)
    assert "stream_chat() of app.providers" in consumer.message
    assert "from its line 7" in consumer.message
    # With `report-reading-loop`, the generator's own loop is reported too, naming it.
    both = {"rules": {"PY001": {"report-reading-loop": True}}}
    found = lint([root], cwd=root, select=["PY001"], **both).findings
    assert [(os.path.relpath(f.path, root), f.line) for f in found] == [
        ("app/providers.py", 8),
        ("app/web.py", 6),
    ]
    assert "its consumer in app.web (line 6) does not guard it, reported there too" in (
        found[0].message
    )
    assert found[1] == consumer


def test_a_generator_no_module_consumes_is_reported_at_its_own_loop(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/providers.py": PROVIDER,
            # Names the module, but only in prose and a string: no import.
            "app/notes.py": 'TEXT = "see providers.stream_chat"\n',
        },
    )
    found = lint([root], cwd=root, select=["PY001"]).findings
    assert [(os.path.relpath(f.path, root), f.line) for f in found] == [("app/providers.py", 8)]
    assert "stream_chat() is not called in this file" in found[0].message


def test_consumers_in_test_code_do_not_count(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/providers.py": PROVIDER,
            "tests/test_providers.py": """\
                from app.providers import stream_chat


                def test_stream():
                    for chunk in stream_chat([]):
                        assert chunk
            """,
        },
    )
    found = lint([root], cwd=root, select=["PY001"]).findings
    assert [(os.path.relpath(f.path, root), f.line) for f in found] == [("app/providers.py", 8)]


def test_a_test_module_run_by_hand_through_main_is_a_consumer(tmp_path: Path) -> None:
    # ``main()`` runs the check and the ``__main__`` block runs ``main()``: a script, whose
    # loop is the generator's consumer (judged like any other), not a test's.
    script = """\
        from app.providers import stream_chat


        def test_stream():
            for chunk in stream_chat([]):
                print(chunk)


        def main():
            test_stream()


        if __name__ == "__main__":
            main()
    """
    root = _tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/providers.py": PROVIDER,
            "tests/test_providers.py": script,
        },
    )
    found = lint([root], cwd=root, select=["PY001"]).findings
    assert [(os.path.relpath(f.path, root), f.line) for f in found] == [
        ("tests/test_providers.py", 5)
    ]
    plain = textwrap.dedent(script)
    guarded = plain.replace(
        "    for chunk in stream_chat([]):\n        print(chunk)",
        "    try:\n"
        "        for chunk in stream_chat([]):\n"
        "            print(chunk)\n"
        "    except Exception:\n"
        "        print('cut')",
    )
    assert guarded != plain
    (root / "tests/test_providers.py").write_text(guarded)
    assert lint([root], cwd=root, select=["PY001"]).findings == []


def test_a_guarded_consumer_in_a_module_that_names_no_client_clears_the_generator(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            "providers.py": PROVIDER,
            "web.py": """\
                import providers as p


                def page(q):
                    try:
                        return "".join(c.choices[0].delta.content for c in p.stream_chat(q))
                    except Exception:
                        return "[cut]"
            """,
        },
    )
    assert lint([root], cwd=root, select=["PY001"]).findings == []
    assert lint([root / "providers.py"], cwd=root, select=["PY001"]).findings == []


def test_importers_are_found_by_their_import_lines_only(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/llm.py": PROVIDER,
            "pkg/a.py": "from .llm import stream_chat\n",
            "pkg/b.py": "from pkg import (\n    other,\n    llm,\n)\n",
            "pkg/c.py": "import pkg.llm as model\n",
            "pkg/d.py": "x = 'llm'  # llm, but no import of it\n",
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    found = sorted(os.path.basename(p) for p in project.importers(str(root / "pkg" / "llm.py")))
    assert found == ["a.py", "b.py", "c.py"]
    assert project.resolve(str(root / "pkg" / "a.py"), ".llm.stream_chat") == (
        str(root / "pkg" / "llm.py"),
        ["stream_chat"],
    )
    assert project.resolve(str(root / "pkg" / "c.py"), "pkg.llm") == (
        str(root / "pkg" / "llm.py"),
        [],
    )
    assert project.resolve(str(root / "pkg" / "c.py"), "openai.OpenAI") is None
    assert project.module_name(str(root / "pkg" / "llm.py")) == "pkg.llm"


def test_an_import_resolves_to_the_longest_module_path_from_any_root(tmp_path: Path) -> None:
    # ``bot`` is a package, its parent ``app`` is not (run from the tree's root), and a script
    # ``app/app.py`` is named like the folder: ``app.utils`` is app/utils.py, not an
    # attribute of the script, nor of the importer folder's own ``__init__.py``.
    root = _tree(
        tmp_path,
        {
            "app/app.py": "",
            "app/utils.py": "def split(text): ...\n",
            "app/bot/__init__.py": "",
            "app/bot/chat.py": "from app.utils import split\n",
            "backend/svc/api/routes.py": "from svc.chat.provider import answer\n",
            "backend/svc/chat/provider.py": "def answer(): ...\n",
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    assert project.resolve(str(root / "app" / "bot" / "chat.py"), "app.utils.split") == (
        str(root / "app" / "utils.py"),
        ["split"],
    )
    # A namespace package run from a folder above it (``backend``).
    routes = str(root / "backend" / "svc" / "api" / "routes.py")
    assert project.resolve(routes, "svc.chat.provider.answer") == (
        str(root / "backend" / "svc" / "chat" / "provider.py"),
        ["answer"],
    )
    provider = str(root / "backend" / "svc" / "chat" / "provider.py")
    assert project.importers(provider) == [routes]


def test_import_statements_are_read_into_dotted_paths() -> None:
    assert imported(b"from .a import b, c as d") == [".a.b", ".a.c"]
    assert imported(b"from . import providers") == [".providers"]
    assert imported(b"from x.y import (\n  p,\n  q,  # why\n)") == ["x.y.p", "x.y.q"]
    assert imported(b"import a.b as c, d") == ["a.b", "d"]


def test_a_workspace_holding_the_project_pickles_for_spawned_workers(tmp_path: Path) -> None:
    import pickle

    from linter.python.analysis.project import project_of

    workspace = Workspace(root=str(tmp_path), cwd=str(tmp_path))
    project_of(workspace).checking(str(tmp_path / "a.py"))
    copy = pickle.loads(pickle.dumps(workspace))
    assert project_of(copy) is not project_of(workspace)
    assert project_of(copy).root == workspace.root


def test_an_absolute_import_starts_at_a_root_never_at_the_importers_package(
    tmp_path: Path,
) -> None:
    # app/ and app/llm/ have no __init__ (namespace folders): the importer's package root is
    # openai/, whose __init__ must not take ``app.llm.openai.utils``.
    root = _tree(
        tmp_path,
        {
            "src/app/llm/openai/__init__.py": "",
            "src/app/llm/openai/utils.py": PROVIDER,
            "src/app/llm/openai/gpt.py": "from app.llm.openai.utils import stream_chat\n",
            "src/app/routes/chat.py": "from app.llm.openai import utils\n",
            "tools/run.py": "import helpers\n",
            "tools/helpers.py": "",
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    openai_dir = root / "src" / "app" / "llm" / "openai"
    utils = str(openai_dir / "utils.py")
    assert project.resolve(str(openai_dir / "gpt.py"), "app.llm.openai.utils.stream_chat") == (
        utils,
        ["stream_chat"],
    )
    assert project.resolve(str(root / "src/app/routes/chat.py"), "app.llm.openai.utils") == (
        utils,
        [],
    )
    # A first name found in no root is no module of the tree (not the importer's __init__).
    assert project.resolve(str(openai_dir / "gpt.py"), "nowhere.stream_chat") is None
    assert project.resolve(str(openai_dir / "gpt.py"), "stream_chat") is None
    # A script's folder is a root: ``import helpers`` beside it.
    assert project.resolve(str(root / "tools/run.py"), "helpers") == (
        str(root / "tools/helpers.py"),
        [],
    )
    # Relative imports still name a package's own __init__.
    assert project.resolve(str(openai_dir / "gpt.py"), ".MODEL") == (
        str(openai_dir / "__init__.py"),
        ["MODEL"],
    )
    assert sorted(os.path.relpath(p, root) for p in project.importers(utils)) == [
        "src/app/llm/openai/gpt.py",
        "src/app/routes/chat.py",
    ]


def test_a_monorepo_package_resolves_from_an_app_elsewhere_in_the_tree(tmp_path: Path) -> None:
    # packages/python holds the distribution (its pyproject.toml) of `core` and the
    # namespace package `agent`; the app imports them by their installed names.
    root = _tree(
        tmp_path,
        {
            "packages/python/pyproject.toml": "[project]\nname = 'x'\n",
            "packages/python/core/__init__.py": "",
            "packages/python/core/llm.py": PROVIDER,
            "packages/python/agent/explain/agent.py": "from core.llm import stream_chat\n",
            "apps/api/app/routes.py": "from agent.explain.agent import stream_chat\n",
            "apps/web/core/__init__.py": "",  # another `core`: not a distribution's
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    routes = str(root / "apps/api/app/routes.py")
    agent = str(root / "packages/python/agent/explain/agent.py")
    assert project.resolve(routes, "agent.explain.agent.stream_chat") == (agent, ["stream_chat"])
    # Two folders named `core`: the distribution's is taken.
    llm = str(root / "packages/python/core/llm.py")
    assert project.resolve(routes, "core.llm.stream_chat") == (llm, ["stream_chat"])
    assert project.importers(agent) == [routes]
    assert project.importers(llm) == [agent]
    # A first name no folder of the tree holds stays outside it.
    assert project.resolve(routes, "fastapi.APIRouter") is None


def test_two_package_folders_of_one_name_outside_distributions_resolve_to_neither(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            "one/shared/util.py": "def f(): ...\n",
            "two/shared/util.py": "def f(): ...\n",
            "apps/run.py": "from shared.util import f\n",
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    assert project.resolve(str(root / "apps/run.py"), "shared.util.f") is None


def test_a_name_reexported_by_a_package_resolves_to_its_defining_module(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "swarm/__init__.py": "from .core import Swarm\n",
            "swarm/core.py": "class Swarm: ...\n",
            "cli.py": "from swarm import Swarm\n",
            # No __init__ in the tree (a partial checkout): the one module defining it.
            "kit/repl/repl.py": "def run_demo_loop(): ...\n",
            "kit/repl/other.py": "def helper(): ...\n",
            "run.py": "from kit.repl import run_demo_loop\n",
        },
    )
    project = Project(Workspace(root=str(root), cwd=str(root)))
    core = str(root / "swarm/core.py")
    assert project.resolve(str(root / "cli.py"), "swarm.Swarm") == (core, ["Swarm"])
    # Its importers include those that take the name through the package.
    assert project.importers(core) == [str(root / "swarm/__init__.py"), str(root / "cli.py")]
    repl = str(root / "kit/repl/repl.py")
    assert project.resolve(str(root / "run.py"), "kit.repl.run_demo_loop") == (
        repl,
        ["run_demo_loop"],
    )
    assert project.importers(repl) == [str(root / "run.py")]


def test_another_files_question_keeps_the_units_document_alive(tmp_path: Path) -> None:
    """The unit's analysis is handed out again (``project._current``) while its document is
    kept alive only by a reference cycle: the collector may free the document in the middle
    of the question unless the question itself holds it (a crash on a real repository)."""
    import gc

    from linter.python.analysis import analysis_of
    from linter.python.analysis.other_files import Loaded, load_document

    module = tmp_path / "llm.py"
    module.write_text("from openai import OpenAI\n\ndef ask():\n    return OpenAI()\n")
    project = Project(Workspace(str(tmp_path)))
    project.unit_path = str(module)
    document = load_document(str(module), project)
    assert document is not None
    analysis = analysis_of(document)
    assert analysis is not None and project._current
    cycle: list[object] = [document]
    cycle.append(cycle)  # the document's last holder is a cycle only the collector frees
    del document
    with Loaded(project, str(module)) as asked:
        assert asked is analysis
        del cycle
        gc.collect()
        assert asked.document.path == str(module)


def test_a_legacy_gemini_session_made_in_another_module_streams_with_a_literal_flag(
    tmp_path: Path,
) -> None:
    page = """\
        from app.setup import session


        def reply(q):
            for part in session.send_message(q, stream=True):
                print(part.text)
    """
    setup = """\
        import google.generativeai as genai

        session = genai.GenerativeModel("gemini-1.5-flash").start_chat()
    """
    root = _tree(tmp_path, {"app/__init__.py": "", "app/setup.py": setup, "app/page.py": page})
    [found] = lint([root], cwd=root, select=["PY001", "PY002"]).findings
    assert (found.code, os.path.relpath(found.path, root), found.line) == (
        "PY001",
        "app/page.py",
        5,
    )
    assert "it comes from app.setup, which imports google.generativeai" in found.message
    # The model is made out of sight of the call: its cap is not judged there (no PY002).
    # Without the literal flag, or when the module imports no google-generativeai (a
    # messaging client's ``send_message``), nothing streams.
    for name, text in (
        ("app/page.py", page.replace("stream=True", "stream=False")),
        ("app/setup.py", "from chatkit import Client\n\nsession = Client()\n"),
    ):
        _tree(tmp_path, {"app/page.py": page, "app/setup.py": setup, name: text})
        assert lint([root], cwd=root, select=["PY001"]).findings == [], name
