"""The linted tree of files named from another folder, outside any git work tree: the project
that holds them (its top marked by a project file), so that the verdict on a file does not
depend on the folder the command runs in."""

from __future__ import annotations

import os
from pathlib import Path

from linter.discovery import find_root


def make(root: Path, names: list[str]) -> None:
    for name in names:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")


def test_a_file_named_from_elsewhere_belongs_to_the_project_above_it(tmp_path: Path) -> None:
    make(tmp_path / "app", ["pyproject.toml", "src/app/routes/chat.py"])
    (tmp_path / "elsewhere").mkdir()
    chat = tmp_path / "app/src/app/routes/chat.py"
    assert find_root([str(chat)], str(tmp_path / "elsewhere")) == str(tmp_path / "app")


def test_the_nearest_project_file_wins_and_the_search_is_bounded(tmp_path: Path) -> None:
    make(tmp_path / "repo", ["pyproject.toml", "deploy/Dockerfile", "deploy/app.py"])
    (tmp_path / "elsewhere").mkdir()
    # The Dockerfile one folder up is nearer than the pyproject.toml at the top.
    app = tmp_path / "repo/deploy/app.py"
    assert find_root([str(app)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo/deploy")
    # More than four folders below any project file: the file's own folder, as before.
    deep = tmp_path / "repo/a/b/c/d/e/f.py"
    make(tmp_path / "repo", ["a/b/c/d/e/f.py"])
    assert find_root([str(deep)], str(tmp_path / "elsewhere")) == str(deep.parent)


def test_inside_the_current_folder_the_current_folder_stays_the_tree(tmp_path: Path) -> None:
    make(tmp_path, ["pyproject.toml", "pkg/sub/mod.py"])
    cwd = tmp_path / "pkg"
    assert find_root([str(cwd / "sub/mod.py")], str(cwd)) == os.path.realpath(cwd)


def test_paths_of_unrelated_trees_never_make_the_home_folder_the_tree(
    tmp_path: Path, monkeypatch
) -> None:
    """`check /tmp/x.conf ~/repo/a.py`: their common folder (here the home folder) would be
    walked for importers and includers; the first path's own tree is the root instead, and
    the other file is still linted, named from outside it."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    make(home / "one", ["pyproject.toml", "pkg/a.py"])
    make(home / "two", ["Dockerfile", "b.py"])
    (tmp_path / "elsewhere").mkdir()
    paths = [str(home / "one/pkg/a.py"), str(home / "two/b.py")]
    assert find_root(paths, str(tmp_path / "elsewhere")) == os.path.realpath(home / "one")
    # Within one project below the home folder, the project still holds both.
    both = [str(home / "one/pkg/a.py"), str(home / "one/pyproject.toml")]
    assert find_root(both, str(tmp_path / "elsewhere")) == os.path.realpath(home / "one")


def test_a_config_in_an_nginx_layout_folder_belongs_to_the_folder_above_its_nginx_folder(
    tmp_path: Path,
) -> None:
    """`nginx/sites-available/webai` with no project file anywhere: the repository's top (the
    folder above `nginx/`, beside `docker/openweb-dev1.yml`), not `sites-available/`."""
    make(tmp_path / "repo", ["docker/openweb-dev1.yml", "nginx/sites-available/webai"])
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/nginx/sites-available/webai"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo")
    # Any other folder: the file's own, as before.
    other = tmp_path / "repo/nginx/custom/webai"
    make(tmp_path / "repo", ["nginx/custom/webai"])
    assert find_root([str(other)], str(tmp_path / "elsewhere")) == str(other.parent)


def test_an_nginx_folder_belongs_to_the_project_above_it(tmp_path: Path) -> None:
    """`nginx/nginx.conf` marks an NGINX folder, which a project holds below its top: a site
    named from elsewhere belongs to the folder of the compose file that mounts it (named by a
    variant, `docker-compose.prod.yml`), where a run from the repository's top would put it,
    so the compose file and the app behind the site are seen either way."""
    make(tmp_path / "repo", ["docker-compose.prod.yml", "nginx/nginx.conf", "nginx/site.conf"])
    make(tmp_path / "repo", ["deploy/nginx/nginx.conf", "deploy/nginx/conf.d/site.conf"])
    make(tmp_path / "repo", ["deploy/Dockerfile.backend"])
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/nginx/site.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo")
    nested = tmp_path / "repo/deploy/nginx/conf.d/site.conf"
    assert find_root([str(nested)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo/deploy")


def test_an_nginx_folder_with_no_project_above_it_is_the_tree(tmp_path: Path) -> None:
    """Nothing above the NGINX folder marks a project: the folder holding `nginx.conf` is the
    tree, so a `conf.d` site still finds the file that includes it."""
    make(tmp_path / "top", ["nginx/nginx.conf", "nginx/conf.d/site.conf", "notes/readme.txt"])
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "top/nginx/conf.d/site.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "top/nginx")


def test_an_image_folder_belongs_to_the_deployment_whose_compose_file_builds_it(
    tmp_path: Path,
) -> None:
    """`frontend/nginx.conf` beside the frontend image's Dockerfile: the compose file above
    that builds `./frontend` (and the backend beside it) is the deployment, not the image's
    folder alone."""
    make(tmp_path / "repo", ["frontend/Dockerfile", "frontend/nginx.conf", "backend/main.py"])
    (tmp_path / "repo/docker-compose.yml").write_text(
        "services:\n  web:\n    build: ./frontend\n  api:\n    build: ./backend\n"
    )
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/frontend/nginx.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo")
    # Named by its context key, two levels up (`context: deploy/nginx`).
    make(tmp_path / "two", ["deploy/nginx/Dockerfile", "deploy/nginx/site.conf"])
    (tmp_path / "two/compose.yaml").write_text(
        "services:\n  proxy:\n    build:\n      context: deploy/nginx\n"
    )
    deep = tmp_path / "two/deploy/nginx/site.conf"
    assert find_root([str(deep)], str(tmp_path / "elsewhere")) == str(tmp_path / "two")


def test_an_image_folder_no_compose_file_above_names_stays_the_tree(tmp_path: Path) -> None:
    """A compose file above that runs something else (`frontend-v2`), or a folder with a
    project file of its own (requirements.txt): the nearest project folder, as before."""
    make(tmp_path / "repo", ["frontend/Dockerfile", "frontend/nginx.conf"])
    (tmp_path / "repo/docker-compose.yml").write_text(
        "services:\n  web:\n    build: ./frontend-v2\n"
    )
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/frontend/nginx.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo/frontend")
    make(tmp_path / "py", ["api/Dockerfile", "api/requirements.txt", "api/nginx.conf"])
    (tmp_path / "py/docker-compose.yml").write_text("services:\n  api:\n    build: ./api\n")
    conf = tmp_path / "py/api/nginx.conf"
    assert find_root([str(conf)], str(tmp_path / "elsewhere")) == str(tmp_path / "py/api")


def test_a_compose_folder_that_builds_from_above_takes_the_tree_above(tmp_path: Path) -> None:
    """`docker/docker-compose.yml` building `../server` and mounting `./nginx/site.conf`: the
    deployment's tree (where the apps its proxy reaches lie) is the folder the `../` names."""
    make(tmp_path / "repo", ["server/Main.java", "docker/nginx/site.conf"])
    (tmp_path / "repo/docker/docker-compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: ../server\n"
        "  nginx:\n    image: nginx\n    volumes:\n      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf\n"
    )
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/docker/nginx/site.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo")


def test_a_compose_folder_that_builds_only_below_stays_the_tree(tmp_path: Path) -> None:
    make(tmp_path / "repo", ["docker/api/app.py", "docker/nginx/site.conf"])
    (tmp_path / "repo/docker/docker-compose.yml").write_text(
        "services:\n  api:\n    build: ./api\n"
    )
    (tmp_path / "elsewhere").mkdir()
    site = tmp_path / "repo/docker/nginx/site.conf"
    assert find_root([str(site)], str(tmp_path / "elsewhere")) == str(tmp_path / "repo/docker")
