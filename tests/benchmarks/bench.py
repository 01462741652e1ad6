"""Benchmark streamproof against its peers on a generated corpus (or a real folder).

    python tests/benchmarks/bench.py            # full: 5,300 files, medians of 5 runs
    python tests/benchmarks/bench.py --quick    # smoke check: a tenth of the corpus, 3 runs

streamproof is run as a black box (the `streamproof` command beside this interpreter, or
`--streamproof PATH`), each peer from its own virtual environment under `--venvs` (installed on
first use, pinned). Every command is run once untimed first (warm caches, compiled bytecode,
and the run whose process-tree memory is sampled), then `--runs` times interleaved with the
others of its group; the table shows medians. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpus_module  # noqa: E402  (this folder is not a package)

PEERS = {
    # name: (pip requirement, executable)
    "ruff": ("ruff==0.17.5", "ruff"),
    "fixit": ("fixit==2.2.1", "fixit"),
    # gixy-ng pulls in ngxparse, which installs its own `crossplane` module over the real
    # one: it must never share an environment with streamproof (or its tests).
    "gixy": ("gixy-ng==0.2.59", "gixy"),
}
FIXIT_RULE = "fixit_stream_rule"  # tests/benchmarks/fixit_stream_rule.py, ours
LLM_CLIENT = re.compile(
    rb"^\s*(?:import|from)\s+(?:openai|anthropic|litellm|httpx|requests|aiohttp)\b", re.M
)
LITELLM_SECTIONS = re.compile(
    rb"^(?:model_list|litellm_settings|router_settings|general_settings)\s*:", re.M
)
CONCISE = re.compile(r"^.+?:\d+:\d+: ([A-Z]+\d+)\b")

# --------------------------------------------------------------------------------------------
# Measuring one command


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every child it waited for
    maxrss_mb: float  # the largest single process of the tree (wait4's ru_maxrss)
    returncode: int


@dataclass
class Command:
    tool: str  # label in the table
    argv: list[str]
    files: int
    cwd: str
    env: dict[str, str]
    ok_codes: tuple[int, ...] = (0, 1)
    samples: list[Sample] = field(default_factory=list)
    tree_peak_mb: float = 0.0  # summed PSS (or RSS) of the process tree, sampled in warm-up
    ref: Command | None = None  # what the ratio column compares this command with
    ref_kind: str = ""  # peer | speedup | scale
    stdout: str = ""
    stderr: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples) if self.samples else float("nan")

    @property
    def wall_min(self) -> float:
        # The fastest run: closest to what an idle machine gives (shown, not judged).
        return min(s.wall for s in self.samples) if self.samples else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples) if self.samples else float("nan")

    @property
    def peak_mb(self) -> float:
        largest = max((s.maxrss_mb for s in self.samples), default=0.0)
        return max(largest, self.tree_peak_mb)

    @property
    def files_per_second(self) -> float:
        return self.files / self.wall if self.wall > 0 else float("nan")

    @property
    def failed(self) -> bool:
        return any(s.returncode not in self.ok_codes for s in self.samples)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _memory_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:
        return 0


class TreeSampler(threading.Thread):
    """Sums the proportional set size (PSS: shared pages split between sharers, so forked
    workers are not counted twice) of a process and its descendants every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            if os.path.isdir("/proc"):
                children = _children_map()
                tree, todo = [], [self.pid]
                while todo:
                    pid = todo.pop()
                    tree.append(pid)
                    todo.extend(children.get(pid, ()))
                self.peak_kb = max(self.peak_kb, sum(_memory_kb(p) for p in tree))
            self.done.wait(self.interval)


def gnu_time() -> str | None:
    """GNU time, if installed: a tiny C program, so the peak RSS it reports for its child is
    the child's own. (A child spawned straight from this Python inherits, through vfork/fork,
    a high-water mark as large as this process at the moment of exec, so wait4's ru_maxrss
    would report that instead for any tool smaller than the benchmark itself.)"""
    for candidate in ("/usr/bin/time", shutil.which("time")):
        if candidate and os.path.isfile(candidate):
            try:
                probe = subprocess.run(
                    [candidate, "--version"], capture_output=True, text=True, timeout=10
                )
            except (OSError, subprocess.SubprocessError):
                continue
            if "GNU" in probe.stdout + probe.stderr:
                return candidate
    return None


@dataclass(frozen=True)
class Launch:
    """How every command is started: under GNU time (for its peak RSS) and, with --offline,
    inside an empty network namespace (`unshare -n`, which execs the command in place)."""

    timer: str | None = None
    prefix: tuple[str, ...] = ()


def offline_prefix() -> tuple[str, ...] | None:
    """`unshare -n` (as root) or `unshare -rn` (user namespaces), if it works here."""
    for prefix in (("unshare", "-n"), ("unshare", "-rn")):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return prefix
    return None


def run_once(command: Command, sample_tree: bool = False, launch: Launch | None = None) -> Sample:
    launch = launch or Launch()
    timer = launch.timer
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
    ):
        argv = [*launch.prefix, *command.argv]
        if timer:
            argv = [timer, "-f", "%M", "-o", rss.name, *argv]
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=command.cwd, env=command.env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=err,
        )  # fmt: skip
        sampler = TreeSampler(proc.pid) if sample_tree else None
        if sampler:
            sampler.start()
        # wait4 gives this child's resource use including the children it waited for
        # (worker processes, thread pools): CPU time and the largest process's peak RSS.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.done.set()
            sampler.join()
            command.tree_peak_mb = max(command.tree_peak_mb, sampler.peak_kb / 1024)
        out.seek(0)
        err.seek(0)
        command.stdout = out.read().decode("utf-8", "replace")
        command.stderr = err.read().decode("utf-8", "replace")
        maxrss_kb = usage.ru_maxrss  # kilobytes on Linux; an upper bound without GNU time
        if timer:
            # The last line is %M ("Command exited with non-zero status N" may come first).
            last = rss.read().strip().splitlines()[-1:] or ["0"]
            maxrss_kb = int(last[0]) if last[0].isdigit() else 0
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,  # GNU time's own share is a millisecond or so
        maxrss_mb=maxrss_kb / 1024,
        returncode=proc.returncode,
    )


def measure_group(commands: Sequence[Command], runs: int, launch: Launch, log: bool = True) -> None:
    """Warm up every command once (sampling tree memory), then time `runs` rounds, interleaved
    so that drift in the machine's speed spreads over all of them alike."""
    for command in commands:
        warm = run_once(command, sample_tree=True, launch=launch)
        if warm.returncode not in command.ok_codes:
            print(
                f"  ! {command.tool}: exit status {warm.returncode}\n"
                + _tail(command.stderr or command.stdout),
                file=sys.stderr,
            )
    for i in range(runs):
        for command in commands:
            command.samples.append(run_once(command, launch=launch))
        if log:
            print(f"  round {i + 1}/{runs} done", file=sys.stderr)


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------------------------
# Peers in their own environments


def peer_env_dir(venvs: Path, name: str) -> Path:
    requirement = PEERS[name][0]
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    return venvs / f"{requirement.replace('==', '-')}-{tag}"


def ensure_peer(venvs: Path, name: str) -> Path:
    """The peer's executable, installing it into its own venv on first use."""
    requirement, executable = PEERS[name]
    env_dir = peer_env_dir(venvs, name)
    exe = env_dir / "bin" / executable
    marker = env_dir / ".bench-installed"
    if marker.is_file() and marker.read_text().strip() == requirement and exe.exists():
        return exe
    print(f"installing {requirement} into {env_dir} ...", file=sys.stderr)
    shutil.rmtree(env_dir, ignore_errors=True)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", requirement],
        check=True,
    )  # fmt: skip
    marker.write_text(requirement + "\n")
    return exe


def tool_version(argv: Sequence[str], env: dict[str, str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"
    return (
        (result.stdout or result.stderr).strip().splitlines()[0] if result.returncode == 0 else "?"
    )


# --------------------------------------------------------------------------------------------
# What to run on


@dataclass
class Workload:
    root: Path  # cwd for every command
    python: list[Path]  # arguments for the whole Python run (a folder, or the files)
    python_files: int
    llm: list[Path]
    llm_files: int
    nginx: list[Path]
    nginx_files: int
    nginx_mains: list[Path]  # what gixy is given: it follows includes itself
    litellm: list[Path]
    litellm_files: int
    everything: list[Path]
    all_files: int
    doubled: list[Path] | None
    single_nginx: Path | None  # a median-sized NGINX file (what a pre-commit run is given)
    single_nginx_main: Path | None  # a median-sized main file, which pulls in its includes
    single_python_llm: Path | None
    single_python_plain: Path | None
    description: str
    expected_nginx_files: set[str] = field(default_factory=set)


def _link_tree(files: Sequence[Path], src_root: Path, dst_root: Path) -> None:
    for src in files:
        dst = dst_root / src.relative_to(src_root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _median_file(paths: Sequence[Path]) -> Path | None:
    if not paths:
        return None
    ordered = sorted(paths, key=lambda p: (p.stat().st_size, str(p)))
    return ordered[len(ordered) // 2]


def generated_workload(work: Path, seed: int, scale: float) -> Workload:
    started = time.perf_counter()
    corpus = corpus_module.generate(work, seed, scale)
    base = work / "corpus"
    files = {
        kind: [base / f.path for f in corpus.of_kind(kind)]
        for kind in ("python", "nginx", "litellm", "server", "stack")
    }
    llm_files = [base / f.path for f in corpus.files if f.llm]
    mains = [base / f.path for f in corpus.files if f.kind == "nginx" and f.main]
    # The LLM-using Python files alone, as a folder of their own (hard links).
    subset = work / "subsets" / "python-llm"
    _link_tree(llm_files, base, subset)
    # The whole corpus twice, for the scaling target.
    everything = [p for kind in files.values() for p in kind]
    for copy in ("a", "b"):
        _link_tree(everything, base, work / "double" / copy)
    plain = [p for p in files["python"] if p not in set(llm_files) and p.stat().st_size > 0]
    print(
        f"corpus: {len(files['python'])} Python ({len(llm_files)} using LLM clients), "
        f"{len(files['nginx'])} NGINX, {len(files['litellm'])} LiteLLM, "
        f"{len(files['server'])} launch files, {len(files['stack'])} stream-path files in "
        f"{work} "
        f"({time.perf_counter() - started:.1f}s)",
        file=sys.stderr,
    )
    return Workload(
        root=work,
        # (The Python folder also holds the launch files; its gunicorn.conf.py files are
        # Python to ruff as well.)
        python=[base / "python"],
        python_files=len(files["python"]) + sum(p.suffix == ".py" for p in files["server"]),
        llm=[subset], llm_files=len(llm_files),
        nginx=[base / "nginx"], nginx_files=len(files["nginx"]), nginx_mains=mains,
        litellm=[base / "litellm"], litellm_files=len(files["litellm"]),
        everything=[base], all_files=len(everything),
        doubled=[work / "double"],
        single_nginx=_median_file(files["nginx"]),
        single_nginx_main=_median_file(mains),
        single_python_llm=_median_file(llm_files),
        single_python_plain=_median_file(plain),
        description=f"generated corpus (seed {seed}, scale {scale})",
        expected_nginx_files={str(p) for p in files["nginx"]},
    )  # fmt: skip


def real_workload(path: Path) -> Workload:
    """Per-kind file lists for a real folder (files are named on the command line)."""
    root = path.resolve()
    skipped = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "site-packages"}
    python, llm, nginx, mains, litellm = [], [], [], [], []
    count = 0
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(names):
            p = Path(current) / name
            if not p.is_file():
                continue
            count += 1
            if name.endswith(".py"):
                python.append(p)
                if LLM_CLIENT.search(p.read_bytes()):
                    llm.append(p)
            elif name.endswith((".yaml", ".yml")):
                if LITELLM_SECTIONS.search(p.read_bytes()):
                    litellm.append(p)
            elif name.endswith(".conf") or "nginx" in str(p.relative_to(root)).lower():
                data = p.read_bytes()
                if re.search(rb"\b(server|location|upstream|http)\s*\{", data):
                    nginx.append(p)
                    if re.search(rb"^\s*http\s*\{", data, re.M):
                        mains.append(p)
    return Workload(
        root=root,
        python=python, python_files=len(python),
        llm=llm, llm_files=len(llm),
        nginx=nginx, nginx_files=len(nginx), nginx_mains=mains or nginx,
        litellm=litellm, litellm_files=len(litellm),
        everything=[root], all_files=count,
        doubled=None,
        single_nginx=_median_file(nginx),
        single_nginx_main=_median_file(mains),
        single_python_llm=_median_file(llm),
        single_python_plain=_median_file([p for p in python if p not in set(llm)]),
        description=f"real folder {root}",
        expected_nginx_files=set(),
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# The groups of commands


@dataclass
class Group:
    name: str
    title: str
    commands: list[Command]


def build_groups(
    work: Workload,
    streamproof: Sequence[str],
    peers: dict[str, Path],
    env: dict[str, str],
    sp_args: Sequence[str],
) -> list[Group]:
    root = str(work.root)
    fixit_env = dict(env, PYTHONPATH=str(HERE))

    def sp(label: str, paths: Sequence[Path], files: int, *extra: str) -> Command:
        argv = [*streamproof, "check", "--output-format", "concise", *extra, *sp_args]
        return Command(label, [*argv, *map(str, paths)], files, root, env)

    def ruff(label: str, paths: Sequence[Path], files: int, ref: Command) -> Command:
        argv = [str(peers["ruff"]), "check", "--isolated", "--no-cache", "--select", "S113",
                "--output-format", "concise", *map(str, paths)]  # fmt: skip
        return Command(label, argv, files, root, env, ref=ref, ref_kind="peer")

    def fixit(paths: Sequence[Path], files: int, ref: Command) -> Command:
        argv = [str(peers["fixit"]), "--rules", FIXIT_RULE, "lint", *map(str, paths)]
        return Command("fixit + our rule", argv, files, root, fixit_env, ref=ref, ref_kind="peer")

    def gixy(label: str, mains: Sequence[Path], files: int, ref: Command) -> Command:
        argv = [str(peers["gixy"]), *map(str, mains)]
        return Command(label, argv, files, root, env, ref=ref, ref_kind="peer")

    groups: list[Group] = []
    if work.python_files:
        first = sp("streamproof", work.python, work.python_files)
        commands = [first]
        if "ruff" in peers:
            commands.append(ruff("ruff S113", work.python, work.python_files, first))
        groups.append(Group("python", "Python files", commands))
    if work.llm_files:
        first = sp("streamproof", work.llm, work.llm_files)
        commands = [first]
        if "fixit" in peers:
            commands.append(fixit(work.llm, work.llm_files, first))
        if "ruff" in peers:
            commands.append(ruff("ruff S113", work.llm, work.llm_files, first))
        groups.append(Group("python-llm", "Python files using LLM clients", commands))
    if work.nginx_files:
        first = sp("streamproof", work.nginx, work.nginx_files)
        commands = [first]
        if "gixy" in peers:
            commands.append(gixy("gixy-ng", work.nginx_mains, work.nginx_files, first))
        groups.append(Group("nginx", "NGINX configs", commands))
    if work.litellm_files:
        first = sp("streamproof", work.litellm, work.litellm_files)
        groups.append(Group("litellm", "LiteLLM configs", [first]))

    base = sp("streamproof", work.everything, work.all_files)
    one = sp("streamproof -j 1", work.everything, work.all_files, "-j", "1")
    two = sp("streamproof -j 2", work.everything, work.all_files, "-j", "2")
    two.ref, two.ref_kind = one, "speedup"
    # The same run without the cross-file pass (no XL rule selected: no facts, no linking).
    unlinked = sp("streamproof no XL", work.everything, work.all_files, "--ignore", "XL")
    whole = [base, one, two, unlinked]
    if work.doubled:
        double = sp("streamproof 2x files", work.doubled, 2 * work.all_files)
        double.ref, double.ref_kind = base, "scale"
        whole.append(double)
    groups.append(Group("all", "whole corpus", whole))

    single: list[Command] = []
    if work.single_nginx:
        first = sp("streamproof nginx", [work.single_nginx], 1)
        single.append(first)
        if "gixy" in peers:
            single.append(gixy("gixy-ng nginx", [work.single_nginx], 1, first))
    if work.single_nginx_main and work.single_nginx_main != work.single_nginx:
        first = sp("streamproof nginx main", [work.single_nginx_main], 1)
        single.append(first)
        if "gixy" in peers:
            single.append(gixy("gixy-ng nginx main", [work.single_nginx_main], 1, first))
    if work.single_python_llm:
        first = sp("streamproof py (LLM)", [work.single_python_llm], 1)
        single.append(first)
        if "ruff" in peers:
            single.append(ruff("ruff py (LLM)", [work.single_python_llm], 1, first))
    if work.single_python_plain:
        single.append(sp("streamproof py (plain)", [work.single_python_plain], 1))
    if single:
        groups.append(Group("single", "one file per invocation (what pre-commit does)", single))
    return groups


# --------------------------------------------------------------------------------------------
# Checks that every tool really did the work


def verify_peers(work: Workload, peers: dict[str, Path], env: dict[str, str]) -> list[str]:
    """Untimed checks: ruff sees every Python file, Fixit loads our rule and it fires, gixy
    parses every NGINX file through the includes of the main files it is given."""
    notes: list[str] = []
    if "ruff" in peers and work.python_files:
        argv = [
            str(peers["ruff"]),
            "check",
            "--isolated",
            "--no-cache",
            "--show-files",
            *map(str, work.python),
        ]
        listed = subprocess.run(argv, capture_output=True, text=True, cwd=work.root, env=env)
        n = sum(1 for line in listed.stdout.splitlines() if line.strip().endswith(".py"))
        state = "ok" if n == work.python_files else "MISMATCH"
        notes.append(f"ruff: would check {n} of {work.python_files} Python files ({state})")
    if "fixit" in peers and work.llm_files:
        fixit_env = dict(env, PYTHONPATH=str(HERE))
        test = subprocess.run(
            [str(peers["fixit"]), "test", FIXIT_RULE], capture_output=True, text=True, env=fixit_env
        )
        ok = test.returncode == 0 and "OK" in test.stderr
        notes.append(f"fixit: our rule's VALID/INVALID examples {'pass' if ok else 'FAIL'}")
        if not ok:
            notes.append(_tail(test.stderr))
    if "gixy" in peers and work.nginx_files:
        argv = [str(peers["gixy"]), "-d", *map(str, work.nginx_mains)]
        debug = subprocess.run(argv, capture_output=True, text=True, cwd=work.root, env=env)
        parsed = set(re.findall(r"Parse file: (.+)", debug.stderr + debug.stdout))
        if work.expected_nginx_files:
            missing = work.expected_nginx_files - parsed
            state = "ok" if not missing else f"MISSING {sorted(missing)[:3]}"
            notes.append(
                f"gixy-ng: parsed {len(parsed & work.expected_nginx_files)} of "
                f"{len(work.expected_nginx_files)} NGINX files from {len(work.nginx_mains)} "
                f"main files ({state})"
            )
        else:
            notes.append(f"gixy-ng: parsed {len(parsed)} files from {len(work.nginx_mains)} given")
    return notes


def output_summary(command: Command) -> str:
    """What a run reported, to show it did real work."""
    if command.tool.startswith("streamproof"):
        codes = Counter(
            m.group(1) for line in command.stdout.splitlines() if (m := CONCISE.match(line))
        )
        if not codes:
            return "no findings"
        top = ", ".join(f"{code} {n}" for code, n in sorted(codes.items()))
        return f"{sum(codes.values())} findings: {top}"
    if command.tool.startswith("fixit"):
        checked = re.search(r"(\d+) files checked", command.stderr + command.stdout)
        hits = sum(1 for line in command.stdout.splitlines() if " StreamCall" in line)
        return f"{hits} findings" + (f", {checked.group(1)} files checked" if checked else "")
    if command.tool.startswith("ruff"):
        found = re.search(r"Found (\d+) error", command.stdout)
        return f"{found.group(1) if found else 0} findings"
    if command.tool.startswith("gixy"):
        summary = command.stdout.rpartition("Total issues:")[2]
        counts = re.findall(r"^\s+(\w+): (\d+)$", summary, re.M)
        if not counts:
            return "0 issues" if "no issues" in command.stdout.lower() else "no summary"
        return f"{sum(int(n) for _, n in counts)} issues"
    return ""


# --------------------------------------------------------------------------------------------
# Targets (issue 6)


@dataclass
class Target:
    name: str
    measured: str
    verdict: str  # PASS, FAIL, n/a


def find(groups: Sequence[Group], group: str, tool: str) -> Command | None:
    for g in groups:
        if g.name == group:
            for command in g.commands:
                if command.tool == tool and command.samples:
                    return command
    return None


def shown(value: float, limit: float) -> str:
    """A ratio to two decimals, or three where two would round it onto its limit (1.599 shown
    as "1.60x" beside FAIL reads as a bug)."""
    text = f"{value:.2f}"
    return f"{value:.3f}" if text == f"{limit:.2f}" and value != limit else text


def evaluate(groups: Sequence[Group]) -> list[Target]:
    """The verdicts, on wall time as the issue says; the CPU-time ratio is shown beside the
    comparative ones, as it moves less when the machine is busy with other work."""
    targets: list[Target] = []

    def add(name: str, value: float | None, limit: float, op: str, text: str) -> None:
        if value is None or value != value:  # missing or NaN
            targets.append(Target(name, "not measured", "n/a"))
            return
        ok = {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]
        targets.append(Target(name, text, "PASS" if ok else "FAIL"))

    sp, ruff = find(groups, "python", "streamproof"), find(groups, "python", "ruff S113")
    if sp and ruff:
        value = sp.wall / ruff.wall
        text = f"{shown(value, 2.0)}x ruff's wall time (cpu {sp.cpu / ruff.cpu:.2f}x)"
        add("Python files: wall <= 2x ruff's", value, 2.0, "<=", text)
    else:
        add("Python files: wall <= 2x ruff's", None, 0, "<=", "")

    sp = find(groups, "python-llm", "streamproof")
    fixit = find(groups, "python-llm", "fixit + our rule")
    if sp and fixit:
        value = sp.files_per_second / fixit.files_per_second
        text = (
            f"{shown(value, 10.0)}x Fixit's files/s ({sp.files_per_second:.0f} vs "
            f"{fixit.files_per_second:.0f}; cpu {fixit.cpu / sp.cpu:.1f}x)"
        )
        add("LLM Python files: files/s >= 10x Fixit's", value, 10.0, ">=", text)
    else:
        add("LLM Python files: files/s >= 10x Fixit's", None, 0, ">=", "")

    sp, gixy = find(groups, "nginx", "streamproof"), find(groups, "nginx", "gixy-ng")
    if sp and gixy:
        value = gixy.wall / sp.wall
        text = f"{shown(value, 3.0)}x faster than gixy-ng (cpu {gixy.cpu / sp.cpu:.2f}x)"
        add("NGINX configs: >= 3x faster than gixy-ng", value, 3.0, ">=", text)
    else:
        add("NGINX configs: >= 3x faster than gixy-ng", None, 0, ">=", "")

    one = find(groups, "single", "streamproof nginx")
    ms = one.wall * 1000 if one else None
    add("one NGINX file: < 150 ms", ms, 150, "<", f"{ms:.0f} ms" if ms else "")
    one = find(groups, "single", "streamproof py (LLM)")
    ms = one.wall * 1000 if one else None
    add("one Python file: < 300 ms", ms, 300, "<", f"{ms:.0f} ms" if ms else "")

    # Judged on the corpus itself; the doubled corpus (there for the scaling target) is shown.
    peaks = [
        (c.peak_mb, f"{g.name}: {c.tool}")
        for g in groups
        for c in g.commands
        if c.tool.startswith("streamproof") and c.samples and c.tool != "streamproof 2x files"
    ]
    top = max(peaks) if peaks else None
    double = find(groups, "all", "streamproof 2x files")
    also = f"; 2x files: {double.peak_mb:.0f} MB" if double else ""
    add(
        "peak memory: < 150 MB",
        top[0] if top else None,
        150,
        "<",
        f"{top[0]:.0f} MB ({top[1]}{also})" if top else "",
    )

    base, double = find(groups, "all", "streamproof"), find(groups, "all", "streamproof 2x files")
    if base and double:
        value = double.wall / base.wall
        text = f"{shown(value, 2.1)}x the time (cpu {double.cpu / base.cpu:.2f}x)"
        add("2x files: <= 2.1x the time", value, 2.1, "<=", text)
    else:
        add("2x files: <= 2.1x the time", None, 0, "<=", "")

    unlinked = find(groups, "all", "streamproof no XL")
    if base and unlinked:
        extra = (base.wall - unlinked.wall) * 1000
        add(
            "stream-path linking: adds < 1000 ms to the whole run",
            extra,
            1000,
            "<",
            f"{extra:+.0f} ms ({base.wall:.2f} s with XL, {unlinked.wall:.2f} s without; "
            f"cpu {(base.cpu - unlinked.cpu) * 1000:+.0f} ms)",
        )
    else:
        add("stream-path linking: adds < 1000 ms to the whole run", None, 0, "<", "")

    j1, j2 = find(groups, "all", "streamproof -j 1"), find(groups, "all", "streamproof -j 2")
    if j1 and j2:
        value = j1.wall / j2.wall
        add("2 workers: >= 1.6x faster than 1", value, 1.6, ">=", f"{shown(value, 1.6)}x")
    else:
        add("2 workers: >= 1.6x faster than 1", None, 0, ">=", "")
    return targets


# --------------------------------------------------------------------------------------------
# Report


def ratio_note(command: Command) -> str:
    ref = command.ref
    if ref is None or not ref.samples or not command.samples:
        return ""
    if command.ref_kind == "peer":  # ref is streamproof on the same files
        factor = command.wall / ref.wall
        if factor >= 1:
            return f"streamproof {factor:.2f}x faster"
        return f"streamproof {1 / factor:.2f}x slower"
    if command.ref_kind == "speedup":
        return f"{ref.wall / command.wall:.2f}x as fast as {ref.tool}"
    if command.ref_kind == "scale":
        return f"{command.wall / ref.wall:.2f}x the time of {ref.files} files"
    return ""


def render(
    groups: Sequence[Group], targets: Sequence[Target], header: Sequence[str], runs: int = 5
) -> str:
    lines = [*header, ""]
    columns = (
        f"{'tool':<24}{'files':>7}{'wall s':>9}{'min s':>8}{'cpu s':>8}{'files/s':>10}{'peak MB':>9}  "
        f"{'ratio':<36}output"
    )
    for group in groups:
        lines.append(f"== {group.title} ({group.name})")
        lines.append(columns)
        for c in group.commands:
            if not c.samples:
                continue
            flag = (
                " (EXIT " + ",".join(sorted({str(s.returncode) for s in c.samples})) + ")"
                if c.failed
                else ""
            )
            lines.append(
                f"{c.tool:<24}{c.files:>7}{c.wall:>9.3f}{c.wall_min:>8.3f}{c.cpu:>8.2f}"
                f"{c.files_per_second:>10.0f}"
                f"{c.peak_mb:>9.0f}  {ratio_note(c):<36}{output_summary(c)}{flag}"
            )
        lines.append("")
    lines.append("== targets (issue 6)")
    if runs < 5:
        # The issue judges medians of at least 5 runs: fewer show a trend, not a verdict.
        lines.append(f"(medians of {runs} runs: the issue asks for at least 5; not a verdict)")
    for t in targets:
        lines.append(f"{t.verdict:<5} {t.name:<44} {t.measured}")
    return "\n".join(lines) + "\n"


def streamproof_kinds(streamproof: Sequence[str], env: dict[str, str]) -> set[str]:
    try:
        listed = subprocess.run(
            [*streamproof, "rules"], capture_output=True, text=True, env=env, timeout=120
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    prefixes = {"NGX": "nginx", "LIT": "litellm", "PY": "python", "SRV": "server"}
    kinds = set()
    for code in re.findall(r"\b(NGX|LIT|PY|SRV)\d{3}\b", listed.stdout):
        kinds.add(prefixes[code])
    return kinds


def load_note(label: str) -> str:
    """Other work on the machine skews wall times; say how busy it was."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return f"{label}: unknown"
    cpus = os.cpu_count() or 1
    busy = "  (BUSY: other processes compete for the CPUs)" if five > 0.5 * cpus else ""
    return f"{label}: {one:.2f} (1 min), {five:.2f} (5 min) on {cpus} CPUs{busy}"


def default_streamproof() -> str:
    beside = Path(sys.executable).parent / "streamproof"
    if beside.exists():
        return str(beside)
    found = shutil.which("streamproof")
    if found:
        return found
    raise SystemExit(
        "bench: no `streamproof` beside this interpreter or on PATH; pass --streamproof"
    )


def interpreter_of(script: str) -> str | None:
    """The Python a console script runs with (its #! line), for profiling."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
    except OSError:
        return None
    if first.startswith("#!") and "python" in first:
        return first[2:].strip().split()[0]
    return None


def profile(
    streamproof: str, work: Workload, env: dict[str, str], out_dir: Path, top: int = 18
) -> str:
    """cProfile of single-process (-j 1) runs per kind, and -X importtime of a bare start."""
    import pstats

    python = interpreter_of(streamproof)
    if python is None:
        return "profile: cannot tell which Python runs streamproof; skipped\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    report = []
    cases = [
        ("python", work.python),
        ("python-llm", work.llm),
        ("nginx", work.nginx),
        ("litellm", work.litellm),
    ]
    if work.single_python_llm:
        cases.append(("single-python", [work.single_python_llm]))
    if work.single_nginx:
        cases.append(("single-nginx", [work.single_nginx]))
    for name, paths in cases:
        if not paths:
            continue
        stats_file = out_dir / f"{name}.prof"
        argv = [python, "-m", "cProfile", "-o", str(stats_file), "-m", "linter", "check", "-j", "1",
                "--output-format", "concise", *map(str, paths)]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(
            argv, cwd=work.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        elapsed = time.perf_counter() - started
        if not stats_file.exists():
            report.append(f"== profile {name}: no stats written")
            continue
        stream = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=stream)
        # Our own functions by cumulative time (the click and runpy frames above them say
        # nothing), then everything by time spent in the function itself.
        stats.sort_stats("cumulative").print_stats(r"/(rules|linter)/(?!__main__|cli)", top)
        stats.sort_stats("tottime").print_stats(top // 2)
        report.append(f"== profile {name} (-j 1, {elapsed:.2f}s under cProfile; {stats_file})")
        report.append(_trim_pstats(stream.getvalue()))
    starts = [("`python -m linter --version`", ["--version"])]
    if work.single_python_llm:
        starts.append(("a check of one Python file", ["check", str(work.single_python_llm)]))
    if work.single_nginx:
        starts.append(("a check of one NGINX file", ["check", str(work.single_nginx)]))
    for title, args in starts:
        # The fastest of five starts, per module: one start on a busy machine says little.
        best: dict[str, int] = {}
        for _ in range(5):
            imports = subprocess.run(
                [python, "-X", "importtime", "-m", "linter", *args],
                capture_output=True, text=True, env=env, cwd=work.root,
            )  # fmt: skip
            for line in imports.stderr.splitlines():
                m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
                if m:
                    module, cumulative = m.group(3), int(m.group(2))
                    best[module] = min(best.get(module, cumulative), cumulative)
        report.append(f"== import time of {title} (cumulative ms, fastest of 5; nested included)")
        ranked = sorted(best.items(), key=lambda item: -item[1])[:15]
        report.extend(f"{cumulative / 1000:8.1f} ms  {module}" for module, cumulative in ranked)
    return "\n".join(report) + "\n"


def _trim_pstats(text: str) -> str:
    keep = []
    started = False
    for line in text.splitlines():
        if "ncalls" in line:
            started = True
        elif "Ordered by" in line:
            started = False
            keep.append("")
        if "function calls" in line and not keep:
            keep.append(line.strip())
        elif started and line.strip():
            keep.append(line.replace(str(Path.home()), "~"))
    return "\n".join(keep)


# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the corpus, 3 runs (smoke check)"
    )
    parser.add_argument(
        "--runs", type=int, help="timed runs per command (default 5; 3 with --quick)"
    )
    parser.add_argument("--scale", type=float, help="corpus size (1.0 = 5,000/200/100 files)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the corpus here (kept) instead of a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus folder")
    parser.add_argument("--path", help="benchmark a real folder instead of the generated corpus")
    parser.add_argument(
        "--streamproof", help="the streamproof command (default: beside this Python)"
    )
    parser.add_argument(
        "--sp-arg",
        action="append",
        default=[],
        help="extra argument for every streamproof check run",
    )
    parser.add_argument(
        "--venvs", default=str(Path.home() / ".cache" / "streamproof-bench"),
        help="where the peers' virtual environments live (default ~/.cache/streamproof-bench)",
    )  # fmt: skip
    parser.add_argument("--no-peers", action="store_true", help="measure streamproof alone")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="run every command in an empty network namespace (proves no tool needs the network)",
    )
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument(
        "--profile", metavar="DIR", help="also profile streamproof per kind into DIR"
    )
    args = parser.parse_args(argv)

    runs = args.runs or (3 if args.quick else 5)
    scale = args.scale or (0.1 if args.quick else 1.0)
    streamproof = [args.streamproof or default_streamproof()]
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled bytecode is what users run with

    peers: dict[str, Path] = {}
    if not args.no_peers:
        for name in PEERS:
            peers[name] = ensure_peer(Path(args.venvs).expanduser(), name)

    temp = None
    if args.path:
        work = real_workload(Path(args.path))
    else:
        if args.out:
            out = Path(args.out).resolve()
            if (out / "corpus").exists():
                shutil.rmtree(out / "corpus")
            for derived in ("subsets", "double"):
                shutil.rmtree(out / derived, ignore_errors=True)
        else:
            temp = tempfile.mkdtemp(prefix="streamproof-bench-")
            out = Path(temp)
        work = generated_workload(out, args.seed, scale)

    try:
        versions = {"streamproof": tool_version([*streamproof, "--version"], env)}
        for name, exe in peers.items():
            versions[name] = tool_version([str(exe), "--version"], env)
        kinds = streamproof_kinds(streamproof, env)
        header = [
            f"streamproof benchmark: {work.description}; medians of {runs} runs"
            + (" (QUICK: a smoke check, not a verdict)" if args.quick else ""),
            f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            "versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
            f"streamproof command: {' '.join(streamproof + args.sp_arg)}",
            "streamproof rules for kinds: " + (", ".join(sorted(kinds)) or "none"),
        ]
        timer = gnu_time()
        header.append(
            "peak memory: GNU time's %M per process and the process tree's PSS sampled in warm-up"
            if timer
            else "peak memory: WARNING no GNU time (apt-get install time): wait4's ru_maxrss, "
            "which counts this benchmark's own size at each spawn, is only an upper bound"
        )
        prefix: tuple[str, ...] = ()
        if args.offline:
            found = offline_prefix()
            if found is None:
                raise SystemExit("bench: --offline needs `unshare -n` (root or user namespaces)")
            prefix = found
            header.append(f"network: none (every command runs under `{' '.join(prefix)}`)")
        launch = Launch(timer, prefix)
        header.append(load_note("load average at start"))
        missing = {"python", "nginx", "litellm"} - kinds
        if missing:
            header.append(
                f"WARNING: streamproof has no rules for {', '.join(sorted(missing))}: "
                "its figures there measure start-up and discovery only"
            )
        header += verify_peers(work, peers, env)
        print("\n".join(header), file=sys.stderr)

        groups = build_groups(work, streamproof, peers, env, args.sp_arg)
        for group in groups:
            print(f"measuring {group.title} ...", file=sys.stderr)
            measure_group(group.commands, runs, launch)
        targets = evaluate(groups)
        header.append(load_note("load average at the end"))
        text = render(groups, targets, header, runs)
        print(text)
        if args.profile:
            prof = profile(streamproof[0], work, env, Path(args.profile))
            print(prof)
        if args.json:
            data = {
                "header": header,
                "runs": runs,
                "scale": None if args.path else scale,
                "seed": None if args.path else args.seed,
                "versions": versions,
                "groups": [
                    {
                        "name": g.name,
                        "title": g.title,
                        "commands": [
                            {
                                "tool": c.tool,
                                "argv": c.argv,
                                "files": c.files,
                                "wall_s": c.wall,
                                "wall_min_s": c.wall_min,
                                "cpu_s": c.cpu,
                                "files_per_s": c.files_per_second,
                                "peak_mb": c.peak_mb,
                                "tree_peak_mb": c.tree_peak_mb,
                                "samples": [asdict(s) for s in c.samples],
                                "output": output_summary(c),
                            }
                            for c in g.commands
                        ],
                    }
                    for g in groups
                ],
                "targets": [asdict(t) for t in targets],
            }
            Path(args.json).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    finally:
        if temp and not args.keep:
            shutil.rmtree(temp, ignore_errors=True)
        elif temp:
            print(f"corpus kept in {temp}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
