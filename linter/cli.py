"""The command line: `streamproof [check] PATHS`, `streamproof rule CODE`, `streamproof rules`.

Results go to stdout; diagnostics to stderr. Exit status: 0 nothing but `info` found, 1 errors
or warnings remain, 2 usage error, a file that could not be read or parsed, or a bug.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from linter import __version__, registry
from linter.config import SettingsResolver
from linter.config_files import ConfigError
from linter.model import Finding, Severity
from linter.reporters import FORMATS, ReportContext, printable, printable_json, renderer
from linter.reporters.summary import Counts
from linter.reporters.summary import statistics as statistics_table
from linter.runner import RunOptions, RunResult, run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
JSON_FORMATS = frozenset({"json", "json-lines", "sarif", "gitlab"})


def _echo(text: str, *, err: bool = False, nl: bool = True, json_text: bool = False) -> None:
    """Print what streamproof says: file names that are not UTF-8 never break the output."""
    click.echo(printable_json(text) if json_text else printable(text), err=err, nl=nl)


def _tolerant_streams() -> None:
    # A stdout that cannot encode a character (a pipe in an ASCII locale, a Windows console)
    # prints an escape instead of raising half way through the report.
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


class DefaultCheckGroup(click.Group):
    """`streamproof PATHS` means `streamproof check PATHS`, as `ruff PATHS` once did."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _tolerant_streams()
        try:
            return super().main(*args, **kwargs)
        except Exception:
            # A bug of ours: exit 2 (an error), never 1, which would read as "findings".
            import traceback  # (only then: it costs a pre-commit run 5 ms to import)

            traceback.print_exc()
            click.echo(
                "streamproof: internal error: a bug in streamproof; please report it with the "
                "traceback above",
                err=True,
            )
            sys.exit(EXIT_ERROR)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # Click would say "Aborted!" and exit 1, which reads as "findings": an interrupted
            # run found nothing to rely on.
            click.echo("\nstreamproof: interrupted", err=True)
            raise click.exceptions.Exit(EXIT_ERROR) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _split(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    items: list[str] = []
    for value in values:
        items.extend(v.strip() for v in value.split(",") if v.strip())
    return items


def _color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _report_context(result: RunResult, cwd: str, unsafe: bool) -> ReportContext:
    workspace = getattr(result, "workspace", None)

    def source_for(path: str) -> Any:
        if workspace is None:
            return None
        # As the kind read it (a Python coding cookie, NGINX bytes), when it was read.
        absolute = os.path.abspath(path)
        original = workspace.original_source(absolute)
        if original is not None:
            fixed = workspace.overlay.get(absolute)
            return original if fixed is None else original.with_text(fixed)
        try:
            return workspace.read_source(path, honour_coding_cookie=path.endswith((".py", ".pyi")))
        except Exception:
            return None

    return ReportContext(
        cwd=cwd,
        root=result.root,
        source_for=source_for,
        color=_color(),
        unsafe_fixes=unsafe,
        tool_version=__version__,
        rules_run=tuple(sorted(result.rules_run)),
    )


def exit_status(findings: Sequence[Finding], errors: Sequence[str], exit_zero: bool) -> int:
    if errors or any(f.fatal for f in findings):
        return EXIT_ERROR
    if any(f.severity is not Severity.INFO for f in findings):
        return EXIT_CLEAN if exit_zero else EXIT_FINDINGS
    return EXIT_CLEAN


@click.group(cls=DefaultCheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="streamproof")
def main() -> None:
    """streamproof: find why LLM answers arrive broken (NGINX, LiteLLM YAML, Python)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also offer and apply unsafe fixes."
)
@click.option("--diff", is_flag=True, help="Show the fixes as a diff; write nothing.")
@click.option(
    "--add-ignore",
    is_flag=True,
    help="Write `# streamproof: ignore[CODE] -- reason` comments for every finding (to adopt "
    "streamproof on an existing project); with --diff, show them only.",
)
@click.option(
    "--add-ignore-reason",
    metavar="TEXT",
    help="The reason --add-ignore writes after `--` (default: 'added by --add-ignore').",
)
@click.option(
    "--select", multiple=True, help="Rules to enable (codes, prefixes, names; comma-separated)."
)
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help="How to print findings (default: full). `--format` is the same option.",
)
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when findings remain (never hides exit 2)."
)
@click.option("--config", "config_path", type=click.Path(), help="Use this config file only.")
@click.option(
    "--force-exclude", is_flag=True, help="Apply `exclude` to files named on the command line too."
)
@click.option(
    "--stdin-filename",
    help="Read the file's content from stdin (as the path `-` does); report it under this "
    "name, whose extension says its kind.",
)
@click.option("--nginx-version", help="The nginx version the configs run on (e.g. 1.29.7).")
@click.option(
    "--nginx-context",
    type=click.Choice(["main", "http", "server", "location", "upstream"]),
    help="Lint NGINX fragments as if inside this block.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option(
    "-j",
    "--jobs",
    type=int,
    default=None,
    help="Worker processes (default: by the number of files).",
)
def check(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool | None,
    diff: bool,
    add_ignore: bool,
    add_ignore_reason: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str | None,
    statistics: bool,
    exit_zero: bool,
    config_path: str | None,
    force_exclude: bool,
    stdin_filename: str | None,
    nginx_version: str | None,
    nginx_context: str | None,
    quiet: bool,
    jobs: int | None,
) -> None:
    """Check files (default: the current folder) and optionally fix them."""
    cwd = os.getcwd()
    overrides: dict[str, Any] = {
        "select": _split(select),
        "extend-select": _split(extend_select),
        "ignore": _split(ignore),
        "nginx-version": nginx_version,
        "nginx-context": nginx_context,
    }
    if config_path is not None and not os.path.isfile(config_path):
        _echo(f"streamproof: error: {config_path}: config file not found", err=True)
        sys.exit(EXIT_ERROR)
    usage = _add_ignore_usage(add_ignore, add_ignore_reason, fix)
    if usage:
        _echo(f"streamproof: error: {usage}", err=True)
        sys.exit(EXIT_ERROR)
    paths, stdin_filename = _stdin_paths(paths, stdin_filename)
    resolver = SettingsResolver(overrides=overrides, explicit_config=config_path, cwd=cwd)
    stdin_data = sys.stdin.buffer.read() if stdin_filename is not None else None
    options = RunOptions(
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        force_exclude=force_exclude,
        stdin_filename=stdin_filename,
        stdin_data=stdin_data,
        jobs=jobs,
        add_ignore=(_default_reason() if add_ignore_reason is None else add_ignore_reason)
        if add_ignore
        else None,
    )
    try:
        # Validate the configuration of the starting folder before any work.
        resolver.for_path(os.path.abspath(paths[0]) if paths else cwd)
        result = run(paths, resolver, options)
    except ConfigError as exc:
        _echo(f"streamproof: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)

    unsafe = (
        bool(unsafe_fixes)
        if unsafe_fixes is not None
        else any(s.unsafe_fixes for s in resolver._by_config.values())
    )
    context = _report_context(result, cwd, unsafe)
    _say_not_checked(result, context)
    for message in result.errors:
        _echo(f"streamproof: error: {message}", err=True)

    fmt = output_format or "full"
    fixed = sum(len(change.fixed) for change in result.changes)
    if stdin_filename is not None and (fix or add_ignore):
        # Editors: the fixed text on stdout, the remaining findings on stderr. Only the stdin
        # text can change (the runner applies no fix to another file in this mode).
        given = set(result.workspace.stdin) if result.workspace is not None else set()
        change = next((c for c in result.changes if c.path in given), None)
        if change is not None:
            sys.stdout.buffer.write(change.before.with_text(change.after).encode())
        else:
            sys.stdout.buffer.write(stdin_data or b"")
        _echo(renderer("concise")(result.findings, context), err=True, nl=False)
        sys.exit(exit_status(result.findings, result.errors, exit_zero))

    if diff:
        for change in result.changes:
            _echo(change.unified_diff(context.display_path(change.path)), nl=False)
        # What a run changes, or would, is said on stderr (--fix's summary too): stdout holds
        # the diff alone, which `git apply` takes as it is.
        if result.changes and not quiet and add_ignore:
            _echo(_added_summary(result, "Would add"), err=True)
        elif result.changes and not quiet:
            n = sum(len(c.fixed) for c in result.changes)
            _echo(
                f"Would fix {n} problem{'s' if n != 1 else ''} in {len(result.changes)} file{'s' if len(result.changes) != 1 else ''}.",
                err=True,
            )
        status = exit_status([f for f in result.findings if f.fatal], result.errors, False)
        sys.exit(status if status else (EXIT_FINDINGS if result.changes else EXIT_CLEAN))

    if statistics:
        _echo(statistics_table(result.findings, unsafe), nl=False)
    else:
        output = renderer(fmt)(result.findings, context)
        if output and (result.findings or fmt not in ("full", "concise")):
            _echo(output, nl=False, json_text=fmt in JSON_FORMATS)
    if add_ignore and result.changes and not quiet:
        _echo(_added_summary(result, "Added"), err=True)
    if fmt in ("full", "concise") and not quiet:
        summary = Counts.of(result.findings, unsafe).line(fixed if fix else 0)
        if summary:
            gap = "\n" if fmt == "full" and result.findings and not statistics else ""
            # A check's count goes with its findings (stdout); what --fix changed goes where
            # --diff says what it would change (stderr).
            _echo(gap + summary, err=fix)
    sys.exit(exit_status(result.findings, result.errors, exit_zero))


STDIN_NAME = "-"


def _say_not_checked(result: RunResult, context: ReportContext) -> None:
    """A file named on the command line that no kind reads: a note saying so and why."""
    for path, why in sorted(result.not_checked.items()):
        _echo(f"streamproof: note: {context.display_path(path)} not checked: {why}", err=True)


def _stdin_paths(
    paths: tuple[str, ...], stdin_filename: str | None
) -> tuple[tuple[str, ...], str | None]:
    """`-` as the path reads standard input, as in ruff; --stdin-filename names it (its
    extension gives the kind; without it, the content decides). With --stdin-filename, other
    paths are ignored, and said to be."""
    if stdin_filename is not None:
        for path in paths:
            if path != STDIN_NAME:
                _echo(
                    f"streamproof: warning: ignoring {path}: --stdin-filename reads standard input",
                    err=True,
                )
        return (), stdin_filename
    if STDIN_NAME in paths:
        if len(paths) > 1:
            _echo("streamproof: error: `-` (standard input) must be the only path", err=True)
            sys.exit(EXIT_ERROR)
        return (), STDIN_NAME
    return paths, None


def _default_reason() -> str:
    from linter.add_ignore import DEFAULT_REASON

    return DEFAULT_REASON


def _add_ignore_usage(add_ignore: bool, reason: str | None, fix: bool) -> str | None:
    if reason is not None and not add_ignore:
        return "--add-ignore-reason needs --add-ignore"
    if add_ignore and fix:
        return "--add-ignore and --fix cannot be used together: fix first, then add ignores"
    if reason is None:
        return None
    from linter.add_ignore import check_reason  # (only then: a plain check never needs it)

    return check_reason(reason)


def _added_summary(result: RunResult, verb: str) -> str:
    findings = sum(len(change.fixed) for change in result.changes)
    files = len(result.changes)
    return (
        f"{verb} ignore comments for {findings} finding{'s' if findings != 1 else ''} "
        f"in {files} file{'s' if files != 1 else ''}."
    )


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Show a rule's documentation (by code or name)."""
    from linter.config import closest
    from linter.ruledoc import render_rule

    rule = registry.get_rule(code)
    if rule is None:
        hint = closest(code.upper(), [e.code for e in registry.catalogue()]) or closest(
            code, [e.name for e in registry.catalogue()]
        )
        click.echo(
            f"streamproof: error: unknown rule {code!r}"
            + (f"; did you mean {hint!r}?" if hint else ""),
            err=True,
        )
        sys.exit(EXIT_ERROR)
    click.echo(render_rule(rule), nl=False)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text")
def rules_command(fmt: str) -> None:
    """List every rule: code, name, fix level and summary."""
    from linter.ruledoc import rules_table

    click.echo(rules_table(markdown=fmt == "markdown"), nl=False)


class _ProgressBar:
    """A one-line progress bar on stderr, only on a terminal and only for long runs."""

    MIN_UNITS = 20

    def __init__(self) -> None:
        self.enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.MIN_UNITS:
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


@main.command("audit")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--output-format",
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "json"]),
    default="terminal",
    help="terminal (aligned tables), markdown (for an issue or a pull request) or json. "
    "`--format` is the same option.",
)
@click.option("--config", "config_path", type=click.Path(), help="Use this config file only.")
@click.option("--nginx-version", help="The nginx version the configs run on (e.g. 1.29.7).")
@click.option("-j", "--jobs", type=int, default=None, help="Worker processes.")
def audit_command(
    paths: tuple[str, ...],
    fmt: str,
    config_path: str | None,
    nginx_version: str | None,
    jobs: int | None,
) -> None:
    """Show where streams break: each streaming route, deployment and stream call with its
    effective settings and where they come from, the findings, and what to fix first."""
    from linter.audit import RENDERERS

    cwd = os.getcwd()
    if config_path is not None and not os.path.isfile(config_path):
        _echo(f"streamproof: error: {config_path}: config file not found", err=True)
        sys.exit(EXIT_ERROR)
    resolver = SettingsResolver(
        overrides={"nginx-version": nginx_version}, explicit_config=config_path, cwd=cwd
    )
    bar = _ProgressBar()
    options = RunOptions(audit=True, jobs=jobs, progress=bar)
    try:
        resolver.for_path(os.path.abspath(paths[0]) if paths else cwd)
        result = run(paths, resolver, options)
    except ConfigError as exc:
        _echo(f"streamproof: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    finally:
        bar.close()
    for message in result.errors:
        _echo(f"streamproof: error: {message}", err=True)
    context = _report_context(result, cwd, unsafe=False)
    _say_not_checked(result, context)
    if fmt != "terminal":
        context.color = False
    _echo(
        RENDERERS[fmt](
            result.audit_rows,
            result.findings,
            context,
            result.files_checked,
            paths=result.stack_paths,
        ),
        nl=False,
        json_text=fmt == "json",
    )
    sys.exit(exit_status(result.findings, result.errors, exit_zero=False))
