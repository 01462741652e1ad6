"""Where streams are consumed (loops, comprehensions, ``next()``, ``yield from``), and whether a
raw HTTP request carries an LLM or SSE stream."""

from __future__ import annotations

import ast
import re

from linter.python import clients as K
from linter.python.analysis.flow import argument_exprs
from linter.python.analysis.model import Iteration, Stream, StreamStart, Sym
from linter.python.analysis.nodes import _short, _unquote, _walk_function, keyword
from linter.python.analysis.own_routes import OwnRoute, find_route, loopback_path
from linter.python.analysis.values import Values


class Streams(Values):
    @property
    def starts(self) -> list[StreamStart]:
        """Every generation call and streamed HTTP request in the file, in source order."""
        if self._starts is None:
            found = []
            for call in self.calls:
                value = self.value(call)
                if isinstance(value, Stream) and value.start.call is call:
                    found.append(value.start)
            found.sort(key=lambda s: (s.call.lineno, s.call.col_offset))
            self._starts = [s for s in found if not s.origin and (not s.http or self.llm_stream(s))]
        return self._starts

    def llm_stream(self, start: StreamStart) -> bool:
        """Whether a raw HTTP request (``start.http``) carries an LLM or SSE stream, from the
        evidence of this file: the body is read line by line (``iter_lines``, SSE), the loop
        parses ``data:`` events, the URL is a generation or event endpoint, the JSON body has
        generation keys, or the request asks for ``text/event-stream``. An aiohttp response
        counts only when this file iterates its body (otherwise it is read whole). File
        downloads and audio streams have none of these, and are left alone."""
        key = id(start.call)
        cached = self._llm_streams.get(key)
        if cached is None:
            cached = self._llm_stream(start)
            self._llm_streams[key] = cached
        return cached

    def _llm_stream(self, start: StreamStart) -> bool:
        # A loop that leaves on its first line (``async for line in response.content: return
        # json.loads(line)``) reads one reply, as ``response.json()`` does: no stream.
        consumers = [
            it
            for it in self._raw_iterations()
            if it.stream is start and not _first_item_only(it.node)
        ]
        if start.http == "aiohttp" and not consumers:
            return False
        if start.api.startswith(("connect_sse", "aconnect_sse")):
            return True
        if self._http_method(start) in _NOT_GENERATION_METHODS:
            # A PATCH, PUT or DELETE updates or removes something; no API generates an answer
            # through one. Only an event stream read from it says otherwise.
            return any(_parses_events(it.node) for it in consumers)
        for iteration in consumers:
            if self._line_wise(iteration) or _parses_events(iteration.node):
                return True
        call = start.call
        url = self._url_of(start)
        for text in self._strings(url):
            if _GENERATION_PATHS.search(text.split("?", 1)[0]):
                return True
        if self.url_named_llm(start):
            return True
        body = keyword(call, "json")
        if body is None:
            data = keyword(call, "data") or keyword(call, "content")
            if (
                isinstance(data, ast.Call)
                and isinstance(data.func, ast.Attribute)
                and data.func.attr == "dumps"
                and data.args
            ):
                body = data.args[0]
        mapping = self.literal_dict(body)
        if mapping is not None and any(
            isinstance(k, ast.Constant) and k.value in _GENERATION_KEYS for k in mapping.keys
        ):
            return True
        for query in self._dicts(keyword(call, "params")):
            # A generation asked for in the query string (``params={"model": ..., "prompt":
            # ...}``, here or by the calls of the function): both a model and what to answer,
            # as a query has many other keys. (A JSON body passed by the callers is not read:
            # a helper posting every request of an app has generation keys in some.)
            names = {k.value for k in query.keys if isinstance(k, ast.Constant)}
            if "model" in names and names & {"prompt", "messages"}:
                return True
        headers = self.literal_dict(keyword(call, "headers"))
        if headers is not None and any(
            isinstance(v, ast.Constant) and isinstance(v.value, str) and "event-stream" in v.value
            for v in headers.values
        ):
            return True
        route = self.own_route(start)
        if route is not None:
            self.route_evidence[id(call)] = route
        return route is not None

    def _http_method(self, start: StreamStart) -> str:
        """The HTTP method of a raw request, lower case: the method called
        (``session.patch(...)``), or the literal first argument (or ``method=``) of a
        ``stream(...)``/``request(...)`` call; "" when not known."""
        func = start.call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("stream", "request"):
            given = keyword(start.call, "method") or (
                start.call.args[0] if start.call.args else None
            )
            if isinstance(given, ast.Constant) and isinstance(given.value, str):
                return given.value.lower()
            return ""
        return str(name).lower()

    def evidence_words(self, start: StreamStart) -> str:
        """Where a raw HTTP stream known only by its URL is said to be one, in a message's
        words ("" when its evidence is in the request or the loop itself)."""
        named = self.url_named_llm(start)
        if named:
            return f"an LLM stream, by its URL `{named}`"
        if self.llm_stream(start):
            route = self.route_evidence.get(id(start.call))
            if route is not None:
                return (
                    f"an event stream: `{route.path}` is an SSE route of this project's app, "
                    f"{route.file} line {route.line}"
                )
        return ""

    def own_route(self, start: StreamStart) -> OwnRoute | None:
        """The SSE route of the project's own app that a request to a loopback URL reads
        (``requests.get("http://127.0.0.1:8000/chat/", stream=True)`` in a client script),
        if one is (``own_routes``)."""
        project = self.document.project
        if project is None or not start.http:
            return None
        for text in self._strings(self._url_of(start)):
            path = loopback_path(text)
            if path is not None:
                route = find_route(project, path)
                if route is not None:
                    return route
        return None

    def _strings(self, expr: ast.expr | None) -> list[str]:
        """The text of a string expression; for a parameter of the function
        (``def stream_response(url, params)``), the texts every call of it in this file
        passes (those it can read)."""
        text = self.string_of(expr)
        if text is not None:
            return [text]
        return [t for arg in self._passed(expr) if (t := self.string_of(arg)) is not None]

    def _dicts(self, expr: ast.expr | None) -> list[ast.Dict]:
        """The dict literal an expression is, or for a parameter those the calls pass."""
        mapping = self.literal_dict(expr)
        if mapping is not None:
            return [mapping]
        return [m for arg in self._passed(expr) if (m := self.literal_dict(arg)) is not None]

    def _passed(self, expr: ast.expr | None) -> list[ast.expr]:
        """What the calls of the enclosing function pass for the parameter ``expr`` names."""
        if not isinstance(expr, ast.Name):
            return []
        found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
        if found is None or found[0] != "param":
            return []
        function = found[2]
        if len(function.bindings.get(expr.id, ())) != 1:
            return []  # reassigned in the function
        return argument_exprs(self, function, expr.id) or []

    def _url_of(self, start: StreamStart) -> ast.expr | None:
        call = start.call
        url = keyword(call, "url")
        if url is None:
            index = 1 if start.http in ("httpx", "httpx2") and start.api.endswith("stream()") else 0
            if start.http == "aiohttp" or start.api.startswith("session.request"):
                index = 1 if start.api.startswith("session.request") else 0
            url = call.args[index] if len(call.args) > index else None
        return url

    def url_named_llm(self, start: StreamStart) -> str:
        """The URL of a raw HTTP request when its name says it is an LLM's (``LLM_ENDPOINT``,
        ``self.ollama_url``, ``config.INFERENCE_URL``): that name ("" otherwise). A name
        is evidence where the value is not: a constant of another module, a setting."""
        url = self._url_of(start)
        if isinstance(url, ast.Attribute):
            name = url.attr
        elif isinstance(url, ast.Name):
            name = url.id
        else:
            return ""
        words = _WORD.findall(name)
        return name if any(w.lower() in _LLM_WORDS for w in words) else ""

    def _line_wise(self, iteration: Iteration) -> bool:
        """The loop reads the body line by line (SSE and JSON-lines streams do)."""
        expr = getattr(iteration.node, "iter", None)
        if expr is None and isinstance(iteration.node, ast.YieldFrom):
            expr = iteration.node.value
        if expr is None and isinstance(iteration.node, ast.Call):
            expr = self._consumed_iterable(iteration.node)
        if isinstance(expr, ast.Name):
            found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
            if found is not None and found[0] == "expr" and isinstance(found[1], ast.expr):
                expr = found[1]
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            return expr.func.attr in _LINE_METHODS
        # ``async for line in response.content`` (aiohttp) reads lines.
        return isinstance(expr, ast.Attribute) and expr.attr == "content"

    def _consumed_iterable(self, call: ast.Call) -> ast.expr | None:
        """What a consuming call (``next(it)``, ``list(it)``, ``it.__next__()``) reads: its
        iterable, so that ``it = response.iter_lines()`` read by ``next(it)`` in a
        ``while True:`` reader counts as a line-by-line read like a ``for`` loop."""
        kind = self.spelling(call)
        inner = _iterables(call, kind) if kind in _CONSUME else []
        return inner[0] if inner else None

    # -- iterations --------------------------------------------------------------------------

    def stream_of(self, expr: ast.AST) -> StreamStart | None:
        value = self.value(expr)
        if isinstance(value, Stream):
            if value.role == "stream":
                # A generation asked for without streaming is a finished answer: iterating
                # it reads no connection.
                return value.start if value.start.streaming or value.start.http else None
            if value.role == "response" and value.start.http == "requests":
                return value.start  # iterating a requests Response is iter_content(128)
        return None

    @property
    def iterations(self) -> list[Iteration]:
        """Where streams are consumed: not in test code, and raw HTTP only when it is an LLM
        or SSE stream (``llm_stream``)."""
        if self._iterations is None:
            self._iterations = [
                it
                for it in self._raw_iterations()
                if not it.function.is_test and (not it.stream.http or self.llm_stream(it.stream))
            ]
        return self._iterations

    def _raw_iterations(self) -> list[Iteration]:
        if self._all_iterations is None:
            self._all_iterations = self._find_iterations()
        return self._all_iterations

    def _find_iterations(self) -> list[Iteration]:
        doc = self.document
        found: list[Iteration] = []
        for loop in self.loops:
            if isinstance(loop, (ast.For, ast.AsyncFor)):
                start = (
                    self.iterated_stream(loop.iter)
                    or self._foreign_sse(loop)
                    or self._chunk_shaped(loop)
                )
                if start is not None:
                    what = "async for" if isinstance(loop, ast.AsyncFor) else "for"
                    found.append(
                        Iteration(
                            loop, what, start, self.scope(loop), doc.start(loop), doc.end(loop.iter)
                        )
                    )
            elif isinstance(loop, ast.comprehension):
                start = self.iterated_stream(loop.iter)
                if start is not None:
                    owner = self.parent(loop) or loop
                    found.append(
                        Iteration(
                            owner, "comprehension", start, self.scope(owner), *doc.span(loop.iter)
                        )
                    )
        for node in self.yield_froms:
            start = self.iterated_stream(node.value)
            if start is not None:
                found.append(
                    Iteration(node, "yield from", start, self.scope(node), *doc.span(node))
                )
        for call in self._consuming_calls():
            kind = self.spelling(call)
            if kind not in _CONSUME:
                continue
            for inner in _iterables(call, kind):
                start = self.iterated_stream(inner)
                if start is not None:
                    what = _CALL_NAMES.get(kind, f"{kind}()")
                    found.append(Iteration(call, what, start, self.scope(call), *doc.span(call)))
                    break
        found.sort(key=lambda it: it.start)
        return found

    def _consuming_calls(self) -> list[ast.Call]:
        calls: list[ast.Call] = []
        for name in _CONSUME_NAMES:
            calls.extend(self.name_calls.get(name, ()))
        for attr in ("join", "__next__", "__anext__", "deque", "write_stream"):
            calls.extend(self.attr_calls.get(attr, ()))
        return calls

    # -- how a stream is iterated, however it is spelled -------------------------------------

    def spelling(self, call: ast.Call) -> str:
        """What a call does with the iterables it is given: a builtin by its name (when the
        file does not bind that name), "itertools" (any of its functions), "join"
        (``sep.join(it)``), "deque", "__next__"/"__anext__" (``it.__anext__()``); "" else."""
        func = call.func
        if isinstance(func, ast.Name):
            known = func.id in _PASS_ON or func.id in _CONSUME_NAMES
            if known and self.lookup(func.id, self.scope(func), self.document.start(func)) is None:
                return func.id
            return ""
        if isinstance(func, ast.Attribute):
            if func.attr in ("__next__", "__anext__") and not call.args:
                return func.attr
            if func.attr == "write_stream" and call.args and self.imports_streamlit:
                # Streamlit writes each chunk as it iterates (``st.write_stream(stream)``,
                # ``st.chat_message(...).write_stream(stream)``), inside the call: a cut
                # surfaces there, so the call is the loop whose guard counts.
                return "write_stream"
            if func.attr == "join" and len(call.args) == 1 and not call.keywords:
                receiver = func.value
                if isinstance(receiver, ast.Constant) and isinstance(receiver.value, (str, bytes)):
                    return "join"
                return ""
            value = self.value(func)
            if isinstance(value, Sym):
                if value.path.startswith("itertools."):
                    return "itertools"
                if value.path == "collections.deque":
                    return "deque"
        return ""

    def iterated_stream(self, expr: ast.AST, depth: int = 0) -> StreamStart | None:
        """The stream ``expr`` iterates: a stream, or a stream handed through ``enumerate``,
        ``zip``, ``map``, ``filter``, ``iter``/``aiter`` or an ``itertools`` function."""
        start = self.stream_of(expr)
        if start is not None or depth > 3 or not isinstance(expr, ast.Call):
            return start
        kind = self.spelling(expr)
        if kind not in _PASS_ON and kind != "itertools":
            return None
        for inner in _iterables(expr, kind):
            start = self.iterated_stream(inner, depth + 1)
            if start is not None:
                return start
        return None

    def iteration_of(self, call: ast.Call) -> Iteration | None:
        """Where this file consumes the stream ``call`` gives (a function of another module
        that returns one)."""
        return next((it for it in self.iterations if it.stream.call is call), None)

    def _chunk_shaped(self, loop: ast.For | ast.AsyncFor) -> StreamStart | None:
        """``for chunk in response:`` over a parameter the file cannot follow, whose body
        reads ``chunk.choices[0].delta``: only a streamed chat completion's chunks have a
        ``delta`` (OpenAI's and the APIs that copy its shape), so the parameter is such a
        stream, inferred (the message says so). One start per parameter, at the loop's
        iterable."""
        expr, target = loop.iter, loop.target
        if not (isinstance(expr, ast.Name) and isinstance(target, ast.Name)):
            return None
        found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
        if found is None or found[0] != "param" or self.value(expr) is not None:
            return None
        if not any(_reads_delta(node, target.id) for node in _walk_function(loop)):
            return None
        key = (id(found[2]), f"chunks:{expr.id}")
        cached = self._typed_streams.get(key)
        if cached is None:
            call = ast.Call(func=expr, args=[], keywords=[])
            ast.copy_location(call, expr)
            call.end_lineno, call.end_col_offset = expr.end_lineno, expr.end_col_offset
            text = (
                f"the parameter `{expr.id}`, inferred from `{target.id}.choices[0].delta`: an "
                f"OpenAI-style chat stream"
            )
            cached = StreamStart(call, K.OPENAI, text, True, None, None)
            self._typed_streams[key] = cached
        return cached

    def _foreign_sse(self, loop: ast.For | ast.AsyncFor) -> StreamStart | None:
        """``for line in response.iter_lines():`` whose body reads server-sent events
        (``data:`` lines) or Ollama's JSON lines (``json.loads(line)["done"]``) from a
        response this file does not make: a helper of another module sent the request
        (``self.post(...)``, ``http_client.request(..., stream=True)``). A response made here
        by a known library was judged already (without ``stream=True`` its body is read
        whole, and nothing can cut the loop)."""
        expr = loop.iter.value if isinstance(loop.iter, ast.Await) else loop.iter
        if not (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("iter_lines", "aiter_lines")
        ):
            return None
        json_lines = not _reads_sse_data(loop)
        if json_lines and not _reads_json_lines(loop):
            return None
        receiver = expr.func.value
        if self.value(receiver) is not None:
            return None
        origin = self._origin(receiver)
        if isinstance(origin, ast.Call):
            func = self.value(origin.func)
            root = func.path.lstrip("@").split(".", 1)[0] if isinstance(func, Sym) else ""
            if root.split(":", 1)[0] in _KNOWN_LIBRARIES:
                return None  # judged where it is made (no ``stream=True``: read whole)
        client = K.JSON_LINES_RESPONSE if json_lines else K.SSE_RESPONSE
        if isinstance(origin, ast.expr) and not isinstance(origin, ast.Call):
            # A parameter annotated with the response class names its library.
            annotated = self.value(_unquote(origin))
            if isinstance(annotated, Sym):
                client = _RESPONSE_CLASSES.get(annotated.path, client)
        text = " ".join(self.document.text_of(expr.func).split())
        library = "" if client.package else ", from requests or httpx,"
        self.foreign_sse.add(id(expr))
        return StreamStart(expr, client, f"{_short(text)}(){library}", True, None, None)


# Raw HTTP evidence of an LLM or SSE stream (Analysis.llm_stream).
_LINE_METHODS = frozenset(
    {"iter_lines", "aiter_lines", "iter_sse", "aiter_sse", "readline", "events"}
)
# The words of an identifier (``LLM_ENDPOINT``, ``ollamaUrl``), and those that name an LLM.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LLM_WORDS = frozenset(
    {"llm", "llms", "ollama", "vllm", "openai", "completion", "completions", "inference", "tgi"}
)
_GENERATION_PATHS = re.compile(
    r"/(?:chat/completions|completions|responses|messages|generate|chat|predict|infer|sse|events)"
    r"(?:[/?]|$)|generate_stream|chat_stream|stream_chat"
    # An app's own answer endpoint streamed (``/prompt/stream``, ``/ask/stream``).
    r"|/(?:prompts?|chats?|ask|query|questions?|answers?|completions?|generate)/stream(?:[/?]|$)",
    re.IGNORECASE,
)
_GENERATION_KEYS = frozenset(
    {
        "messages",
        "prompt",
        "max_tokens",
        "max_new_tokens",
        "max_completion_tokens",
        "num_predict",
        "stream",
    }
)
_EVENT_MARKERS = ("data:", "[DONE]", "event:")
# Roots of the libraries whose responses the file's own analysis already judges (a receiver
# made by one of them is never a response "made outside this file").
_KNOWN_LIBRARIES = frozenset(
    {
        *K.TRANSPORTS,
        *K.MODULE_CLIENTS,
        *K.STARTERS,
        "urllib3",
        "urllib",
        "http",
        "lc",
        "lc-retry",
        "li",
    }
)


# Response classes a parameter may be annotated with, and their library.
_RESPONSE_CLASSES = {
    "requests.Response": K.REQUESTS,
    "requests.models.Response": K.REQUESTS,
    "httpx.Response": K.HTTPX,
    "httpx2.Response": K.HTTPX2,
}


def _reads_sse_data(loop: ast.AST) -> bool:
    """The loop body looks for server-sent events' ``data:`` lines."""
    for node in _walk_function(loop):
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if "data:" in text:
                return True
    return False


def _reads_json_lines(loop: ast.For | ast.AsyncFor) -> bool:
    """The loop body parses each line as JSON (``json.loads(line)``) and looks for the
    ``"done"`` key that ends Ollama's ``/api/chat`` and ``/api/generate`` streams."""
    target = loop.target.id if isinstance(loop.target, ast.Name) else None
    parses = done = False
    for node in _walk_function(loop):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "loads"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == target
        ):
            parses = True
        elif isinstance(node, ast.Constant) and node.value == "done":
            done = True
    return parses and done


# HTTP methods that no generation API answers (PATCH, PUT, DELETE and the body-less ones).
_NOT_GENERATION_METHODS = frozenset({"patch", "put", "delete", "head", "options"})


def _first_item_only(loop: ast.AST) -> bool:
    """A ``for``/``async for`` whose body always leaves on its first pass: it ends with
    ``return``, ``break`` or ``raise`` and never goes round with ``continue``."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not loop.body:
        return False
    if not isinstance(loop.body[-1], (ast.Return, ast.Break, ast.Raise)):
        return False
    stack: list[ast.AST] = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Continue):
            return False
        if not isinstance(
            node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            stack.extend(ast.iter_child_nodes(node))
    return True


def _parses_events(loop: ast.AST) -> bool:
    """The loop body handles server-sent events (``data:`` lines, ``[DONE]``)."""
    for node in _walk_function(loop):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (str, bytes))
            and any(
                marker
                in (node.value if isinstance(node.value, str) else node.value.decode("latin-1"))
                for marker in _EVENT_MARKERS
            )
        ):
            return True
    return False


# Builtins that hand on the items of what they are given (iterated when they are).
_PASS_ON = frozenset({"enumerate", "zip", "map", "filter", "iter", "aiter"})
# Builtins that iterate what they are given: to the end, or (``next``) one item at a time.
_CONSUME_NAMES = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "sum", "any", "all", "min", "max", "dict"}
    | {"next", "anext"}
)
_CONSUME = _CONSUME_NAMES | {"join", "deque", "__next__", "__anext__", "write_stream"}


# How a message names a consuming call that is not spelled as its kind.
_CALL_NAMES = {"join": "str.join()", "write_stream": "st.write_stream()"}


def _iterables(call: ast.Call, kind: str) -> list[ast.expr]:
    """The arguments of ``call`` that it iterates."""
    if kind in ("__next__", "__anext__"):
        return [call.func.value] if isinstance(call.func, ast.Attribute) else []
    args = [a for a in call.args if not isinstance(a, ast.Starred)]
    if kind in ("map", "filter"):
        return args[1:]
    if kind in ("zip", "itertools"):
        return args
    return args[:1]


def _reads_delta(node: ast.AST, name: str) -> bool:
    """``name.choices[<n>].delta``: a streamed chat completion chunk's delta."""
    if not (isinstance(node, ast.Attribute) and node.attr == "delta"):
        return False
    item = node.value
    if not isinstance(item, ast.Subscript):
        return False
    choices = item.value
    return (
        isinstance(choices, ast.Attribute)
        and choices.attr == "choices"
        and isinstance(choices.value, ast.Name)
        and choices.value.id == name
    )
