"""Which path a Service behind an Ingress sees (linter/k8s/signals.py), and which locations of
a front's nginx a path reaches (linter/server/kubefronts.py). ingress-nginx writes no rewrite
when `rewrite-target` equals the path (`buildProxyPass` in its template.go), so a front then
sees the path as the client sent it."""

from __future__ import annotations

import pytest

from linter.k8s.model import COMMUNITY, NGINX_INC, Ingress, IngressPath, Value
from linter.k8s.signals import _path_the_backend_sees
from linter.server.kubefronts import FrontRoute, reaches


def _value(text: str | None) -> Value:
    return Value(text, "ingress.yaml", 0, 0)


def _ingress(path: str | None, annotations: dict[str, str]) -> tuple[Ingress, IngressPath]:
    item = IngressPath(
        _value(path) if path is not None else None, _value("web"), _value("80"), _value(path)
    )
    ingress = Ingress(
        name="chat",
        file="ingress.yaml",
        where=_value("chat"),
        annotations={k: (_value(k), _value(v)) for k, v in annotations.items()},
        annotations_unknown=False,
        class_name=_value("nginx"),
        hosts=["chat.example.com"],
        paths=[item],
    )
    return ingress, item


@pytest.mark.parametrize(
    ("path", "annotations", "seen"),
    [
        ("/", {}, "/"),
        (None, {}, "/"),  # the default backend
        ("/api", {}, "/api"),
        ("/", {COMMUNITY + "rewrite-target": "/"}, "/"),  # equal: no rewrite is written
        ("/chat", {COMMUNITY + "rewrite-target": "/"}, None),  # every request becomes /
        ("/chat(/|$)(.*)", {COMMUNITY + "rewrite-target": "/$2"}, None),
        ("/v1/.*", {COMMUNITY + "use-regex": "true"}, None),
        ("/", {NGINX_INC + "rewrites": "serviceName=web rewrite=/"}, None),
    ],
)
def test_path_the_backend_sees(
    path: str | None, annotations: dict[str, str], seen: str | None
) -> None:
    ingress, item = _ingress(path, annotations)
    assert _path_the_backend_sees(ingress, item) == seen


def test_an_unresolved_path_is_not_seen() -> None:
    ingress, item = _ingress("/", {})
    item = IngressPath(_value(None), item.service, item.port, item.where)
    assert _path_the_backend_sees(ingress, item) is None


@pytest.mark.parametrize(
    ("prefix", "modifier", "location", "reached"),
    [
        ("/", "", "/api/", True),
        ("/api", "", "/api/", True),
        ("/api/chat", "", "/api/", True),
        ("/account", "", "/api/", False),
        ("/", "~", "^/api/", True),  # a regex location only from a catch-all
        ("/api", "~*", "^/api/", False),
    ],
)
def test_which_front_locations_a_path_reaches(
    prefix: str, modifier: str, location: str, reached: bool
) -> None:
    assert reaches(prefix, FrontRoute(modifier, location, "")) is reached
