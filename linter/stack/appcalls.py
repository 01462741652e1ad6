"""How long an app waits on its own LLM calls: the LLM SDK clients its modules build
(``OpenAI(...)``, ``Anthropic(...)``) and the ``litellm.completion`` calls they make, each with
its read timeout (given, followed through the module as ``pyvalues`` does, or the SDK's
default: KNOWLEDGE.md section 3). A proxy in front that reads for less gives up before the
app's call can answer, whether the route streams or not.

Read where the server kind walks an app's modules (linter/server/apps.py), from the tree it
has parsed already; a module that names none of the constructors is passed over by a text
search. Plain records only: they cross process boundaries with the launch's facts.
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING

from linter.source import SourceText
from linter.stack.model import Limit

if TYPE_CHECKING:
    from linter.stack.pyvalues import Module

# Constructor or function -> (library, the owner it must be called on ("" for a bare name),
# default read timeout, how said).
_SDK: dict[str, tuple[str, tuple[str, ...], float, str]] = {
    "OpenAI": ("openai", ("", "openai"), 600.0, "openai's default timeout 600s"),
    "AsyncOpenAI": ("openai", ("", "openai"), 600.0, "openai's default timeout 600s"),
    "Anthropic": ("anthropic", ("", "anthropic"), 600.0, "anthropic's default timeout 600s"),
    "AsyncAnthropic": ("anthropic", ("", "anthropic"), 600.0, "anthropic's default timeout 600s"),
    "completion": ("litellm", ("litellm",), 600.0, "litellm completion()'s default 600s"),
    "acompletion": ("litellm", ("litellm",), 600.0, "litellm completion()'s default 600s"),
}
_WORDS = re.compile(
    r"\b(?:Async)?(?:OpenAI|Anthropic)\(|\blitellm\.a?completion\(|/(?:chat/)?completions\b"
    r"|\bopenai\.(?:chat\.)?completions\.create\("
    r"|/api/(?:generate|chat)\b"
)
# Ollama's own generation endpoints, on a URL that names Ollama (its host or its port): an
# app's `/api/chat` of its own is not a model call.
_OLLAMA_ENDPOINT = re.compile(r"(?i)^(?=.*(?:ollama|:11434\b)).*/api/(?:generate|chat)/?$")
# A request method that may carry its own timeout, overriding the client's.
_REQUESTS = frozenset({"create", "stream", "parse"})
_POSTS = frozenset({"post", "stream", "request"})


def names_sdk(text: str) -> bool:
    return _WORDS.search(text) is not None


def waits(tree: ast.Module, source: SourceText) -> list[Limit]:
    """The read timeout of each LLM call the module makes: one per SDK client it builds (or
    ``litellm.completion`` call), and one per request that sets its own ``timeout=``. A value
    that cannot be read is an unknown limit (the caller then knows nothing for sure)."""
    from linter.stack.clients import _COMPLETION, _name, _read, _request, _where, client_post
    from linter.stack.pyvalues import Module

    if not names_sdk(source.text):
        return []
    shown = os.path.basename(source.path)
    module = Module(tree, shown, source.path)
    found: list[Limit] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name, owner = _name(node.func)
        known = _SDK.get(name)
        if known is not None and owner in known[1]:
            library, _, default, said = known
            said = f"{library} client at {shown}:{node.lineno}: {said}"
            read, timeout_node = _read(node, default, said, module)
            read = _unless_environment(read, timeout_node, module)
            place = _where(source, timeout_node if timeout_node is not None else node)
            found.append(
                Limit(
                    read.seconds,
                    f"{library} read timeout {_seconds(read)}",
                    read.origin,
                    place,
                    read.none,
                )
            )
        elif name in _POSTS and (
            (posted := _request(node, module)) is not None
            or (posted := _request(node, module, _OLLAMA_ENDPOINT)) is not None
        ):
            # A raw POST to a completion endpoint: its own timeout, else the library's
            # default where the module is the library itself (``requests.post``: none).
            library, _, post_default, said = posted
            read, timeout_node = _read(
                node, post_default, f"{library} POST at {shown}:{node.lineno}: {said}", module
            )
            read = _unless_environment(read, timeout_node, module)
            found.append(
                Limit(
                    read.seconds,
                    f"{library} read timeout {_seconds(read)}",
                    read.origin,
                    _where(source, timeout_node if timeout_node is not None else node),
                    read.none,
                )
            )
        elif name in _POSTS and (
            (made := client_post(node, module, _COMPLETION)) is not None
            or (made := client_post(node, module, _OLLAMA_ENDPOINT)) is not None
        ):
            # A POST on an httpx client the function builds: the client's timeout (httpx's
            # default 5 s when it sets none).
            client = made[1]
            read, timeout_node = _read(
                client,
                5.0,
                f"httpx client at {shown}:{client.lineno}: httpx's default 5s read timeout",
                module,
            )
            read = _unless_environment(read, timeout_node, module)
            found.append(
                Limit(
                    read.seconds,
                    "httpx: no read timeout"
                    if read.none
                    else f"httpx read timeout {_seconds(read)}",
                    read.origin,
                    _where(source, timeout_node if timeout_node is not None else client),
                    read.none,
                )
            )
        elif (name in _REQUESTS and isinstance(node.func, ast.Attribute)) or name == "with_options":
            given = next((k.value for k in node.keywords if k.arg == "timeout"), None)
            func = node.func
            if given is None and name == "create" and _module_client(func, module):
                found.append(_module_default(node, source, shown))
                continue
            if given is None or (name != "with_options" and not _completions(func)):
                continue
            read, _ = _read(node, None, "", module)
            read = _unless_environment(read, given, module)
            found.append(
                Limit(
                    read.seconds,
                    f"request timeout {_seconds(read)}",
                    read.origin if read.origin else f"set at {shown}:{given.lineno}",
                    _where(source, given),
                    read.none,
                )
            )
    return found


def _module_client(func: ast.expr, module: Module) -> bool:
    """``openai.chat.completions.create(...)`` on the module itself (openai 1.x builds its
    client on first use: the SDK's defaults apply), ``openai`` being the imported module."""
    if not _completions(func):
        return False
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    return (
        isinstance(root, ast.Name)
        and root.id == "openai"
        and any(
            isinstance(stmt, ast.Import)
            and any(alias.name == "openai" and alias.asname is None for alias in stmt.names)
            for stmt in module.tree.body
        )
    )


def _module_default(node: ast.Call, source: SourceText, shown: str) -> Limit:
    from linter.stack.clients import _where

    # `openai.timeout = ...` changes the module client's timeout: not followed, unknown then.
    if re.search(r"\bopenai\.timeout\s*=", source.text):
        return Limit(None, "read timeout", f"`openai.timeout` is set in {shown}")
    return Limit(
        600.0,
        "openai read timeout 600s",
        f"openai module client at {shown}:{node.lineno}: openai's default timeout 600s",
        _where(source, node),
    )


def _unless_environment(read: Limit, node: ast.expr | None, module: Module) -> Limit:
    """A timeout read from an environment variable is the launch's to set (a compose
    ``environment:``, a Deployment's ``env``): unknown here, not the code's default."""
    if node is None or read.seconds is None:
        return read
    origin = module.resolve(node)
    if origin.env is None:
        return read
    return Limit(None, "read timeout", f"from ${origin.env}, which the launch may set")


def _seconds(limit: Limit) -> str:
    return f"{limit.seconds:g}s" if limit.seconds is not None else "(unknown)"


def _completions(func: ast.expr) -> bool:
    """``….completions.create``, ``….messages.create``, ``….responses.create`` and the like."""
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    return isinstance(owner, ast.Attribute) and owner.attr in (
        "completions",
        "messages",
        "responses",
    )


def shortest(limits: list[Limit]) -> Limit | None:
    """The shortest wait of an app's LLM calls, when every one is known (an unknown one may
    be shorter: then nothing is said); a call with no timeout at all does not shorten it."""
    if not limits or any(limit.seconds is None and not limit.none for limit in limits):
        return None
    timed = [limit for limit in limits if limit.seconds is not None]
    if not timed:
        return None
    return min(timed, key=lambda limit: limit.seconds or 0.0)
