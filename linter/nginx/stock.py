"""Files every nginx package ships, known by their standard content.

A config that says ``include proxy_params;`` or ``include /etc/nginx/fastcgi_params;`` relies on
files that are not in the repository. What they set is well known (nginx's distribution and
Debian's package), so they are not unknown: this module writes them out. Only what matters to
the rules has to be exact (which directives they set, and at which level); ``mime.types`` is
abridged to its shape: a single ``types {}`` block.
"""

from __future__ import annotations

import posixpath

# The CGI variables nginx's fastcgi_params, uwsgi_params and scgi_params pass on.
_CGI_VARIABLES = (
    ("QUERY_STRING", "$query_string"),
    ("REQUEST_METHOD", "$request_method"),
    ("CONTENT_TYPE", "$content_type"),
    ("CONTENT_LENGTH", "$content_length"),
    ("SCRIPT_NAME", "$fastcgi_script_name"),
    ("REQUEST_URI", "$request_uri"),
    ("DOCUMENT_URI", "$document_uri"),
    ("DOCUMENT_ROOT", "$document_root"),
    ("SERVER_PROTOCOL", "$server_protocol"),
    ("REQUEST_SCHEME", "$scheme"),
    ("HTTPS", "$https if_not_empty"),
    ("GATEWAY_INTERFACE", "CGI/1.1"),
    ("SERVER_SOFTWARE", "nginx/$nginx_version"),
    ("REMOTE_ADDR", "$remote_addr"),
    ("REMOTE_PORT", "$remote_port"),
    ("SERVER_ADDR", "$server_addr"),
    ("SERVER_PORT", "$server_port"),
    ("SERVER_NAME", "$server_name"),
    ("REDIRECT_STATUS", "200"),
)


def _params(
    directive: str, skip: tuple[str, ...] = (), rename: dict[str, str] | None = None
) -> str:
    lines = []
    for name, value in _CGI_VARIABLES:
        if name in skip:
            continue
        if rename and name in rename:
            value = rename[name]
        lines.append(f"{directive} {name} {value};")
    return "\n".join(lines) + "\n"


def _stock_texts() -> dict[str, str]:
    fastcgi = _params("fastcgi_param")
    return {
        "proxy_params": (
            "proxy_set_header Host $http_host;\n"
            "proxy_set_header X-Real-IP $remote_addr;\n"
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "proxy_set_header X-Forwarded-Proto $scheme;\n"
        ),
        "fastcgi_params": fastcgi,
        "fastcgi.conf": "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n"
        + fastcgi,
        "uwsgi_params": _params(
            "uwsgi_param",
            skip=("SCRIPT_NAME", "GATEWAY_INTERFACE", "SERVER_SOFTWARE", "REDIRECT_STATUS"),
        ).replace(
            "uwsgi_param DOCUMENT_ROOT",
            "uwsgi_param PATH_INFO $document_uri;\nuwsgi_param DOCUMENT_ROOT",
        ),
        "scgi_params": "scgi_param SCGI 1;\n"
        + _params(
            "scgi_param",
            skip=("SCRIPT_NAME", "GATEWAY_INTERFACE", "SERVER_SOFTWARE", "DOCUMENT_URI"),
        ),
        "mime.types": (
            "types {\n"
            "    text/html html htm shtml;\n"
            "    text/css css;\n"
            "    text/plain txt;\n"
            "    application/javascript js;\n"
            "    application/json json;\n"
            "    image/png png;\n"
            "    image/svg+xml svg svgz;\n"
            "    application/octet-stream bin exe dll;\n"
            "}\n"
        ),
    }


STOCK_NAMES = frozenset(_stock_texts())


def stock_text(include_path: str) -> str | None:
    """The standard content of a stock file named by an include, or None."""
    name = posixpath.basename(include_path)
    if name not in STOCK_NAMES:
        return None
    return _stock_texts()[name]
