"""A Django project as an app server sees it: the modules a WSGI/ASGI entry module reaches
through Django's own strings rather than imports (``DJANGO_SETTINGS_MODULE``, the settings'
``ROOT_URLCONF``, ``include("app.urls")``), and the ``StreamingHttpResponse`` calls that say the
app streams.

gunicorn runs ``project.wsgi``, which imports nothing of the app: Django loads the settings
module the environment names, then the URL conf the settings name, then the views the URL conf
imports. Read without running anything: only string constants written in those places count."""

from __future__ import annotations

import ast

# Django's streaming response, by the modules that export it.
DJANGO_STREAMING = "StreamingHttpResponse"
DJANGO_HTTP = frozenset({"django.http", "django.http.response"})


def django_modules(tree: ast.Module, text: str) -> list[str]:
    """The dotted modules this module hands to Django by name: the settings module its
    ``DJANGO_SETTINGS_MODULE`` default names (``os.environ.setdefault(...)`` or an assignment
    to ``os.environ[...]``), ``ROOT_URLCONF``, and the URL confs ``include(...)`` names."""
    if not any(w in text for w in ("DJANGO_SETTINGS_MODULE", "ROOT_URLCONF", "include(")):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "setdefault" and len(node.args) == 2 and _is(node.args[0], _SETTINGS):
                found.extend(_dotted(node.args[1]))
            elif name == "include" and node.args and "urlpatterns" in text:
                first = node.args[0]
                # include(("app.urls", "namespace")) names the module first.
                if isinstance(first, ast.Tuple) and first.elts:
                    first = first.elts[0]
                found.extend(_dotted(first))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (isinstance(target, ast.Name) and target.id == "ROOT_URLCONF") or (
                isinstance(target, ast.Subscript) and _is(target.slice, _SETTINGS)
            ):
                found.extend(_dotted(node.value))
    return list(dict.fromkeys(found))


_SETTINGS = "DJANGO_SETTINGS_MODULE"


def _is(node: ast.expr, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def _dotted(node: ast.expr) -> list[str]:
    """A string constant that is a dotted module name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = node.value.split(".")
        if parts and all(part.isidentifier() for part in parts):
            return [node.value]
    return []


# What a Django streaming response must be to count as a stream of an answer: a media type
# that streams by nature, or text (not a CSV export) whose body a generator function of the
# module yields.
def streamed_django_media(media: str | None, body_is_generator: bool) -> bool:
    if media in ("text/event-stream", "application/x-ndjson"):
        return True
    if media is None or not body_is_generator:
        return False
    return media.startswith("text/") and media != "text/csv"
