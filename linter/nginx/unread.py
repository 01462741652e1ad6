"""What an include that cannot be read may set.

Certbot's `--nginx` installer adds `include /etc/letsencrypt/options-ssl-nginx.conf;` to every
server it manages, and the file is never in the repository. Treating it as "may set anything"
made every value of the server unknown and silenced the rules for the whole vhost. So an
unreadable include (outside the tree, missing, unreadable) says what it can set:

- a well-known file by its standard content (certbot's options file sets only `ssl_*`
  directives; Debian's `snippets/snakeoil.conf` only the certificate and key);
- else by its name when the name says what it holds (`ssl-params.conf`, `security-headers.conf`,
  `letsencrypt.conf`, `gzip.conf`, ...);
- else anything.

A lookup passes over an include that cannot set the directive it asks about (the value behind
it is the value), and a finding that stands on a value such an include *could* set is still
reported, with the caveat "unless `/etc/x.conf` sets proxy_buffering" (rules report it as
`info`). A template placeholder is not an include that cannot be read: it stands for what the
deployment fills in, and values it may set stay unknown.
"""

from __future__ import annotations

import posixpath
import re
from itertools import pairwise
from typing import NamedTuple


class Reach(NamedTuple):
    """The directives an unread include may set (``anything``: no limit is known)."""

    path: str  # the include as written
    anything: bool = True
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    basis: str = ""  # why the limit is known, for messages

    def could_set(self, name: str) -> bool:
        return self.anything or name in self.names or name.startswith(self.prefixes)

    def passed(self) -> str:
        """For a message: why the lookup went past it."""
        return f"`{self.path}` is not read, but {self.basis}"

    def caveat(self, name: str) -> str:
        return f"unless `{self.path}` (not read) sets {name}"


Limit = tuple[frozenset[str], tuple[str, ...]]

_TLS: Limit = (
    frozenset({"add_header", "more_set_headers", "resolver", "resolver_timeout", "http2"}),
    ("ssl_",),
)
_HEADERS: Limit = (frozenset({"add_header", "more_set_headers", "more_clear_headers"}), ())
_ACME: Limit = (
    frozenset(
        {"location", "root", "alias", "allow", "deny", "default_type", "try_files", "return"}
    ),
    (),
)
_REAL_IP: Limit = (frozenset({"set_real_ip_from", "real_ip_header", "real_ip_recursive"}), ())
_GZIP: Limit = (frozenset(), ("gzip", "brotli"))
_LOGS: Limit = (frozenset({"access_log", "error_log", "log_format", "log_not_found"}), ())
_MIME: Limit = (frozenset({"types", "default_type"}), ())
_LIMITS: Limit = (frozenset(), ("limit_req", "limit_conn"))
_ACCESS: Limit = (frozenset({"allow", "deny", "if", "return", "geo", "map"}), ("limit_",))

# Files every certbot or Debian install has, by the end of their path.
_KNOWN_FILES: dict[str, tuple[Limit, str]] = {
    "options-ssl-nginx.conf": (
        (frozenset(), ("ssl_",)),
        "certbot's options file sets only ssl_* directives",
    ),
    "snippets/snakeoil.conf": (
        (frozenset({"ssl_certificate", "ssl_certificate_key"}), ()),
        "Debian's snakeoil snippet sets only ssl_certificate and ssl_certificate_key",
    ),
    "snippets/fastcgi-php.conf": (
        (
            frozenset({"fastcgi_split_path_info", "try_files", "set", "fastcgi_index", "include"}),
            ("fastcgi_",),
        ),
        "Debian's fastcgi-php snippet sets only fastcgi settings and try_files",
    ),
    "koi-utf": ((frozenset({"charset_map"}), ()), "nginx's koi-utf holds one charset_map"),
    "koi-win": ((frozenset({"charset_map"}), ()), "nginx's koi-win holds one charset_map"),
    "win-utf": ((frozenset({"charset_map"}), ()), "nginx's win-utf holds one charset_map"),
}

# Words of a file name that say what the file holds (matched on the name's parts).
_NAMED: tuple[tuple[tuple[str, ...], Limit, str], ...] = (
    (("ssl", "tls"), _TLS, "TLS settings (ssl_*, add_header, resolver)"),
    (("letsencrypt", "acme", "certbot"), _ACME, "the ACME challenge location"),
    (
        ("hsts", "security-headers", "security_headers", "secure-headers"),
        _HEADERS,
        "response headers (add_header)",
    ),
    (("realip", "real-ip", "real_ip", "cloudflare"), _REAL_IP, "real-IP settings"),
    (("gzip", "compression", "brotli"), _GZIP, "compression settings (gzip*)"),
    (("logging", "logs", "log"), _LOGS, "log settings"),
    (("mime",), _MIME, "MIME types"),
    (("ratelimit", "rate-limit", "rate_limit", "limits"), _LIMITS, "request limits"),
    (
        (
            "blacklist",
            "blocklist",
            "whitelist",
            "allowlist",
            "blockips",
            "block-ips",
            "blockbots",
            "badbots",
            "bad-bots",
            "ddos",
            "denylist",
        ),
        _ACCESS,
        "access rules (allow/deny)",
    ),
)


def _name_words(name: str) -> set[str]:
    stem = re.sub(r"\.(conf|inc|nginx|include)$", "", name.lower())
    parts = [part for part in re.split(r"[^a-z0-9]+", stem) if part]
    words = set(parts)
    words |= {f"{a}-{b}" for a, b in pairwise(parts)}
    words |= {f"{a}_{b}" for a, b in pairwise(parts)}
    # `sslparams.conf`, `ssl2.conf`: a part that starts with a TLS word still says so.
    words |= {"ssl" for part in parts if part.startswith(("ssl", "tls"))}
    return words


def reach_of(pattern: str) -> Reach:
    """What the include ``pattern`` (as written) may set."""
    normal = pattern.replace("\\", "/")
    for tail, ((names, prefixes), basis) in _KNOWN_FILES.items():
        if normal == tail or normal.endswith("/" + tail):
            return Reach(pattern, False, names, prefixes, basis)
    name = posixpath.basename(normal)
    if any(char in name for char in "*?[$"):
        return Reach(pattern)
    words = _name_words(name)
    for keys, (names, prefixes), holds in _NAMED:
        if words & set(keys):
            return Reach(pattern, False, names, prefixes, f"its name says it holds {holds}")
    return Reach(pattern)
