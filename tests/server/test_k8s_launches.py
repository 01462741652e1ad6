"""Kubernetes workloads read as launch lines (linter/server/kube.py): a container's command,
args and env, in plain manifests and Helm templates with values resolved, each setting with
the place it is written at (values.yaml when it comes from there) or unknown."""

from __future__ import annotations

from pathlib import Path

from test_server_launches import load, only, position, write

from linter.server import detect

CHART = {"Chart.yaml": "apiVersion: v2\nname: gateway\nversion: 1.0.0\n"}


def test_workload_claim_needs_a_workload_kind_and_a_launch_sign() -> None:
    deployment = b"kind: Deployment\nspec:\n  containers:\n    - command: [uvicorn, a:b]\n"
    assert detect.claim("deploy/app.yaml", deployment, detect.claim_by_name("deploy/app.yaml"))
    maybe = detect.claim_by_name("deploy/app.yaml")
    assert not detect.claim("deploy/app.yaml", deployment.replace(b"uvicorn", b"node"), maybe)
    assert not detect.claim("svc.yaml", b"kind: Service\nspec: {}\n", maybe)
    # Chart partials are never rendered by Helm: not a manifest.
    assert not detect.is_manifest("chart/templates/_helpers.tpl")
    assert detect.is_manifest("chart/templates/deployment/router.tpl")


def test_vllm_image_args_and_keepalive_env_from_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "values.yaml": """\
                vllm:
                  keepAlive: 30
                """,
            "templates/vllm.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: vllm
                spec:
                  template:
                    spec:
                      initContainers:
                        - name: fetch
                          image: busybox
                          command: ["sh", "-c", "uvicorn not:this"]
                      containers:
                        - name: server
                          image: vllm/vllm-openai:v0.9.0
                          args: ["--model", "Qwen/Qwen3-8B", "--port", "8000"]
                          env:
                            - name: VLLM_HTTP_TIMEOUT_KEEP_ALIVE
                              value: {{ .Values.vllm.keepAlive | quote }}
                """,
        },
    )
    document = load(tmp_path, "templates/vllm.yaml")
    launch = only(document)  # the init container is not a server
    assert (launch.server, launch.app) == ("uvicorn", "vllm.entrypoints.openai.api_server:app")
    assert launch.setting("port").value == "8000"
    keepalive = launch.setting("keepalive")
    assert keepalive.value == "30"
    assert position(document, launch, "keepalive") == ("values.yaml", 2, 14, "30")
    assert "`.Values.vllm.keepAlive`, set at values.yaml:2" in keepalive.origin
    assert "templates/vllm.yaml:18" in keepalive.origin


def test_uvicorn_env_alone_names_the_server_and_leaves_the_rest_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "k8s/api.yaml": """\
                apiVersion: batch/v1
                kind: CronJob
                metadata:
                  name: nightly
                spec:
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers:
                            - name: api
                              image: ghcr.io/acme/api:1
                              env:
                                - name: UVICORN_TIMEOUT_KEEP_ALIVE
                                  value: "75"
                """,
        },
    )
    document = load(tmp_path, "k8s/api.yaml")
    launch = only(document)
    assert launch.server == "uvicorn"
    assert "the image's own command" in launch.launcher
    assert position(document, launch, "keepalive") == ("api.yaml", 15, 27, "75")
    assert "unless the image's own command line sets it too" in launch.setting("keepalive").origin
    graceful = launch.setting("graceful_timeout")
    assert graceful.value is None and "image's own command line" in graceful.origin
    assert not launch.streams()  # nothing names an LLM server


def test_values_a_condition_turns_off_are_not_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "values.yaml": """\
                image: ghcr.io/acme/litellm-gateway
                args: "--graceful-timeout 60"
                """,
            "templates/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gateway
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: {{ .Values.image }}
                          env:
                            {{- if .Values.argsFromSecret }}
                            - name: GUNICORN_CMD_ARGS
                              valueFrom:
                                secretKeyRef: {name: s, key: k}
                            {{- else }}
                            - name: GUNICORN_CMD_ARGS
                              value: {{ .Values.args | quote }}
                            {{- end }}
                          {{- with .Values.extraEnvFrom }}
                          envFrom:
                            {{- toYaml . | nindent 12 }}
                          {{- end }}
                """,
        },
    )
    document = load(tmp_path, "templates/app.yaml")
    launch = only(document)
    # `argsFromSecret` and `extraEnvFrom` are missing from values.yaml: nil, so off.
    assert launch.setting("graceful_timeout").value == "60"
    assert launch.streams() and "(`litellm`)" in launch.stream_evidence()


def test_values_files_that_disagree_leave_the_value_unknown(tmp_path: Path) -> None:
    deployment = """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: gateway
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: ghcr.io/acme/litellm-gateway
                  env:
                    - name: GUNICORN_CMD_ARGS
                      value: {{ .Values.args | quote }}
        """
    write(
        tmp_path,
        {
            **CHART,
            "values-dev.yaml": 'args: "--graceful-timeout 5"\n',
            "values-prod.yaml": 'args: "--graceful-timeout 60"\n',
            "templates/app.yaml": deployment,
        },
    )
    launch = only(load(tmp_path, "templates/app.yaml"))
    assert launch.setting("graceful_timeout").value is None
    write(tmp_path, {"values-dev.yaml": 'args: "--graceful-timeout 60"\n'})
    launch = only(load(tmp_path, "templates/app.yaml"))
    assert launch.setting("graceful_timeout").value == "60"


def test_args_from_a_values_block_are_unknown_words(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "values.yaml": "args: [--graceful-timeout, '900']\n",
            "templates/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gateway
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: ghcr.io/acme/litellm-gateway
                          command: [gunicorn, app:app]
                          args:
                            {{- toYaml .Values.args | nindent 12 }}
                """,
        },
    )
    launch = only(load(tmp_path, "templates/app.yaml"))
    graceful = launch.setting("graceful_timeout")
    assert graceful.value is None  # never gunicorn's 30 s default
    assert "not known here" in graceful.origin


def test_a_model_family_or_the_word_llm_alone_in_an_image_is_no_evidence(tmp_path: Path) -> None:
    for image, streams in (
        ("ghcr.io/acme/llm-api", False),
        ("ghcr.io/acme/mistral-ocr", False),
        ("ghcr.io/acme/opengatellm/api", True),
        ("docker.io/acme/ollama-proxy:1", True),
    ):
        write(
            tmp_path,
            {
                "app.yaml": f"""\
                    kind: Deployment
                    spec:
                      template:
                        spec:
                          containers:
                            - name: api
                              image: {image}
                              command: [gunicorn, app:app]
                    """,
            },
        )
        assert only(load(tmp_path, "app.yaml")).streams() is streams, image


def test_a_whole_command_from_values_is_read_there(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "values.yaml": """\
                image: ghcr.io/acme/litellm-gateway:2
                command:
                  - gunicorn
                  - app:app
                  - --graceful-timeout
                  - "60"
                """,
            "templates/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gateway
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: {{ .Values.image }}
                          command:
                            {{- toYaml .Values.command | nindent 12 }}
                """,
        },
    )
    document = load(tmp_path, "templates/app.yaml")
    launch = only(document)
    assert (launch.server, launch.app) == ("gunicorn", "app:app")
    assert position(document, launch, "graceful_timeout") == ("values.yaml", 6, 6, "60")
    assert "`command` from values.yaml" in launch.launcher
    assert launch.command.path.endswith("app.yaml")  # defaults are said at the key


def test_dependent_variables_in_args_take_the_container_env(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "api.yaml": """\
                kind: Pod
                spec:
                  containers:
                    - name: api
                      image: ghcr.io/acme/litellm-gateway:2
                      command: [uvicorn, app:app, --timeout-keep-alive, $(KEEP_ALIVE), --port, $(PORT)]
                      env:
                        - name: KEEP_ALIVE
                          value: "75"
                        - name: PORT
                          valueFrom: {configMapKeyRef: {name: ports, key: api}}
                """,
        },
    )
    launch = only(load(tmp_path, "api.yaml"))
    assert launch.setting("keepalive").value == "75"
    assert launch.setting("port").value is None  # from a ConfigMap not read: unknown


def test_a_value_under_an_undecided_condition_is_unknown(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            **CHART,
            "values.yaml": "image: ghcr.io/acme/litellm-gateway\nserver: gunicorn\n",
            "templates/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: gateway
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: {{ .Values.image }}
                          env:
                            {{- if eq .Values.server "gunicorn" }}
                            - name: GUNICORN_CMD_ARGS
                              value: "--graceful-timeout 30"
                            {{- else }}
                            - name: GUNICORN_CMD_ARGS
                              value: "--graceful-timeout 900"
                            {{- end }}
                """,
        },
    )
    launch = only(load(tmp_path, "templates/app.yaml"))
    graceful = launch.setting("graceful_timeout")
    assert graceful.value is None
    assert "template condition at templates/app.yaml:12" in graceful.origin
