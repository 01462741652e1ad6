"""NGX000 parse-error: what nginx itself would refuse to load, and includes that go nowhere."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Finding, Severity
from linter.nginx.model import NginxDocument
from linter.registry import Rule


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    return RULE.report_problems(document)


RULE = Rule(
    code="NGX000",
    name="parse-error",
    kind="nginx",
    summary="an NGINX file that cannot be parsed, a missing include or an include cycle",
    severity=Severity.ERROR,
    fix=None,
    check=check,
    doc="""\
## What it does
Reports what nginx itself would refuse: a brace that does not match, a statement missing its
`;`, a string that is never closed; and includes that go nowhere: an explicit file that does
not exist in the linted tree, an include cycle. An include that points outside the linted tree
(`/etc/letsencrypt/options-ssl-nginx.conf`) is not followed and is reported as `info`, which
never changes the exit status.

## Why is this bad
`nginx -t` fails on a syntax error, and a reload with a missing include fails too. A file that
cannot be parsed cannot be checked either: streamproof says so at the exact line and column
instead of passing over it.

An include that cannot be read (outside the tree, missing) does not silence the rules. What it
can set is judged from its known content (certbot's `/etc/letsencrypt/options-ssl-nginx.conf`
sets only `ssl_*` directives; Debian's `snippets/snakeoil.conf` only the certificate) or its
name (`ssl-params.conf`, `security-headers.conf`, `letsencrypt.conf`, `gzip.conf`, ...). A rule
looks past an include that cannot set the value it needs (and says so in its message); where
the include could set it, the rule still reports, at severity `info` (never a failing exit
status), with the caveat "unless `/etc/x.conf` (not read) sets proxy_buffering". A value
behind a template placeholder (`${VAR}`) stays unknown, and the rules stay silent on it.

An absolute include missing where it maps to in the repository (`include
/etc/nginx/upstreams/pool.conf;` while the repository keeps `nginx/pool.conf`, copied into
place by a Dockerfile) is read from the file of the same name beside the including file, else
from the only file of that name in the linted tree; an `info` finding names the file used.

## Fix safety
No fix: what was meant cannot be known.

## References
- nginx: [Configuration file's structure](https://nginx.org/en/docs/beginners_guide.html#conf_structure)
- nginx: [include](https://nginx.org/en/docs/ngx_core_module.html#include)
""",
)
