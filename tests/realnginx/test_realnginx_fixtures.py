"""Every NGINX fixture that should be a valid config passes the real `nginx -t`: each fix's
expected output (`.fixed`) and every `good_*` fixture.

A fixture is copied into a private folder (its fixed outputs put in place of the files they
fix), fragments are wrapped in their usual context, and what only the deployment's machine
has (docker host names, certificate files, system users) gets a stand-in; each stand-in is
printed, so a fixture that leans on one is visible (`pytest -rA` or `-s`)."""

from __future__ import annotations

import fnmatch
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from nginxrun import (
    CheckRun,
    check_config,
    includes,
    nginx_test_with_stand_ins,
    nginx_version,
    prepare,
    read,
    split_dump,
    unpack_dump,
)

from linter import registry
from linter.document import Claim
from linter.fixtures import Fixture, all_fixtures, is_fixed_output
from linter.nginx import detect as nginx_detect
from linter.nginx.tree import PLACEHOLDER as TEMPLATE_PLACEHOLDER

pytestmark = pytest.mark.nginx

KIND = "nginx"
# envsubst-style placeholders: the file is a template, not a config, until it is rendered.
# A template's placeholders and control tags: nginx reads it only once it is rendered.
PLACEHOLDER = re.compile(TEMPLATE_PLACEHOLDER.pattern + r"|\{%|\{\{|<%")


@dataclass(frozen=True)
class Case:
    fixture: Fixture
    variant: str  # "fixed": the fix's expected output; "good": a fixture that must not fire

    @property
    def id(self) -> str:
        return f"{self.fixture.code}/{self.fixture.name}:{self.variant}"


def _cases() -> list[Case]:
    cases = []
    for fixture in all_fixtures():
        if fixture.kind != KIND:
            continue
        if not fixture.fires:
            cases.append(Case(fixture, "good"))
        elif any(fixture.fixed_output(file) for file in fixture.files()):
            cases.append(Case(fixture, "fixed"))
    return cases


CASES = _cases()


def _copy(case: Case, target: Path) -> None:
    """The fixture as nginx should see it: for "fixed", each fixed file replaced by its output."""
    fixture = case.fixture
    if fixture.path.is_dir():
        shutil.copytree(
            fixture.path,
            target,
            ignore=lambda d, names: [n for n in names if is_fixed_output(Path(n))],
        )
        base = fixture.path
    else:
        target.mkdir(parents=True)
        shutil.copyfile(fixture.path, target / fixture.path.name)
        base = fixture.path.parent
    if case.variant == "fixed":
        for file in fixture.files():
            fixed = fixture.fixed_output(file)
            if fixed is not None:
                shutil.copyfile(fixed, target / file.relative_to(base))
    for manifest in [*target.rglob("*.yaml"), *target.rglob("*.yml")]:
        _unpack_configmap(manifest)
    for script in [*target.rglob("*.sh"), *target.rglob("*.bash")]:
        _unpack_script(script)


def _unpack_configmap(manifest: Path) -> None:
    """A ConfigMap's NGINX configs (literal `*.conf` and `*.conf.template` blocks, the ones
    streamproof reads) as the files a pod would mount, in place of the manifest: what nginx
    itself would be given. Any other YAML (a compose file beside a config) is nginx's business
    neither: it goes too."""
    documents = yaml.compose_all(manifest.read_text(encoding="utf-8"))
    for document in documents:
        if not isinstance(document, yaml.MappingNode):
            continue
        fields = {key.value: value for key, value in document.value}
        kind = fields.get("kind")
        data = fields.get("data")
        if not isinstance(kind, yaml.ScalarNode) or kind.value != "ConfigMap":
            continue
        if not isinstance(data, yaml.MappingNode):
            continue
        for key, value in data.value:
            literal = isinstance(value, yaml.ScalarNode) and value.style == "|"
            # (`*.conf.template`: the nginx image's templates, left to the template check.)
            if key.value.endswith((".conf", ".conf.template")) and literal:
                (manifest.parent / f"{manifest.stem}__{key.value}").write_text(value.value)
    manifest.unlink()


def _unpack_script(script: Path) -> None:
    """The config a shell script writes through a here-document (`cat <<'EOF' >
    /etc/nginx/...`) as the file it writes, in place of the script: what nginx would be
    given (found here by the delimiter lines, not by streamproof's reader)."""
    lines = script.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        opening = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        target = re.search(r"(/etc/nginx/\S+)", line)
        if opening is None or target is None:
            continue
        delimiter = opening.group(1)
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == delimiter)
        name = Path(target.group(1)).name
        (script.parent / f"{script.stem}__{name}").write_text("".join(lines[index + 1 : end]))
    script.unlink()


def _pattern_matches(pattern: str, relative: Path) -> bool:
    """Whether an include pattern names this file (matched on its trailing path components:
    the pattern may be absolute, relative to a prefix, or mapped by `nginx-prefix`)."""
    pattern_parts = Path(pattern).parts
    file_parts = relative.parts
    if len(pattern_parts) < len(file_parts):
        return False
    tail = pattern_parts[len(pattern_parts) - len(file_parts) :]
    return all(fnmatch.fnmatchcase(part, glob) for part, glob in zip(file_parts, tail, strict=True))


def _roots(folder: Path) -> list[Path]:
    """Files no other file includes: the configs nginx would be started with."""
    # (Other kinds' files beside the configs, such as the compose file an NGX007 case takes
    # the backend's keep-alive from, are not nginx's.)
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and nginx_detect.claim_by_name(p.relative_to(folder).as_posix()) is not Claim.NO
    )
    included: set[Path] = set()
    for file in files:
        text = read(file)
        for pattern in includes(text):
            for other in files:
                if other != file and _pattern_matches(pattern, other.relative_to(folder)):
                    included.add(other)
    return [f for f in files if f not in included]


def _prefixes(settings: dict[str, object], folder: Path) -> dict[str, Path]:
    raw = settings.get("nginx-prefix")
    pairs = (
        {"/etc/nginx": raw} if isinstance(raw, str) else dict(raw) if isinstance(raw, dict) else {}
    )
    mapped = {}
    for absolute, local in pairs.items():
        # Relative to the fixture's folder (a multi-file case) or to the folder it sits in.
        for base in (folder, folder.parent):
            if (base / str(local)).is_dir():
                mapped[absolute] = base / str(local)
                break
    return mapped


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _check_root(nginx: str, case: Case, root: Path, folder: Path, work: Path) -> CheckRun:
    settings = case.fixture.settings()
    text = read(root)
    context = settings.get("nginx-context")
    prefixes = _prefixes(settings, folder)
    conf_dir = prefixes.get("/etc/nginx")
    conf_root = folder
    if split_dump(text):
        unpacked = unpack_dump(text, work / "dump")
        assert unpacked is not None
        root, dump_folders = unpacked
        conf_root, prefixes, conf_dir = work / "dump", dump_folders, None
    prepared = prepare(
        root,
        work / "prefix",
        context=str(context) if context else None,
        conf_root=conf_root,
        conf_dir=conf_dir,
        prefixes=prefixes,
    )
    return nginx_test_with_stand_ins(nginx, prepared)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fixture_passes_nginx_t(case: Case, nginx: str, tmp_path: Path) -> None:
    folder = tmp_path / "fixture"
    _copy(case, folder)
    roots = _roots(folder)
    assert roots, "no file to check"
    checked = 0
    for index, root in enumerate(roots):
        relative = root.relative_to(folder)
        text = read(root)
        if root.name.endswith(".template") or PLACEHOLDER.search(text):
            print(f"{case.id}: {relative} is a template (placeholders), not checked")
            continue
        # Each root in its own copy: preparing one must not change the files of another.
        work = tmp_path / f"work{index}"
        shutil.copytree(folder, work / "fixture")
        result = _check_root(nginx, case, work / "fixture" / relative, work / "fixture", work)
        stand_ins = "; ".join(result.substitutions) or "none"
        print(f"{case.id}: {relative} ({result.prepared.context}) ok={result.ok}")
        print(f"    stand-ins: {stand_ins}")
        if not result.ok:
            wanted = case.fixture.settings().get("nginx-version")
            have = nginx_version(nginx)
            if wanted and _version_tuple(str(wanted)) > _version_tuple(have):
                pytest.skip(f"written for nginx {wanted}; this nginx is {have}: {result.output}")
        assert result.ok, (
            f"{case.id}: {relative} fails nginx -t ({result.prepared.context} context, "
            f"stand-ins: {stand_ins}):\n{result.output}"
        )
        checked += 1
    if not checked:
        pytest.skip("only templates: nothing nginx can read as it is")


def test_fixture_check_is_not_vacuous() -> None:
    """With NGINX rules registered, the check above covers each rule's good fixtures and each
    fix's expected output."""
    rules = registry.rules_for_kind(KIND)
    if not rules:
        assert not CASES, "NGINX fixtures exist but no NGINX rule is registered"
        return
    assert CASES, "NGINX rules exist but no fixture was checked with nginx -t"
    covered_good = {case.fixture.code for case in CASES if case.variant == "good"}
    covered_fixed = {case.fixture.code for case in CASES if case.variant == "fixed"}
    without_good = {rule.code for rule in rules} - covered_good
    assert not without_good, f"rules whose good fixtures were not checked: {without_good}"
    with_fix = {rule.code for rule in rules if rule.fix is not None}
    assert with_fix <= covered_fixed, (
        f"fixes without a checked .fixed output: {with_fix - covered_fixed}"
    )


# NGX000 fixtures nginx must refuse: every bad one but the include outside the tree (an `info`
# finding: the file is not read, so nothing is known about it).
REFUSED = [
    f
    for f in all_fixtures()
    if f.kind == KIND and f.code == "NGX000" and f.fires and "outside_tree" not in f.name
]


@pytest.mark.parametrize("fixture", REFUSED, ids=lambda f: f.name)
def test_parse_error_fixture_is_refused_by_nginx_t(
    fixture: Fixture, nginx: str, tmp_path: Path
) -> None:
    result = check_config(
        nginx,
        fixture.path,
        tmp_path,
        main="nginx.conf" if fixture.path.is_dir() else None,
        stand_ins=True,
    )
    assert not result.ok, f"{fixture.name}: nginx -t accepts what NGX000 reports"
    assert "[emerg]" in result.output, result.output


def test_refused_fixtures_are_not_vacuous() -> None:
    assert len(REFUSED) >= 5
