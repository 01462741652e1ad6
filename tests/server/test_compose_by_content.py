"""A compose file is known by its content whatever its name (`docker/openweb-dev1.yml`): a
top-level `services:` mapping whose entries have `image: <name>` or `build:`; other YAML with a
`services:` key is not one."""

from __future__ import annotations

import pytest

from linter.document import Claim
from linter.server.detect import claim, compose_by_content, is_compose

COMPOSE = """\
# dev stack
services:
  chat:
    # the UI
    image: ghcr.io/open-webui/open-webui:main
    ports:
      - "3000:8080"
  api:
    build: ./api
volumes: {}
"""


@pytest.mark.parametrize(
    "text",
    [
        COMPOSE,
        "services:\n  api:\n    build:\n      context: .\n",
        "version: '3'\nservices:\n\n  web:\n    image: \"${REGISTRY}/web:1\"\n",
        "services:\r\n  web:\r\n    image: nginx\r\n",
    ],
)
def test_yaml_with_services_of_images_or_builds_is_compose(text: str) -> None:
    assert compose_by_content(text)
    assert compose_by_content(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        # a list of names
        "services:\n  - chat\n  - api\n",
        # a list of records with images (an inventory)
        "services:\n  - name: chat\n    image: open-webui\n",
        # a chart's values: the image is a mapping of repository and tag
        "services:\n  chat:\n    image:\n      repository: open-webui\n      tag: main\n",
        # a workflow's services, indented under a job
        "jobs:\n  test:\n    services:\n      db:\n        image: postgres\n",
        # `image:` outside the services mapping
        "services:\n  chat:\n    url: http://chat\nimage: nginx\n",
        # no services at all
        "model_list:\n  - model_name: gpt\n",
        "",
    ],
)
def test_other_yaml_is_not_compose(text: str) -> None:
    assert not compose_by_content(text)


def test_only_yaml_names_are_read_by_content_and_compose_names_need_no_content() -> None:
    assert is_compose("docker/openweb-dev1.yml", COMPOSE)
    assert is_compose("deploy/stack.yaml", COMPOSE.encode())
    assert not is_compose("docker/openweb-dev1.yml")  # by name alone: not known
    assert not is_compose("notes/stack.txt", COMPOSE)
    assert is_compose("docker-compose.yml")


def test_the_server_kind_claims_a_compose_file_known_by_content() -> None:
    assert claim("docker/openweb-dev1.yml", COMPOSE.encode(), Claim.MAYBE)
    assert not claim("docker/inventory.yml", b"services:\n  - chat\n", Claim.MAYBE)
