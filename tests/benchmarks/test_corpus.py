"""The benchmark's corpus generator keeps its promises (no timing here: see bench.py).

Same seed, same bytes; the shape issue 6 asks for (5,000 Python files, 10% of them using LLM
clients in the ways the PY rules look at and the rest mentioning none, 200 NGINX configs of 20
to 2,000 lines wired with includes, 100 LiteLLM configs), and every file well-formed.
"""

from __future__ import annotations

import ast
import glob
import hashlib
import importlib.util
import os
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import crossplane
import pytest
import yaml


def _load_generator() -> ModuleType:
    # This folder is not a package: load the module under a name no other test can clash with.
    path = Path(__file__).with_name("corpus.py")
    spec = importlib.util.spec_from_file_location("streamproof_bench_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


gen = _load_generator()

LLM_NAMES = re.compile("|".join(gen.LLM_CLIENT_NAMES))
INCLUDE = re.compile(r"^\s*include\s+([^;]+);", re.M)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("bench-corpus")
    return out, gen.generate(out, seed=1, scale=1.0)


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(first, seed=7, scale=0.05)
    gen.generate(second, seed=7, scale=0.05)
    gen.generate(other, seed=8, scale=0.05)
    digest = _digest(first)
    assert len(digest) > 250
    assert digest == _digest(second)
    assert digest != _digest(other)


def test_counts_and_llm_share_match_the_issue(full: tuple[Path, object]) -> None:
    out, corpus = full
    counts = Counter(f.kind for f in corpus.files)
    launch_files = counts.pop("server")
    assert counts == {"python": 5000, "nginx": 200, "litellm": 100, "stack": 500}
    stack = [f.path for f in corpus.of_kind("stack")]
    # issue 15: 200 compose services (4 per compose file), 200 NGINX files, 50 Helm charts
    assert sum(p.endswith("/docker-compose.yml") for p in stack) * 4 == 200
    assert sum("/nginx/" in p for p in stack) == 200
    assert sum(p.endswith("/Chart.yaml") for p in stack) == 50
    # Launch files beside the applications at their real-world share (issue 14): 83% of the
    # application packages have a Dockerfile, 66% a compose file.
    apps = {f.path.split("/")[1] for f in corpus.of_kind("python")}
    for name, share in (("Dockerfile", 0.83), ("docker-compose.yml", 0.66)):
        having = {f.path.split("/")[1] for f in corpus.of_kind("server") if f.path.endswith(name)}
        assert having <= apps
        assert abs(len(having) / len(apps) - share) < 0.1, (name, len(having), len(apps))
    assert launch_files == len(corpus.of_kind("server")) > len(apps)
    python = corpus.of_kind("python")
    assert sum(f.llm for f in python) == 500  # exactly 10%
    # The manifest on disk says the same as the run, and every listed file exists.
    assert gen.load_manifest(out).files == corpus.files
    on_disk = {
        str(p.relative_to(out / "corpus")) for p in (out / "corpus").rglob("*") if p.is_file()
    }
    assert on_disk == {f.path for f in corpus.files}


def test_python_files_use_llm_clients_exactly_when_flagged(full: tuple[Path, object]) -> None:
    out, corpus = full
    texts = {
        f.path: (out / "corpus" / f.path).read_text(encoding="utf-8")
        for f in corpus.of_kind("python")
    }
    flagged = {f.path for f in corpus.of_kind("python") if f.llm}
    for path, text in texts.items():
        assert bool(LLM_NAMES.search(text)) == (path in flagged), path
    # The ordinary files are of realistic, varied size; a few are empty packages.
    plain_lines = sorted(f.lines for f in corpus.of_kind("python") if not f.llm)
    assert plain_lines[len(plain_lines) // 2] > 80
    assert plain_lines[-1] > 1000
    assert 0 < plain_lines.count(0) < len(plain_lines) // 10
    # Between them the LLM files show every pattern the PY rules look at.
    llm_text = "\n".join(texts[p] for p in flagged)
    for pattern in (
        r"chat\.completions\.create\(",
        r"stream=True",
        r"async for ",
        r"max_tokens=",
        r"max_completion_tokens=",
        r"\.messages\.stream\(",
        r"\.responses\.stream\(",
        r"\bcompletion\(",
        r"acompletion\(",
        r"httpx\.stream\(",
        r"\.post\(url, json=body, stream=True\)",  # requests with no timeout
        r"timeout=\(10, 300\)",
        r"import openai as oa",
        r"from openai import OpenAI as O",
        r"import litellm as ll",
        r"@retry\(",
        r"except KeyboardInterrupt:",
        r"except Exception",
        r"finally:",
        r"aiohttp\.ClientSession\(",
    ):
        assert re.search(pattern, llm_text), pattern
    # Some streaming generation calls have no cap: find one `create(` block without a cap.
    calls = re.findall(r"\.create\(\n(?:\s+.*\n)*?\s+\)", llm_text)
    assert any("stream=True" in c and "max_" not in c for c in calls)
    assert any("stream=True" in c and "max_tokens" in c for c in calls)


def test_python_files_parse(full: tuple[Path, object]) -> None:
    out, corpus = full
    python = corpus.of_kind("python")
    # All LLM files and every tenth other one (parsing all 5,000 takes seconds).
    chosen = [f for i, f in enumerate(python) if f.llm or i % 10 == 0]
    for f in chosen:
        ast.parse((out / "corpus" / f.path).read_bytes(), filename=f.path)


def test_nginx_configs_have_the_promised_sizes_and_includes(full: tuple[Path, object]) -> None:
    out, corpus = full
    nginx = corpus.of_kind("nginx")
    lines = [f.lines for f in nginx]
    assert min(lines) >= 20 and max(lines) <= 2000
    assert max(lines) >= 1900 and min(lines) <= 30  # both ends of the range are exercised
    base = out / "corpus"
    for f in nginx:
        text = (base / f.path).read_text(encoding="utf-8")
        assert text.count("\n") == f.lines
        assert text.count("{") == text.count("}"), f.path

    # Every file is reached from its project's nginx.conf through includes (relative to the
    # main file's folder, as nginx's prefix), and each snippet from two servers or more.
    reached: set[str] = set()
    snippet_servers: Counter[str] = Counter()
    for main in (f for f in nginx if f.main):
        project = (base / main.path).parent
        todo = [base / main.path]
        while todo:
            current = todo.pop()
            rel = str(current.relative_to(base))
            if rel in reached:
                continue
            reached.add(rel)
            text = current.read_text(encoding="utf-8")
            for pattern in INCLUDE.findall(text):
                todo.extend(Path(p) for p in sorted(glob.glob(str(project / pattern))))
            for server in re.split(r"^\s*server \{", text, flags=re.M)[1:]:
                for snippet in set(re.findall(r"include (snippets/[^;]+);", server)):
                    snippet_servers[str((project / snippet).relative_to(base))] += 1
    assert reached == {f.path for f in nginx}
    snippets = [f.path for f in nginx if "/snippets/" in f.path]
    assert len(snippets) >= 10
    assert all(snippet_servers[s] >= 2 for s in snippets), snippet_servers
    assert any("sites-enabled/" in f.path for f in nginx)
    assert any(f.path.endswith("mime.types") for f in nginx)


def test_nginx_configs_are_well_formed_for_crossplane(full: tuple[Path, object]) -> None:
    out, corpus = full
    for main in (f for f in corpus.of_kind("nginx") if f.main):
        parsed = crossplane.parse(str(out / "corpus" / main.path), check_ctx=True, check_args=True)
        assert parsed["status"] == "ok", parsed["errors"]
        assert len(parsed["config"]) > 1 or main.lines > 0


def test_litellm_configs_are_yaml_with_litellm_sections(full: tuple[Path, object]) -> None:
    out, corpus = full
    configs = corpus.of_kind("litellm")
    deployments = 0
    for f in configs:
        data = yaml.safe_load((out / "corpus" / f.path).read_text(encoding="utf-8"))
        assert isinstance(data, dict), f.path
        assert {"model_list", "include"} & set(data), f.path
        for entry in data.get("model_list") or []:
            assert "model_name" in entry and "model" in entry["litellm_params"], f.path
            deployments += 1
    assert deployments > 1000
    assert sum(1 for f in configs if not f.main) >= 3  # some configs are split with include:
    assert os.path.commonpath([f.path for f in configs]) == "litellm"


def test_some_packages_hand_streams_across_modules(full: tuple[Path, object]) -> None:
    """Provider modules (LLM files) define a stream generator; sibling modules that name no
    client import it relatively and iterate it, some inside a guard and some not."""
    out, corpus = full
    texts = {
        f.path: (out / "corpus" / f.path).read_text(encoding="utf-8")
        for f in corpus.of_kind("python")
    }
    providers = {p for p, t in texts.items() if "import openai as _stream_sdk" in t}
    consumers = {
        p: t for p, t in texts.items() if re.search(r"^from \.\w+ import stream_", t, re.M)
    }
    assert len(providers) >= 40 and len(consumers) >= 40
    flagged = {f.path for f in corpus.of_kind("python") if f.llm}
    assert providers <= flagged and not set(consumers) & flagged
    guarded = [p for p, t in consumers.items() if "except Exception as error:" in t]
    assert 0 < len(guarded) < len(consumers)
    for path, text in consumers.items():
        module, noun = re.findall(r"^from \.(\w+) import stream_(\w+)", text, re.M)[-1]
        provider = f"{path.rsplit('/', 1)[0]}/{module}.py"
        assert provider in providers and f"def stream_{noun}(" in texts[provider], path


def test_a_cross_module_package_is_judged_across_its_modules(
    full: tuple[Path, object], tmp_path: Path
) -> None:
    """On one provider and its consumers, copied alone: the unguarded consumer gets PY001 at
    its own line, naming the generator and its module; with `report-reading-loop`, so does
    the provider's loop, naming that consumer (nothing on the way guards the stream)."""
    from helpers import lint

    out, _corpus = full
    root = out / "corpus" / "python"
    for provider in sorted(root.rglob("*.py")):
        text = provider.read_text(encoding="utf-8")
        if "import openai as _stream_sdk" not in text:
            continue
        consumers = [
            p
            for p in provider.parent.glob("*.py")
            if f"from .{provider.stem} import stream_" in p.read_text(encoding="utf-8")
            and "except Exception as error:" not in p.read_text(encoding="utf-8")
        ]
        if consumers:
            break
    else:
        pytest.fail("no provider with an unguarded consumer")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for file in [provider, *consumers]:
        (package / file.name).write_text(file.read_text(encoding="utf-8"))
    found = lint([tmp_path], cwd=tmp_path, select=["PY001"]).findings
    both = {"rules": {"PY001": {"report-reading-loop": True}}}
    found_both = lint([tmp_path], cwd=tmp_path, select=["PY001"], **both).findings
    lines = text.splitlines()
    define = next(n for n, line in enumerate(lines, 1) if line.startswith("def stream_"))
    loop = define + 7  # the ``for chunk in stream:`` of provider_block
    assert lines[loop - 1] == "    for chunk in stream:"
    places = {(Path(f.path).name, f.line): f.message for f in found}
    assert all(name != provider.name for name, _ in places)
    [reader] = [f for f in found_both if (Path(f.path).name, f.line) == (provider.name, loop)]
    assert "does not guard it, reported there too" in reader.message
    assert {(Path(f.path).name, f.line) for f in found_both} == {*places, (provider.name, loop)}
    for consumer in consumers:
        line = next(
            n
            for n, source in enumerate(consumer.read_text(encoding="utf-8").splitlines(), 1)
            if source.startswith('    return "".join(stream_')
        )
        assert f"of pkg.{provider.stem}," in places[(consumer.name, line)]
