"""Which setting gives a request its timeout, as LiteLLM's router decides it.

``Router._get_timeout``: for a stream, ``_get_stream_timeout`` first, then (when that gives
nothing) ``_get_non_stream_timeout``; each is a chain of ``a or b or ...``, so a value of 0,
null or "" falls through to the next. Two versions differ: from about 1.103 on,
``litellm_settings.request_timeout`` is also a per-attempt timeout, ahead of a deployment's own
``timeout``, when ``router_settings.timeout`` is given too (1.74 did not have that).
``tests/litellm/test_litellm_against_litellm.py`` checks the newer chain against the installed
litellm's own ``Router._get_timeout``.
"""

from __future__ import annotations

from dataclasses import dataclass

from linter.litellm.model import Deployment, Entry, LiteLLMDocument, ValueKind, value_of

OLD = "older LiteLLM (1.74)"
NEW = "newer LiteLLM (1.106)"


@dataclass(frozen=True)
class Link:
    """One setting of a chain: its entry (None when not written), how to name it, and whether
    it is a `timeout` / `request_timeout` standing in for a stream timeout."""

    entry: Entry | None
    label: str
    stands_in: bool


class Chains:
    """The chains for one config. The router-wide links are read once; only a deployment's
    own ones vary."""

    def __init__(self, document: LiteLLMDocument) -> None:
        router = document.section_items("router_settings")
        general = document.section_items("litellm_settings")
        defaults_entry = router.get("default_litellm_params")
        defaults = (
            document.files[defaults_entry.path].items(defaults_entry.value)
            if defaults_entry
            else {}
        )
        self.router_stream = Link(
            router.get("stream_timeout"), "router_settings.stream_timeout", False
        )
        self.default_stream = Link(
            defaults.get("stream_timeout"),
            "router_settings.default_litellm_params.stream_timeout",
            False,
        )
        router_timeout = Link(router.get("timeout"), "router_settings.timeout", True)
        global_request = Link(
            general.get("request_timeout"), "litellm_settings.request_timeout", True
        )
        # Router.timeout = router_settings.timeout or litellm.request_timeout (default 6000s).
        self.router_or_global = [router_timeout, global_request]
        given = (
            router_timeout.entry is not None
            and value_of(router_timeout.entry.value).kind is not ValueKind.NULL
        )
        self.per_attempt = [global_request] if given else []

    def _own(self, deployment: Deployment | None) -> tuple[Link, Link, Link]:
        params = deployment.params if deployment is not None else {}
        return (
            Link(params.get("stream_timeout"), "stream_timeout", False),
            Link(params.get("timeout"), "timeout", True),
            Link(params.get("request_timeout"), "request_timeout", True),
        )

    def stream(self, deployment: Deployment | None) -> dict[str, list[Link]]:
        """The chain of a streaming request, per version."""
        own_stream, own_timeout, own_request = self._own(deployment)
        per_attempt = self.per_attempt
        old = [
            own_stream, self.router_stream, self.default_stream, own_timeout, own_request,
            *self.router_or_global,
        ]  # fmt: skip
        new = [
            own_stream, self.router_stream, *per_attempt, self.default_stream, own_timeout,
            own_request, *per_attempt, *self.router_or_global,
        ]  # fmt: skip
        return {OLD: old, NEW: new}

    def non_stream(self, deployment: Deployment | None) -> dict[str, list[Link]]:
        """The chain of a request that does not stream, per version."""
        _, own_timeout, own_request = self._own(deployment)
        old = [own_timeout, own_request, *self.router_or_global]
        new = [own_timeout, own_request, *self.per_attempt, *self.router_or_global]
        return {OLD: old, NEW: new}


def effective(chain: list[Link]) -> Link | None:
    """The link that decides, or None when nothing is set (LiteLLM's 6000s) or the deciding
    value is unknown (``os.environ/NAME``) or no number (LIT002's business)."""
    for link in chain:
        if link.entry is None:
            continue
        value = value_of(link.entry.value)
        if not value.is_set:
            continue  # 0, null, "" fall through to the next setting
        if value.kind is ValueKind.NUMBER:
            return link
        return None
    return None


def deciding(chain: list[Link]) -> Link | None:
    """The link whose value is used, whatever that value is (None: nothing set)."""
    for link in chain:
        if link.entry is not None and value_of(link.entry.value).is_set:
            return link
    return None


def stream_timeout_links(
    document: LiteLLMDocument,
) -> list[tuple[Deployment | None, dict[str, Link | None]]]:
    """For each text-generating deployment (or, with no model_list, for any deployment), the
    setting whose value bounds a streaming request, per LiteLLM version."""
    targets: list[Deployment | None] = [d for d in document.deployments if d.is_text]
    if not document.deployments:
        # No model_list here (models kept in the database, or in a file not read): the
        # router-wide settings are what every deployment falls back to.
        targets = [None]
    chains = Chains(document)
    return [
        (
            deployment,
            {version: effective(chain) for version, chain in chains.stream(deployment).items()},
        )
        for deployment in targets
    ]
