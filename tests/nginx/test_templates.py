"""Config templates read as NGINX: a renderer's placeholders (`{{DOMAIN}}`, `${VAR}`,
`__VAR__`, `PORT_PLACEHOLDER`, `<%= @port %>`) are opaque words whose value is unknown, its
control tags (`{% if %}`, `{{- end }}`) set nothing, and only what stays broken is NGX000."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.document import Claim
from linter.nginx.detect import claim_by_name
from linter.nginx.lexer import TokenKind, tokenize
from linter.nginx.parser import parse_text
from linter.nginx.tree import _MARKS, Word, may_hold_placeholder, template_variable


def _statements(text: str) -> list[tuple[str, list[str], bool]]:
    parsed = parse_text(text)
    assert not parsed.problems, parsed.problems
    return [(d.name.raw, [a.raw for a in d.args], d.placeholder) for d in parsed.walk()]


def test_mustache_expressions_are_words_inside_and_between_words() -> None:
    found = _statements(
        "server {\n  server_name {{DOMAIN}} www.{{ DOMAIN }};\n"
        "  location / { proxy_pass http://localhost:{{PORT}}/x; }\n}\n"
    )
    assert found[1] == ("server_name", ["{{DOMAIN}}", "www.{{ DOMAIN }}"], False)
    assert found[3] == ("proxy_pass", ["http://localhost:{{PORT}}/x"], False)


def test_control_tags_and_template_comments_are_comments() -> None:
    text = (
        "{# note #}\nserver {\n{% if ssl %}\n  listen 443 ssl;\n{% else %}\n  listen 80;\n"
        "{% endif %}\n{{- range .Values.hosts }}\n  server_name {{ . }};\n{{- end }}\n"
        "<% if @tls %>\n  ssl_certificate <%= @cert %>;\n<% end %>\n}\n"
    )
    tokens, problems = tokenize(text)
    assert not problems
    comments = [text[t.start : t.end] for t in tokens if t.kind is TokenKind.COMMENT]
    assert comments == [
        "{# note #}",
        "{% if ssl %}",
        "{% else %}",
        "{% endif %}",
        "{{- range .Values.hosts }}",
        "{{- end }}",
        "<% if @tls %>",
        "<% end %>",
    ]
    names = [name for name, _, _ in _statements(text)]
    assert names == ["server", "listen", "listen", "server_name", "ssl_certificate"]


def test_an_include_tag_alone_is_a_statement_of_unknown_content() -> None:
    found = _statements(
        "location / {\n    proxy_pass http://a:1;\n    {% include 'proxy.conf' %}\n"
        '    {{ template "extra" . }}\n}\n'
    )
    assert found[2] == ("{% include 'proxy.conf' %}", [], True)
    assert found[3] == ('{{ template "extra" . }}', [], True)


@pytest.mark.parametrize(
    "raw",
    [
        "{{DOMAIN}}",
        "http://localhost:{{ port }}",
        "${BACKEND_URL}",
        "__BACKEND_URL__",
        "PORT_PLACEHOLDER",
        "127.0.0.1:PORT_PLACEHOLDER",
        "<%= @read_timeout %>",
        "@LISTEN_PORT@",
        "<READ_TIMEOUT>",
        "http://<backend-host>:8080",
        "YOUR_DOMAIN_OR_IP",
    ],
)
def test_placeholder_values_are_unknown(raw: str) -> None:
    assert Word(0, len(raw), raw).has_placeholder


@pytest.mark.parametrize(
    "raw",
    [
        "300s",
        "http://ollama:11434",
        "@backend",
        "$host",
        "placeholder.example.com",
        "^/api/(?<rest>.*)$",  # a regex's named group
        "your_domain.example",
    ],
)
def test_ordinary_values_are_not_placeholders(raw: str) -> None:
    assert not Word(0, len(raw), raw).has_placeholder


@pytest.mark.parametrize(
    "raw",
    [
        *("300s", "proxy_pass", "a__b", "${X}", "{{x}}", "{%x", "<a>", "x@y", "A_PLACEHOLDER"),
        *("YOUR_X", "YOUR", "PLACEHOLDE", "_", "$", "{", "%", "YOUR-X", "your_x", "__", "$ {"),
    ],
)
def test_the_quick_placeholder_test_is_the_marks_test(raw: str) -> None:
    # (Written out mark by mark for speed: it must say what a test of each mark says.)
    assert may_hold_placeholder(raw) == any(mark in raw for mark in _MARKS)


def test_a_template_variable_is_named_by_envsubst_and_sed_placeholders_only() -> None:
    assert template_variable("${BACKEND_URL}") == "BACKEND_URL"
    assert template_variable("__BACKEND_URL__") == "BACKEND_URL"
    assert template_variable("${BACKEND_URL:-x}") is None  # nginx's envsubst knows no defaults
    assert template_variable("{{ url }}") is None
    assert template_variable("http://${HOST}") is None


def test_what_stays_broken_after_the_placeholders_is_still_a_syntax_problem() -> None:
    parsed = parse_text("server {\n    server_name {{ domain }}\n    location / { }\n}\n")
    assert [p.message for p in parsed.problems] == [
        'missing ";" after "server_name" (nginx reads on to the "{" of "location" and '
        'refuses: directive "server_name" is not terminated by ";")'
    ]


@pytest.mark.parametrize(
    ("relpath", "claim"),
    [
        ("templates/chat.template", Claim.MAYBE),  # the nginx image's templates folder
        ("deploy/templates/site.j2", Claim.MAYBE),
        ("frontend/default.conf.template", Claim.MAYBE),
        ("chart/templates/_helpers.tpl", Claim.NO),  # Helm's Go template definitions
        ("docs/chat.template", Claim.NO),
    ],
)
def test_templates_are_found_by_their_folder_and_name(relpath: str, claim: Claim) -> None:
    assert claim_by_name(relpath) is claim


def test_a_tree_of_templates_is_discovered_and_judged(tmp_path: Path) -> None:
    """Walking a repository: a Jinja role template and an envsubst template are NGINX; a
    Jinja template of something else beside them is not."""
    from helpers import lint

    role = tmp_path / "roles" / "web" / "templates"
    role.mkdir(parents=True)
    (role / "site.j2").write_text(
        "server {\n    listen 80;\n    server_name {{ domain }};\n"
        "{% if tls %}\n    listen 443 ssl;\n{% endif %}\n"
        "    location /v1/chat/completions {\n        proxy_pass http://{{ host }}:4000;\n"
        "    }\n}\n"
    )
    (role / "app.ini.j2").write_text("[app]\nname = {{ name }}\nport = {{ port }}\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "api.template").write_text(
        "server {\n    listen ${PORT};\n    location /api/generate {\n"
        "        proxy_pass http://ollama:11434;\n    }\n}\n"
    )
    result = lint([tmp_path], cwd=tmp_path, select=["NGX000", "NGX002"])
    assert not result.errors
    found = sorted((Path(f.path).name, f.code, f.line) for f in result.findings)
    assert found == [("api.template", "NGX002", 3), ("site.j2", "NGX002", 7)]


def test_template_variables_are_filled_in_before_the_set_variables() -> None:
    from linter.nginx.context import Stmt
    from linter.nginx.targets import resolve_target

    root = Stmt(None, None, children=[], context="location")
    env = {
        "BACKEND_URL": ("http://backend:7860", "env at compose.yml:3"),
        "API_HOST": ("api", "env at compose.yml:4"),
        "host": ("never", "env at compose.yml:5"),
    }
    found = resolve_target(root, "${BACKEND_URL}", env)
    assert found.target == "http://backend:7860"
    assert found.rendered == ("${BACKEND_URL} is http://backend:7860, set in env at compose.yml:3",)
    assert resolve_target(root, "http://$API_HOST:8000$request_uri", env).target == (
        "http://api:8000$request_uri"
    )
    assert resolve_target(root, "__BACKEND_URL__", env).target == "http://backend:7860"
    # nginx's own variables (small letters) are never a renderer's; unknown names stay.
    assert resolve_target(root, "http://$host:1", env).target == "http://$host:1"
    assert resolve_target(root, "${OTHER}", env).target == "${OTHER}"
