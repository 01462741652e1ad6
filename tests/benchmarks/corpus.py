"""A deterministic benchmark corpus: Python packages, NGINX config trees, LiteLLM proxy configs.

Everything is drawn from `random.Random` instances seeded with strings derived from one seed,
so the same seed and scale give the same bytes on every run (and, as `random`'s algorithms for
`randint`/`choice`/`shuffle` are stable, across Python 3.10 to 3.13).

At scale 1.0 the corpus holds 5,000 Python files (10% use LLM clients the ways the PY rules
look at, the rest mention none), 200 NGINX configs of 20 to 2,000 lines wired together with
includes, and 100 LiteLLM proxy configs. Layout under the output folder:

    corpus/python/<package>/...        the Python files (LLM users mixed in among the others)
    corpus/nginx/<project>/nginx.conf  one main file per project, plus conf.d/, sites-enabled/,
                                       snippets/ and mime.types files reached through includes
    corpus/litellm/<deployment>/*.yaml the LiteLLM configs (a few split with `include:`)
    corpus/python/<package>/Dockerfile ... launch files of each application (Dockerfile 83%,
                                       docker-compose.yml 66%, Procfile, gunicorn.conf.py,
                                       docker-entrypoint.sh), kind "server"
    manifest.json                      every file with its kind, line count and LLM flag

Run `python tests/benchmarks/corpus.py --out DIR` to write one without benchmarking.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

PYTHON_FILES = 5000
LLM_SHARE = 0.10
NGINX_FILES = 200
LITELLM_FILES = 100
NGINX_MIN_LINES, NGINX_MAX_LINES = 20, 2000
# The stream-path repository (issue 15): deployments of 4 compose services, 4 NGINX site files,
# a Helm chart, a LiteLLM config and a Python client each: 200 services, 200 NGINX files and
# 50 charts at scale 1.0.
STACK_DEPLOYMENTS = 50

# Names whose presence makes a Python file an LLM-client user. Ordinary files never contain
# any of them, not even in prose, so a cheap substring check can rightly skip them.
LLM_CLIENT_NAMES = (
    "openai",
    "anthropic",
    "litellm",
    "httpx",
    "requests",
    "aiohttp",
    "tenacity",
    "backoff",
)


@dataclass(frozen=True)
class CorpusFile:
    path: str  # relative to the corpus folder, '/'-separated
    kind: str  # python | nginx | litellm | server (launch files, under python/)
    lines: int
    llm: bool = False  # a Python file that uses an LLM or HTTP streaming client
    main: bool = False  # an NGINX main file (what gixy is given) or a LiteLLM entry config


@dataclass
class Corpus:
    seed: int
    scale: float
    files: list[CorpusFile] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[CorpusFile]:
        return [f for f in self.files if f.kind == kind]


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join([str(seed), *map(str, parts)]))


def _lognormal_lines(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(rng.lognormvariate(math.log(median), sigma)))))


def indent(lines: Sequence[str], levels: int = 1, unit: str = "    ") -> list[str]:
    pad = unit * levels
    return [pad + line if line else line for line in lines]


# --------------------------------------------------------------------------------------------
# Words

VERBS = (
    "load",
    "parse",
    "build",
    "compute",
    "update",
    "render",
    "validate",
    "normalize",
    "merge",
    "split",
    "collect",
    "flush",
    "resolve",
    "apply",
    "emit",
    "format",
    "encode",
    "decode",
    "register",
    "schedule",
    "refresh",
    "sync",
    "export",
    "import_",
    "scan",
    "count",
    "group",
    "filter",
    "sort",
    "rank",
    "score",
    "clean",
    "archive",
    "restore",
    "compare",
    "publish",
    "prepare",
    "convert",
    "measure",
    "summarize",
    "persist",
    "lookup",
    "match",
    "expand",
)
NOUNS = (
    "user",
    "order",
    "item",
    "record",
    "config",
    "path",
    "node",
    "batch",
    "entry",
    "report",
    "invoice",
    "account",
    "session",
    "event",
    "metric",
    "row",
    "column",
    "table",
    "schema",
    "field",
    "value",
    "index",
    "key",
    "payload",
    "message",
    "ticket",
    "profile",
    "address",
    "product",
    "price",
    "customer",
    "shipment",
    "warehouse",
    "label",
    "tag",
    "rule",
    "policy",
    "job",
    "task",
    "worker",
    "queue",
    "snapshot",
    "version",
    "region",
    "tenant",
    "quota",
    "window",
    "segment",
    "sample",
    "reading",
    "sensor",
    "device",
    "graph",
    "edge",
    "vertex",
)
ADJECTIVES = (
    "active",
    "pending",
    "raw",
    "clean",
    "total",
    "partial",
    "default",
    "current",
    "previous",
    "next",
    "local",
    "remote",
    "cached",
    "sorted",
    "unique",
    "valid",
    "stale",
    "primary",
    "secondary",
    "daily",
    "monthly",
    "final",
    "initial",
    "max",
    "min",
    "mean",
    "new",
    "old",
)
PROSE = (
    "the",
    "a",
    "each",
    "every",
    "this",
    "that",
    "value",
    "list",
    "mapping",
    "result",
    "is",
    "are",
    "returned",
    "given",
    "when",
    "if",
    "not",
    "empty",
    "order",
    "kept",
    "stable",
    "records",
    "items",
    "field",
    "names",
    "from",
    "into",
    "for",
    "with",
    "without",
    "one",
    "caller",
    "owns",
    "input",
    "output",
    "file",
    "folder",
    "lines",
    "rows",
    "keys",
    "unique",
    "duplicates",
    "dropped",
    "merged",
    "sorted",
    "first",
    "last",
    "missing",
    "default",
)
PACKAGES = (
    "billing",
    "inventory",
    "accounts",
    "reports",
    "scheduler",
    "ingest",
    "analytics",
    "catalog",
    "shipping",
    "notifications",
    "auth",
    "search",
    "pipeline",
    "storage",
    "metrics",
    "audit",
    "payments",
    "geo",
    "forms",
    "exports",
    "imports",
    "workers",
    "admin",
    "core",
    "utils",
    "common",
    "api",
    "cli",
    "models",
    "services",
    "tasks",
    "etl",
    "sensors",
    "ledger",
)
STDLIB = (
    "os",
    "sys",
    "re",
    "json",
    "logging",
    "math",
    "time",
    "uuid",
    "hashlib",
    "itertools",
    "functools",
    "collections",
    "datetime",
    "pathlib",
    "typing",
    "dataclasses",
    "enum",
    "contextlib",
    "csv",
    "decimal",
    "statistics",
    "textwrap",
    "string",
    "operator",
    "heapq",
    "bisect",
    "io",
    "shutil",
    "tempfile",
    "argparse",
    "sqlite3",
    "threading",
    "asyncio",
)
EXCEPTIONS = ("ValueError", "KeyError", "TypeError", "LookupError", "RuntimeError", "OSError")


class Names:
    """Identifier factory for one file; remembers what it handed out to avoid clashes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        name = make() + f"_{len(self.used)}"
        self.used.add(name)
        return name

    def func(self) -> str:
        r = self.rng
        return self._fresh(lambda: f"{r.choice(VERBS)}_{r.choice(NOUNS)}".replace("__", "_"))

    def cls(self) -> str:
        r = self.rng
        return self._fresh(
            lambda: (
                r.choice(ADJECTIVES).capitalize()
                + r.choice(NOUNS).capitalize()
                + r.choice(("", "Store", "Manager", "Builder", "Record", "Index", "View", "Set"))
            )
        )

    def var(self) -> str:
        r = self.rng
        return r.choice(
            (r.choice(NOUNS), f"{r.choice(ADJECTIVES)}_{r.choice(NOUNS)}", f"{r.choice(NOUNS)}s")
        )

    def sentence(self, low: int = 4, high: int = 12) -> str:
        words = [self.rng.choice(PROSE) for _ in range(self.rng.randint(low, high))]
        return " ".join(words).capitalize() + "."


# --------------------------------------------------------------------------------------------
# Ordinary Python


class PythonWriter:
    """Writes plausible application code: functions, classes, dataclasses, enums, async code."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = Names(rng)

    # -- expressions -------------------------------------------------------------------------

    def literal(self) -> str:
        r = self.rng
        choice = r.randrange(7)
        if choice == 0:
            return str(r.randint(0, 5000))
        if choice == 1:
            return repr(round(r.uniform(0, 100), 2))
        if choice == 2:
            return repr(r.choice(NOUNS) + r.choice(("", "_id", "_name", "s", ".json", "/")))
        if choice == 3:
            return r.choice(("None", "True", "False"))
        if choice == 4:
            return "[" + ", ".join(str(r.randint(0, 99)) for _ in range(r.randint(0, 5))) + "]"
        if choice == 5:
            keys = [repr(r.choice(NOUNS)) for _ in range(r.randint(1, 3))]
            return "{" + ", ".join(f"{k}: {r.randint(0, 9)}" for k in keys) + "}"
        return f'f"{{{r.choice(NOUNS)}!r}} {r.choice(PROSE)}"'

    def expr(self, scope: Sequence[str]) -> str:
        r = self.rng
        if not scope or r.random() < 0.25:
            return self.literal()
        a = r.choice(scope)
        choice = r.randrange(10)
        if choice == 0:
            return f"len({a})"
        if choice == 1:
            return f"{a} + {r.randint(1, 9)}" if r.random() < 0.5 else f"{a} * {r.choice(scope)}"
        if choice == 2:
            return f"sorted({a}, key=lambda x: x[{r.randint(0, 2)}])"
        if choice == 3:
            return f"[x for x in {a} if x is not None]"
        if choice == 4:
            return f"{{k: v for k, v in {a}.items() if v}}"
        if choice == 5:
            return f'f"{{{a}}}-{{{r.choice(scope)}}}"'
        if choice == 6:
            return f"{a}.get({self.literal()}, {self.literal()})"
        if choice == 7:
            return f"max({a}, default=0)" if r.random() < 0.5 else f"sum({a})"
        if choice == 8:
            return f"str({a}).strip().lower()"
        return f"{a} if {r.choice(scope)} else {self.literal()}"

    def condition(self, scope: Sequence[str]) -> str:
        r = self.rng
        if not scope:
            return "True"
        a = r.choice(scope)
        return r.choice(
            (
                f"{a} is None",
                f"not {a}",
                f"isinstance({a}, (list, tuple))",
                f"{a} > {r.randint(0, 100)}",
                f"len({a}) >= {r.randint(1, 10)}",
                f"{a} in {r.choice(scope)}",
                f"{a} and {r.choice(scope)}",
            )
        )

    # -- statements --------------------------------------------------------------------------

    def statements(self, scope: list[str], depth: int, count: int) -> list[str]:
        out: list[str] = []
        for _ in range(count):
            out.extend(self.statement(scope, depth))
        return out

    def statement(self, scope: list[str], depth: int) -> list[str]:
        r = self.rng
        choice = r.randrange(12 if depth < 3 else 5)
        if choice <= 1:
            var = self.names.var()
            line = f"{var} = {self.expr(scope)}"
            scope.append(var)
            return [line]
        if choice == 2:
            return [f'logger.debug({r.choice(PROSE)!r} " %s", {r.choice(scope) if scope else "0"})']
        if choice == 3:
            target = r.choice(scope) if scope else "result"
            return (
                [f"{target} = {self.expr(scope)}"]
                if r.random() < 0.5
                else [f"assert {self.condition(scope)}, {self.names.sentence(2, 5)!r}"]
            )
        if choice == 4:
            var = self.names.var()
            scope.append(var)
            return [
                f"{var}: list[str] = []",
                f"{var}.extend(str(x) for x in range({r.randint(2, 50)}))",
            ]
        if choice in (5, 6):
            lines = [f"if {self.condition(scope)}:"]
            lines += indent(self.statements(list(scope), depth + 1, r.randint(1, 3)))
            if r.random() < 0.4:
                lines.append(f"elif {self.condition(scope)}:")
                lines += indent(self.statements(list(scope), depth + 1, r.randint(1, 2)))
            if r.random() < 0.5:
                lines.append("else:")
                lines += indent(self.statements(list(scope), depth + 1, r.randint(1, 2)))
            return lines
        if choice == 7:
            item = r.choice(("item", "entry", "row", "node", "part", "element"))
            source = r.choice(scope) if scope else f"range({r.randint(3, 30)})"
            inner = [*scope, item]
            lines = [f"for {item} in {source}:"]
            lines += indent(self.statements(inner, depth + 1, r.randint(1, 3)))
            if r.random() < 0.3:
                lines += indent([f"if {item} is None:", "    continue"])
            return lines
        if choice == 8:
            exc = r.sample(EXCEPTIONS, r.randint(1, 2))
            caught = exc[0] if len(exc) == 1 else "(" + ", ".join(exc) + ")"
            lines = ["try:"]
            lines += indent(self.statements(list(scope), depth + 1, r.randint(1, 3)))
            lines.append(f"except {caught} as exc:")
            lines += indent([f'logger.warning({self.names.sentence(3, 6)!r} " %s", exc)'])
            if r.random() < 0.4:
                lines += indent(
                    [f"raise {r.choice(EXCEPTIONS)}({self.names.sentence(2, 6)!r}) from exc"]
                )
            if r.random() < 0.2:
                lines += ["finally:", "    pass"]
            return lines
        if choice == 9:
            var = self.names.var()
            scope.append(var)
            mode = r.choice(('"r"', '"rb"', '"w"'))
            body = "handle.read()" if "w" not in mode else "handle.write(str(payload)) or None"
            return [
                f"with open(os.path.join(base_dir, {self.literal()}), {mode}) as handle:",
                f"    {var} = {body}",
            ]
        if choice == 10:
            counter = self.names.var()
            return [
                f"{counter}_left = {r.randint(2, 20)}",
                f"while {counter}_left > 0:",
                f"    {counter}_left -= 1",
                *indent(self.statements(list(scope), depth + 1, r.randint(1, 2))),
            ]
        var = self.names.var()
        scope.append(var)
        return [
            f"{var} = {{",
            *[f"    {self.literal()!s}: {self.expr(scope)}," for _ in range(r.randint(1, 4))],
            "}",
        ]

    def docstring(self, paragraphs: int = 1) -> list[str]:
        text = [self.names.sentence(5, 14)]
        for _ in range(paragraphs - 1):
            text += ["", self.names.sentence(8, 20), self.names.sentence(6, 16)]
        if len(text) == 1:
            return [f'"""{text[0]}"""']
        return ['"""' + text[0], *text[1:], '"""']

    def params(self) -> tuple[list[str], str]:
        r = self.rng
        names = list(dict.fromkeys(self.names.var() for _ in range(r.randint(0, 4))))
        hints = (
            "str",
            "int",
            "float",
            "dict[str, Any]",
            "list[int]",
            "Sequence[str]",
            "Path | None",
        )
        parts = []
        for i, name in enumerate(names):
            part = f"{name}: {r.choice(hints)}" if r.random() < 0.8 else name
            if i == len(names) - 1 and r.random() < 0.3:
                part += " = None"
            parts.append(part)
        return names, ", ".join(parts)

    # -- blocks ------------------------------------------------------------------------------

    def function(self, prefix: str = "", method: bool = False, is_async: bool = False) -> list[str]:
        r = self.rng
        name = prefix + self.names.func()
        params, signature = self.params()
        if method:
            signature = "self" + (", " + signature if signature else "")
        returns = r.choice(("None", "int", "str", "bool", "dict[str, Any]", "list[str]", "Any"))
        keyword = "async def" if is_async else "def"
        lines = [f"{keyword} {name}({signature}) -> {returns}:"]
        body = self.docstring(r.choice((1, 1, 2))) if r.random() < 0.7 else []
        scope = list(params) + (["self"] if method else [])
        blocks = [self.statement(scope, 1) for _ in range(r.randint(2, 8))]
        if is_async:
            # Between two statements, never inside one.
            blocks.insert(
                r.randint(0, len(blocks)), [f"await asyncio.sleep({r.choice((0, 0.01, 0.1))})"]
            )
        body += [line for block in blocks for line in block]
        body.append(f"return {self.expr(scope)}" if returns != "None" else "return None")
        lines += indent(body)
        if r.random() < 0.15:
            lines.insert(
                0,
                r.choice(
                    ("@functools.lru_cache(maxsize=128)", "@staticmethod" if method else "@timed")
                ),
            )
        return lines

    def klass(self) -> list[str]:
        r = self.rng
        name = self.names.cls()
        base = r.choice(("", "", "(Base)", "(Exception)", "(dict)", "(Protocol)"))
        if base == "(Protocol)":
            lines = [f"class {name}(Protocol):"]
            for _ in range(r.randint(1, 4)):
                _, sig = self.params()
                lines += indent(
                    [f"def {self.names.func()}(self{', ' + sig if sig else ''}) -> Any: ..."]
                )
            return lines
        if base == "(Exception)":
            return [f"class {name}Error(Exception):", *indent(self.docstring())]
        lines = [f"class {name}{base}:", *indent(self.docstring(r.choice((1, 2))))]
        attrs = list(dict.fromkeys(self.names.var() for _ in range(r.randint(1, 4))))
        init = ["", "def __init__(self, " + ", ".join(attrs) + ") -> None:"]
        init += indent([f"self.{a} = {a}" for a in attrs] + ["self._cache: dict[str, Any] = {}"])
        lines += indent(init)
        if r.random() < 0.5:
            lines += indent(
                [
                    "",
                    "@property",
                    f"def {attrs[0]}_label(self) -> str:",
                    f'    return f"{{self.{attrs[0]}!s:>{r.randint(4, 20)}}}"',
                ]
            )
        for _ in range(r.randint(1, 5)):
            lines += indent(["", *self.function(method=True)])
        if r.random() < 0.5:
            fields = ", ".join(f"{a}={{self.{a}!r}}" for a in attrs)
            lines += indent(["", "def __repr__(self) -> str:", f'    return f"{name}({fields})"'])
        return lines

    def dataclass_block(self) -> list[str]:
        r = self.rng
        name = self.names.cls()
        frozen = "(frozen=True)" if r.random() < 0.5 else ""
        lines = [f"@dataclass{frozen}", f"class {name}:", *indent(self.docstring())]
        defaults = False
        for attr in dict.fromkeys(self.names.var() for _ in range(r.randint(2, 8))):
            hint = r.choice(
                ("str", "int", "float", "bool", "list[str]", "dict[str, int]", "datetime | None")
            )
            if defaults or r.random() < 0.3:
                defaults = True
                default = (
                    "field(default_factory=list)"
                    if hint.startswith("list")
                    else ("field(default_factory=dict)" if hint.startswith("dict") else "None")
                )
                lines.append(f"    {attr}: {hint} = {default}")
            else:
                lines.append(f"    {attr}: {hint}")
        if r.random() < 0.6:
            lines += indent(["", *self.function(method=True)])
        return lines

    def enum_block(self) -> list[str]:
        r = self.rng
        name = self.names.cls()
        members = list(
            dict.fromkeys(r.choice(NOUNS + ADJECTIVES).upper() for _ in range(r.randint(2, 9)))
        )
        style = r.choice(("str", "int"))
        lines = [f"class {name}({'str, ' if style == 'str' else ''}enum.Enum):"]
        for i, member in enumerate(members):
            value = repr(member.lower()) if style == "str" else str(i + 1)
            lines.append(f"    {member} = {value}")
        return lines

    def generator_block(self) -> list[str]:
        r = self.rng
        name = "iter_" + self.names.func()
        size = r.choice((64, 512, 4096, 65536))
        # Ordinary byte streams: the word "stream" and chunk loops are not LLM traffic.
        return [
            f"def {name}(stream: io.BufferedIOBase, size: int = {size}) -> Iterator[bytes]:",
            *indent(self.docstring()),
            "    while True:",
            "        chunk = stream.read(size)",
            "        if not chunk:",
            "            return",
            "        yield chunk",
        ]

    def decorator_block(self) -> list[str]:
        return [
            "def timed(func: Callable[..., Any]) -> Callable[..., Any]:",
            '    """Log how long the wrapped call took."""',
            "",
            "    @functools.wraps(func)",
            "    def wrapper(*args: Any, **kwargs: Any) -> Any:",
            "        started = time.perf_counter()",
            "        try:",
            "            return func(*args, **kwargs)",
            "        finally:",
            "            elapsed = time.perf_counter() - started",
            '            logger.debug("%s took %.3fs", func.__name__, elapsed)',
            "",
            "    return wrapper",
        ]

    def orm_block(self) -> list[str]:
        # A Django-style `.objects.create(...)` call: a `.create(` that no LLM rule may touch.
        r = self.rng
        model = self.names.cls()
        name = self.names.func()
        return [
            f"def {name}(owner: Any, rows: Sequence[dict[str, Any]]) -> list[Any]:",
            *indent(self.docstring()),
            "    created = []",
            "    for row in rows:",
            f"        created.append({model}.objects.create(owner=owner, **row))",
            f"    {model}.objects.filter(owner=owner).update(stale={r.choice(('True', 'False'))})",
            "    return created",
        ]

    def main_block(self) -> list[str]:
        r = self.rng
        opts = [self.names.var() for _ in range(r.randint(1, 4))]
        lines = [
            "def main(argv: Sequence[str] | None = None) -> int:",
            "    parser = argparse.ArgumentParser(description=__doc__)",
        ]
        for opt in dict.fromkeys(opts):
            lines.append(
                f'    parser.add_argument("--{opt.replace("_", "-")}", default={self.literal()})'
            )
        lines += [
            "    args = parser.parse_args(argv)",
            '    logger.info("running with %s", vars(args))',
            "    return 0",
            "",
            "",
            'if __name__ == "__main__":',
            "    sys.exit(main())",
        ]
        return lines

    def constants_block(self) -> list[str]:
        r = self.rng
        lines = []
        for _ in range(r.randint(1, 4)):
            name = self.names.var().upper()
            if r.random() < 0.5:
                lines.append(f"{name} = {self.literal()}")
            else:
                lines.append(f"{name} = {{")
                for _ in range(r.randint(2, 12)):
                    lines.append(f"    {r.choice(NOUNS)!r}: {self.literal()},")
                lines.append("}")
        return lines

    def header(self, extra_imports: Sequence[str] = ()) -> list[str]:
        r = self.rng
        lines = self.docstring(r.choice((1, 1, 2, 3)))
        lines += ["", "from __future__ import annotations", ""]
        mods = sorted(
            set(r.sample(STDLIB, r.randint(2, 7)))
            | {"logging", "os", "sys", "time", "io", "functools", "enum", "argparse", "asyncio"}
        )
        lines += [f"import {m}" for m in mods]
        lines += [
            "from collections.abc import Callable, Iterator, Sequence",
            "from dataclasses import dataclass, field",
            "from datetime import datetime",
            "from pathlib import Path",
            "from typing import Any, Protocol",
        ]
        lines += list(extra_imports)
        lines += [
            "",
            "logger = logging.getLogger(__name__)",
            f"base_dir = {self.literal()}",
            "payload: Any = None",
            "",
            "",
            "class Base:",
            "    pass",
        ]
        return lines

    def ordinary_blocks(self) -> list[Callable[[], list[str]]]:
        return [
            self.function,
            self.function,
            self.function,
            self.klass,
            self.klass,
            self.dataclass_block,
            self.enum_block,
            self.constants_block,
            self.generator_block,
            lambda: self.function(is_async=True),
            self.orm_block,
        ]

    def module(
        self,
        target_lines: int,
        llm_blocks: Sequence[list[str]] = (),
        extra_imports: Sequence[str] = (),
    ) -> str:
        r = self.rng
        lines = self.header(extra_imports)
        lines += ["", "", *self.decorator_block()]
        pending = list(llm_blocks)
        blocks = self.ordinary_blocks()
        while len(lines) < target_lines or pending:
            if pending and (len(lines) >= target_lines or r.random() < 0.35):
                block = pending.pop(0)
            else:
                block = r.choice(blocks)()
            lines += ["", "", *block]
        if r.random() < 0.2:
            lines += ["", "", *self.main_block()]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Python that uses LLM and HTTP streaming clients


class LLMWriter:
    """The ways the PY rules look at: stream loops guarded or not, calls with and without a cap,
    aliases, async twins, raw HTTP streaming, retry decorators and loops."""

    MODELS = ("gpt-4o-mini", "gpt-4.1", "o4-mini", "gpt-4o")
    CLAUDE = ("claude-sonnet-4-5", "claude-3-5-haiku-latest", "claude-opus-4-1")
    LITELLM_MODELS = (
        "openai/gpt-4o-mini",
        "anthropic/claude-sonnet-4-5",
        "ollama/llama3.1",
        "azure/gpt-4o",
        "bedrock/anthropic.claude-3-haiku",
    )

    def __init__(self, rng: random.Random, names: Names) -> None:
        self.rng = rng
        self.names = names
        self.imports: set[str] = set()
        self.clients: list[str] = []

    def _cap(self, keyword: str = "max_tokens") -> list[str]:
        r = self.rng
        return [f"{keyword}={r.choice((256, 512, 1024, 2048, 4096))},"] if r.random() < 0.55 else []

    def _guard(self, body: list[str], *, is_async: bool = False) -> list[str]:
        """Wrap a loop in a handler: one that catches a cut stream, one that cannot, or none."""
        r = self.rng
        choice = r.randrange(8)
        if choice <= 2:
            return body  # unguarded
        if choice == 3:
            caught = r.choice(
                (
                    "Exception",
                    "(httpx.HTTPError, openai.APIError)",
                    "httpx.RemoteProtocolError",
                    "OSError",
                )
            )
            if "httpx" in caught:
                self.imports.add("import httpx")
            if "openai" in caught:
                self.imports.add("import openai")
            return [
                "try:",
                *indent(body),
                f"except {caught} as exc:",
                '    logger.warning("stream cut: %s", exc)',
                "    raise",
            ]
        if choice == 4:
            return [
                "try:",
                *indent(body),
                "except KeyboardInterrupt:",
                '    logger.info("stopped")',
            ]
        if choice == 5:
            return ["try:", *indent(body), "except (KeyError, IndexError):", "    pass"]
        if choice == 6:
            return ["try:", *indent(body), "finally:", '    logger.debug("stream done")']
        return [
            "try:",
            *indent(body),
            "except Exception:",
            '    logger.exception("stream failed")',
            "    return None",
        ]

    def _messages(self) -> str:
        return '[{"role": "user", "content": prompt}]'

    def openai_client(self, is_async: bool) -> str:
        r = self.rng
        style = r.randrange(4)
        cls = "AsyncOpenAI" if is_async else "OpenAI"
        var = r.choice(("client", "llm", "oai", "api"))
        var = f"{var}_async" if is_async else var
        if var in self.clients:
            return var
        self.clients.append(var)
        if style == 0:
            self.imports.add(f"from openai import {cls}")
            self.names.used.add(var)
            self._client_lines.append(f"{var} = {cls}()")
        elif style == 1:
            alias = "AO" if is_async else "O"
            self.imports.add(f"from openai import {cls} as {alias}")
            self._client_lines.append(f"{var} = {alias}(timeout={r.choice((30, 60.0, 600))})")
        elif style == 2:
            self.imports.add("import openai")
            self._client_lines.append(f"{var} = openai.{cls}(max_retries={r.randint(0, 3)})")
        else:
            self.imports.add("import openai as oa")
            self._client_lines.append(
                f'{var} = oa.{cls}(base_url=os.environ.get("OPENAI_BASE_URL"))'
            )
        return var

    def openai_chat(self) -> list[str]:
        r = self.rng
        is_async = r.random() < 0.3
        client = self.openai_client(is_async)
        name = self.names.func()
        kw = "async def" if is_async else "def"
        create = "await " if is_async else ""
        loop = "async for" if is_async else "for"
        call = [
            f"stream = {create}{client}.chat.completions.create(",
            f"    model={r.choice(self.MODELS)!r},",
            f"    messages={self._messages()},",
            "    stream=True,",
            *indent(self._cap(r.choice(("max_tokens", "max_completion_tokens")))),
            ")",
        ]
        loop_body = [
            f"{loop} chunk in stream:",
            "    if not chunk.choices:",
            "        continue",
            "    delta = chunk.choices[0].delta.content",
            "    if delta:",
            "        parts.append(delta)",
        ]
        return [
            f"{kw} {name}(prompt: str) -> str | None:",
            *indent(call),
            "    parts: list[str] = []",
            *indent(self._guard(loop_body, is_async=is_async)),
            '    return "".join(parts)',
        ]

    def openai_generator(self) -> list[str]:
        r = self.rng
        client = self.openai_client(False)
        name = "stream_" + self.names.func()
        body = [
            f"def {name}(prompt: str) -> Iterator[str]:",
            f"    response = {client}.chat.completions.create(",
            f"        model={r.choice(self.MODELS)!r},",
            f"        messages={self._messages()},",
            "        stream=True,",
            *indent(self._cap(), 2),
            "    )",
            "    for event in response:",
            '        text = event.choices[0].delta.content or ""',
            "        yield text",
            "",
            "",
            f"def print_{name}(prompt: str) -> None:",
            *indent(
                self._guard(
                    [f"for piece in {name}(prompt):", '    print(piece, end="", flush=True)']
                )
            ),
        ]
        return body

    def openai_responses(self) -> list[str]:
        r = self.rng
        client = self.openai_client(False)
        name = self.names.func()
        loop = [
            "with "
            + f"{client}.responses.stream(model={r.choice(self.MODELS)!r}, input=prompt"
            + (f", max_output_tokens={r.choice((512, 1024))}" if r.random() < 0.5 else "")
            + ") as events:",
            "    for event in events:",
            '        if event.type == "response.output_text.delta":',
            "            out.write(event.delta)",
        ]
        return [f"def {name}(prompt: str, out: io.TextIOBase) -> None:", *indent(self._guard(loop))]

    def openai_plain(self) -> list[str]:
        # A non-streaming call: the cap rule looks at these only with an option.
        r = self.rng
        client = self.openai_client(False)
        name = self.names.func()
        return [
            f"def {name}(prompt: str) -> str:",
            f"    completion = {client}.chat.completions.create(",
            f"        model={r.choice(self.MODELS)!r},",
            f"        messages={self._messages()},",
            *indent(self._cap(), 2),
            "    )",
            '    return completion.choices[0].message.content or ""',
        ]

    def anthropic_stream(self) -> list[str]:
        r = self.rng
        msgs = self._messages()
        alias = r.choice(("anthropic", "anthropic", "ant"))
        if alias == "ant":
            self.imports.add("import anthropic as ant")
        else:
            self.imports.add("import anthropic")
        cls = r.choice(("Anthropic", "AsyncAnthropic"))
        var = "claude" if cls == "Anthropic" else "claude_async"
        if var not in self.clients:
            self.clients.append(var)
            self._client_lines.append(f"{var} = {alias}.{cls}()")
        name = self.names.func()
        model = r.choice(self.CLAUDE)
        cap = f"max_tokens={r.choice((1024, 4096, 8192))}, "
        if cls == "AsyncAnthropic":
            loop = [
                f"async with {var}.messages.stream(model={model!r}, {cap}messages={msgs}) as s:",
                "    async for text in s.text_stream:",
                "        chunks.append(text)",
            ]
            return [
                f"async def {name}(prompt: str) -> str:",
                "    chunks: list[str] = []",
                *indent(self._guard(loop, is_async=True)),
                '    return "".join(chunks)',
            ]
        if r.random() < 0.5:
            loop = [
                f"with {var}.messages.stream(model={model!r}, {cap}messages={msgs}) as s:",
                "    for text in s.text_stream:",
                "        chunks.append(text)",
            ]
        else:
            loop = [
                f"events = {var}.messages.create(",
                f"    model={model!r}, {cap}messages={msgs}, stream=True",
                ")",
                "for event in events:",
                '    if event.type == "content_block_delta":',
                "        chunks.append(event.delta.text)",
            ]
        return [
            f"def {name}(prompt: str) -> str:",
            "    chunks: list[str] = []",
            *indent(self._guard(loop)),
            '    return "".join(chunks)',
        ]

    def litellm_stream(self) -> list[str]:
        r = self.rng
        msgs = self._messages()
        alias = r.choice(("litellm", "ll"))
        if alias == "ll":
            self.imports.add("import litellm as ll")
        elif r.random() < 0.5:
            self.imports.add("import litellm")
        else:
            alias = ""
            self.imports.add("from litellm import acompletion, completion")
        prefix = f"{alias}." if alias else ""
        name = self.names.func()
        model = r.choice(self.LITELLM_MODELS)
        cap = self._cap()
        if r.random() < 0.4:
            loop = [
                f"response = await {prefix}acompletion(",
                f"    model={model!r}, messages={self._messages()}, stream=True, {' '.join(cap)}",
                ")",
                "async for part in response:",
                '    buffer.append(part.choices[0].delta.content or "")',
            ]
            return [
                f"async def {name}(prompt: str) -> str:",
                "    buffer: list[str] = []",
                *indent(self._guard(loop, is_async=True)),
                '    return "".join(buffer)',
            ]
        loop = [
            f"response = {prefix}completion(model={model!r}, messages={msgs}, stream=True, "
            + " ".join(cap)
            + ")",
            "for part in response:",
            '    buffer.append(part.choices[0].delta.content or "")',
        ]
        return [
            f"def {name}(prompt: str) -> str:",
            "    buffer: list[str] = []",
            *indent(self._guard(loop)),
            '    return "".join(buffer)',
        ]

    def httpx_stream(self) -> list[str]:
        r = self.rng
        self.imports.add("import httpx")
        name = self.names.func()
        timeout = r.choice(
            ("", ", timeout=None", ", timeout=httpx.Timeout(10.0, read=300.0)", ", timeout=20")
        )
        if r.random() < 0.35:
            loop = [
                f"async with httpx.AsyncClient({timeout.lstrip(', ')}) as http:",
                '    async with http.stream("POST", url, json=body) as response:',
                "        async for line in response.aiter_lines():",
                '            if line.startswith("data: "):',
                "                lines.append(line[6:])",
            ]
            return [
                f"async def {name}(url: str, body: dict[str, Any]) -> list[str]:",
                "    lines: list[str] = []",
                *indent(self._guard(loop, is_async=True)),
                "    return lines",
            ]
        loop = [
            f'with httpx.stream("POST", url, json=body{timeout}) as response:',
            "    for line in response.iter_lines():",
            '        if line.startswith("data: "):',
            "            lines.append(line[6:])",
        ]
        return [
            f"def {name}(url: str, body: dict[str, Any]) -> list[str]:",
            "    lines: list[str] = []",
            *indent(self._guard(loop)),
            "    return lines",
        ]

    def requests_stream(self) -> list[str]:
        r = self.rng
        alias = r.choice(("requests", "requests", "rq"))
        self.imports.add("import requests" if alias == "requests" else "import requests as rq")
        name = self.names.func()
        timeout = r.choice(("", ", timeout=(10, 300)", ", timeout=30"))
        loop = [
            f"resp = {alias}.post(url, json=body, stream=True{timeout})",
            "resp.raise_for_status()",
            "for raw in resp.iter_lines(decode_unicode=True):",
            "    if raw:",
            '        events.append(json.loads(raw.removeprefix("data: ")))',
        ]
        return [
            f"def {name}(url: str, body: dict[str, Any]) -> list[Any]:",
            "    events: list[Any] = []",
            *indent(self._guard(loop)),
            "    return events",
        ]

    def aiohttp_stream(self) -> list[str]:
        self.imports.add("import aiohttp")
        name = self.names.func()
        return [
            f"async def {name}(url: str, body: dict[str, Any]) -> list[bytes]:",
            "    received: list[bytes] = []",
            "    async with aiohttp.ClientSession() as session:",
            "        async with session.post(url, json=body) as response:",
            "            async for line in response.content:",
            "                received.append(line)",
            "    return received",
        ]

    def retry_generator(self) -> list[str]:
        r = self.rng
        client = self.openai_client(False)
        name = "stream_" + self.names.func()
        if r.random() < 0.5:
            self.imports.add("from tenacity import retry, stop_after_attempt, wait_exponential")
            deco = "@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1))"
        else:
            self.imports.add("import backoff")
            deco = "@backoff.on_exception(backoff.expo, Exception, max_tries=4)"
        return [
            deco,
            f"def {name}(prompt: str) -> Iterator[str]:",
            f"    for chunk in {client}.chat.completions.create(",
            f"        model={r.choice(self.MODELS)!r}, messages={self._messages()}, stream=True",
            "    ):",
            '        yield chunk.choices[0].delta.content or ""',
        ]

    def retry_loop(self) -> list[str]:
        r = self.rng
        msgs = self._messages()
        client = self.openai_client(False)
        name = self.names.func()
        sleep = r.choice(("time.sleep(1)", "time.sleep(2 ** attempt)", "pass"))
        return [
            f"def {name}(prompt: str) -> str:",
            f"    for attempt in range({r.randint(2, 5)}):",
            "        try:",
            "            text = []",
            f"            for chunk in {client}.chat.completions.create(",
            f"                model={r.choice(self.MODELS)!r}, messages={msgs}, stream=True,",
            *indent(self._cap(), 4),
            "            ):",
            '                piece = chunk.choices[0].delta.content or ""',
            '                print(piece, end="", flush=True)',
            "                text.append(piece)",
            '            return "".join(text)',
            "        except Exception:",
            f"            {sleep}",
            '    raise RuntimeError("gave up")',
        ]

    def blocks(self) -> list[Callable[[], list[str]]]:
        return [
            self.openai_chat,
            self.openai_chat,
            self.openai_chat,
            self.openai_generator,
            self.openai_responses,
            self.openai_plain,
            self.anthropic_stream,
            self.anthropic_stream,
            self.litellm_stream,
            self.litellm_stream,
            self.httpx_stream,
            self.requests_stream,
            self.aiohttp_stream,
            self.retry_generator,
            self.retry_loop,
        ]

    def make(self, count: int) -> tuple[list[list[str]], list[str]]:
        """`count` LLM blocks, and the import and client lines they need at module level."""
        self._client_lines: list[str] = []
        chosen = [self.rng.choice(self.blocks())() for _ in range(count)]
        return chosen, [*sorted(self.imports), "", *self._client_lines]


def python_file(seed: int, index: int, llm: bool) -> str:
    rng = _rng(seed, "python", index)
    writer = PythonWriter(rng)
    if llm:
        target = _lognormal_lines(rng, 140, 0.6, 30, 900)
        blocks, extra = LLMWriter(rng, writer.names).make(rng.choice((1, 1, 2, 2, 3, 4)))
        return writer.module(target, blocks, extra)
    if rng.random() < 0.04:
        return ""  # an empty __init__-style module
    target = _lognormal_lines(rng, 120, 0.85, 5, 1500)
    return writer.module(target)


# One LLM file in this many is also a provider module whose stream crosses into its package.
PROVIDER_EVERY = 10


def provider_block(noun: str) -> list[str]:
    """A module-level generator that yields an openai stream's text, unguarded: its callers in
    other modules of the package decide what a cut means (the project index follows it)."""
    return [
        "",
        "",
        "import openai as _stream_sdk",
        "",
        "_stream_client = _stream_sdk.OpenAI()",
        "",
        "",
        f"def stream_{noun}(prompt):",
        "    stream = _stream_client.chat.completions.create(",
        '        model="gpt-4o-mini",',
        '        messages=[{"role": "user", "content": prompt}],',
        "        stream=True,",
        "        max_tokens=512,",
        "    )",
        "    for chunk in stream:",
        '        yield chunk.choices[0].delta.content or ""',
        "",
    ]


def consumer_block(module: str, noun: str, guarded: bool) -> list[str]:
    """A sibling module (naming no client) that iterates the provider's generator."""
    lines = ["", "", f"from .{module} import stream_{noun}", "", ""]
    if guarded:
        return [
            *lines,
            f"def show_{noun}(prompt):",
            "    parts = []",
            "    try:",
            f"        for index, text in enumerate(stream_{noun}(prompt)):",
            "            parts.append(text)",
            "    except Exception as error:",
            '        parts.append(f" [answer cut after {len(parts)} parts: {error}]")',
            '    return "".join(parts)',
            "",
        ]
    return [*lines, f"def show_{noun}(prompt):", f'    return "".join(stream_{noun}(prompt))', ""]


def cross_module_streams(
    seed: int, layout: Sequence[str], llm_indexes: set[int]
) -> dict[int, list[str]]:
    """Lines appended to some modules: every PROVIDER_EVERY-th LLM file (outside `__init__`)
    hands out a stream, and one or two of its package's other modules consume it, guarded or
    not (no consumer at all for some, as a library's public function)."""
    rng = _rng(seed, "python-cross-module")
    extra: dict[int, list[str]] = {}
    providers = sorted(i for i in llm_indexes if not layout[i].endswith("__init__.py"))
    for number, index in enumerate(providers[::PROVIDER_EVERY]):
        folder, name = layout[index].rsplit("/", 1)
        noun = f"{rng.choice(NOUNS)}_{number}"
        extra[index] = provider_block(noun)
        siblings = [
            i
            for i, path in enumerate(layout)
            if path.rsplit("/", 1)[0] == folder
            and i not in llm_indexes
            and i not in extra
            and not path.endswith("__init__.py")
        ]
        for sibling in rng.sample(siblings, min(len(siblings), rng.choice((0, 1, 2, 2)))):
            extra[sibling] = consumer_block(name[:-3], noun, guarded=rng.random() < 0.6)
    return extra


def _python_layout(seed: int, count: int) -> list[str]:
    """Paths of `count` modules in packages two or three levels deep, `__init__.py` included."""
    rng = _rng(seed, "python-layout")
    paths: list[str] = []
    package_no = 0
    while len(paths) < count:
        top = f"{rng.choice(PACKAGES)}_{package_no:03d}"
        package_no += 1
        subpackages = [""] + [f"{rng.choice(PACKAGES)}" for _ in range(rng.randint(0, 4))]
        for sub in dict.fromkeys(subpackages):
            folder = f"{top}/{sub}" if sub else top
            paths.append(f"{folder}/__init__.py")
            names = dict.fromkeys(
                f"{rng.choice(VERBS).rstrip('_')}_{rng.choice(NOUNS)}"
                for _ in range(rng.randint(2, 25))
            )
            paths.extend(f"{folder}/{name}.py" for name in names)
    return paths[:count]


# --------------------------------------------------------------------------------------------
# NGINX

LLM_UPSTREAMS = (
    ("litellm", "litellm:4000"),
    ("ollama", "127.0.0.1:11434"),
    ("vllm", "vllm:8000"),
    ("tgi", "tgi:8080"),
    ("openwebui", "open-webui:8080"),
    ("librechat", "librechat:3080"),
    ("llamacpp", "127.0.0.1:8081"),
)
APP_UPSTREAMS = (
    ("app", "app:8000"),
    ("api_backend", "10.0.0.12:8080"),
    ("auth", "auth:9000"),
    ("static_assets", "cdn-origin:80"),
    ("metrics", "prometheus:9090"),
    ("admin", "admin:8001"),
    ("search", "search:9200"),
    ("grafana", "grafana:3000"),
)
LLM_PATHS = (
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/responses",
    "/v1/messages",
    "/api/chat",
    "/api/generate",
    "/stream",
    "/sse",
    "/events",
    "/generate_stream",
    "/v1/",
)
SNIPPET_SINGLES = (
    "proxy_http_version 1.1;",
    "proxy_buffering off;",
    "proxy_cache off;",
    "proxy_read_timeout 3600s;",
    "proxy_send_timeout 3600s;",
    "gzip off;",
    "proxy_redirect off;",
    "proxy_request_buffering off;",
)
GZIP_TYPES = ("text/plain application/json", "text/event-stream text/plain", "*")
ARRAY_DIRECTIVES = frozenset({"proxy_set_header", "add_header", "fastcgi_param", "include"})
APP_PATHS = (
    "/",
    "/api/",
    "/static/",
    "/admin/",
    "/auth/",
    "/health",
    "/metrics",
    "/login",
    "/assets/",
    "/uploads/",
    "/graphql",
    "/ws/",
    "/docs/",
    "/search",
)


@dataclass
class NginxProject:
    name: str
    files: dict[str, list[str]] = field(default_factory=dict)  # relpath -> lines
    targets: dict[str, int] = field(default_factory=dict)


class NginxWriter:
    def __init__(
        self,
        rng: random.Random,
        project: NginxProject,
        snippets: list[str],
        upstreams: list[tuple[str, str]],
    ) -> None:
        self.rng = rng
        self.project = project
        self.snippets = snippets
        self.upstreams = upstreams
        self.server_no = 0
        self.snippet_uses: dict[str, int] = dict.fromkeys(snippets, 0)
        self.snippet_directives: dict[str, set[str]] = {}
        self._included: set[str] = set()

    def upstream(self, name: str, address: str) -> list[str]:
        r = self.rng
        lines = [f"upstream {name} {{"]
        host, port = address.rsplit(":", 1)
        for i in range(r.randint(1, 3)):
            if i == 0:
                server = address
            elif host.replace(".", "").isdigit():
                server = host.rsplit(".", 1)[0] + f".{int(host.rsplit('.', 1)[1]) + i}:{port}"
            else:
                server = f"{host}-{i}:{port}"
            extra = r.choice(
                ("", " max_fails=3 fail_timeout=30s", " weight=2", " backup" if i else "")
            )
            lines.append(f"    server {server}{extra};")
        if r.random() < 0.6:
            lines.append(f"    keepalive {r.choice((8, 16, 32, 64))};")
            if r.random() < 0.4:
                lines.append(f"    keepalive_timeout {r.choice(('4s', '60s', '75s'))};")
        lines.append("}")
        return lines

    def location(self, server_snippets: list[str], used_paths: set[str]) -> list[str]:
        for _ in range(6):
            block = self._location(server_snippets)
            path = block[0][len("location ") : -2]
            if path not in used_paths:
                used_paths.add(path)
                return block
        # nginx refuses two locations with the same path in one server.
        path = f"/app{len(used_paths)}/"
        used_paths.add(path)
        return [f"location {path} {{", f"    root /var/www/{self.project.name}/app;", "}"]

    def _location(self, server_snippets: list[str]) -> list[str]:
        r = self.rng
        kind = r.randrange(10)
        if kind < 4 and self.upstreams:
            llm = [u for u in self.upstreams if u[0] in dict(LLM_UPSTREAMS)]
            name = r.choice(llm)[0] if llm and r.random() < 0.8 else r.choice(self.upstreams)[0]
            path = r.choice(LLM_PATHS)
            body = [f"proxy_pass http://{name};"]
            if r.random() < 0.6:
                body.append("proxy_http_version 1.1;")
            if r.random() < 0.5:
                body.append('proxy_set_header Connection "";')
            if r.random() < 0.5:
                body.append(
                    f"proxy_read_timeout {r.choice(('60s', '300s', '600', '1h', '3600s', '30s'))};"
                )
            if r.random() < 0.45:
                body.append(f"proxy_buffering {r.choice(('off', 'off', 'on'))};")
            if r.random() < 0.2:
                body.append("proxy_cache off;")
            if r.random() < 0.2:
                body.append("add_header X-Accel-Buffering no;")
            if r.random() < 0.15:
                body.append("chunked_transfer_encoding on;")
        elif kind < 7:
            name = r.choice(self.upstreams)[0] if self.upstreams else "app"
            path = r.choice(APP_PATHS)
            body = [
                f"proxy_pass http://{name};",
                "proxy_set_header Host $host;",
                "proxy_set_header X-Real-IP $remote_addr;",
            ]
            if path == "/ws/":
                body += [
                    "proxy_http_version 1.1;",
                    "proxy_set_header Upgrade $http_upgrade;",
                    "proxy_set_header Connection $connection_upgrade;",
                ]
            if r.random() < 0.3:
                body.append(f"proxy_connect_timeout {r.choice(('5s', '10s', '30s'))};")
            if r.random() < 0.3:
                body.append(f"client_max_body_size {r.choice(('1m', '10m', '50m'))};")
        elif kind < 9:
            path = r.choice(("/static/", "/assets/", "/media/", "= /favicon.ico", "/robots.txt"))
            body = [f"root /var/www/{self.project.name}/public;", "try_files $uri $uri/ =404;"]
            if r.random() < 0.5:
                body += [f"expires {r.choice(('1h', '7d', '30d', 'max'))};", "access_log off;"]
        else:
            path = r.choice(("~ \\.php$", "~* \\.(png|jpg|gif|svg)$", "^~ /internal/"))
            if "php" in path:
                # The stock fastcgi_params lives outside the tree: spell out what it would set.
                body = [
                    "fastcgi_param QUERY_STRING $query_string;",
                    "fastcgi_param REQUEST_METHOD $request_method;",
                    "fastcgi_param CONTENT_TYPE $content_type;",
                    "fastcgi_pass unix:/run/php/php-fpm.sock;",
                    "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;",
                    f"fastcgi_read_timeout {r.choice(('60s', '300s'))};",
                ]
            elif "internal" in path:
                body = ["internal;", "alias /srv/protected/;"]
            else:
                body = ["expires 30d;", 'add_header Cache-Control "public";']
        if server_snippets and r.random() < 0.5:
            snippet = r.choice(server_snippets)
            # A single-value directive set both here and in the snippet is an nginx error.
            taken = self.snippet_directives.get(snippet, set()) - ARRAY_DIRECTIVES
            body = [line for line in body if line.split()[0] not in taken]
            body.append(f"include {snippet};")
            self._included.add(snippet)
        if r.random() < 0.15:
            body.insert(0, f"# {r.choice(PROSE)} {r.choice(PROSE)} {r.choice(NOUNS)}")
        return [f"location {path} {{", *indent(body), "}"]

    def server(self, max_lines: int) -> list[str]:
        r = self.rng
        self.server_no += 1
        host = f"{r.choice(NOUNS)}{self.server_no}.{self.project.name}.example.com"
        lines = ["server {"]
        tls = r.random() < 0.6
        head = [f"listen {'443 ssl' if tls else '80'};", f"server_name {host};"]
        if tls:
            head += [
                f"ssl_certificate /etc/ssl/{self.project.name}/fullchain.pem;",
                f"ssl_certificate_key /etc/ssl/{self.project.name}/privkey.pem;",
                "ssl_protocols TLSv1.2 TLSv1.3;",
            ]
        if r.random() < 0.4:
            head.append(f"access_log /var/log/nginx/{self.project.name}-{self.server_no}.log main;")
        if r.random() < 0.3:
            head.append(f"client_max_body_size {r.choice(('1m', '20m', '100m'))};")
        if r.random() < 0.3:
            head.append(f"proxy_read_timeout {r.choice(('90s', '120s', '300s'))};")
        # Every snippet is included from several servers: each server takes the least-used ones.
        chosen = (
            sorted(self.snippets, key=lambda s: (self.snippet_uses[s], s))[: r.randint(1, 2)]
            if self.snippets
            else []
        )
        self._included = set()
        used_paths: set[str] = set()
        locations = 0
        budget = max_lines - len(lines) - len(head) - 1
        body: list[str] = []
        while True:
            block = ["", *self.location(chosen, used_paths)]
            if locations and len(lines) + len(head) + len(body) + len(block) + 2 > max_lines:
                break
            body += block
            locations += 1
            if locations >= 2 and budget < 40 and r.random() < 0.5:
                break
            if locations >= r.randint(3, 60):
                break
        # A chosen snippet no location took is included for the whole server.
        for s in chosen:
            if s not in self._included:
                taken = self.snippet_directives.get(s, set()) - ARRAY_DIRECTIVES
                head = [line for line in head if line.split()[0] not in taken] + [f"include {s};"]
        for s in chosen:
            self.snippet_uses[s] += 1
        lines += indent(head + body)
        lines.append("}")
        return lines

    def snippet(self, target: int, singles: Sequence[str]) -> list[str]:
        """Shared settings; `singles` are this snippet's share of the single-value directives
        (no two snippets of a project set the same one, so a server may include several)."""
        r = self.rng
        pool = [
            "proxy_set_header Host $host;",
            "proxy_set_header X-Real-IP $remote_addr;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            'proxy_set_header Connection "";',
            "add_header X-Frame-Options DENY;",
            'add_header X-Content-Type-Options "nosniff";',
            "add_header Referrer-Policy same-origin;",
            "proxy_set_header X-Request-Id $request_id;",
            "add_header Cache-Control no-cache;",
        ]
        chosen = r.sample(pool, r.randint(2, len(pool))) + list(singles)
        r.shuffle(chosen)
        lines = [f"# {self.project.name}: shared settings included from several servers."]
        while len(lines) < target:
            if chosen and r.random() < 0.6:
                lines.append(chosen.pop())
            else:
                lines.append(f"# {' '.join(r.choice(PROSE) for _ in range(r.randint(3, 9)))}")
        lines.extend(chosen)
        return lines

    def mime_types(self, target: int) -> list[str]:
        r = self.rng
        types = [
            ("text/html", "html htm shtml"),
            ("text/css", "css"),
            ("text/xml", "xml"),
            ("image/gif", "gif"),
            ("image/jpeg", "jpeg jpg"),
            ("application/javascript", "js"),
            ("text/plain", "txt"),
            ("image/png", "png"),
            ("image/svg+xml", "svg svgz"),
            ("image/webp", "webp"),
            ("application/json", "json"),
            ("application/pdf", "pdf"),
            ("application/zip", "zip"),
            ("font/woff", "woff"),
            ("font/woff2", "woff2"),
            ("audio/mpeg", "mp3"),
            ("video/mp4", "mp4"),
            ("text/event-stream", "sse"),
        ]
        lines = ["types {"]
        i = 0
        while len(lines) < target - 1:
            mime, ext = types[i % len(types)]
            prefix = "" if i < len(types) else f"x{i // len(types)}"
            lines.append(f"    {mime:<40} {' '.join(prefix + e for e in ext.split())};")
            i += 1
        lines.append("}")
        del r
        return lines

    def main(
        self, target: int, include_patterns: list[str], inline_upstreams: bool, has_mime: bool
    ) -> list[str]:
        r = self.rng
        lines = [
            "user nginx;",
            "worker_processes auto;",
            "error_log /var/log/nginx/error.log warn;",
            "pid /run/nginx.pid;",
            "",
            "events {",
            f"    worker_connections {r.choice((512, 1024, 4096))};",
            "}",
            "",
            "http {",
        ]
        http = [
            "include mime.types;"
            if has_mime
            else "types { text/html html; application/json json; }",
            "default_type application/octet-stream;",
            "log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '",
            "                '$status $body_bytes_sent \"$http_referer\" $request_time';",
            "access_log /var/log/nginx/access.log main;",
            "sendfile on;",
            f"keepalive_timeout {r.choice((15, 65, 75))};",
        ]
        if r.random() < 0.5:
            http += [
                "gzip on;",
                f"gzip_types {r.choice(GZIP_TYPES)};",
            ]
        if r.random() < 0.4:
            http.append(f"proxy_read_timeout {r.choice(('60s', '120s', '600s'))};")
        if r.random() < 0.3:
            name = self.project.name
            http.append(f"proxy_cache_path /var/cache/nginx/{name} keys_zone={name}:10m;")
            http.append(f"proxy_cache {self.project.name};")
        http += [
            "map $http_upgrade $connection_upgrade {",
            "    default upgrade;",
            "    ''      close;",
            "}",
        ]
        if inline_upstreams:
            for name, address in self.upstreams:
                http += ["", *self.upstream(name, address)]
        http += [""] + [f"include {pattern};" for pattern in include_patterns]
        lines += indent(http)
        # Grow with inline servers up to the target, never past it.
        while len(lines) + 1 < target:
            room = target - len(lines) - 2
            if room < 12:
                break
            block = self.server(min(room, r.randint(30, 400)))
            if len(lines) + len(block) + 2 > target:
                break
            lines += indent(["", *block])
        lines.append("}")
        return lines

    def fragment(self, target: int, upstreams: list[tuple[str, str]]) -> list[str]:
        r = self.rng
        lines = [
            f"# {self.project.name}: {' '.join(r.choice(PROSE) for _ in range(r.randint(3, 8)))}"
        ]
        for name, address in upstreams:
            lines += [*self.upstream(name, address), ""]
        while len(lines) < target:
            room = target - len(lines)
            if (
                room < 12
                and len(lines) > 1 + 6 * len(upstreams)
                and any(s.startswith("server {") for s in lines)
            ):
                break
            block = self.server(min(max(room, 12), r.randint(30, 500)))
            lines += [*block, ""]
            if len(lines) >= target:
                break
        return lines


def _nginx_sizes(seed: int, count: int) -> list[int]:
    rng = _rng(seed, "nginx-sizes")
    sizes = [
        _lognormal_lines(rng, 110, 1.0, NGINX_MIN_LINES, NGINX_MAX_LINES) for _ in range(count)
    ]
    # The range's ends are part of the point: keep one file near each.
    sizes[0] = NGINX_MAX_LINES - rng.randint(0, 40)
    if count > 1:
        sizes[1] = NGINX_MIN_LINES + rng.randint(0, 5)
    return sizes


def nginx_projects(seed: int, count: int) -> list[NginxProject]:
    """`count` NGINX files in projects: a main file, its conf.d/ or sites-enabled/ fragments,
    its snippets (each included from several servers) and sometimes its own mime.types."""
    rng = _rng(seed, "nginx")
    sizes = _nginx_sizes(seed, count)
    big = sorted(range(count), key=lambda i: -sizes[i])
    projects: list[NginxProject] = []
    remaining = count
    project_no = 0
    while remaining > 0:
        project = NginxProject(f"site{project_no:02d}")
        project_no += 1
        n_fragments = min(remaining - 1, rng.randint(1, 7))
        n_snippets = min(remaining - 1 - n_fragments, rng.randint(0, 3))
        has_mime = remaining - 1 - n_fragments - n_snippets > 0 and rng.random() < 0.4
        folder = rng.choice(("conf.d", "conf.d", "sites-enabled"))
        names = ["nginx.conf"]
        used: set[str] = set()
        for _ in range(n_fragments):
            stem = rng.choice(NOUNS) + rng.choice(("", "-api", "-web", "-llm", "-admin"))
            while stem in used:
                stem += "2"
            used.add(stem)
            names.append(f"{folder}/{stem}.conf" if folder == "conf.d" else f"{folder}/{stem}")
        names += [
            f"snippets/{s}.conf"
            for s in ("proxy-headers", "sse", "security", "llm-timeouts")[:n_snippets]
        ]
        if has_mime:
            names.append("mime.types")
        for name in names:
            project.files[name] = []
        projects.append(project)
        remaining -= len(names)
    # Hand out sizes: the biggest go to mains and fragments, snippets and mime.types stay small.
    slots = [(p, n) for p in projects for n in p.files]
    flexible = [s for s in slots if not s[1].startswith("snippets/") and s[1] != "mime.types"]
    small = [s for s in slots if s[1].startswith("snippets/") or s[1] == "mime.types"]
    rng.shuffle(flexible)
    order = iter(big)
    for project, name in flexible:
        project.targets[name] = sizes[next(order)]
    for project, name in small:
        project.targets[name] = (
            min(80, sizes[next(order)]) if name != "mime.types" else rng.randint(20, 110)
        )

    for project in projects:
        prng = _rng(seed, "nginx", project.name)
        snippets = [n for n in project.files if n.startswith("snippets/")]
        fragments = [n for n in project.files if n.startswith(("conf.d/", "sites-enabled/"))]
        llm = prng.sample(LLM_UPSTREAMS, prng.randint(1, 3))
        app = prng.sample(APP_UPSTREAMS, prng.randint(1, 4))
        upstreams = llm + app
        writer = NginxWriter(prng, project, snippets, upstreams)
        inline = not fragments or prng.random() < 0.3
        patterns = []
        if fragments:
            folder = fragments[0].split("/")[0]
            patterns.append(f"{folder}/*.conf" if folder == "conf.d" else f"{folder}/*")
        singles = list(SNIPPET_SINGLES)
        prng.shuffle(singles)
        for i, name in enumerate(snippets):
            share = singles[i :: len(snippets)]
            project.files[name] = writer.snippet(max(project.targets[name], NGINX_MIN_LINES), share)
            writer.snippet_directives[name] = {
                line.split()[0] for line in project.files[name] if line and not line.startswith("#")
            }
        if "mime.types" in project.files:
            project.files["mime.types"] = writer.mime_types(project.targets["mime.types"])
        # The fragments hold the upstreams unless the main file does.
        per_fragment: list[list[tuple[str, str]]] = [[] for _ in fragments]
        if not inline:
            for i, up in enumerate(upstreams):
                per_fragment[i % len(fragments)].append(up)
        for name, ups in zip(fragments, per_fragment, strict=True):
            project.files[name] = writer.fragment(project.targets[name], ups)
        project.files["nginx.conf"] = writer.main(
            project.targets["nginx.conf"], patterns, inline, "mime.types" in project.files
        )
        # A snippet no server took yet (a small project) is included from the main file's servers.
        if snippets and min(writer.snippet_uses.values()) < 2:
            extra = writer.server(60)
            lines = project.files["nginx.conf"]
            lines[-1:] = [*indent(["", *extra]), "}"]
            for _ in range(2):
                if min(writer.snippet_uses.values()) >= 2:
                    break
                lines[-1:] = [*indent(["", *writer.server(40)]), "}"]
        for name, lines in project.files.items():
            while len(lines) < NGINX_MIN_LINES:
                lines.append(f"# {' '.join(prng.choice(PROSE) for _ in range(6))}")
            if len(lines) > NGINX_MAX_LINES:
                raise AssertionError(f"{project.name}/{name}: {len(lines)} lines")
    return projects


# --------------------------------------------------------------------------------------------
# LiteLLM

CHAT_MODELS = (
    ("gpt-4o", "openai/gpt-4o"),
    ("gpt-4o-mini", "openai/gpt-4o-mini"),
    ("o4-mini", "openai/o4-mini"),
    ("claude-sonnet", "anthropic/claude-sonnet-4-5"),
    ("claude-haiku", "anthropic/claude-3-5-haiku-latest"),
    ("azure-gpt4", "azure/gpt-4o-prod"),
    ("bedrock-claude", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ("llama3", "ollama/llama3.1"),
    ("mistral", "mistral/mistral-large-latest"),
    ("gemini", "gemini/gemini-2.5-flash"),
    ("vllm-qwen", "hosted_vllm/Qwen/Qwen2.5-7B-Instruct"),
    ("groq-llama", "groq/llama-3.3-70b-versatile"),
)
ROUTING_STRATEGIES = (
    "simple-shuffle",
    "least-busy",
    "usage-based-routing-v2",
    "latency-based-routing",
)
OTHER_MODELS = (
    ("embeddings", "openai/text-embedding-3-small", "embedding"),
    ("embed-large", "azure/text-embedding-3-large", "embedding"),
    ("whisper", "openai/whisper-1", "audio_transcription"),
    ("tts", "openai/tts-1", "audio_speech"),
    ("dall-e", "openai/dall-e-3", "image_generation"),
    ("rerank", "cohere/rerank-english-v3.0", "rerank"),
)


def litellm_config(
    seed: int, index: int, *, models_only: bool = False, include: str | None = None
) -> list[str]:
    r = _rng(seed, "litellm", index)
    lines: list[str] = []
    if r.random() < 0.5:
        lines += [
            f"# LiteLLM proxy for {r.choice(NOUNS)} {r.choice(('staging', 'prod', 'dev', 'eval'))}",
            "",
        ]
    if include:
        lines += ["include:", f"  - {include}", ""]
    anchors = r.random() < 0.25
    if not include:
        if anchors:
            lines += [
                "x-defaults: &defaults",
                "  rpm: 600",
                "  tpm: 200000",
                f"  timeout: {r.choice((60, 600, 120))}",
                "",
            ]
        lines.append("model_list:")
        n = r.choice((1, 2, 3, 5, 8, 12, 20, 30, 45, 60)) if not models_only else r.randint(20, 70)
        for i in range(n):
            if r.random() < 0.8:
                alias, model = r.choice(CHAT_MODELS)
                mode = "chat"
            else:
                alias, model, mode = r.choice(OTHER_MODELS)
            lines.append(f"  - model_name: {alias}")
            lines.append("    litellm_params:")
            if anchors and r.random() < 0.5:
                lines.append("      <<: *defaults")
            lines.append(f"      model: {model}")
            provider = model.split("/")[0]
            if provider in ("azure", "hosted_vllm", "ollama") or r.random() < 0.2:
                base = {
                    "azure": "os.environ/AZURE_API_BASE",
                    "ollama": "http://ollama:11434",
                    "hosted_vllm": "http://vllm:8000/v1",
                }.get(provider, f"https://{provider}.internal.example.com/v1")
                lines.append(f"      api_base: {base}")
            if provider not in ("ollama", "hosted_vllm"):
                if r.random() < 0.05:
                    lines.append('      api_key: "sk-local-dev-placeholder-000000"')
                else:
                    lines.append(f"      api_key: os.environ/{provider.upper()}_API_KEY")
            if provider == "azure":
                lines.append(
                    f'      api_version: "{r.choice(("2024-10-21", "2025-01-01-preview"))}"'
                )
            if mode == "chat":
                if r.random() < 0.5:
                    lines.append(f"      max_tokens: {r.choice((512, 1024, 4096, 8192))}")
                if r.random() < 0.35:
                    lines.append(f"      stream_timeout: {r.choice((5, 15, 30, 60, 120, 300))}")
                if r.random() < 0.3:
                    timeout = r.choice((30, 60, 300, 600, '"30s"'))
                    lines.append(f"      timeout: {timeout}")
            if r.random() < 0.3:
                lines.append(f"      rpm: {r.choice((60, 500, 3000))}")
            if r.random() < 0.2:
                lines.append(f"      num_retries: {r.choice((0, 1, 3))}")
            if r.random() < 0.4 or mode != "chat":
                lines.append("    model_info:")
                lines.append(f"      id: {alias}-{i}")
                if mode != "chat":
                    lines.append(f"      mode: {mode}")
                if r.random() < 0.3:
                    lines.append(f"      max_tokens: {r.choice((8192, 128000))}")
            if r.random() < 0.1:
                lines.append(f"    # {' '.join(r.choice(PROSE) for _ in range(r.randint(3, 8)))}")
        lines.append("")
    if models_only:
        return lines
    if r.random() < 0.85:
        lines += ["litellm_settings:", f"  drop_params: {r.choice(('true', 'false'))}"]
        if r.random() < 0.5:
            lines.append(f"  num_retries: {r.choice((0, 2, 3))}")
        if r.random() < 0.5:
            lines.append(f"  request_timeout: {r.choice((30, 600, 6000))}")
        if r.random() < 0.4:
            lines += ['  success_callback: ["langfuse"]', '  failure_callback: ["langfuse"]']
        if r.random() < 0.3:
            lines += [
                "  cache: true",
                "  cache_params:",
                "    type: redis",
                "    host: os.environ/REDIS_HOST",
                "    port: os.environ/REDIS_PORT",
                f"    ttl: {r.choice((60, 600, 3600))}",
            ]
        if r.random() < 0.3:
            lines += [
                "  fallbacks:",
                '    - gpt-4o: ["claude-sonnet"]',
                '    - claude-sonnet: ["gpt-4o-mini"]',
            ]
        if r.random() < 0.1:
            lines.append(f"  timeout: {r.choice((30, 120))}")
        lines.append("")
    if r.random() < 0.7:
        lines += [
            "router_settings:",
            f"  routing_strategy: {r.choice(ROUTING_STRATEGIES)}",
        ]
        if r.random() < 0.5:
            lines += [
                "  redis_host: os.environ/REDIS_HOST",
                "  redis_port: os.environ/REDIS_PORT",
                "  redis_password: os.environ/REDIS_PASSWORD",
            ]
        for key, values in (
            ("num_retries", (0, 2, 3)),
            ("timeout", (30, 60, 600)),
            ("stream_timeout", (10, 60, 300)),
            ("allowed_fails", (1, 3)),
            ("cooldown_time", (30, 60)),
        ):
            if r.random() < 0.4:
                lines.append(f"  {key}: {r.choice(values)}")
        if r.random() < 0.2:
            lines += [
                "  retry_policy:",
                "    TimeoutErrorRetries: 2",
                "    RateLimitErrorRetries: 3",
            ]
        lines.append("")
    if r.random() < 0.75:
        lines += ["general_settings:", "  master_key: os.environ/LITELLM_MASTER_KEY"]
        if r.random() < 0.6:
            lines.append("  database_url: os.environ/DATABASE_URL")
        if r.random() < 0.3:
            lines += ['  alerting: ["slack"]', f"  alerting_threshold: {r.choice((60, 300))}"]
        if r.random() < 0.3:
            lines.append("  store_model_in_db: true")
        lines.append("")
    if r.random() < 0.2:
        lines += [
            "environment_variables:",
            f"  LANGFUSE_HOST: https://langfuse.{r.choice(NOUNS)}.example.com",
            "",
        ]
    return lines


def litellm_files(seed: int, count: int) -> list[tuple[str, list[str], bool]]:
    """(relpath, lines, is_entry) for `count` configs; about one in ten is split with `include:`."""
    rng = _rng(seed, "litellm-layout")
    out: list[tuple[str, list[str], bool]] = []
    i = 0
    while len(out) < count:
        folder = f"{rng.choice(NOUNS)}-{rng.choice(('proxy', 'gateway', 'llm', 'router'))}-{i:03d}"
        name = rng.choice(
            (
                "config.yaml",
                "config.yaml",
                "litellm_config.yaml",
                "proxy_server_config.yaml",
                "litellm.yaml",
                "config.yml",
            )
        )
        if count - len(out) >= 2 and rng.random() < 0.1:
            out.append((f"{folder}/{name}", litellm_config(seed, i, include="models.yaml"), True))
            out.append(
                (
                    f"{folder}/models.yaml",
                    litellm_config(seed, i + 100_000, models_only=True),
                    False,
                )
            )
        else:
            out.append((f"{folder}/{name}", litellm_config(seed, i), True))
        i += 1
    return out


# --------------------------------------------------------------------------------------------
# App-server launch files, beside the Python packages they start
#
# A top-level package of the Python layout stands for one application. In a census of 53 LLM
# applications 83% ship a Dockerfile and 66% a docker-compose file; the census gives no share
# for Procfiles, gunicorn config files and entry scripts, so these are set low (15%, 20% and
# 25% of the apps with a Dockerfile) as a guess, not a measurement.
DOCKERFILE_SHARE = 0.83
COMPOSE_SHARE = 0.66
PROCFILE_SHARE = 0.15
GUNICORN_CONFIG_SHARE = 0.20
ENTRY_SCRIPT_SHARE = 0.25


def _server_command(r: random.Random, module: str, config: bool) -> list[str]:
    """One launch line as words: gunicorn (sync, gthread, uvicorn worker) or uvicorn."""
    choice = r.random()
    if choice < 0.45:
        words = ["uvicorn", f"{module}:app", "--host", "0.0.0.0", "--port", "8000"]
        if r.random() < 0.3:
            words += ["--timeout-keep-alive", str(r.choice((5, 30, 75)))]
        if r.random() < 0.2:
            words += ["--workers", str(r.randint(1, 8))]
        return words
    words = ["gunicorn"]
    if config:
        words += ["-c", "gunicorn.conf.py"]
    elif choice < 0.8:
        words += ["-k", "uvicorn.workers.UvicornWorker"]
    elif choice < 0.9:
        words += ["--threads", str(r.randint(2, 16))]
    words += ["--bind", "0.0.0.0:8000", "-w", str(r.randint(1, 8))]
    if r.random() < 0.4:
        words += ["--timeout", str(r.choice((30, 60, 120, 300, 600)))]
    if r.random() < 0.2:
        words += ["--graceful-timeout", str(r.choice((30, 120, 900)))]
    return [*words, f"{module}:app"]


def server_files(seed: int, layout: Sequence[str]) -> list[tuple[str, str]]:
    """(relpath under python/, text) of the launch files of each application package."""
    apps: dict[str, list[str]] = {}
    for rel in layout:
        top, _, rest = rel.partition("/")
        if "/" not in rest and not rest.endswith("__init__.py"):
            apps.setdefault(top, []).append(rest[: -len(".py")])
    out: list[tuple[str, str]] = []
    for index, (top, modules) in enumerate(sorted(apps.items())):
        r = _rng(seed, "server", index)
        module = r.choice(modules)
        config = r.random() < GUNICORN_CONFIG_SHARE
        words = _server_command(r, module, config)
        if config and words[0] == "gunicorn":
            worker = r.choice(("uvicorn.workers.UvicornWorker", "gthread", "sync"))
            out.append(
                (
                    f"{top}/gunicorn.conf.py",
                    "import os\n\n"
                    'bind = os.environ.get("BIND", "0.0.0.0:8000")\n'
                    f'workers = int(os.environ.get("WEB_CONCURRENCY", {r.randint(1, 8)}))\n'
                    f'worker_class = "{worker}"\n'
                    f"timeout = {r.choice((30, 120, 600))}\n"
                    f"keepalive = {r.choice((2, 5, 75))}\n",
                )
            )
        has_dockerfile = r.random() < DOCKERFILE_SHARE
        if has_dockerfile:
            lines = [
                f"FROM python:3.{r.randint(10, 13)}-slim AS base",
                "ENV PYTHONDONTWRITEBYTECODE=1 \\",
                "    PYTHONUNBUFFERED=1",
                "WORKDIR /app",
                "COPY requirements.txt .",
                "RUN pip install --no-cache-dir -r requirements.txt",
                "",
                "FROM base AS runtime",
                "COPY . /app",
                "EXPOSE 8000",
            ]
            if r.random() < ENTRY_SCRIPT_SHARE:
                script = ["#!/bin/sh", "set -e", "python -m alembic upgrade head || true"]
                script.append("exec " + " ".join(words))
                out.append((f"{top}/docker-entrypoint.sh", "\n".join(script) + "\n"))
                lines += [
                    "RUN chmod +x docker-entrypoint.sh",
                    'ENTRYPOINT ["./docker-entrypoint.sh"]',
                ]
            elif r.random() < 0.6:
                lines.append("CMD [" + ", ".join(f'"{w}"' for w in words) + "]")
            else:
                lines.append("CMD " + " ".join(words[:4]) + " \\")
                lines.append("    " + " ".join(words[4:]))
            out.append((f"{top}/Dockerfile", "\n".join(lines) + "\n"))
        if r.random() < COMPOSE_SHARE:
            service = r.choice(("api", "app", "web", "backend", "server"))
            lines = ["services:", f"  {service}:"]
            lines += ["    build: ." if has_dockerfile else "    image: python:3.12-slim"]
            if not has_dockerfile or r.random() < 0.4:
                lines.append(f"    command: {' '.join(words)}")
            lines += [
                "    ports:",
                '      - "8000:8000"',
                "    environment:",
                f"      - LOG_LEVEL={r.choice(('info', 'debug', 'warning'))}",
                "      - OPENAI_API_KEY=${OPENAI_API_KEY}",
                "    restart: unless-stopped",
                "  redis:",
                "    image: redis:7-alpine",
            ]
            out.append((f"{top}/docker-compose.yml", "\n".join(lines) + "\n"))
        if r.random() < PROCFILE_SHARE:
            out.append((f"{top}/Procfile", f"web: {' '.join(words)}\n"))
    return out


# --------------------------------------------------------------------------------------------
# Writing


def stack_files(seed: int, count: int) -> list[tuple[str, str]]:
    """Deployments of a whole stream path each: docker-compose (an NGINX gateway, a LiteLLM
    proxy, a uvicorn app, a worker), NGINX site files proxying to them by service name,
    container_name or a loopback port, a LiteLLM config mounted with --config, a Python
    client with a base URL, and a Helm chart with an Ingress whose timeout comes from values."""
    files: list[tuple[str, str]] = []
    for index in range(count):
        rng = _rng(seed, "stack", index)
        name = f"deploy{index:03d}"
        read = rng.choice(["60s", "300s", "600s", "1h", "90s"])
        stream = rng.choice([30, 120, 600, 900])
        pings = rng.random() < 0.3
        app_port = rng.choice([8000, 8080, 9000])
        files.append(
            (
                f"{name}/docker-compose.yml",
                "services:\n"
                "  gateway:\n"
                "    image: nginx:1.27\n"
                "    ports:\n"
                '      - "8443:80"\n'
                "    volumes:\n"
                "      - ./nginx:/etc/nginx/conf.d:ro\n"
                "  llm:\n"
                "    image: ghcr.io/berriai/litellm:main-stable\n"
                f"    container_name: {name}-llm\n"
                '    command: ["--config", "/app/config.yaml", "--port", "4000"]\n'
                "    volumes:\n"
                "      - ./litellm.yaml:/app/config.yaml:ro\n"
                "  api:\n"
                "    build: .\n"
                f"    command: uvicorn app.main:app --host 0.0.0.0 --port {app_port}"
                f" --timeout-keep-alive {rng.choice([5, 65, 75])}\n"
                "    environment:\n"
                "      LLM_URL: ${LLM_URL:-http://llm:4000}\n"
                "  worker:\n"
                "    build: .\n"
                "    command: python -m app.worker\n",
            )
        )
        sites = [
            ("chat", "/v1/", f"http://{name}-llm:4000", read),
            ("api", "/api/", f"http://api:{app_port}", rng.choice(["30s", "120s"])),
            ("stream", "/stream", "http://backend", rng.choice(["60s", "200s"])),
            ("static", "/", "http://127.0.0.1:3000", "60s"),
        ]
        for site, location, target, timeout in sites:
            upstream = (
                f"upstream backend {{\n    server api:{app_port};\n    keepalive 8;\n}}\n\n"
                if target == "http://backend"
                else ""
            )
            files.append(
                (
                    f"{name}/nginx/{site}.conf",
                    f"{upstream}server {{\n"
                    f"    listen {80 if site == 'chat' else 8000 + len(site)};\n"
                    f"    server_name {site}.{name}.example.com;\n"
                    f"    location {location} {{\n"
                    f"        proxy_pass {target};\n"
                    "        proxy_http_version 1.1;\n"
                    '        proxy_set_header Connection "";\n'
                    "        proxy_buffering off;\n"
                    f"        proxy_read_timeout {timeout};\n"
                    "    }\n"
                    "}\n",
                )
            )
        files.append(
            (
                f"{name}/litellm.yaml",
                "model_list:\n"
                "  - model_name: chat\n"
                "    litellm_params:\n"
                "      model: openai/gpt-4o\n"
                "      api_key: os.environ/OPENAI_API_KEY\n"
                f"      stream_timeout: {stream}\n"
                "      max_tokens: 4096\n"
                "litellm_settings:\n"
                + (
                    "  sse_keepalive_ping_interval_seconds: 10\n"
                    if pings
                    else "  drop_params: true\n"
                ),
            )
        )
        files.append(
            (
                f"{name}/app/client.py",
                "import os\n\nfrom openai import OpenAI\n\n"
                "client = OpenAI(\n"
                '    base_url=os.environ.get("LLM_URL", "http://localhost:8443/v1"),\n'
                f"    timeout={rng.choice([30, 60, 600])},\n"
                ")\n",
            )
        )
        chart = f"{name}/charts/{name}"
        files.append((f"{chart}/Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n"))
        files.append(
            (
                f"{chart}/values.yaml",
                f"ingress:\n  readTimeout: {rng.choice(['60', '600', '3600'])}\n"
                f"  host: {name}.example.com\n",
            )
        )
        files.append(
            (
                f"{chart}/templates/ingress.yaml",
                "apiVersion: networking.k8s.io/v1\n"
                "kind: Ingress\n"
                "metadata:\n"
                "  name: {{ .Release.Name }}-llm\n"
                "  annotations:\n"
                "    nginx.ingress.kubernetes.io/proxy-read-timeout: "
                "{{ .Values.ingress.readTimeout | quote }}\n"
                "spec:\n"
                "  rules:\n"
                "    - host: {{ .Values.ingress.host }}\n"
                "      http:\n"
                "        paths:\n"
                "          - path: /v1/chat/completions\n"
                "            pathType: Prefix\n"
                "            backend:\n"
                "              service:\n"
                "                name: llm\n"
                "                port:\n"
                "                  number: 4000\n",
            )
        )
    return files


def generate(out: str | os.PathLike[str], seed: int = 1, scale: float = 1.0) -> Corpus:
    """Write the corpus under `out`/corpus and its manifest to `out`/manifest.json."""
    root = Path(out)
    base = root / "corpus"
    corpus = Corpus(seed=seed, scale=scale)

    def write(rel: str, text: str, kind: str, folder: str | None = None, **flags: bool) -> None:
        path = base / (folder or kind) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        lines = text.count("\n")
        corpus.files.append(CorpusFile(f"{folder or kind}/{rel}", kind, lines, **flags))

    n_python = scaled(PYTHON_FILES, scale)
    n_llm = round(n_python * LLM_SHARE)
    layout = _python_layout(seed, n_python)
    order = _rng(seed, "python-llm-pick")
    candidates = [i for i, p in enumerate(layout) if not p.endswith("__init__.py")]
    llm_indexes = set(order.sample(candidates, n_llm))
    crossing = cross_module_streams(seed, layout, llm_indexes)
    for i, rel in enumerate(layout):
        llm = i in llm_indexes
        text = (
            ""
            if rel.endswith("__init__.py") and not llm and _rng(seed, "init", i).random() < 0.6
            else python_file(seed, i, llm)
        )
        if i in crossing:
            text = text.rstrip("\n") + "\n" + "\n".join(crossing[i])
        write(rel, text, "python", llm=llm)
    # The applications' launch files live beside their packages (kind "server").
    for rel, text in server_files(seed, layout):
        write(rel, text, "server", folder="python")

    for project in nginx_projects(seed, scaled(NGINX_FILES, scale)):
        for name, lines in project.files.items():
            write(
                f"{project.name}/{name}",
                "\n".join(lines) + "\n",
                "nginx",
                main=name == "nginx.conf",
            )

    for rel, lines, entry in litellm_files(seed, scaled(LITELLM_FILES, scale)):
        write(rel, "\n".join(lines) + "\n", "litellm", main=entry)

    for rel, text in stack_files(seed, scaled(STACK_DEPLOYMENTS, scale)):
        write(rel, text, "stack")

    manifest = {"seed": seed, "scale": scale, "files": [asdict(f) for f in corpus.files]}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return corpus


def load_manifest(out: str | os.PathLike[str]) -> Corpus:
    data = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    return Corpus(data["seed"], data["scale"], [CorpusFile(**f) for f in data["files"]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", required=True, help="folder to write corpus/ and manifest.json into"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,000/200/100 files")
    args = parser.parse_args(argv)
    corpus = generate(args.out, args.seed, args.scale)
    for kind in ("python", "nginx", "litellm", "server"):
        files = corpus.of_kind(kind)
        print(
            f"{kind}: {len(files)} files, {sum(f.lines for f in files)} lines"
            + (f", {sum(f.llm for f in files)} using LLM clients" if kind == "python" else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
