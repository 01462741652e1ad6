"""Run the real nginx binary from tests: `nginx -t` on a config file or folder, and a live
nginx on 127.0.0.1 in a temporary prefix.

Nothing outside the temporary folder is written: the compiled-in paths of a distribution
build (`/var/log/nginx/access.log`, `/var/lib/nginx/body`, `/run/nginx.pid`) are replaced by
paths in the folder (the access log and temp paths of `http {}` through a prelude file, the
error log with `-e`, absolute `/etc/nginx`, `/var`, `/run` paths in copied files by a mirror
folder). Config fragments (a `conf.d` site file, a snippet of bare directives or `location`
blocks) are wrapped in the smallest main config that gives them their usual context.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NGINX_ENV = "STREAMPROOF_NGINX"
# Debian installs the binary in /usr/sbin, which a non-root PATH often lacks.
SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin", "/sbin")

# Stock files a distribution ships beside nginx.conf; a config may include them by name.
STOCK_DIR = Path("/etc/nginx")

# Top-level directives that only make sense in the main context.
MAIN_ONLY = {
    "events",
    "http",
    "stream",
    "mail",
    "user",
    "worker_processes",
    "pid",
    "load_module",
    "worker_rlimit_nofile",
    "worker_cpu_affinity",
    "worker_priority",
    "daemon",
    "master_process",
    "env",
    "pcre_jit",
    "thread_pool",
    "lock_file",
    "worker_shutdown_timeout",
    "working_directory",
    "timer_resolution",
    "ssl_engine",
}
# Top-level directives that put a fragment at http level (a conf.d / sites-enabled file).
HTTP_LEVEL = {
    "server",
    "upstream",
    "map",
    "geo",
    "split_clients",
    "limit_req_zone",
    "limit_conn_zone",
    "log_format",
    "proxy_cache_path",
    "fastcgi_cache_path",
    "uwsgi_cache_path",
    "scgi_cache_path",
    "types",
    "variables_hash_max_size",
    "variables_hash_bucket_size",
    "server_names_hash_max_size",
    "server_names_hash_bucket_size",
    "map_hash_max_size",
    "map_hash_bucket_size",
    "js_import",
    "js_path",
    "perl_modules",
    "perl_require",
}
# Top-level directives that put a snippet at server level.
SERVER_LEVEL = {"location", "listen", "server_name", "ssl_certificate", "ssl_certificate_key"}

# The http-level paths a distribution build puts under /var; set in every config we run.
PRELUDE_DIRECTIVES = (
    "access_log",
    "client_body_temp_path",
    "proxy_temp_path",
    "fastcgi_temp_path",
    "uwsgi_temp_path",
    "scgi_temp_path",
)

CONTEXT_COMMENT = re.compile(r"#\s*streamproof:\s*context\s+(?P<context>[a-z]+)")
# Absolute paths of a packaged nginx that a copied config may name.
MIRRORED = re.compile(r"(?<![\w./$-])/(?:etc/nginx|var|run)(?=/)")


# --- finding the binary -------------------------------------------------------------------


def nginx_binary() -> str | None:
    configured = os.environ.get(NGINX_ENV)
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("nginx")
    if found:
        return found
    for folder in SEARCH_DIRS:
        candidate = os.path.join(folder, "nginx")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def require_nginx() -> str:
    """The nginx binary; its absence fails the test under CI and skips it elsewhere."""
    from helpers import in_ci

    binary = nginx_binary()
    if binary is None:
        message = f"nginx binary not found (PATH, {', '.join(SEARCH_DIRS)} or ${NGINX_ENV})"
        if in_ci():
            pytest.fail(message + "; CI must install it (apt-get install nginx)")
        pytest.skip(message)
    return binary


def nginx_version(binary: str) -> str:
    proc = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=30)
    match = re.search(r"nginx/(\S+)", proc.stderr + proc.stdout)
    return match.group(1) if match else "unknown"


# --- a tokenizer just good enough to find top-level directives and block braces -----------


@dataclass(frozen=True)
class Statement:
    name: str
    args: tuple[str, ...]
    depth: int
    parent: str | None  # name of the enclosing block, None at top level
    open_brace: int | None  # offset just after `{` for a block, else None


def statements(text: str) -> list[Statement]:
    """Every directive with its nesting depth. Lua/JS `*_by_lua_block` bodies are skipped."""
    found: list[Statement] = []
    stack: list[str] = []
    words: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            words.append(text[i + 1 : j])
            i = j + 1
        elif c == ";":
            if words:
                found.append(
                    Statement(
                        words[0], tuple(words[1:]), len(stack), stack[-1] if stack else None, None
                    )
                )
            words = []
            i += 1
        elif c == "{":
            name = words[0] if words else ""
            found.append(
                Statement(name, tuple(words[1:]), len(stack), stack[-1] if stack else None, i + 1)
            )
            words = []
            i += 1
            if name.endswith("_by_lua_block") or name == "js_body_filter_block":
                i = _skip_braced(text, i)
            else:
                stack.append(name)
        elif c == "}":
            if stack:
                stack.pop()
            words = []
            i += 1
        else:
            j = i
            while j < n and text[j] not in " \t\r\n;{}\"'" and not (text[j] == "#" and j == i):
                if text[j] == "$" and j + 1 < n and text[j + 1] == "{":
                    close = text.find("}", j)
                    j = n if close < 0 else close + 1
                    continue
                j += 1
            words.append(text[i:j])
            i = j
    return found


def _skip_braced(text: str, i: int) -> int:
    depth = 1
    while i < len(text) and depth:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
        i += 1
    return i


def context_of(text: str, override: str | None = None) -> str:
    """The context a file is written for: main, http, server or location."""
    marked = CONTEXT_COMMENT.search(text)
    if override:
        return override
    if marked:
        return marked.group("context")
    top = {s.name for s in statements(text) if s.depth == 0}
    if top & MAIN_ONLY:
        return "main"
    if top & HTTP_LEVEL:
        return "http"
    if top & SERVER_LEVEL:
        return "server"
    return "location"


def includes(text: str) -> list[str]:
    return [s.args[0] for s in statements(text) if s.name == "include" and s.args]


# --- preparing a private copy -------------------------------------------------------------


def read(path: Path) -> str:
    """A config's text, byte-exact: nginx reads bytes, so CRLF and any encoding are kept."""
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))


@dataclass(frozen=True)
class Prepared:
    """A config ready for nginx: the main file to pass with -c, inside a private prefix."""

    prefix: Path
    main: Path
    context: str
    error_log: Path
    pid: Path
    conf_root: Path  # the copied files
    notes: tuple[str, ...] = ()
    own_pid: bool = False  # the main config names its pid file (mirrored into the prefix)

    def globals(self, *extra: str) -> list[str]:
        """`-g` directives: the pid file (even `nginx -t` opens it) unless the config names one."""
        directives = [*extra] if self.own_pid else [f"pid {self.pid};", *extra]
        return ["-g", " ".join(directives)] if directives else []


def _prelude(prefix: Path, present: set[str]) -> str:
    temp = prefix / "temp"
    lines = []
    for name in PRELUDE_DIRECTIVES:
        if name in present:
            continue
        if name == "access_log":
            lines.append(f"access_log {prefix / 'logs' / 'access.log'};")
        else:
            target = temp / name.replace("_temp_path", "")
            lines.append(f"{name} {target};")
    return "\n".join(lines) + "\n"


def mirror_paths(text: str, conf_dir: Path, mirror: Path, prefixes: Mapping[str, Path]) -> str:
    """Point absolute packaged paths into the private copy: the configured prefixes (the
    `nginx-prefix` setting) and `/etc/nginx` to the config folder, `/var`, `/run` to a mirror."""
    for absolute, local in sorted(prefixes.items(), key=lambda item: -len(item[0])):
        text = re.sub(
            r"(?<![\w./$-])" + re.escape(absolute.rstrip("/")) + r"(?=/|;|\s|$)", str(local), text
        )

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "/etc/nginx":
            return str(conf_dir)
        return str(mirror) + match.group(0)

    return MIRRORED.sub(replace, text)


def _make_parents(text: str, mirror: Path) -> None:
    for match in re.finditer(re.escape(str(mirror)) + r"/[^\s;\"']+", text):
        Path(match.group(0)).parent.mkdir(parents=True, exist_ok=True)


def _complete_stock_includes(text: str, conf_dir: Path) -> list[str]:
    """Copy the distribution's stock files (`proxy_params`, `mime.types`, ...) that a config
    includes by name but does not carry itself (read from /etc/nginx, never written there)."""
    copied = []
    for pattern in includes(text):
        if any(ch in pattern for ch in "*?[") or "$" in pattern:
            continue
        target = Path(pattern) if os.path.isabs(pattern) else conf_dir / pattern
        if target.exists():
            continue
        relative = os.path.relpath(target, conf_dir)
        stock = STOCK_DIR / relative
        if not relative.startswith("..") and stock.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stock, target)
            copied.append(f"stock file {relative} copied from {STOCK_DIR}")
    return copied


def prepare(
    main: Path,
    prefix: Path,
    *,
    context: str | None = None,
    conf_root: Path | None = None,
    conf_dir: Path | None = None,
    prefixes: Mapping[str, Path] | None = None,
    extra_http: str = "",
) -> Prepared:
    """Make `main` (a private copy, inside `conf_root`) runnable by nginx.

    `conf_dir` is the folder that plays /etc/nginx: relative includes resolve against it. For a
    full config it is the main file's folder; for a fragment, `conf_root` unless given. Every
    file under `conf_root` has its absolute packaged paths mirrored. A full config gets the
    prelude included at the top of its `http {}` (and `events {}` if it has none); a fragment
    gets a wrapper main file in `conf_dir` that includes it in its usual context.
    """
    conf_root = conf_root or main.parent
    text = read(main)
    kind = context_of(text, context)
    if kind == "main":
        conf_dir = main.parent
    conf_dir = conf_dir or conf_root
    mirror = prefix / "mirror"
    for sub in ("logs", "temp", "mirror"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    mapped = dict(prefixes or {})
    for file in sorted(p for p in conf_root.rglob("*") if p.is_file()):
        original = read(file)
        new = mirror_paths(original, conf_dir, mirror, mapped)
        _make_parents(new, mirror)
        notes.extend(_complete_stock_includes(new, conf_dir))
        if new != original:
            write(file, new)
            notes.append(f"absolute packaged paths in {file.relative_to(conf_root)} mirrored")
    text = read(main)
    prelude_file = prefix / "streamproof-prelude.conf"
    if kind == "main":
        http_level = {s.name for s in statements(text) if s.depth == 1 and s.parent == "http"}
        prelude_file.write_text(_prelude(prefix, http_level) + extra_http, encoding="utf-8")
        http = next((s for s in statements(text) if s.name == "http" and s.depth == 0), None)
        if http is not None and http.open_brace is not None:
            # On the brace's own line: the file's line numbers stay as they were.
            text = text[: http.open_brace] + f" include {prelude_file};" + text[http.open_brace :]
        if not any(s.name == "events" and s.depth == 0 for s in statements(text)):
            text += "\nevents {}\n"
            notes.append("events {} added: the main config has none")
        write(main, text)
        runnable = main
    else:
        # Beside the wrapper, inside the linted folder: streamproof lints a fragment through
        # the file that includes it, and an include it cannot read would make values unknown.
        prelude_file = conf_dir / "streamproof-prelude.conf"
        prelude_file.write_text(_prelude(prefix, set()) + extra_http, encoding="utf-8")
        inner = f"include {main};"
        if kind == "location":
            inner = (
                f"server {{\n        listen 127.0.0.1:{free_port()};\n        location / {{\n"
                f"            {inner}\n        }}\n    }}"
            )
        elif kind == "server":
            inner = f"server {{\n        listen 127.0.0.1:{free_port()};\n        {inner}\n    }}"
        elif kind == "upstream":
            inner = f"upstream streamproof_wrapped {{\n        {inner}\n    }}"
        elif kind != "http":
            raise ValueError(f"unsupported context {kind!r}")
        runnable = conf_dir / "streamproof-wrapper.conf"
        runnable.write_text(
            f"events {{}}\nhttp {{\n    include {prelude_file};\n    {inner}\n}}\n",
            encoding="utf-8",
        )
        notes.append(f"wrapped as a {kind}-level fragment")
    return Prepared(
        prefix,
        runnable,
        kind,
        prefix / "logs" / "error.log",
        prefix / "nginx.pid",
        conf_root,
        tuple(notes),
        own_pid=kind == "main" and any(s.name == "pid" and s.depth == 0 for s in statements(text)),
    )


# --- nginx -t -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRun:
    ok: bool
    returncode: int
    output: str  # what `nginx -t` printed: "syntax is ok" or the [emerg] line
    prepared: Prepared
    substitutions: tuple[str, ...] = ()  # environment stand-ins made before it passed


def nginx_test(binary: str, prepared: Prepared) -> CheckRun:
    proc = subprocess.run(
        [
            binary,
            "-t",
            "-p",
            f"{prepared.prefix}/",
            "-c",
            str(prepared.main),
            "-e",
            str(prepared.error_log),
            *prepared.globals(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = (proc.stderr + proc.stdout).strip()
    return CheckRun(proc.returncode == 0, proc.returncode, output, prepared)


# What the machine running the test lacks but the deployment has: names only its DNS (or
# docker network) resolves, certificate files, system users. `nginx -t` checks all of them.
HOST_NOT_FOUND = re.compile(
    r'host not found in (?:upstream |resolver )?"(?P<host>\[[^]]+\]|[^":/]+)(?::\d+)?[^"]*"'
    r"(?: of the \"\w+\" directive)? in (?P<file>/\S+?):(?P<line>\d+)"
)
NO_CERTIFICATE = re.compile(r'cannot load certificate(?P<key> key)? "(?P<path>[^"]+)"')
# `nginx -t` binds the listen addresses (an address in use is tolerated, a privileged port
# without root is not).
NO_BIND = re.compile(r"bind\(\) to (?P<address>\S+):(?P<port>\d+) failed \(13: ")
# An include of a file only the deployment's machine has (certbot's options, a path outside
# the repository).
NO_INCLUDE = re.compile(
    r'open\(\) "(?P<path>/[^"]+)" failed \(2: No such file or directory\) in '
    r"(?P<file>/\S+?):(?P<line>\d+)"
)
NO_USER = re.compile(r'getpwnam\("(?P<user>[^"]+)"\) failed.* in (?P<file>/\S+?):(?P<line>\d+)')
NO_GROUP = re.compile(r'getgrnam\("(?P<group>[^"]+)"\) failed.* in (?P<file>/\S+?):(?P<line>\d+)')


def _replace_on_line(file: Path, line: int, old: str, new: str) -> bool:
    lines = read(file).split("\n")
    if not 0 < line <= len(lines) or old not in lines[line - 1]:
        return False
    lines[line - 1] = re.sub(r"(?<![\w.-])" + re.escape(old) + r"(?![\w-])", new, lines[line - 1])
    write(file, "\n".join(lines))
    return True


def _replace_everywhere(conf_root: Path, old: str, new: str) -> bool:
    changed = False
    for file in sorted(p for p in conf_root.rglob("*") if p.is_file()):
        text = read(file)
        if old in text:
            write(file, text.replace(old, new))
            changed = True
    return changed


LISTEN = re.compile(r"(?P<head>(?:^|[;{\s])listen\s+(?:[^\s;]*:)?)(?P<port>\d+)(?=[\s;])")


def _replace_listen_port(conf_root: Path, port: str, new: str) -> bool:
    changed = False
    for file in sorted(p for p in conf_root.rglob("*") if p.is_file()):
        text = read(file)
        replaced = LISTEN.sub(
            lambda m: m.group("head") + (new if m.group("port") == port else m.group("port")), text
        )
        if replaced != text:
            write(file, replaced)
            changed = True
    return changed


def _self_signed(prefix: Path) -> tuple[Path, Path] | None:
    cert, key = prefix / "stand-in.crt", prefix / "stand-in.key"
    if cert.exists():
        return cert, key
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        check=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _stand_in(result: CheckRun) -> str | None:
    """Replace one environment-dependent value that made `nginx -t` fail; None if none."""
    prefix = result.prepared.prefix
    if match := HOST_NOT_FOUND.search(result.output):
        host = match.group("host")
        if _replace_on_line(Path(match.group("file")), int(match.group("line")), host, "127.0.0.1"):
            return f"host {host!r} (no DNS here) -> 127.0.0.1"
    if match := NO_CERTIFICATE.search(result.output):
        pair = _self_signed(prefix)
        if pair is not None:
            stand_in = pair[1] if match.group("key") else pair[0]
            path = match.group("path")
            # nginx names no line for this one: the path is replaced wherever it is written.
            if _replace_everywhere(result.prepared.conf_root, path, str(stand_in)):
                return f"certificate {path} (absent here) -> a self-signed stand-in"
    if match := NO_BIND.search(result.output):
        port = match.group("port")
        new = str(free_port())
        if _replace_listen_port(result.prepared.conf_root, port, new):
            return f"listen port {port} (privileged, not root here) -> {new}"
    if match := NO_INCLUDE.search(result.output):
        path = match.group("path")
        empty = prefix / "stand-in-includes" / path.lstrip("/")
        if not str(Path(path).resolve()).startswith(str(prefix.resolve())):
            empty.parent.mkdir(parents=True, exist_ok=True)
            empty.write_text("", encoding="utf-8")
            if _replace_on_line(
                Path(match.group("file")), int(match.group("line")), path, str(empty)
            ):
                return f"included file {path} (absent here) -> an empty stand-in"
    if match := NO_USER.search(result.output):
        user = match.group("user")
        if _replace_on_line(Path(match.group("file")), int(match.group("line")), user, "root"):
            return f"user {user!r} (absent here) -> root"
    if match := NO_GROUP.search(result.output):
        group = match.group("group")
        if _replace_on_line(Path(match.group("file")), int(match.group("line")), group, "root"):
            return f"group {group!r} (absent here) -> root"
    return None


def nginx_test_with_stand_ins(binary: str, prepared: Prepared, attempts: int = 12) -> CheckRun:
    """`nginx -t`, replacing what only the deployment's machine has (see `_stand_in`) one
    error at a time. The stand-ins are listed in the result: they are worth knowing."""
    made: list[str] = []
    result = nginx_test(binary, prepared)
    for _ in range(attempts):
        if result.ok:
            break
        change = _stand_in(result)
        if change is None:
            break
        made.append(change)
        result = nginx_test(binary, prepared)
    return CheckRun(result.ok, result.returncode, result.output, prepared, tuple(made))


def check_config(
    binary: str,
    source: Path,
    workdir: Path,
    *,
    main: str | None = None,
    context: str | None = None,
    prefixes: Mapping[str, str] | None = None,
    conf_dir: str | None = None,
    stand_ins: bool = False,
) -> CheckRun:
    """`nginx -t` on a config file, or on a folder (with `main` naming its main file, relative).

    The source is copied into `workdir` first; the original is never touched. `prefixes` maps
    absolute folders (as the `nginx-prefix` setting does) to folders of the source.
    """
    conf_root = workdir / "conf"
    if source.is_dir():
        shutil.copytree(source, conf_root)
        if main is None:
            raise ValueError("a folder needs the name of its main file")
        target = conf_root / main
    else:
        conf_root.mkdir(parents=True)
        target = conf_root / source.name
        shutil.copyfile(source, target)
    mapped = {absolute: conf_root / local for absolute, local in (prefixes or {}).items()}
    prepared = prepare(
        target,
        workdir / "prefix",
        context=context,
        conf_root=conf_root,
        conf_dir=conf_root / conf_dir if conf_dir else None,
        prefixes=mapped,
    )
    if stand_ins:
        return nginx_test_with_stand_ins(binary, prepared)
    return nginx_test(binary, prepared)


# --- a live nginx -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Nginx:
    """A running nginx (master and workers in their own process group)."""

    binary: str
    prepared: Prepared
    port: int
    process: subprocess.Popen[bytes] | None = None
    output: list[str] = field(default_factory=list)
    log_offset: int = 0  # size of the error log when this run started

    def start(self, timeout: float = 10.0) -> None:
        self.log_offset = (
            self.prepared.error_log.stat().st_size if self.prepared.error_log.exists() else 0
        )
        directives = ["daemon off;", f"error_log {self.prepared.error_log} info;"]
        if os.geteuid() == 0:
            # Workers would otherwise run as `nobody`, which cannot enter a private temp folder.
            directives.append("user root;")
        self.process = subprocess.Popen(
            [
                self.binary,
                "-p",
                f"{self.prepared.prefix}/",
                "-c",
                str(self.prepared.main),
                "-e",
                str(self.prepared.error_log),
                *self.prepared.globals(*directives),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() can end the workers too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = (
                    self.process.stdout.read().decode(errors="replace")
                    if self.process.stdout
                    else ""
                )
                raise RuntimeError(
                    f"nginx exited with {self.process.returncode}:\n{out}\n{self.error_log()}"
                )
            if _listening(self.port) and (self.prepared.own_pid or self.prepared.pid.exists()):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"nginx did not listen on 127.0.0.1:{self.port} within {timeout}s\n{self.error_log()}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        proc = self.process
        if proc is None:
            return
        self.process = None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)  # fast shutdown: open streams are cut at once
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # The master still runs, so its group (started by this object with
                # start_new_session) is still ours: end it with its workers.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        if proc.stdout is not None:
            self.output.append(proc.stdout.read().decode(errors="replace"))
            proc.stdout.close()

    def error_log(self) -> str:
        """The error log written since this run started."""
        try:
            with self.prepared.error_log.open("rb") as log:
                log.seek(self.log_offset)
                return log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@contextlib.contextmanager
def running(binary: str, prepared: Prepared, port: int) -> Iterator[Nginx]:
    server = Nginx(binary, prepared, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def site_conf(
    port: int,
    upstream_port: int,
    location: str,
    body: Sequence[str] = (),
    server_body: Sequence[str] = (),
) -> str:
    """A `conf.d` site file: one server on 127.0.0.1 proxying one location to the upstream."""
    inner = "".join(f"        {line}\n" for line in body)
    outer = "".join(f"    {line}\n" for line in server_body)
    return (
        "server {\n"
        f"    listen 127.0.0.1:{port};\n"
        f"    location {location} {{\n"
        f"        proxy_pass http://127.0.0.1:{upstream_port};\n"
        f"{inner}"
        "    }\n"
        f"{outer}"
        "}\n"
    )


# --- nginx -T dumps -----------------------------------------------------------------------

DUMP_MARKER = re.compile(r"^# configuration file (?P<path>/\S+?):\s*$", re.MULTILINE)


def split_dump(text: str) -> list[tuple[str, str]]:
    """The files of an `nginx -T` dump, (absolute path, content), main file first; [] if the
    text is not a dump."""
    markers = list(DUMP_MARKER.finditer(text))
    files = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        files.append((marker.group("path"), text[marker.end() : end].lstrip("\r\n")))
    return files


def unpack_dump(text: str, root: Path) -> tuple[Path, dict[str, Path]] | None:
    """Write a dump's files under `root` at their absolute paths; returns the main file and
    the folder mapping (absolute -> local) that makes their includes resolve."""
    files = split_dump(text)
    if not files:
        return None
    folders: dict[str, Path] = {}
    for path, body in files:
        local = root / path.lstrip("/")
        local.parent.mkdir(parents=True, exist_ok=True)
        write(local, body)
        folders[os.path.dirname(path)] = local.parent
    return root / files[0][0].lstrip("/"), folders
