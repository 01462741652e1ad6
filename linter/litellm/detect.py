"""Which files are LiteLLM proxy configs: any ``*.yaml`` / ``*.yml`` may be one, and its
content decides with a byte search for a LiteLLM section at the start of a line
(``model_list:``, ``litellm_settings:``, ``router_settings:``, ``general_settings:``), so CI
workflows, compose files and Kubernetes manifests are turned away without being parsed.

Kept apart from the handler so that classifying the files of another kind's run imports
nothing of this kind (not even PyYAML).
"""

from __future__ import annotations

import codecs
import functools
import re

from linter.document import Claim

# The content patterns here are compiled at their first use (functools.cache): every run
# imports this module, and most never need them (a one-file NGINX run paid 0.3 ms each).
_SECTION_AT_TOP = functools.cache(
    lambda: re.compile(
        rb"(?m)^(?:\xef\xbb\xbf)?(?:\{[ \t]*)?[\"']?"
        rb"(?:model_list|litellm_settings|router_settings|general_settings)"
        rb"[\"']?[ \t]*:(?:[ \t]|\r?$|\n)"
    )
)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def looks_like_litellm_config(data: bytes) -> bool:
    """A LiteLLM section key at the start of a line: cheap, and no YAML parse."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                data = data[len(bom) :].decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                return False
            break
    return _SECTION_AT_TOP().search(data) is not None


def claim_by_name(relpath: str) -> Claim:
    if relpath.lower().endswith((".yaml", ".yml")):
        return Claim.MAYBE
    return Claim.NO


def claim(relpath: str, data: bytes, by_name: Claim) -> bool:
    return looks_like_litellm_config(data)
