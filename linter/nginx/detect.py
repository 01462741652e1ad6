"""Which files are NGINX, from the name first; the content decides the doubtful ones.

Kept apart from the handler so that classifying the files of a Python or YAML run imports
none of the NGINX parser.
"""

from __future__ import annotations

import posixpath

from linter.document import Claim

NGINX_FOLDERS = ("nginx", "conf.d", "sites-available", "sites-enabled", "http.d", "snippets")


def claim_by_name(relpath: str) -> Claim:
    name = posixpath.basename(relpath).lower()
    folders = relpath.lower().split("/")[:-1]
    if name in ("nginx.conf", "nginx.conf.template") or name.endswith((".nginx", ".nginxconf")):
        return Claim.YES
    if name.endswith((".conf", ".conf.template", ".conf.tmpl", ".conf.j2")):
        return Claim.MAYBE
    if any(folder in NGINX_FOLDERS or "nginx" in folder for folder in folders):
        return Claim.MAYBE
    return Claim.NO


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    return claim_cached(relpath, data, by_name, None, None)


def claim_cached(
    relpath: str, data: bytes, by_name: Claim, path: str | None, memo: dict[object, object] | None
) -> bool:
    """`claim`, keeping the tree it parsed in the run's memo for the load that follows."""
    if by_name is Claim.YES:
        return True
    from linter.nginx.handler import sniff  # parsing is needed only for doubtful names

    return sniff(data, relpath, path, memo)
