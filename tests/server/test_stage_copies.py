"""``COPY --from=<stage>``: the final stage's paths are mapped back to the build context
through the earlier stage's own copies and working folder (linter/server/stagecopies.py)."""

from __future__ import annotations

import os
from pathlib import Path

from linter.server.launches import Reader
from linter.server.model import ServerDocument
from linter.server.quietproject import quiet_folder
from linter.workspace import Workspace

NODE = """\
FROM node:20-alpine AS deps
WORKDIR /repo
COPY package.json ./
RUN npm install

FROM node:20-alpine AS builder
WORKDIR /repo
COPY --from=deps /repo/node_modules ./node_modules
COPY services/api/ ./services/api/
WORKDIR /repo/services/api
RUN npm run build

FROM node:20-alpine
WORKDIR /srv
COPY --from=builder /repo/services/api/dist ./dist
COPY --from=1 /repo/services/api/package.json ./
COPY --from=deps /repo/node_modules ./node_modules
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /srv/nginx.conf
CMD ["node", "dist/main.js"]
"""


def _tree(tmp_path: Path, dockerfile: str) -> tuple[Reader, str]:
    (tmp_path / "services/api/src").mkdir(parents=True)
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "services/api/package.json").write_text("{}")
    (tmp_path / "services/api/src/main.ts").write_text("export {};\n")
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    workspace = Workspace(str(tmp_path))
    source = workspace.read_source(str(path))
    return Reader(ServerDocument(kind="server", source=source), workspace), str(path)


def test_a_built_folder_maps_to_the_source_folder_its_stage_copied(tmp_path: Path) -> None:
    reader, path = _tree(tmp_path, NODE)
    image = reader.image(path)
    assert image is not None
    assert image.copies == [("/srv/dist", "services/api"), ("/srv", "services/api/package.json")]
    resolve = reader.image_resolver(image)
    assert resolve("package.json") == os.path.join(tmp_path, "services/api/package.json")
    # node_modules (installed in a stage) and an external image's file map to nothing.
    assert resolve("node_modules") is None


def test_a_stage_beyond_the_depth_limit_maps_to_nothing(tmp_path: Path) -> None:
    hops = "".join(
        f"FROM alpine AS s{i}\nWORKDIR /w\nCOPY --from=s{i - 1} /w/app ./app\n" for i in range(1, 7)
    )
    dockerfile = "FROM alpine AS s0\nWORKDIR /w\nCOPY services/api/ ./app/\n" + hops
    reader, path = _tree(tmp_path, dockerfile)
    image = reader.image(path)
    assert image is not None and image.copies == []
    shallow = (
        "FROM alpine AS s0\nWORKDIR /w\nCOPY services/api/ ./app/\n"
        + hops[: hops.index("FROM alpine AS s3")]
    )
    reader, path = _tree(tmp_path / "shallow", shallow)
    image = reader.image(path)
    assert image is not None and image.copies == [("/w/app", "services/api")]


def test_prose_about_text_chunks_is_no_stream_word(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n# Documents not chunked yet are skipped.\n"
    )
    assert quiet_folder(Workspace(str(tmp_path)), str(tmp_path)) is not None
    (tmp_path / "relay.py").write_text(
        "async def relay(r):\n    return r.content.iter_chunked(1024)\n"
    )
    assert quiet_folder(Workspace(str(tmp_path)), str(tmp_path)) is None


def test_the_folder_an_install_runs_in_is_found_below_a_copied_folder(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12 AS build\nWORKDIR /src\nCOPY . .\n"
        "FROM python:3.12\nCOPY pyproject.toml /app\nCOPY --from=build /src/services /app\n"
        "WORKDIR /app/api\nRUN pip install .\n"
    )
    (tmp_path / "services/api").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    reader, path = _tree(tmp_path, dockerfile)
    image = reader.image(path)
    assert image is not None and image.installs
    assert reader._local_folder(image, "/app/api") == os.path.join(tmp_path, "services/api")
    assert reader._local_folder(image, "/app") == os.path.join(tmp_path, "services")
