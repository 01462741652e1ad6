"""The release step: tag the commit checked out `v<version>`, the version in pyproject.toml.

pre-commit configurations pin this tag (README, "pre-commit"), so it is made here and nowhere
else: the work tree must be clean, linter.__version__ must agree with pyproject.toml, and the
tag must not exist yet. Run it after .ci/run passed on that commit, then publish the tag:

    python .ci/release.py                # tags v<version>, says how to push it
    python .ci/release.py --push origin  # tags and pushes it

Exit status: 0 tagged (and pushed), 1 refused (the message says why).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def project_version() -> str:
    """`version` of pyproject.toml's [project] table (read as text: tomllib needs 3.11)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = re.search(r"(?ms)^\[project\]\n(.*?)(?=^\[)", text)
    found = re.search(r'(?m)^version\s*=\s*"([^"]+)"', table.group(1)) if table else None
    if found is None:
        raise SystemExit("release: pyproject.toml has no [project] version")
    return found.group(1)


def package_version() -> str:
    text = (ROOT / "linter" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'(?m)^__version__\s*=\s*"([^"]+)"', text)
    return found.group(1) if found else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--push", metavar="REMOTE", help="push the tag to this remote")
    options = parser.parse_args(argv)
    version = project_version()
    tag = f"v{version}"
    problems = []
    if package_version() != version:
        problems.append(
            f"linter/__init__.py says {package_version()!r}, pyproject.toml {version!r}"
        )
    status = git("status", "--porcelain")
    if status.returncode != 0:
        problems.append(f"not a git work tree: {status.stderr.strip()}")
    elif status.stdout.strip():
        problems.append("the work tree has uncommitted changes:\n" + status.stdout.rstrip())
    if git("rev-parse", "-q", "--verify", f"refs/tags/{tag}").returncode == 0:
        problems.append(f"{tag} exists already: raise the version in pyproject.toml first")
    if problems:
        for problem in problems:
            print(f"release: refused: {problem}", file=sys.stderr)
        return 1
    made = git("tag", "-a", tag, "-m", f"streamproof {version}")
    if made.returncode != 0:
        print(f"release: git tag failed: {made.stderr.strip()}", file=sys.stderr)
        return 1
    commit = git("rev-parse", "HEAD").stdout.strip()
    print(f"tagged {tag} at {commit}")
    if options.push:
        pushed = git("push", options.push, f"refs/tags/{tag}")
        if pushed.returncode != 0:
            print(f"release: git push failed: {pushed.stderr.strip()}", file=sys.stderr)
            return 1
        print(f"pushed {tag} to {options.push}")
    else:
        print(f"publish it with: git push origin {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
