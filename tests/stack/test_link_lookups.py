"""The stack's look-ups by name over many compose projects (linter.stack.link: a service's
launches, the service an address reaches from a file) give what testing every candidate gives,
in the same order: the folder indexes only save the tests."""

from __future__ import annotations

import itertools
import os
import random

from linter.stack.link import Stack
from linter.stack.model import AppLaunch, Service, Where

FOLDERS = ["/r", "/r/a", "/r/ab", "/r/a/b", "/r/x", "/r/x/y"]


def _where(path: str) -> Where:
    return Where(path, 0, 0, 1)


def _stack(seed: int) -> Stack:
    rng = random.Random(seed)
    stack = Stack("/r")
    for folder, name in itertools.product(FOLDERS, ["llm", "api"]):
        if rng.random() < 0.6:
            path = f"{folder}/docker-compose.yml"
            ports = (("8000", "8000", _where(path)),) if rng.random() < 0.3 else ()
            stack.services.append(Service(path, name, _where(path), ports=ports))
    for folder in [*FOLDERS, "/r/a/b/c", "/r/abc"]:
        for name in ("llm", "api", None):
            if rng.random() < 0.5:
                path = f"{folder}/{rng.choice(['Dockerfile', 'docker-compose.yml'])}"
                stack.launches.append(
                    AppLaunch(path, name, "uvicorn", "CMD", _where(path), "8000", None, None, None)
                )
    return stack


def _launches_by_testing_each(stack: Stack, service: Service) -> list[AppLaunch]:
    return [
        launch
        for launch in stack.launches
        if launch.service == service.name
        and (
            launch.path == service.path
            or os.path.dirname(launch.path).startswith(os.path.dirname(service.path))
        )
    ]


def test_a_services_launches_are_those_testing_each_launch_gives() -> None:
    compared = 0
    for seed in range(30):
        stack = _stack(seed)
        for service in stack.services:
            expected = _launches_by_testing_each(stack, service)
            assert stack._launches(service) == expected
            compared += bool(expected)
    assert compared > 10


def _narrowed_by_testing_each(stack: Stack, host: str, near: str) -> set[str]:
    """The files of the services ``host`` names, narrowed to ``near``'s project when only one
    project's are in a folder above it (else all of them)."""
    found = [s for s in stack.services if s.name == host]
    local = [s for s in found if near.startswith(os.path.dirname(s.path).rstrip(os.sep) + os.sep)]
    return {s.path for s in local} if len({s.path for s in local}) == 1 else {s.path for s in found}


def test_the_service_a_name_reaches_from_a_file_is_the_one_of_its_project() -> None:
    outcomes = set()
    for seed in range(30):
        stack = _stack(seed)
        for host, folder in itertools.product(["llm", "api", "web"], [*FOLDERS, "/r/a/b/c"]):
            near = f"{folder}/nginx/default.conf"
            files = _narrowed_by_testing_each(stack, host, near)
            found = stack.service_at(host, "8000", near)
            if not files:
                assert isinstance(found, str) and "no compose service" in found
                outcomes.add("none")
            elif len(files) > 1:
                assert isinstance(found, str) and "several compose services" in found
                assert all(os.path.relpath(f, "/r") in found for f in files)
                outcomes.add("several")
            else:
                assert not isinstance(found, str)
                assert found[0].path == next(iter(files)) and found[0].name == host
                outcomes.add("one")
    assert outcomes == {"none", "several", "one"}
