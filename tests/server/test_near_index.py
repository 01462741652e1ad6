"""The index that finds the launch files near a proxy config (linter.server.front.near_ones)
gives exactly what testing ``near`` on every file gives, in the same order."""

from __future__ import annotations

import itertools
import pickle
import random

import pytest

from linter.server.front import derived, near, near_ones
from linter.workspace import Workspace

FOLDERS = ["", "/", "/r", "/r/a", "/r/a/b", "/r/ab", "/r/a/b/c", "/r/x", "/r/x/nginx", "a", "a/b"]
NAMES = ["Dockerfile", "docker-compose.yml", "nginx.conf", "conf.d/site.conf", "Procfile"]


def _paths() -> list[str]:
    return [f"{folder}/{name}" if folder else name for folder in FOLDERS for name in NAMES]


def test_same_files_as_near_in_the_same_order() -> None:
    files = _paths()
    rng = random.Random(7)
    for _ in range(50):
        entries = rng.sample(files, k=rng.randint(0, len(files)))
        entries += rng.sample(entries, k=min(3, len(entries)))  # one file, several entries
        workspace = Workspace(root="/")
        for proxy in files:
            expected = [entry for entry in entries if near(entry, proxy)]
            assert near_ones(workspace, entries, str, proxy) == expected, (entries, proxy)


def test_some_pairs_are_near_and_some_not() -> None:
    # (So that the test above compares real answers, not only empty lists.)
    answers = {near(a, b) for a, b in itertools.product(_paths(), repeat=2)}
    assert answers == {True, False}


def test_made_once_per_list_and_never_sent_between_processes() -> None:
    workspace = Workspace(root="/")
    made: list[int] = []
    first: list[str] = ["/r/Dockerfile"]

    def make() -> int:
        made.append(1)
        return len(made)

    assert derived(workspace, "t", first, make) == 1
    assert derived(workspace, "t", first, make) == 1
    assert derived(workspace, "t", ["/r/Dockerfile"], make) == 2  # another list: made again
    entry = next(value for key, value in workspace.memo.items() if key[1] == "t")
    with pytest.raises(TypeError):
        pickle.dumps(entry)


def test_a_config_in_a_layout_folder_is_near_the_files_beside_its_nginx_folder() -> None:
    """`nginx/sites-available/webai` belongs to the project above `nginx/` (its compose file
    in `docker/`), as `nginx/nginx.conf` does; a config in another folder does not climb."""
    assert near("/r/docker/openweb-dev1.yml", "/r/nginx/sites-available/webai")
    assert near("/r/docker/openweb-dev1.yml", "/r/nginx/nginx.conf")
    assert not near("/r/docker/openweb-dev1.yml", "/r/nginx/custom/webai")
    workspace = Workspace(root="/")
    entries = ["/r/docker/openweb-dev1.yml", "/other/docker/compose.yml"]
    assert near_ones(workspace, entries, str, "/r/nginx/sites-enabled/webai") == entries[:1]
