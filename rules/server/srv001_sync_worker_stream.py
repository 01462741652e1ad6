"""SRV001 sync-worker-stream: gunicorn's sync worker serves an app that streams."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.registry import Rule
from linter.server.model import ServerDocument
from rules.server._common import caveat_of, place_of, report, seconds, with_caveat, worker_name


def check(document: ServerDocument, settings: Settings) -> Iterator[Finding]:
    for launch in document.launches:
        if launch.server != "gunicorn" or not launch.streams():
            continue
        worker = launch.setting("worker_class", caveated=True)
        threads = launch.setting("threads", caveated=True)
        if worker.value is None or worker_name(worker.value) != "sync":
            continue
        thread_count = seconds(threads.value)
        if thread_count is None or thread_count > 1:
            continue  # gunicorn runs gthread when sync is given more than one thread
        app = f"`{launch.app}`" if launch.app and not launch.app.endswith("::") else "the app"
        chosen = (
            f"the sync worker ({worker.origin})"
            if worker.place is not None
            else "the sync worker (gunicorn's default: no `-k`/`worker_class` is set)"
        )
        evidence = launch.stream_evidence()
        rests_on = [worker, threads]
        if launch.interface == "asgi":
            message = (
                f"gunicorn runs {app} with {chosen}, launched by {launch.launcher}, but the app is "
                f"ASGI and streams ({evidence}): a WSGI worker cannot serve it. Use "
                f"`-k uvicorn_worker.UvicornWorker` (or `uvicorn.workers.UvicornWorker`)."
            )
        else:
            timeout = launch.setting("timeout", caveated=True)
            rests_on.append(timeout)
            limit = seconds(timeout.value)
            if limit is not None and limit > 0:
                cut = (
                    f"the arbiter kills a sync worker that has not finished its request within "
                    f"`timeout` {timeout.value}s ({timeout.origin}), so every stream longer than "
                    f"that is cut mid-answer"
                )
                if limit >= settings.max_stream:
                    cut = (
                        f"`timeout` {timeout.value}s ({timeout.origin}) outlasts the stream budget, "
                        f"but each stream holds a whole worker process for its length, so a few "
                        f"slow answers stall every other request"
                    )
            else:
                cut = (
                    "each stream holds a whole worker process for its length, so a few slow "
                    "answers stall every other request"
                )
            message = (
                f"gunicorn runs {app} with {chosen}, launched by {launch.launcher}, and the app "
                f"streams ({evidence}): {cut}. Use `--threads 8` (gthread) or "
                f"`-k gevent`, or an ASGI server."
            )
        caveat = caveat_of(*rests_on)
        message, severity = with_caveat(message, caveat)
        found = report(RULE, document, place_of(launch, worker), message, severity=severity)
        if found is not None:
            yield found


RULE = Rule(
    code="SRV001",
    name="sync-worker-stream",
    kind="server",
    summary="gunicorn's sync worker serves an app that streams (killed at `timeout` mid-stream)",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    doc="""\
## What it does
Finds a gunicorn launch (Dockerfile `CMD`/`ENTRYPOINT`, compose `command`, Procfile, entry
script, systemd unit `ExecStart`, `gunicorn.conf.py`, a Kubernetes container's
`command`/`args`/`env`) whose worker class is `sync` (written, or gunicorn's default when
neither `-k`, `GUNICORN_CMD_ARGS` nor `worker_class` in the config file sets one, and
`threads` is 1), when the app it serves streams: the app module named on the command line is a
file of the tree that (itself or a local module it imports) returns a `StreamingResponse` or
`EventSourceResponse`, uses Flask's `stream_with_context` or builds a Flask `Response` from a
generator; or the app is an LLM proxy (LiteLLM, vLLM); or the server runs in an image built
elsewhere that is named for an LLM server or gateway (`ghcr.io/acme/litellm-gateway`; not the
word `llm` alone, nor a model family). The finding names the evidence. A `StreamingResponse`
whose body is held whole (`iter([data])`, `io.BytesIO(...)`) or sent as an attachment
(`Content-Disposition: attachment`) is a download, not evidence. A module the app or its
imports name that is not a file of the tree while its package folder is (a partial checkout:
`from app import create_app` with `app/` but no `app/__init__.py`) is read through that
folder's modules, and the evidence says so. An entry script is followed through its `cd`
(to a folder of the tree, relative or from `$(cd "$(dirname "$0")/.." && pwd)`).

## Why is this bad
The sync worker handles one request at a time and does not report to the arbiter while it
does: a request that takes longer than `timeout` (30s by default) gets the worker killed,
mid-stream, and the reader sees a cut answer. Even with a long `timeout`, each stream holds a
whole worker process for its length. An ASGI app (FastAPI, Starlette) under a WSGI worker
cannot be served at all. The gthread worker (`threads` > 1), gevent, and the uvicorn workers
keep the arbiter informed while streams run.

## Fix safety
No fix: the worker class changes concurrency and memory (threads share the process), and an
ASGI worker needs its package installed. The message says what to use.

## References
- gunicorn: [worker_class, timeout, threads](https://docs.gunicorn.org/en/stable/settings.html#worker-class)
- gunicorn: [design, sync workers](https://docs.gunicorn.org/en/stable/design.html#sync-workers)
""",
)
