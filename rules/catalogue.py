"""Every rule's code, name and kind in one table (as ruff's codes.rs): the engine resolves
`--select`, config and ignore comments here without importing any rule module, and imports a
kind's rules only when a file of that kind is checked. A rule lives in
`rules/<kind>/<code>_<name>.py` (lower case, `-` as `_`); a test keeps this table and the
modules in step."""

from __future__ import annotations

CATALOGUE: tuple[tuple[str, str, str], ...] = (
    ("NGX000", "parse-error", "nginx"),
    ("NGX001", "stream-read-timeout", "nginx"),
    ("NGX002", "stream-buffering", "nginx"),
    ("NGX003", "stream-cache", "nginx"),
    ("NGX004", "stream-gzip", "nginx"),
    ("NGX005", "upstream-keepalive-missing", "nginx"),
    ("NGX006", "upstream-keepalive-defeated", "nginx"),
    ("NGX007", "upstream-keepalive-race", "nginx"),
    ("NGX008", "x-accel-buffering-misuse", "nginx"),
    ("NGX009", "time-value", "nginx"),
    ("LIT000", "parse-error", "litellm"),
    ("LIT001", "stream-timeout-short", "litellm"),
    ("LIT002", "timeout-not-number", "litellm"),
    ("LIT003", "max-tokens-missing", "litellm"),
    ("LIT004", "retries-disabled", "litellm"),
    ("LIT005", "ineffective-key", "litellm"),
    ("LIT006", "duplicate-key", "litellm"),
    ("LIT007", "env-reference", "litellm"),
    ("LIT008", "plaintext-secret", "litellm"),
    ("LIT009", "include-error", "litellm"),
    ("PY000", "parse-error", "python"),
    ("PY001", "unguarded-stream-loop", "python"),
    ("PY002", "max-tokens-missing", "python"),
    ("PY003", "stream-handler-misses-cut", "python"),
    ("PY004", "retry-cannot-retry-stream", "python"),
    ("PY005", "stream-retry-repeats-output", "python"),
    ("PY006", "http-stream-timeout", "python"),
    ("PY007", "retry-without-backoff", "python"),
    ("PY008", "sse-response-unbuffered", "python"),
    ("PY009", "gzip-holds-stream", "python"),
    ("KUB000", "parse-error", "k8s"),
    ("KUB001", "ingress-timeout-unit", "k8s"),
    ("KUB002", "ingress-stream-read-timeout", "k8s"),
    ("KUB003", "ingress-stream-buffering", "k8s"),
    ("KUB004", "gateway-route-timeout", "k8s"),
    ("SRV000", "parse-error", "server"),
    ("SRV001", "sync-worker-stream", "server"),
    ("SRV002", "graceful-timeout-short", "server"),
    ("SRV003", "server-keepalive-race", "server"),
    ("XL001", "front-gives-up-first", "stack"),
    ("XL002", "keepalive-chain-race", "stack"),
    ("XL003", "stream-path-without-heartbeat", "stack"),
)
