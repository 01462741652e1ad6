"""The apps a Helm chart's Ingress reaches, read inside the chart: an Ingress whose backend port
is written from the same values.yaml scalar as a container's `containerPort`
(`.Values.service.port` in both, as `helm create` lays a chart out) sends to that container
through the chart's Service, whatever the release's resource names turn out to be. The
container's app streams when its image is an LLM server's or chat app's, or when its
environment points it at an LLM endpoint. Evidence only: a port value two containers share
links only when both apps say so, and a literal port number links nothing."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from linter.k8s.model import ChartContainer, Value
from linter.llmservers import llm_name

# How the evidence of an app that calls an LLM (its environment names the endpoint) ends: a
# route to it waits on the model, which says nothing of whether it streams (KUB002's words).
WAITS_ON_LLM = "and waits on its answers"
# The last word of a variable that holds where a service is (`OPENAI_BASE_URL`,
# `INFERENCE_ENDPOINT`, `OLLAMA_HOST`, `OPENAI_API_BASE`).
_ADDRESS_WORDS = frozenset({"url", "uri", "endpoint", "host", "base", "server", "address"})
# Words of a variable for a model service that does not generate text, or for another service.
_OTHER_SERVICE_WORDS = frozenset(
    {"embed", "embedding", "embeddings", "rerank", "reranker", "whisper", "tts", "stt",
     "speech", "transcription", "vision", "ocr", "image", "images", "vector", "milvus",
     "qdrant", "chroma", "redis", "db", "database", "postgres", "s3", "kafka", "metrics",
     "otel", "telemetry", "langfuse", "tracing"}
)  # fmt: skip


def llm_endpoint_variable(name: str) -> str | None:
    """What an environment variable's name says the app calls (`INFERENCE_ENDPOINT`: a model
    inference endpoint; `OLLAMA_BASE_URL`: an LLM server), or None: the name must end in an
    address word and name inference or an LLM server; an embedding or other service's
    address never counts."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if len(words) < 2 or words[-1] not in _ADDRESS_WORDS:
        return None
    if _OTHER_SERVICE_WORDS.intersection(words):
        return None
    if "inference" in words:
        return "a model inference endpoint"
    product = llm_name("-".join(words[:-1]))
    return f"an LLM server or API ({product})" if product else None


def container_evidence(
    container: ChartContainer,
    image_product: Callable[[str | None], str | None],
    shown: str,
) -> str | None:
    """Why the container's app streams (``shown``: its file as messages name it), or None."""
    product = image_product(container.image)
    if product:
        return f"it runs the image {container.image}, an LLM server or chat app ({product})"
    for name, line in container.env:
        calls = llm_endpoint_variable(name)
        if calls:
            return (
                f"its environment sets {name} ({shown}:{line}): the app calls {calls} "
                + WAITS_ON_LLM
            )
    return None


def chart_apps(
    containers: list[ChartContainer], image_product: Callable[[str | None], str | None]
) -> dict[tuple[str, int], str]:
    """(values file, offset of the scalar) of a container port written from the values ->
    why the app behind it streams; for the ports whose every container says so."""
    by_value: dict[tuple[str, int], list[tuple[ChartContainer, Value]]] = {}
    for container in containers:
        for port in container.ports:
            if not port.known or port.node is None or port.path == container.file:
                continue  # a literal of the template, or unknown: links nothing
            by_value.setdefault((port.path, port.start), []).append((container, port))
    found: dict[tuple[str, int], str] = {}
    for key, reached in by_value.items():
        base = os.path.dirname(key[0])
        said = [
            container_evidence(container, image_product, _shown(container.file, base))
            for container, _ in reached
        ]
        if not all(said):
            continue
        container, port = reached[0]
        found[key] = (
            f"its backend port is {port.origin}, the `containerPort` of {container.workload} "
            f"({_shown(container.file, base)}:{container.line}) too; {said[0]}"
        )
    return found


def _shown(path: str, base: str) -> str:
    """A template as messages name it: relative to the values file's folder (the chart's)."""
    relative = os.path.relpath(path, base)
    return os.path.basename(path) if relative.startswith("..") else relative.replace(os.sep, "/")
