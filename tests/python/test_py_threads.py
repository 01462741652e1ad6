"""A stream read in another thread: judged where the thread's outcome comes out (or in the
thread alone), and the message says which thread, and what the reader of its queue sees."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint

PRODUCER = """\
    import queue
    import threading
    import openai

    client = openai.OpenAI()

    def produce(q, out):
        {body}

    def answer(q):
        out = queue.Queue()
        threading.Thread(target=produce, args=(q, out)).start()
        while (text := out.get()) is not None:
            yield text
    """

LOOP = """\
stream = client.chat.completions.create(model="m", messages=q, stream=True)
        for chunk in stream:
            out.put(chunk)"""


def _messages(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(source))
    return [(f.line, f.message) for f in lint([path], cwd=tmp_path, select=["PY001"]).findings]


def test_a_thread_without_an_end_marker_leaves_its_reader_waiting(tmp_path: Path) -> None:
    body = LOOP + "\n        out.put(None)"
    [(line, message)] = _messages(tmp_path, PRODUCER.format(body=body))
    assert line == 9
    assert "produce() runs in a thread (`threading.Thread` on line 15)" in message
    assert "no caller's try sees it" in message
    assert "the reader waiting on its queue waits forever" in message


def test_a_thread_whose_finally_puts_the_marker_ends_the_answer_as_complete(
    tmp_path: Path,
) -> None:
    body = (
        "try:\n            "
        + LOOP.replace("\n", "\n    ")
        + "\n        finally:\n            out.put(None)"
    )
    [(line, message)] = _messages(tmp_path, PRODUCER.format(body=body))
    assert line == 10
    assert "takes the end marker its `finally` puts" in message


def test_a_try_around_starting_the_thread_is_no_guard(tmp_path: Path) -> None:
    source = PRODUCER.format(body=LOOP).replace(
        "        threading.Thread(target=produce, args=(q, out)).start()",
        "        try:\n            threading.Thread(target=produce, args=(q, out)).start()\n"
        "        except Exception:\n            return",
    )
    assert [line for line, _ in _messages(tmp_path, source)] == [9]


def test_an_awaited_to_thread_is_guarded_by_the_try_around_the_await(tmp_path: Path) -> None:
    source = """\
        import asyncio
        import openai

        client = openai.OpenAI()

        def collect(q):
            return [c for c in client.chat.completions.create(model="m", messages=q, stream=True)]

        async def guarded(q):
            try:
                return await asyncio.to_thread(collect, q)
            except Exception:
                return []
        """
    assert _messages(tmp_path, source) == []
    unguarded = (
        source.replace("            try:\n", "")
        .replace("            except Exception:\n                return []\n", "")
        .replace("                return await", "            return await")
    )
    [(line, message)] = _messages(tmp_path, unguarded)
    assert line == 7
    assert "collect() runs in a thread (line 10) whose outcome is taken on line 10" in message


def test_methods_run_in_threads_are_judged_like_functions(tmp_path: Path) -> None:
    # A method as a Thread target is judged inside itself; one submitted to an executor is
    # guarded by the try around its future's result().
    source = """\
        import threading
        from concurrent.futures import ThreadPoolExecutor

        import openai


        class Bot:
            def __init__(self):
                self.client = openai.OpenAI()
                self.pool = ThreadPoolExecutor()

            def _produce(self, q, out):
                for chunk in self.client.chat.completions.create(model="m", messages=q, stream=True):
                    out.append(chunk)

            def start(self, q, out):
                try:
                    threading.Thread(target=self._produce, args=(q, out)).start()
                except Exception:
                    pass

            def _collect(self, q):
                return [c for c in self.client.chat.completions.create(model="m", messages=q, stream=True)]

            def collect(self, q):
                future = self.pool.submit(self._collect, q)
                try:
                    return future.result()
                except Exception:
                    return []
        """
    [(line, message)] = _messages(tmp_path, source)
    assert line == 13
    assert "_produce() runs in a thread (`threading.Thread` on line 18)" in message
