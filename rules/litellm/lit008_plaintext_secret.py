"""LIT008 plaintext-secret: a key, password or token written into the config itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.config import Settings
from linter.litellm.model import ENV_PREFIX, LiteLLMDocument
from linter.litellm.yamltree import STR_TAG
from linter.model import Finding, Severity
from linter.registry import Rule
from rules.litellm._common import report

_SECRET_KEY = re.compile(
    r"^(?:api_key|master_key|secret_key|client_secret|private_key|password|"
    r".+_api_key|.+_secret|.+_secret_key|.+_secret_access_key|.+_private_key|.+_password|"
    r".+_token)$",
    re.IGNORECASE,
)
_URL_KEY = re.compile(
    r"^(?:database_url|redis_url|.+_database_url|.+_redis_url|.+_dsn)$", re.IGNORECASE
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]*:(?P<password>[^@\s]+)@", re.IGNORECASE)
# Values that stand for "no secret here" (local servers, examples, templates).
_PLACEHOLDER = re.compile(
    r"^(?:none|null|nil|empty|dummy|fake|test|testing|placeholder|changeme|change[-_]?me|todo|"
    r"tbd|x+|\*+|\.+|-+|not[-_ ]?(?:needed|required|used|set|applicable)|n/?a|no[-_]?(?:key|auth|"
    r"api[-_]?key)?|sk-no-key-required|sk-x+|sk-\.+|(?:your|my|insert|replace|put|enter)[-_ ].*|"
    r"<.*>|\{\{.*\}\}|\[.*\]|anything|any|ollama|lm-?studio|vllm|local|localhost|sk-fake|"
    r"fake[-_]?key|dummy[-_]?key|key|secret|password|token|api[-_]?key|unused|ignored|"
    r"required|optional|sk-\*+|\$.*)$",
    re.IGNORECASE,
)


def _is_literal_secret(value: str) -> bool:
    stripped = value.strip()
    if not stripped or stripped.startswith(ENV_PREFIX) or "os.environ" in stripped:
        return False
    if _PLACEHOLDER.match(stripped) or any(c.isspace() for c in stripped):
        return False
    return len(stripped) >= 6


def check(document: LiteLLMDocument, settings: Settings) -> Iterator[Finding]:
    for yaml_file in document.files.values():
        for key, value in yaml_file.composed.secret_candidates:
            if value.tag != STR_TAG or not hasattr(value, "style") or value.style in ("|", ">"):
                continue
            name = str(key.value)
            text = str(value.value)
            if _URL_KEY.match(name):
                match = _URL_PASSWORD.match(text.strip())
                if match and _is_literal_secret(match.group("password")):
                    yield report(
                        RULE,
                        document,
                        yaml_file.path,
                        value,
                        f"`{name}` embeds a password in the config file: anyone who can read the "
                        f"file or its history can use it; write `{ENV_PREFIX}NAME` and set the URL "
                        "in the environment",
                    )
            elif _SECRET_KEY.match(name) and _is_literal_secret(text):
                try:
                    float(text)
                    continue  # a number (a cost per token), not a secret
                except ValueError:
                    pass
                yield report(
                    RULE,
                    document,
                    yaml_file.path,
                    value,
                    f"`{name}` holds a literal secret: anyone who can read the file or its "
                    f"history can use it; write `{ENV_PREFIX}NAME` and set it in the environment",
                )


RULE = Rule(
    code="LIT008",
    name="plaintext-secret",
    kind="litellm",
    summary="an API key, master key, password or token written into the config",
    severity=Severity.WARNING,
    fix=None,
    doc="""\
## What it does
Reports string values of keys that hold secrets (`api_key`, `master_key`, `*_api_key`,
`*_secret`, `*_secret_key`, `*_password`, `*_token`, ...), anywhere in the config
including `environment_variables`, when the value is a literal rather than an
`os.environ/NAME` reference; and `database_url` / `redis_url` values that embed a password
(`postgresql://user:password@host/db`). Values that stand for "no secret" are left alone
(`not-needed`, `EMPTY`, `none`, `ollama`, `<your-key>`, `{{ template }}`, ...). The secret is
never repeated in the message.

## Why is this bad
A config file is committed, copied into images and shown in CI logs; a key in it is a key
for everyone who can read any of those, and stays in the history after it is removed.
LiteLLM reads any value of the form `os.environ/NAME` from the environment instead.

## Fix safety
No fix: the secret must be moved to the environment (and rotated), which a linter cannot do.

## References
- LiteLLM docs, `proxy/configs.md` ("os.environ/"), `proxy/prod.md`
""",
    check=check,
)
