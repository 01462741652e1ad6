"""An NGINX config written by a shell script's here-document (linter/nginx/heredoc.py): read
only where the bytes are the config, at the script's own offsets."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from linter.nginx import heredoc

SITE = "server {\n    location /api/ {\n        proxy_pass http://ollama:11434;\n    }\n}\n"


def _script(opening: str, body: str = SITE, delimiter: str = "EOF") -> str:
    return f"#!/bin/sh\nset -e\n{opening}\n{body}{delimiter}\nexec nginx -g 'daemon off;'\n"


def test_the_body_keeps_its_offsets_and_the_rest_is_blanked() -> None:
    text = _script("cat <<EOF > /etc/nginx/conf.d/default.conf")
    masked = heredoc.mask(text)
    assert masked is not None
    assert len(masked) == len(text)
    assert masked.count("\n") == text.count("\n")
    start = text.index(SITE)
    assert masked[start : start + len(SITE)] == SITE
    assert masked[:start].strip() == ""
    assert masked[start + len(SITE) :].strip() == ""


def test_the_shapes_that_write_a_config() -> None:
    for opening in (
        "cat > /etc/nginx/nginx.conf <<'EOF'",
        'cat <<"EOF" >> /etc/nginx/conf.d/app.conf',
        "cat <<EOF | sudo tee /etc/nginx/sites-available/app > /dev/null",
        "sudo tee -a /etc/nginx/conf.d/app.conf >/dev/null <<EOF",
        "cat > /etc/nginx/templates/default.conf.template <<'EOF'",
        "cat <<- EOF > /etc/nginx/conf.d/app.conf",  # no tab in the body to strip
    ):
        assert heredoc.body(_script(opening)) is not None, opening


def test_what_is_not_read() -> None:
    cases = {
        "a file nginx does not read": _script("cat > /srv/docs/README.txt <<'EOF'"),
        "only to /dev/null": _script("cat <<EOF > /dev/null"),
        "not cat or tee": _script("python3 - > /etc/nginx/conf.d/a.conf <<EOF"),
        "a here-string": "cat <<<EOF > /etc/nginx/conf.d/a.conf\n" + SITE,
        "unterminated": "cat <<EOF > /etc/nginx/conf.d/a.conf\n" + SITE,
        "a command substitution": _script(
            "cat <<EOF > /etc/nginx/conf.d/a.conf", "# $(date)\n" + SITE
        ),
        "a backtick": _script("cat <<EOF > /etc/nginx/conf.d/a.conf", "# `date`\n" + SITE),
        "an escaped dollar": _script(
            "cat <<EOF > /etc/nginx/conf.d/a.conf", SITE.replace("ollama", "\\$backend")
        ),
        "tabs that <<- strips": _script(
            "cat <<-EOF > /etc/nginx/conf.d/a.conf", SITE.replace("    ", "\t")
        ),
        "a commented-out command": "# cat <<EOF > /etc/nginx/conf.d/a.conf\n" + SITE,
    }
    for what, text in cases.items():
        assert heredoc.mask(text) is None, what


def test_quoted_delimiters_allow_what_an_unquoted_one_expands() -> None:
    body = "# $(date) and `date` stay as written\n" + SITE
    assert heredoc.body(_script("cat <<'EOF' > /etc/nginx/conf.d/a.conf", body)) is not None


def test_two_configs_from_one_script_are_not_read() -> None:
    one = "cat > /etc/nginx/conf.d/a.conf <<'EOF'\n" + SITE + "EOF\n"
    other = "cat > /etc/nginx/conf.d/b.conf <<'EOF'\n" + SITE + "EOF\n"
    assert heredoc.mask(one + other) is None
    # A here-document to another file beside the config does not count.
    assert heredoc.mask(one + "cat > /tmp/x <<'EOF'\nhello\nEOF\n") is not None


def test_findings_land_on_the_script_lines(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tree / "entry.sh").write_text(_script("cat <<'EOF' > /etc/nginx/conf.d/default.conf"))
    result = lint([tree], cwd=tree, select=["NGX002"])
    assert [(f.code, f.path.endswith("entry.sh"), f.line) for f in result.findings] == [
        ("NGX002", True, 5)
    ]
