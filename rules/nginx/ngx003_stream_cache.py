"""NGX003 stream-cache: a streaming route whose answers nginx stores and replays."""

from __future__ import annotations

from collections.abc import Iterator

from linter.config import Settings
from linter.model import Applicability, Finding, Severity
from linter.nginx.assess import cache_verdict, lookup_origin
from linter.nginx.model import NginxDocument
from linter.nginx.routes import streaming_routes
from linter.registry import Rule
from rules.nginx._common import because, caveat_words, set_in_block, severity_with, value_place


def check(document: NginxDocument, settings: Settings) -> Iterator[Finding]:
    root = document.workspace_root
    for route in streaming_routes(document, settings):
        verdict = cache_verdict(route, root)
        if verdict is None or verdict.stores is not True:
            continue
        name = f"{route.family}_cache"
        key_text = ""
        key = verdict.key
        if key is not None and key.known and key.value is not None:
            key_text = f" (`{key.value}`, {lookup_origin(key, root)}"
            if verdict.post and "$request_body" not in key.value:
                key_text += ", leaves the request body out: every request to this URL gets the "
                key_text += "first answer"
            key_text += ")"
        place = value_place(document, route, verdict.cache)
        edits = set_in_block(document, route, verdict.cache, name, "off")
        fix = RULE.make_fix(edits, f"set {name} off for {route.label()}") if edits else None
        yield RULE.report(
            place.source,
            place.start,
            place.end,
            f"nginx can store this streamed answer and replay it: {', '.join(verdict.evidence)}. "
            f"A later request with the same cache key{key_text} gets the stored answer replayed "
            f"(a cache HIT) without reaching the model, and the request that stores it is "
            f"buffered: its stream arrives in one burst at the end. Add `{name} off;` to this location, or `{route.family}_buffering "
            f"off;` (nothing is stored then). {because(route)}"
            f"{caveat_words(verdict.caveat, 'the cache settings')}",
            fix=fix,
            severity=severity_with(verdict.caveat),
        )


RULE = Rule(
    code="NGX003",
    name="stream-cache",
    kind="nginx",
    summary="a streaming route whose streamed answers nginx's cache stores and replays",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
    check=check,
    doc="""\
## What it does
On a streaming route, finds a `proxy_cache` (or `fastcgi_cache`, `uwsgi_cache`, `scgi_cache`)
that can actually store the streamed answer and replay it. All of these must hold, with
nginx's inheritance followed (location, server, http, includes):

- a cache zone is in effect (`proxy_cache off`, nginx's default, cancels one from an outer
  level);
- buffering is on (nginx's default) or unknown: with `proxy_buffering off` nginx stores
  nothing, and every request is a MISS that streams;
- the route's requests are cacheable: `proxy_cache_methods` includes `POST` (chat and
  completion streams are POST requests; the default is `GET HEAD`), or the location is an
  event stream opened with GET (`/events`, `/sse`, `/stream`, ...);
- a `proxy_cache_valid` in effect gives a 200 answer time in the cache (without one, only a
  backend that sends `X-Accel-Expires`, `Cache-Control: max-age` or `Expires` is stored, and
  LLM backends do not);
- no `proxy_no_cache` with a constant true value.

The message lists the evidence for each, and the cache key in effect.

## Why is this bad
Once an answer is stored, a later request with the same cache key gets the old answer back (a
HIT) without reaching the model. nginx's default key, `$scheme$proxy_host$request_uri`,
leaves the request body out, so with POST caching every chat request to the URL receives the
first answer. The request that fills the cache is buffered: its stream arrives in one burst
at the end. Measured with nginx 1.22 (tests/realnginx/test_realnginx_cache.py): such a route
answers the second request from the cache; with `proxy_buffering off`, without POST in
`proxy_cache_methods`, or without a `proxy_cache_valid`, every request is a MISS and reaches
the backend.

What streamproof cannot see: a backend that sends `X-Accel-Buffering: no`,
`Cache-Control: no-cache`/`no-store`/`private` or `Set-Cookie` is not stored either (unless
`proxy_ignore_headers` drops those headers).

## Fix safety
Unsafe: the fix adds `proxy_cache off;` to the location that proxies (or rewrites the
location's own `proxy_cache` zone to `off`). That is a change of behaviour on purpose: repeated
requests stop being answered from the cache and reach the model (and cost what a model call
costs); a caching proxy built for replays loses its point. No fix when the cache comes from an
include shared by other locations: the message says what to write.

## References
- nginx: [proxy_cache](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache),
  [proxy_cache_methods](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache_methods),
  [proxy_cache_valid](https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache_valid)
""",
)
