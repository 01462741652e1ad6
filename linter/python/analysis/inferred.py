"""A client the file never shows being made, inferred from the call's shape.

``self.client.chat.completions.create(..., stream=True)`` where ``self.client`` comes from
somewhere the analysis cannot follow (a factory, a framework, a settings object): the method
path is distinctive (``chat.completions.create``, ``messages.stream``, ``.astream(...)``), and
the file imports the SDK that has it. Both are needed; a path two SDKs share while the file
imports both is left alone. The start says "inferred" so that every message does too.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from linter.python import clients as K
from linter.python.analysis.imports import read
from linter.python.analysis.model import Stream, StreamStart, Sym
from linter.python.analysis.nodes import keyword

if TYPE_CHECKING:
    from linter.python.analysis.project import Project
    from linter.python.analysis.values import Values

# The SDKs whose method paths are distinctive enough, by the module a file imports them as.
_IMPORTED_AS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "groq": "groq",
    "together": "together",
    "mistralai": "mistral",
    "google": "genai",  # google-genai only (``from google import genai``): see _imports
    "volcenginesdkarkruntime": "ark",
}
_LANGCHAIN_METHODS = frozenset({"astream", "astream_events"})
# The legacy google-generativeai's streaming methods (a model's, a chat session's).
_GENAI_LEGACY_METHODS = frozenset(
    {"generate_content", "generate_content_async", "send_message", "send_message_async"}
)


def _paths() -> dict[str, list[tuple[str, K.Starter]]]:
    """Last method name -> (SDK key, starter) for every starter path of two parts or more."""
    found: dict[str, list[tuple[str, K.Starter]]] = {}
    for key in _IMPORTED_AS.values():
        for starter in K.STARTERS.get(key, ()):
            if "." in starter.path:
                found.setdefault(starter.path.rsplit(".", 1)[-1], []).append((key, starter))
    return found


_BY_METHOD = _paths()
METHODS = frozenset(_BY_METHOD) | _LANGCHAIN_METHODS | _GENAI_LEGACY_METHODS


def inferred_start(analysis: Values, call: ast.Call, depth: int) -> Stream | None:
    """The stream ``call`` starts on a client inferred from its shape and the file's
    imports; None when the receiver is known, or the evidence is not there or ambiguous."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    chain: list[str] = []
    receiver: ast.expr = func
    while isinstance(receiver, ast.Attribute):
        chain.append(receiver.attr)
        receiver = receiver.value
    chain.reverse()  # the attribute names after the receiver's base
    imported = analysis.imported_roots()
    if func.attr in _LANGCHAIN_METHODS:
        base = func.value
        if _known(analysis, base, depth):
            return None
        if any(root.startswith("langchain") for root in imported):
            api = f".{func.attr}() (on a runnable inferred from the call's shape and the file's langchain import)"
        else:
            maker = _chain_maker(analysis, base)
            if not maker:
                return None
            api = (
                f".{func.attr}() (on a runnable inferred from the call's shape; it comes from "
                f"{maker}, which imports langchain)"
            )
        return Stream(StreamStart(call, K.LANGCHAIN, api, True, None, None), "stream")
    if func.attr in _GENAI_LEGACY_METHODS:
        return _genai_legacy_start(analysis, call, func, depth)
    matches = []
    made_in = ""  # the module of the tree the receiver comes from, when that is the evidence
    named = ""  # the receiver, when its name is the evidence (``state.openai_client``)
    for key, starter in _BY_METHOD.get(func.attr, ()):
        parts = starter.path.split(".")
        if len(chain) < len(parts) or chain[-len(parts) :] != parts:
            continue
        module = next(m for m, k in _IMPORTED_AS.items() if k == key)
        if module in imported and _imports(analysis, module):
            matches.append((key, starter, module, len(parts)))
        elif module != "google":
            found_in = _made_in_tree(analysis, func, len(parts), module)
            if found_in:
                made_in = found_in
                matches.append((key, starter, module, len(parts)))
            elif _named_for(func, len(parts), module):
                named = _receiver_text(analysis, func, len(parts))
                matches.append((key, starter, module, len(parts)))
    if matches:
        # ``x.chat.completions.create``: openai's whole path beats anthropic's legacy
        # ``completions.create``, whose client has no ``.chat`` for the longer one to be its.
        longest = max(m[3] for m in matches)
        matches = [m for m in matches if m[3] == longest]
    if len({m[0] for m in matches}) != 1:
        return None  # no evidence, or two SDKs with this path
    key, starter, module, size = max(matches, key=lambda m: m[3])
    base_expr: ast.expr = func
    for _ in range(size):
        assert isinstance(base_expr, ast.Attribute)
        base_expr = base_expr.value
    if _known(analysis, base_expr, depth):
        return None
    found = analysis.stream_start(call, Sym(f"@{key}.{starter.path}"))
    if found is None:
        return None
    start = found.start
    shown = "google.genai" if module == "google" else module
    if module in imported:
        api = f"{start.api} (on a client inferred from the call's shape and the file's {shown} import)"
    elif not made_in:
        api = f"{start.api} (on a client inferred from the call's shape and the name `{named}`)"
    else:
        api = (
            f"{start.api} (on a client inferred from the call's shape; it comes from {made_in}, "
            f"which imports {shown})"
        )
    return _described(call, found, api)


def _genai_legacy_start(
    analysis: Values, call: ast.Call, func: ast.Attribute, depth: int
) -> Stream | None:
    """``chat_session.send_message(prompt, stream=True)`` on a model or chat session imported
    from a module of the tree that imports google-generativeai (``model =
    genai.GenerativeModel(...)`` there, ``model.start_chat()``): the method names are common,
    so a literal ``stream=True`` and that module are both needed. The model's cap is set
    where it is made, out of sight: ``ctor`` stays unknown, so PY002 does not judge it."""
    flag = keyword(call, "stream")
    if not (isinstance(flag, ast.Constant) and flag.value is True):
        return None
    if _known(analysis, func.value, depth):
        return None
    made_in = _made_in_tree(analysis, func, 1, "google.generativeai")
    if not made_in:
        return None
    found = analysis.stream_start(call, Sym(f"@genai_legacy.{func.attr}"))
    if found is None:
        return None
    start = found.start
    api = (
        f"{start.api} (on a model inferred from the call's shape; it comes from {made_in}, "
        f"which imports google.generativeai)"
    )
    return _described(call, found, api)


def _described(call: ast.Call, found: Stream, api: str) -> Stream:
    """The stream ``found`` for ``call``, said with how its client was inferred (``api``); its
    model stays unknown (the constructor is out of sight)."""
    start = found.start
    return Stream(
        StreamStart(call, start.client, api, start.streaming, start.cap, None, http=start.http),
        found.role,
    )


def _named_for(func: ast.Attribute, size: int, module: str) -> bool:
    """The receiver before the method path is named after the SDK (``state.openai_client``,
    ``self.anthropic``): a word of its last name, between underscores, is the SDK's."""
    expr: ast.expr = func
    for _ in range(size):
        if not isinstance(expr, ast.Attribute):
            return False
        expr = expr.value
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
    words = name.lower().split("_")
    return module in words or (module == "mistralai" and "mistral" in words)


def _receiver_text(analysis: Values, func: ast.Attribute, size: int) -> str:
    expr: ast.expr = func
    for _ in range(size):
        expr = expr.value if isinstance(expr, ast.Attribute) else expr
    return " ".join(analysis.document.text_of(expr).split())


_LANGCHAIN_IMPORT = re.compile(rb"^[ \t]*(?:import|from)[ \t]+langchain", re.MULTILINE)


def _chain_maker(analysis: Values, base: ast.expr) -> str:
    """``self.chains.get_chain(...).astream(...)`` in a file that imports no LangChain: the
    receiver is made by a method (``get_chain``) that every module of the tree defining a
    method of that name makes with LangChain (imports it): "get_chain() of <module>"; ""
    when that cannot be shown (the name followed through one binding at most)."""
    project = analysis.document.project
    if project is None:
        return ""
    if isinstance(base, ast.Name):
        found = analysis.lookup(base.id, analysis.scope(base), analysis.document.start(base))
        if found is None or found[0] != "expr" or not isinstance(found[1], ast.expr):
            return ""
        if len(found[2].bindings.get(base.id, ())) != 1:
            return ""
        base = found[1]
    if isinstance(base, ast.Await):
        base = base.value
    if not (isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute)):
        return ""
    name = base.func.attr
    if len(name) < 4 or name.startswith("__"):
        return ""
    defining = project.methods.files_calling(name)[1]
    if not defining or len(defining) > 3:
        return ""
    if not all(_LANGCHAIN_IMPORT.search(read(path)) for path in defining):
        return ""
    return f"{name}() of {project.module_name(defining[0])}"


def _imports(analysis: Values, module: str) -> bool:
    """The file imports the SDK itself: under ``google``, ``google.genai`` (not the older
    ``google.generativeai``, whose calls have other shapes)."""
    if module != "google":
        return True
    return any(
        str(entry[2]).lstrip(".") in ("google.genai", "google.genai.Client")
        or str(entry[2]).startswith("google.genai.")
        for info in analysis.functions
        for entries in info.bindings.values()
        for entry in entries
        if entry[1] == "import"
    )


def _known(analysis: Values, receiver: ast.expr, depth: int) -> bool:
    """The receiver resolves to something the analysis knows (then it was judged as that)."""
    value = analysis.value(receiver, depth + 1)
    return value is not None and not (isinstance(value, Sym) and not value.path.startswith("@"))


def _made_in_tree(analysis: Values, func: ast.Attribute, size: int, module: str) -> str:
    """The receiver of the call is made by a module of the tree that imports ``module``
    (``client = config.initialize_openai()``, ``config = Config()``, ``Config`` imported from
    the project's ``operate.config``, which imports openai): that module's dotted name, or
    "" when the receiver's making cannot be followed to one."""
    project = analysis.document.project
    if project is None:
        return ""
    expr: ast.expr = func
    for _ in range(size):
        if not isinstance(expr, ast.Attribute):
            return ""
        expr = expr.value
    for _ in range(6):  # names, calls and attributes on the way to an import
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Attribute):
            expr = expr.value
        elif isinstance(expr, ast.Name):
            found = analysis.lookup(expr.id, analysis.scope(expr), analysis.document.start(expr))
            if found is None:
                return ""
            kind, payload, scope = found
            if kind == "import":
                return _importing_module(project, analysis.document.path, str(payload), module)
            if kind != "expr" or not isinstance(payload, ast.expr):
                return ""
            if len(scope.bindings.get(expr.id, ())) != 1:
                return ""
            expr = payload
        else:
            return ""
    return ""


def _importing_module(project: Project, importer: str, dotted: str, module: str) -> str:
    """The dotted name of the tree's module ``dotted`` starts with, when it imports
    ``module`` (a line ``import module`` or ``from module ...``); "" else."""
    found = project.resolve(importer, dotted)
    if found is None:
        return ""
    data = read(found[0])
    pattern = rb"^[ \t]*(?:import|from)[ \t]+" + re.escape(module.encode()) + rb"\b"
    if "." in module:
        # ``from google import generativeai as genai`` imports it too.
        parent, _, last = module.rpartition(".")
        pattern += rb"|^[ \t]*from[ \t]+" + re.escape(parent.encode())
        pattern += rb"[ \t]+import[ \t]+\(?[ \t]*" + re.escape(last.encode()) + rb"\b"
    if re.search(pattern, data, re.MULTILINE) is None:
        return ""
    return project.module_name(found[0])
