"""What says a Kubernetes workload's image is built in the repository (linter/server/kubeapps.py):
image names, workflow tags with expressions, `docker build` lines, and which builder wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.server import kubeapps
from linter.server.kubeapps import Build, Built, _docker_builds, _image_of, image_name
from linter.stack.model import Service, Where
from linter.workspace import Workspace


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("ghcr.io/acme/api:1.2", "ghcr.io/acme/api"),
        ("localhost:5000/acme/api", "localhost:5000/acme/api"),
        ("localhost:5000/acme/api:dev", "localhost:5000/acme/api"),
        ("Acme/API@sha256:abc", "acme/api"),
    ],
)
def test_image_name_drops_tag_and_digest(image: str, name: str) -> None:
    assert image_name(image) == name


@pytest.mark.parametrize(
    ("tag", "found"),
    [
        ("ghcr.io/acme/api:${{ github.sha }}", ("ghcr.io/acme/api", False)),
        ("ghcr.io/${{ github.repository_owner }}/api:latest", ("api", True)),
        ("${{ env.REGISTRY }}/acme/api", ("acme/api", True)),
        ("${{ env.IMAGE }}", None),
        ("ghcr.io/acme/${{ env.NAME }}", None),
        ("${{ env.REGISTRY }}-api:1", None),  # the literal rest is not a whole name part
        ("$REGISTRY/api", ("api", True)),
    ],
)
def test_workflow_tags(tag: str, found: tuple[str, bool] | None) -> None:
    assert _image_of(tag) == found


def test_docker_build_lines() -> None:
    script = (
        "docker build --build-arg V=1 \\\n  -t acme/api:1 -f docker/Dockerfile.api .\n"
        "docker buildx build --platform linux/amd64 --tag=acme/web:1 web && docker push acme/web:1\n"
        "docker build -t acme/skip:1 $CONTEXT\n"
        "docker push acme/api:1\n"
    )
    assert _docker_builds(script) == [
        (["acme/api:1"], ".", "docker/Dockerfile.api"),
        (["acme/web:1"], "web", None),
    ]


def _service(image: str, command: tuple[tuple[str, Where], ...] = ()) -> Service:
    where = Where("/r/k8s/app.yaml", 0, 0, 1)
    return Service("/r/k8s/app.yaml", "api", where, image=image, command=command, kubernetes=True)


def test_builder_needs_one_build(tmp_path: Path) -> None:
    one = Build("acme/api", True, "/r/backend/Dockerfile", "/r/backend", "built from backend")
    other = Build("acme/api", True, "/r/other/Dockerfile", "/r/other", "built from other")
    service = _service("ghcr.io/acme/api:2")
    assert kubeapps.builder(service, [], "/r", [one]) == Built(
        "/r/backend/Dockerfile", "/r/backend", None, "built from backend"
    )
    assert kubeapps.builder(service, [], "/r", [one, other]) is None  # two Dockerfiles
    assert kubeapps.builder(_service("ghcr.io/acme/web:2"), [], "/r", [one]) is None
    # A command of its own: what the image's Dockerfile launches is not what runs.
    command = (("python", Where("/r/k8s/app.yaml", 0, 0, 1)),)
    assert kubeapps.builder(_service("ghcr.io/acme/api:2", command), [], "/r", [one]) is None


def test_builds_read_from_the_folder_holding_the_workflows(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM python:3.12\n")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "jobs:\n  build:\n    steps:\n"
        "      - uses: docker/build-push-action@v6\n"
        "        with:\n          context: svc\n          tags: acme/svc:1, acme/svc:latest\n"
        "      - run: docker build -t acme/missing:1 nowhere\n"
    )
    (tmp_path / "k8s").mkdir()
    manifest = tmp_path / "k8s" / "app.yaml"
    manifest.write_text("kind: Service\n")
    found = kubeapps.builds(Workspace(root=str(tmp_path)), str(manifest))
    assert {(b.image, b.partial, b.dockerfile) for b in found} == {
        ("acme/svc", False, str(tmp_path / "svc" / "Dockerfile"))
    }
    assert all(b.said == "built from svc/Dockerfile by .github/workflows/ci.yml:4" for b in found)
