"""Which version of a package a repository runs: from the lock files, requirements files and
``pyproject.toml`` of the linted file's folder and its parents (up to the linted tree's root).

The nearest folder that names the package wins. A lock file gives the exact version; a
requirement gives its lowest allowed version (``>=3.14`` -> 3.14, ``==2.1`` -> 2.1), since a
rule must hold for every version the pin allows, and keeps its whole specifier for rules that
need the range. A requirement with only an upper bound (``openai<3``) gives no version but the
bound (``Pin.upper``): the versions below it. Each folder is read once per run
(``Workspace.memo``); only files that exist are read, through the Workspace.

Requirement lines, specifiers and versions are read by ``packaging`` (PEP 508 and PEP 440 as
pip reads them), imported only when a file names a wanted package. Poetry's ``^`` and ``~``
constraints, which are not PEP 440, are rewritten to the range Poetry gives them first.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from linter.record import record
from linter.tomlreader import toml_parser

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

    from linter.workspace import Workspace

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
# pip options after a requirement (``--hash=...``) and a line continuation.
_OPTIONS = re.compile(r"\s(?:--?[A-Za-z][\w-]*(?:[= ]\S*)?\s*)+$|\s*\\$")
_POETRY_CLAUSE = re.compile(r"^(\^|~(?!=))\s*(\S+)$")


@record
class Pin:
    version: tuple[int, ...]
    source: str  # e.g. "requirements.txt: openai>=3.14"
    file: str = ""  # the absolute path of the file it was read from
    line: int = 0  # 1-based line of the requirement or lock entry (0: not known)
    shown: str = ""  # the file as findings and the audit name it: relative to the linted root
    specifier: str = ""  # PEP 440 specifier allowed by the pin (``==0.45.3`` for a lock entry)
    # A requirement with an upper bound and no lower one (``openai<3``) gives ``version`` ()
    # and its bound here, as written ("<3"): the versions it allows start anywhere below.
    upper: str = ""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_version(text: str) -> tuple[int, ...] | None:
    """The release numbers of a version (``v1.2.3rc1`` -> (1, 2, 3)); None when invalid."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text.strip()).release
    except InvalidVersion:
        return None


def specifier_set(spec: str) -> SpecifierSet | None:
    """``spec`` as a PEP 440 specifier set (Poetry's ``^``/``~`` rewritten); None if invalid."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    clauses = []
    for clause in spec.split(","):
        clause = clause.strip()
        if not clause:
            continue
        poetry = _POETRY_CLAUSE.match(clause)
        if poetry:
            clauses.extend(_poetry_range(poetry.group(1), poetry.group(2)))
        else:
            clauses.append(clause)
    try:
        return SpecifierSet(",".join(clauses))
    except InvalidSpecifier:
        return None


def _poetry_range(operator: str, text: str) -> list[str]:
    """Poetry's caret (up to the next change of the first non-zero part) and tilde (up to
    the next minor, or major when only the major is given) as PEP 440 clauses."""
    release = parse_version(text.rstrip(".*"))
    if release is None:
        return [f"=={text}"]  # invalid on purpose: the caller gives up on the spec
    given = len(text.rstrip(".*").split("."))
    if operator == "^":
        index = next((i for i, part in enumerate(release) if part), len(release) - 1)
        index = min(index, given - 1)
    else:
        index = 0 if given == 1 else 1
    upper = [*release[:index], release[index] + 1]
    return [f">={text}", "<" + ".".join(str(part) for part in upper)]


def lowest_allowed(spec: str) -> tuple[int, ...] | None:
    """The lowest version a requirement specifier allows (None when it has no lower bound)."""
    specifiers = specifier_set(spec)
    if specifiers is None:
        return None
    lowest: tuple[int, ...] | None = None
    for clause in specifiers:
        if clause.operator not in ("==", "===", ">=", "~=", ">"):
            continue
        version = parse_version(clause.version.rstrip(".*"))
        if version is None:
            continue
        if clause.operator == ">":
            version = (*version[:-1], version[-1] + 1)
        if lowest is None or version > lowest:
            lowest = version
    return lowest


def upper_bound(spec: str) -> str:
    """The upper-bound clauses of a specifier (``"<3"``, ``"<=2.9"``), as written."""
    clauses = [c.strip().replace(" ", "") for c in spec.split(",")]
    return ",".join(c for c in clauses if c.startswith("<"))


def excluded_from(upper: str) -> tuple[int, ...] | None:
    """The first version an upper bound (``"<3"``, ``"<=2.9"``) rules out; None if none."""
    lowest: tuple[int, ...] | None = None
    for clause in upper.split(","):
        inclusive = clause.startswith("<=")
        version = parse_version(clause[2:] if inclusive else clause[1:])
        if version is None:
            continue
        if inclusive:
            version = (*version, 1)  # just after it: 2.9 is allowed, 2.9.1 is not
        if lowest is None or version < lowest:
            lowest = version
    return lowest


def _requirement_pins(text: str, label: str, wanted: tuple[str, ...]) -> dict[str, Pin]:
    from packaging.requirements import InvalidRequirement, Requirement

    found: dict[str, Pin] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        line = _OPTIONS.sub("", line).strip()
        try:
            requirement = Requirement(line)
        except InvalidRequirement:  # pip rejects the line too: no evidence
            continue
        name = canonical(requirement.name)
        spec = str(requirement.specifier)
        if name in wanted and spec:
            version = lowest_allowed(spec)
            if version is not None:
                found[name] = Pin(version, f"{label}: {line}", line=number, specifier=spec)
            elif upper := upper_bound(spec):
                found[name] = Pin((), f"{label}: {line}", line=number, specifier=spec, upper=upper)
    return found


def _lock_pins(text: str, label: str, wanted: tuple[str, ...]) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    if label.endswith("Pipfile.lock"):
        for name in wanted:
            match = re.search(
                r'"' + re.escape(name) + r'"\s*:\s*\{[^{}]*?"version"\s*:\s*"==([^"]+)"', text
            )
            if match and (version := parse_version(match.group(1))):
                line = text.count("\n", 0, match.start()) + 1
                found[name] = Pin(
                    version,
                    f"{label}: {name}=={match.group(1)}",
                    line=line,
                    specifier=f"=={match.group(1)}",
                )
        return found
    # uv.lock, poetry.lock, pdm.lock: [[package]] name = "x" version = "y"
    for match in re.finditer(r'(?m)^name\s*=\s*"([^"]+)"\s*\r?\nversion\s*=\s*"([^"]+)"', text):
        name = canonical(match.group(1))
        if name in wanted and (version := parse_version(match.group(2))):
            line = text.count("\n", 0, match.start()) + 1
            found[name] = Pin(
                version,
                f"{label}: {name} {match.group(2)}",
                line=line,
                specifier=f"=={match.group(2)}",
            )
    return found


def _pyproject_pins(text: str, label: str, wanted: tuple[str, ...]) -> dict[str, Pin]:
    # Imported here: only a repository with a pyproject.toml that names a pinned package
    # pays for the TOML parser.
    tomllib = toml_parser()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    lines: list[str] = []
    project = data.get("project", {})
    if isinstance(project, dict):
        lines.extend(str(d) for d in project.get("dependencies", []) or [])
        for group in (project.get("optional-dependencies", {}) or {}).values():
            lines.extend(str(d) for d in group or [])
    for group in (data.get("dependency-groups", {}) or {}).values():
        lines.extend(str(d) for d in group or [] if isinstance(d, str))
    found = {
        name: Pin(
            pin.version,
            pin.source,
            line=_line_of(text, pin.source.split(": ", 1)[1]),
            specifier=pin.specifier,
            upper=pin.upper,
        )
        for name, pin in _requirement_pins("\n".join(lines), label, wanted).items()
    }
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies", {})]
        tables += [
            g.get("dependencies", {})
            for g in (poetry.get("group", {}) or {}).values()
            if isinstance(g, dict)
        ]
        for table in tables:
            if not isinstance(table, dict):
                continue
            for name, spec in table.items():
                if canonical(name) not in wanted or canonical(name) in found:
                    continue
                raw = spec.get("version", "") if isinstance(spec, dict) else str(spec)
                constraint = raw if raw[:1] in "<>=!~^" else f"=={raw}"
                version = lowest_allowed(constraint)
                specifiers = specifier_set(constraint)
                upper = upper_bound(constraint) if version is None else ""
                if (version is not None or upper) and specifiers is not None:
                    found[canonical(name)] = Pin(
                        version or (),
                        f"{label}: {name} = {raw!r}",
                        line=_line_of(text, name, key=True),
                        specifier=str(specifiers),
                        upper=upper,
                    )
    return found


def _line_of(text: str, needle: str, key: bool = False) -> int:
    """The 1-based line where ``needle`` (a requirement string, or with ``key`` a TOML key)
    appears in ``text``; 0 when it cannot be found."""
    if key:
        match = re.search(r"(?m)^\s*[\"']?" + re.escape(needle) + r"[\"']?\s*=", text)
        index = match.start() if match else -1
    else:
        index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 0


def _folder_pins(folder: str, workspace: Workspace, wanted: tuple[str, ...]) -> dict[str, Pin]:
    key = ("python-pins", folder, wanted)  # each set of packages is looked for on its own
    cached = workspace.memo.get(key)
    if isinstance(cached, dict):
        return cached
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    found: dict[str, Pin] = {}
    readers = []
    for name in names:
        if name in LOCK_FILES:
            readers.append((0, name, _lock_pins))
        elif name.startswith("requirements") and name.endswith((".txt", ".in")):
            readers.append((1, name, _requirement_pins))
        elif name == "pyproject.toml":
            readers.append((2, name, _pyproject_pins))
    # Lock files first: an exact version beats a range.
    for _, name, reader in sorted(readers):
        path = os.path.join(folder, name)
        try:
            data = workspace.read_bytes(path)
        except Exception:  # unreadable: no evidence
            continue
        if not any(package.encode() in data.lower() for package in wanted):
            continue
        text = data.decode("utf-8", "replace")
        for package, pin in reader(text, name, wanted).items():
            found.setdefault(
                package,
                Pin(
                    pin.version,
                    pin.source,
                    path,
                    pin.line,
                    specifier=pin.specifier,
                    upper=pin.upper,
                ),
            )
    workspace.memo[key] = found
    return found


def find_pins(path: str, workspace: Workspace, wanted: tuple[str, ...]) -> dict[str, Pin]:
    """Pins for ``wanted`` packages that apply to the file at ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    key = ("python-pins-for", folder, wanted)
    cached = workspace.memo.get(key)
    if not isinstance(cached, dict):  # the same for every file of the folder: found once
        cached = workspace.memo[key] = _pins_above(folder, workspace, wanted)
    return dict(cached)


def _pins_above(folder: str, workspace: Workspace, wanted: tuple[str, ...]) -> dict[str, Pin]:
    result: dict[str, Pin] = {}
    root = workspace.root
    while True:
        for package, pin in _folder_pins(folder, workspace, wanted).items():
            if package not in result:
                relative = os.path.relpath(os.path.join(folder, pin.source), workspace.root)
                shown = os.path.relpath(pin.file, workspace.root) if pin.file else ""
                result[package] = Pin(
                    pin.version,
                    relative.replace(os.sep, "/"),
                    pin.file,
                    pin.line,
                    shown.replace(os.sep, "/"),
                    pin.specifier,
                    pin.upper,
                )
        if (
            len(result) == len(wanted)
            or not workspace.inside(folder)
            or os.path.realpath(folder) == root
        ):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return result


def allows_only_below(spec: str, bound: tuple[int, ...]) -> bool:
    """Every version the specifier allows is below ``bound`` (``==3.23.0``, ``~=3.40``,
    ``<4``, ``>=3.0,<3.50`` below (4,); not ``>=3.23``, nor an empty or invalid one)."""
    specifiers = specifier_set(spec)
    if specifiers is None:
        return False
    for clause in specifiers:
        text = clause.version
        if clause.operator in ("<", "<="):
            version = parse_version(text)
            if version is not None and (
                version <= bound if clause.operator == "<" else version < bound
            ):
                return True
        elif clause.operator in ("==", "===") and not text.endswith(".*"):
            version = parse_version(text)
            if version is not None and version < bound:
                return True
        elif clause.operator == "==" or clause.operator == "~=":
            # `==3.*` keeps the given parts; `~=3.40` all but the last one.
            version = parse_version(text.rstrip(".*"))
            if version is None:
                continue
            kept = version if clause.operator == "==" else version[:-1]
            if kept and (*kept[:-1], kept[-1] + 1) <= bound:
                return True
    return False


def parse_target(value: str) -> tuple[int, ...] | None:
    """A ``python-target`` setting's version (``"3.14"``, ``">=3.14"``)."""
    return lowest_allowed(value) if value[:1] in "<>=!~^" else parse_version(value)
