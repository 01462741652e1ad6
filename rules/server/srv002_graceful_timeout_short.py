"""SRV002 graceful-timeout-short: a restart cuts streams still running after the graceful
timeout."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Edit, Finding, Severity
from linter.registry import Rule
from linter.server.model import GRACEFUL_NAMES, ServerDocument
from rules.server._common import place_of, report, seconds, with_caveat


def check(document: ServerDocument, settings: Settings) -> Iterator[Finding]:
    budget = settings.max_stream
    for launch in document.launches:
        if not launch.streams():
            continue
        graceful = launch.setting("graceful_timeout", caveated=True)
        limit = seconds(graceful.value)
        if limit is None or limit <= 0 or limit >= budget:
            continue  # unknown, none (uvicorn's default), or long enough
        name = GRACEFUL_NAMES.get(launch.server, "graceful timeout")
        message = (
            f"{launch.server} {name} is {graceful.value}s ({graceful.origin}), launched by "
            f"{launch.launcher}, below the stream budget max-stream {budget:g}s, and the app "
            f"streams ({launch.stream_evidence()}): every deploy, reload"
            f"{' and max_requests recycle' if launch.server == 'gunicorn' else ''} cuts the "
            f"answers still streaming after {graceful.value}s. "
            + (
                f"Add `{name} = {budget:.0f}` to {launch.config_file}."
                if graceful.place is None
                and launch.config_file is not None
                and launch.server == "gunicorn"
                else f"Raise it to at least {budget:g}s."
            )
        )
        fix = None
        place = graceful.place
        source = document.sources.get(place.path) if place is not None else None
        if place is not None and source is not None:
            written = source.text[place.start : place.end]
            inner = (
                written[1:-1] if written[:1] in "'\"" and written[-1:] == written[:1] else written
            )
            if inner.isdigit():  # a number written in place (not an expression, not the env)
                start = place.start + (len(written) - len(inner)) // 2
                fix = RULE.make_fix(
                    [Edit(place.path, start, start + len(inner), f"{budget:.0f}")],
                    f"raise {name} to {budget:.0f}s (max-stream)",
                )
        message, severity = with_caveat(message, graceful.caveat)
        found = report(
            RULE,
            document,
            place_of(launch, graceful, "graceful_timeout"),
            message,
            severity=severity,
            fix=fix,
        )
        if found is not None:
            yield found


RULE = Rule(
    code="SRV002",
    name="graceful-timeout-short",
    kind="server",
    summary="a server's graceful timeout below the stream budget (`max-stream`) cuts streams on restart",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    check=check,
    doc="""\
## What it does
For an app server whose app streams (see SRV001 for the evidence), finds a graceful shutdown
timeout below the stream budget `max-stream` (900s by default, a top-level setting): gunicorn's
`graceful_timeout` (30s by default, `--graceful-timeout`, `GUNICORN_CMD_ARGS` or the config
file), uvicorn's `--timeout-graceful-shutdown` / `timeout_graceful_shutdown=` when set
(uvicorn waits without a limit by default; `fastapi run`, `vllm serve` and `litellm` run uvicorn
with none), hypercorn's `graceful_timeout` (3s by default, `--graceful-timeout` or its `-c`
TOML / `file:` config) and granian's `--workers-kill-timeout` when set (it waits by default).
`litellm --run_gunicorn` runs gunicorn with its default 30s, `--run_hypercorn` hypercorn with
its 3s. Values come from the command line, the environment (compose `environment:` and
`env_file:`, Dockerfile `ENV`, a Kubernetes container's `env`) and the compose project's
`.env`, each named where it is set; a value a Helm template takes from `values.yaml` is
reported at its line there, with the template line it is written into. A gunicorn launched by
a Kubernetes container with no command of its own (only `GUNICORN_CMD_ARGS`) is judged on
what that variable sets: the rest is the image's, and unknown. A compose `env_file:` that is
not in the tree (a gitignored `.env`) does not silence a gunicorn or uvicorn launch: its
`.env.example`/`.env.sample` beside it is read as its template when there is one; else the
finding is reported as `info`, with the caveat "unless <file>, not in the tree, sets
GUNICORN_CMD_ARGS". A default is reported in the gunicorn config file the launch reads
(`-c`, or `./gunicorn.conf.py` of its working folder), where it would be set. A systemd
unit's `ExecStart` is a launch line with the unit's `Environment=`/`EnvironmentFile=`. A
Dockerfile whose CMD a compose service replaces with its own `command:` is judged on its own
too (`docker run` runs its CMD). A `gunicorn.conf.py` that no launch line names is judged for
the one app a module beside it defines (gunicorn started in that folder loads it by itself, as
platforms such as Azure App Service do), and said so; with no such module, or several, the app
is unknown and nothing is reported.

## Why is this bad
On every deploy, `kill -HUP` reload, and (gunicorn) `max_requests` recycle, workers get the
graceful timeout to finish their requests and are then killed. Streams still running are cut
mid-answer. LLM answers that stream for minutes need a graceful timeout at least as long as the
longest answer.

## Fix safety
Unsafe (applied with `--unsafe-fixes`): where the timeout is a number written in place (a
command-line value, a config-file assignment, a `uvicorn.run` keyword), the fix writes
`max-stream` there. A longer graceful timeout makes deploys and reloads wait longer for the
streams in flight: a behaviour change, and the value is a choice. Set `max-stream` to the
longest answer your service allows. A default, an expression or a value from the environment
is not changed.

## References
- gunicorn: [graceful_timeout](https://docs.gunicorn.org/en/stable/settings.html#graceful-timeout)
- uvicorn: [--timeout-graceful-shutdown](https://www.uvicorn.org/settings/#timeouts)
- hypercorn: [configuration (graceful_timeout)](https://hypercorn.readthedocs.io/en/latest/how_to_guides/configuring.html)
- granian: [options (--workers-kill-timeout)](https://github.com/emmett-framework/granian#options)
""",
)
