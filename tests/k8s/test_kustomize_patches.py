"""An Ingress written as a kustomize patch is judged merged over the base Ingress its
kustomization brings in (linter/k8s/kustomize.py); what cannot be merged is left as written."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import lint

BASE = textwrap.dedent(
    """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: chat
    spec:
      ingressClassName: nginx
      rules:
        - http:
            paths:
              - path: /v1/chat/completions
                pathType: Prefix
                backend:
                  service:
                    name: gateway
                    port:
                      number: 8080
    """
)
PATCH = textwrap.dedent(
    """\
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: chat
      annotations:
        nginx.ingress.kubernetes.io/proxy-read-timeout: "45"
    """
)


def _tree(root: Path, overlay: str, base_files: dict[str, str] | None = None) -> Path:
    (root / "pyproject.toml").write_text("[tool.streamproof]\n")
    base = root / "base"
    base.mkdir()
    for name, text in (base_files or {"ingress.yaml": BASE}).items():
        (base / name).write_text(text)
    (base / "kustomization.yaml").write_text(
        "resources:\n" + "".join(f"  - {name}\n" for name in base_files or {"ingress.yaml": 1})
    )
    staging = root / "overlays" / "staging"
    staging.mkdir(parents=True)
    (staging / "kustomization.yaml").write_text(overlay)
    (staging / "patch.yaml").write_text(PATCH)
    return staging / "patch.yaml"


def _kub002(root: Path) -> list[tuple[str, int]]:
    result = lint([root], cwd=root, select=["KUB002"])
    return sorted((Path(f.path).relative_to(root).as_posix(), f.line) for f in result.findings)


def test_patches_strategic_merge_is_merged_over_the_base(tmp_path: Path) -> None:
    _tree(tmp_path, "resources:\n  - ../../base\npatchesStrategicMerge:\n  - patch.yaml\n")
    # The base alone reads for 60 s (reported there); the overlay's 45 s in the patch.
    assert _kub002(tmp_path) == [("base/ingress.yaml", 10), ("overlays/staging/patch.yaml", 6)]
    one = lint([tmp_path / "overlays" / "staging" / "patch.yaml"], cwd=tmp_path, select=["KUB002"])
    assert [f.line for f in one.findings] == [6]
    assert "merged over the Ingress of ../../base/ingress.yaml" in one.findings[0].message


def test_a_patch_the_kustomization_does_not_list_is_left_as_written(tmp_path: Path) -> None:
    _tree(tmp_path, "resources:\n  - ../../base\n")
    assert _kub002(tmp_path) == [("base/ingress.yaml", 10)]


def test_a_patch_aimed_at_another_kind_or_a_remote_base_is_left_as_written(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        "resources:\n  - https://github.com/acme/deploy//base?ref=v1\n"
        "patches:\n  - path: patch.yaml\n    target:\n      kind: Deployment\n",
    )
    assert _kub002(tmp_path) == [("base/ingress.yaml", 10)]


def test_two_base_ingresses_of_the_name_merge_nothing(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n",
        {"ingress.yaml": BASE, "again.yaml": BASE},
    )
    assert _kub002(tmp_path) == [("base/again.yaml", 10), ("base/ingress.yaml", 10)]
