"""Which files are NGINX, from the name first; the content decides the doubtful ones.

Kept apart from the handler so that classifying the files of a Python or YAML run imports
none of the NGINX parser.
"""

from __future__ import annotations

import posixpath

from linter.document import Claim
from linter.nginx.signs import BLOCK_SIGNAL, in_nginx_folder

# Suffixes a copy or template of a config gets (`nginx.tmpl`, `app.conf.template.prod`).
_TEMPLATE_SUFFIXES = (
    ".template",
    ".tmpl",
    ".tpl",
    ".j2",
    ".jinja",
    ".jinja2",
    ".erb",
    ".example",
    ".sample",
    ".dist",
    ".prod",
    ".dev",
)


# Files that are something else, whatever folder they sit in: a Python script under `nginx/`
# that writes a server block in a string, the Dockerfile of an nginx image.
_OTHER_EXTENSIONS = (
    ".py",
    ".pyi",
    ".yaml",
    ".yml",
    ".json",
    ".toml",
    ".ini",
    ".cfg",
    ".xml",
    ".md",
    ".rst",
    ".sh",
    ".bash",
    ".ps1",
    ".bat",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".html",
    ".htm",
    ".css",
    ".lua",
    ".go",
    ".rs",
    ".java",
    ".rb",
    ".php",
    ".pl",
    ".c",
    ".h",
    ".lock",
    ".pem",
    ".crt",
    ".key",
    ".csr",
    ".dockerfile",
)
_OTHER_NAMES = (
    "dockerfile",
    "containerfile",
    "makefile",
    "jenkinsfile",
    "vagrantfile",
    "procfile",
    "readme",
    "license",
    "licence",
    "copying",
    "changelog",
    "notice",
    "authors",
)


# (Not `.tpl`: a Helm chart's templates/_helpers.tpl is Go template definitions.)
_RENDERED_SUFFIXES = (".template", ".tmpl", ".j2", ".jinja", ".jinja2", ".erb")


def _in_templates_folder(relpath: str) -> bool:
    return "templates" in relpath.lower().split("/")[:-1]


def _without_extension(name: str) -> bool:
    return "." not in name.lstrip(".")


# (Single extensions: a name is another kind's when what follows its last dot is one.)
_OTHER_EXTENSION_SET = frozenset(_OTHER_EXTENSIONS)


def other_kind_extension(lowered_name: str) -> bool:
    """The (lower-case) file name ends in another kind's extension (`.py`, `.yaml`, ...): most
    files of a tree, said at once. (No config suffix of claim_by_name ends in one of those.)"""
    return lowered_name[lowered_name.rfind(".") :] in _OTHER_EXTENSION_SET


# YAML is another kind's file type: NGINX reads it only as a guest, after the YAML kinds
# (a Kubernetes ConfigMap holding an nginx.conf; see embedded.py).
# So is a shell script, read for a config it writes through a here-document (heredoc.py).
GUEST_SUFFIXES = (".yaml", ".yml", ".sh", ".bash")


def claim_by_name(relpath: str) -> Claim:
    name = posixpath.basename(relpath).lower()
    if name.endswith(GUEST_SUFFIXES):
        return Claim.MAYBE  # a ConfigMap or a script holding an nginx.conf (embedded.py)
    if other_kind_extension(name):
        return Claim.NO
    if name.startswith(("dockerfile.", "containerfile.")):
        return Claim.NO  # `Dockerfile.nginx` builds the nginx image; it is no config
    if name in ("nginx.conf", "nginx.conf.template") or name.endswith((".nginx", ".nginxconf")):
        return Claim.YES
    if name.endswith((".conf", ".conf.template", ".conf.tmpl", ".conf.j2")):
        return Claim.MAYBE
    if name.endswith(_OTHER_EXTENSIONS) or name.startswith(_OTHER_NAMES):
        return Claim.NO
    if in_nginx_folder(relpath):
        return Claim.MAYBE
    # Doubtful names the content decides: a config's copy or template (`.conf.` inside the
    # name, or `nginx` in it with a template suffix), and a file with no extension at all
    # (`deploy/default`), which must pass the strict test below.
    if ".conf." in name or ("nginx" in name and name.endswith(_TEMPLATE_SUFFIXES)):
        return Claim.MAYBE
    # The official nginx image renders /etc/nginx/templates/*.template with envsubst, and
    # config-management roles keep theirs under templates/ (`site.j2`): the content decides.
    if _in_templates_folder(relpath) and name.endswith(_RENDERED_SUFFIXES):
        return Claim.MAYBE
    if _without_extension(name):
        return Claim.MAYBE
    return Claim.NO


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    return claim_cached(relpath, data, by_name, None, None)


def strict_content_test(relpath: str) -> bool:
    """Only a file without an extension, outside NGINX folders and config-like names, says
    nothing by its name: it counts as NGINX only with `http`/`server`/`location`/`upstream`
    blocks and no syntax error (a Dockerfile writing a server block through a here-document
    has NGINX blocks in it, but is not NGINX)."""
    name = posixpath.basename(relpath).lower()
    return _without_extension(name) and not in_nginx_folder(relpath)


def claim_cheap(relpath: str, data: bytes, by_name: Claim) -> bool | None:
    """``claim`` where the name or a look at the bytes decides; None where only the content
    test (a parse) can (the handler's ``plan_undecided`` does it only where it matters)."""
    if by_name is Claim.YES:
        return True
    if relpath.lower().endswith(GUEST_SUFFIXES):
        from linter.nginx import embedded

        return None if embedded.guest_may_hold(relpath, data) else False
    if strict_content_test(relpath) and not BLOCK_SIGNAL.search(data[: 1 << 20]):
        return False
    return None


def claim_cached(
    relpath: str,
    data: bytes,
    by_name: Claim,
    path: str | None,
    trees: dict[tuple[str, str], object] | None,
) -> bool:
    """`claim`, keeping the tree it parsed in the run's ``trees`` (Workspace.trees) for the
    load that follows."""
    if by_name is Claim.YES:
        return True
    shell = relpath.lower().endswith((".sh", ".bash"))
    if relpath.lower().endswith(GUEST_SUFFIXES):
        from linter.nginx import embedded

        masked = embedded.masked_bytes(relpath, data)
        if masked is None:
            return False
        data = masked
    # A script's config must be blocks that parse cleanly: a here-document is read exactly
    # or not at all.
    strict = shell or strict_content_test(relpath)
    if strict and not BLOCK_SIGNAL.search(data[: 1 << 20]):
        return False  # most files without an extension (LICENSE, Makefile) stop here, unparsed
    from linter.nginx.sniff import sniff  # parsing is needed only for doubtful names

    return sniff(data, relpath, path, trees, strict=strict)
