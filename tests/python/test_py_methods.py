"""A method's stream loop judged at the callers of the method across the tree, found by its
name (linter/python/analysis/methods.py), and a ``try`` around a generator's creation, which
guards nothing of its iteration."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from helpers import lint

LLM = """\
    import anthropic


    class Claude:
        def __init__(self):
            self.client = anthropic.Anthropic()

        def stream_answer(self, question):
            with self.client.messages.stream(model="m", max_tokens=9, messages=[]) as stream:
                for text in stream.text_stream:
                    yield text
"""
GUARDED = """\
    class Answers:
        def __init__(self, llm):
            self.llm = llm

        def answer(self, question):
            try:
                return "".join(self.llm.stream_answer(question))
            except Exception:
                return "[answer incomplete]"
"""
UNGUARDED = """\
    def main(assistant, question):
        for text in assistant.stream_answer(question):
            print(text)
"""


def _found(tmp_path: Path, files: dict[str, str], **settings: object) -> list[tuple[str, int, str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = lint([tmp_path], cwd=tmp_path, select=["PY001"], **settings)
    assert not result.errors, result.errors
    return [(os.path.relpath(f.path, tmp_path), f.line, f.message) for f in result.findings]


def test_every_caller_found_by_name_guards_so_the_method_loop_is_guarded(tmp_path: Path) -> None:
    assert _found(tmp_path, {"app/__init__.py": "", "app/llm.py": LLM, "app/web.py": GUARDED}) == []


def test_the_unguarded_consumer_loop_is_reported_naming_the_method(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/web.py": GUARDED,
        "app/cli.py": UNGUARDED,
    }
    [(path, line, message)] = _found(tmp_path, files)
    assert (path, line) == ("app/cli.py", 2)
    assert "stream_answer() of app.llm, a generator method yielding messages.stream()" in message
    # The method's loop reads the stream with no guard on the way: with
    # `report-reading-loop`, reported too, naming the consumer.
    both = {"rules": {"PY001": {"report-reading-loop": True}}}
    [consumer, (reader, _, why)] = _found(tmp_path, files, **both)
    assert consumer == (path, line, message)
    assert reader == "app/llm.py"
    assert "its consumer in app.cli (line 2) does not guard it, reported there too" in why
    # A pre-commit run on the consumer alone gives the same finding.
    alone = lint([tmp_path / "app/cli.py"], cwd=tmp_path, select=["PY001"]).findings
    assert [(f.line, f.message) for f in alone] == [(line, message)]


def test_a_function_named_like_the_method_does_not_hide_its_calls(tmp_path: Path) -> None:
    # A caller file with a module-level ``stream_answer`` of its own (a route named like
    # the method it calls): ``assistant.stream_answer()`` there is still the method's call,
    # judged as any other (here handed to the framework, which iterates it unguarded).
    handed = """\
        from fastapi.responses import StreamingResponse

        from app.llm import Claude

        assistant = Claude()


        def stream_answer(question):
            return StreamingResponse(assistant.stream_answer(question), media_type="text/plain")
    """
    files = {"app/__init__.py": "", "app/llm.py": LLM, "app/web.py": handed}
    [(path, line, message)] = _found(tmp_path, files)
    assert (path, line) == ("app/llm.py", 10)
    assert "its caller in app.web (line 9) passes it on" in message


def test_a_caller_that_returns_the_generator_hands_the_verdict_up(tmp_path: Path) -> None:
    relay = """\
        def relay(assistant, question):
            try:
                return assistant.stream_answer(question)
            except Exception:
                return iter(())
    """
    files = {"app/__init__.py": "", "app/llm.py": LLM, "app/relay.py": relay}
    # The try around the creation is no guard, and relay() has no caller: reported at the
    # loop, naming the relay.
    [(path, line, message)] = _found(tmp_path, files)
    assert (path, line) == ("app/llm.py", 10)
    assert "its caller in app.relay (line 3) does not guard it" in message


def test_a_name_another_class_defines_too_only_counts_when_every_caller_agrees(
    tmp_path: Path,
) -> None:
    other = "class Echo:\n    def stream_answer(self, question):\n        yield question\n"
    files = {
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/echo.py": other,
        "app/web.py": GUARDED,
        "app/cli.py": UNGUARDED,
    }
    # The unguarded call may be Echo's: nothing is known of the loop's consumers, and it is
    # not reported as if nobody called it (the callers exist; precision first).
    assert _found(tmp_path, files) == []
    # Without the guarded caller, every caller agrees (unguarded): reported, naming it.
    (tmp_path / "app/web.py").unlink()
    del files["app/web.py"]
    [(path, line, message)] = _found(tmp_path, files)
    assert (path, line) == ("app/llm.py", 10)
    assert "its caller in app.cli (line 2) does not guard it" in message
    (tmp_path / "app/web.py").write_text(textwrap.dedent(GUARDED))
    files["app/web.py"] = GUARDED
    # Every caller guards: whichever class they call, the loop is guarded.
    del files["app/cli.py"]
    (tmp_path / "app/cli.py").unlink()
    assert _found(tmp_path, files) == []


def test_no_caller_anywhere_keeps_the_report_at_the_loop(tmp_path: Path) -> None:
    [(path, line, message)] = _found(tmp_path, {"app/__init__.py": "", "app/llm.py": LLM})
    assert (path, line) == ("app/llm.py", 10)
    assert "stream_answer() is not called in this file" in message


def test_a_try_around_the_creation_of_a_streamed_response_is_no_guard(tmp_path: Path) -> None:
    app = """\
        import openai
        from fastapi.responses import JSONResponse, StreamingResponse

        client = openai.OpenAI()


        def chat(messages):
            try:

                def gen():
                    for chunk in client.chat.completions.create(model="m", messages=messages, stream=True, max_tokens=9):
                        yield chunk.choices[0].delta.content or ""

                return StreamingResponse(gen())
            except Exception:
                return JSONResponse({"error": "no answer"})
    """
    [(path, line, message)] = _found(tmp_path, {"app.py": app})
    assert (path, line) == ("app.py", 11)
    assert "chat() hands it on to a call that iterates it later" in message


def test_a_tree_too_large_to_search_keeps_method_loops_judged_where_they_are(
    tmp_path: Path, monkeypatch
) -> None:
    """Past MAX_TREE_FILES Python files the callers are not searched (reading every file costs
    seconds in a pre-commit run): the loop is judged where it is, in one-file and whole-tree
    runs alike."""
    from linter.python.analysis import methods

    monkeypatch.setattr(methods, "MAX_TREE_FILES", 2)
    files = {"app/__init__.py": "", "app/llm.py": LLM, "app/web.py": GUARDED}
    found = _found(tmp_path, files)
    assert [(path, line) for path, line, _ in found] == [("app/llm.py", 10)]
    one = lint([tmp_path / "app/llm.py"], cwd=tmp_path, select=["PY001"]).findings
    assert [(os.path.relpath(f.path, tmp_path), f.line) for f in one] == [("app/llm.py", 10)]


PROVIDERS = Path(__file__).parents[2] / "fixtures/python/PY001"


def _fixture_found(name: str, tmp_path: Path) -> list[tuple[str, int, str]]:
    import shutil

    tree = tmp_path / name
    shutil.copytree(PROVIDERS / name, tree)
    result = lint([tree], cwd=tree, select=["PY001", "PY003"])
    assert not result.errors, result.errors
    return [(os.path.relpath(f.path, tree), f.line, f.message) for f in result.findings]


def test_providers_behind_a_base_are_judged_at_their_one_unguarded_consumer(
    tmp_path: Path,
) -> None:
    # The factory's module is not in the tree; the base class's default of the method is no
    # sibling taking the calls. One finding, at the consumer, naming a provider's generator.
    found = _fixture_found("bad_providers_from_a_factory_outside_the_tree", tmp_path)
    assert [(path, line) for path, line, _ in found] == [("chatapp/web.py", 18)]
    message = found[0][2]
    assert "complete_stream() of chatapp.providers." in message
    assert "(one of the 2 modules implementing it)" in message
    assert "no caller catches" not in message
    assert "`except RuntimeError:`" in message  # what the providers' handlers raise instead


def test_providers_behind_a_base_guarded_by_their_consumer_are_silent(tmp_path: Path) -> None:
    assert _fixture_found("good_providers_from_a_factory_outside_the_tree", tmp_path) == []
