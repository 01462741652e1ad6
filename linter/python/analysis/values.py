"""What an expression holds, followed through names, attributes, calls and returns. (String
and dict literals behind names: ``literals``; what a call of an SDK or HTTP library starts:
``starts``; functions of other modules of the tree: ``remote_calls``.)"""

from __future__ import annotations

import ast
import builtins
from typing import cast

from linter.python import clients as K
from linter.python.analysis.classes import class_method_stream
from linter.python.analysis.flow import argument_value, reached_value
from linter.python.analysis.inferred import METHODS as INFERRED_METHODS
from linter.python.analysis.inferred import inferred_start
from linter.python.analysis.methods import method_stream
from linter.python.analysis.model import (
    _ACTIVE,
    _UNSET,
    ClassInfo,
    FuncRef,
    FunctionInfo,
    GenObj,
    Keyed,
    Stream,
    StreamStart,
    Sym,
    Value,
)
from linter.python.analysis.nodes import _unquote, _walk_function, parameter_default
from linter.python.analysis.starts import LLAMA_INDEX_ROOTS, LLAMA_INDEX_STREAMS, Starts
from linter.python.analysis.typed import annotated_stream
from linter.python.client_classes import INSTRUCTOR_LITELLM, INSTRUCTOR_WRAPPERS, TRACING_WRAPPERS

_MAX_DEPTH = 12  # value resolution through names, attributes and returns


class _Shallow:
    """The cached answer "nothing known" of an expression resolved at ``depth`` while the
    depth limit cut the search short somewhere below it (only as good as that depth)."""

    __slots__ = ("depth",)

    def __init__(self, depth: int) -> None:
        self.depth = depth


_MAX_KEYED = 24  # items of a dict literal looked through for a stream it carries


# Modules a snippet uses by their own name without importing them (nothing else could run).
_SNIPPET_MODULES = frozenset({"requests", "httpx", "aiohttp", "openai", "ollama", "litellm"})


class Values(Starts):
    def value(self, expr: ast.AST | None, depth: int = 0) -> Value | None:
        if expr is None:
            return None
        if depth > _MAX_DEPTH:
            self._cut_short += 1
            return None
        values = self._values
        result = values.get(expr, _UNSET)
        if result is not _UNSET:
            if type(result) is _Shallow:
                # Nothing found last time, with the depth limit reached on the way: asked
                # from nearer the top, the search goes deeper and may find it.
                if depth >= result.depth:
                    return None
            else:
                # Being resolved further up: a cycle of names, which gives nothing.
                return None if result is _ACTIVE else result  # type: ignore[return-value]
        values[expr] = _ACTIVE
        cut = self._cut_short
        try:
            kind = type(expr)  # parsed nodes are of these very classes: no isinstance()
            if kind is ast.Name:
                result = self._name_value(expr, depth)  # type: ignore[arg-type]
            elif kind is ast.Call:
                result = self._call_value(expr, depth)  # type: ignore[arg-type]
            elif kind is ast.Attribute:
                result = self._attribute_value(expr, depth)  # type: ignore[arg-type]
            else:
                result = self._other_value(expr, depth)
        except RecursionError:
            result = None
        except BaseException:
            del values[expr]
            raise
        values[expr] = _Shallow(depth) if result is None and self._cut_short != cut else result
        return result

    def _other_value(self, expr: ast.AST, depth: int) -> Value | None:
        if isinstance(expr, ast.Await):
            return self.value(expr.value, depth + 1)
        if isinstance(expr, ast.Subscript):
            # ``response["stream"]`` of a Bedrock ``converse_stream``: the event stream.
            held = self.value(expr.value, depth + 1)
            if isinstance(held, Stream) and held.role == "envelope" and _stream_key(expr.slice):
                return Stream(held.start, "stream")
            if isinstance(held, Keyed) and isinstance(expr.slice, ast.Constant):
                # ``reply["answer"]`` of ``reply = {"answer": stream, ...}``.
                item = next((v for k, v in held.items if k == expr.slice.value), None)
                if isinstance(item, Stream):
                    return item
                return self.value(item, depth + 1) if item is not None else None
            return None
        if isinstance(expr, ast.Dict):
            return self._keyed(expr, depth)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            for side in (expr.left, expr.right):
                value = self.value(side, depth + 1)
                if isinstance(value, Sym) and value.path.startswith("@lc"):
                    return Sym("@lc")
        if isinstance(expr, ast.NamedExpr):
            return self.value(expr.value, depth + 1)
        return None

    def _keyed(self, expr: ast.Dict, depth: int) -> Keyed | None:
        """A dict literal of string keys (no ``**spread``) one of whose values is a stream to
        iterate, or a generator of the file: carried in it (returned, passed on) and read
        back by key."""
        if len(expr.keys) > _MAX_KEYED or not all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in expr.keys
        ):
            return None
        items = tuple((k.value, v) for k, v in zip(expr.keys, expr.values, strict=True))  # type: ignore[union-attr]
        for _key, item in items:
            held = self.value(item, depth + 1)
            if isinstance(held, GenObj) or (isinstance(held, Stream) and held.role == "stream"):
                return Keyed(items)
        return None

    def _name_value(self, expr: ast.Name, depth: int) -> Value | None:
        found = self._binding(expr.id, self.scope_of.get(expr, self.module), expr)
        if found is None:
            if len(self.star_modules) == 1 and not hasattr(builtins, expr.id):
                # ``from llm import *``, then ``chat_completion(...)``: that module's name.
                module = self.star_modules[0]
                return Sym(f"{module}.{expr.id}" if not module.endswith(".") else module + expr.id)
            if not self.star_modules and expr.id in _SNIPPET_MODULES:
                # A snippet written to be pasted after its imports (a tutorial's cell, a
                # README's example): ``requests.post(...)`` with ``requests`` bound nowhere
                # can only run as that module.
                return Sym(expr.id)
            return None
        _offset, kind, payload, where = found
        value = reached_value(self, expr, found, depth)
        if value is not None:
            return value
        if where.is_module and kind != "import" and expr.id in self.global_writers:
            # ``client = None`` at module level, set in ``init()`` through ``global client``.
            value = self._binding_value(kind, payload, where, expr, depth)
            if value is None:
                for writer in self.global_writers[expr.id]:
                    for _at, other, given, in_writer in (
                        (e[0], e[1], e[2], writer) for e in writer.bindings.get(expr.id, ())
                    ):
                        value = self._binding_value(other, given, in_writer, expr, depth)
                        if value is not None:
                            return value
            return value
        return self._binding_value(kind, payload, where, expr, depth)

    def _binding_value(
        self, kind: str, payload: object, where: FunctionInfo, expr: ast.Name, depth: int
    ) -> Value | None:
        if kind == "import":
            return Sym(str(payload))
        if kind == "expr":
            value = self.value(payload, depth + 1)  # type: ignore[arg-type]
            holder = self.parent(payload)  # type: ignore[arg-type]
            if (
                isinstance(holder, ast.AnnAssign)
                and holder.value is payload
                and (value is None or (isinstance(value, Sym) and not value.path.startswith("@")))
            ):
                # ``llm: Llm = settings.LLM_API``: what the setting holds is not known, the
                # annotation says (an SDK client is one; a class of the tree is the callers').
                return self._annotated_instance(holder.annotation, depth)
            return value
        if kind == "with":
            return self.entered(self.value(payload, depth + 1), depth + 1)  # type: ignore[arg-type]
        if kind == "def":
            return FuncRef(payload)  # type: ignore[arg-type]
        if kind == "class":
            return Sym(f"@local:{payload.name}")  # type: ignore[attr-defined]
        if kind == "item":
            item = cast("tuple[ast.expr, int, int]", payload)
            return self._item_value(item[0], item[1], item[2], depth + 1)
        if kind == "param":
            if payload is not None:
                annotated = self.value(_unquote(payload), depth + 1)  # type: ignore[arg-type]
                if isinstance(annotated, Sym):
                    constructed = self._construct(annotated, None)
                    if constructed is not None:
                        return constructed
                typed = annotated_stream(self, payload, where, expr.id, depth)  # type: ignore[arg-type]
                if typed is not None:
                    return typed
            passed = argument_value(self, where, expr.id, depth)
            if passed is None:
                # ``def __init__(self, url, http_client=requests)``: what runs when no
                # caller of the file passes it is the library its default names.
                default = parameter_default(where.node, expr.id)
                if isinstance(default, (ast.Name, ast.Attribute)):
                    named = self.value(default, depth + 1)
                    if isinstance(named, Sym) and not named.path.startswith("@"):
                        return named
            return passed
        return None

    def _annotated_instance(self, annotation: ast.expr, depth: int) -> Value | None:
        """The instance an annotation of a name bound to something unknown names: an SDK
        client (``client: OpenAI = make()``) is one; another class leaves the value unknown
        (None), for the class's methods to be found by it (``classes.receiver_class``)."""
        annotated = self.value(_unquote(annotation), depth + 1)
        if isinstance(annotated, Sym):
            return self._construct(annotated, None)
        return None

    def _item_value(self, whole: ast.expr, index: int, size: int, depth: int) -> Value | None:
        """Item ``index`` of a value unpacked into ``size`` names: of a tuple literal, or of
        the tuple literals a function of this file returns (``return flag, stream``)."""
        if isinstance(whole, ast.Await):
            whole = whole.value
        candidates: list[ast.expr] = []
        if isinstance(whole, (ast.Tuple, ast.List)):
            candidates.append(whole)
        elif isinstance(whole, ast.Call):
            func = self.value(whole.func, depth + 1)
            if isinstance(func, FuncRef) and not func.fn.is_generator:
                candidates.extend(func.fn.returns)
            elif isinstance(func, Sym) and not func.path.startswith("@"):
                # A function of another module returning ``stream, metadata``.
                return self._remote_stream(whole, func, index, size)
        for candidate in candidates:
            if (
                isinstance(candidate, (ast.Tuple, ast.List))
                and len(candidate.elts) == size
                and not any(isinstance(elt, ast.Starred) for elt in candidate.elts)
            ):
                value = self.value(candidate.elts[index], depth + 1)
                if value is not None:
                    return value
        return None

    def entered(self, value: Value | None, depth: int = 0) -> Value | None:
        """What ``with value as x`` binds ``x`` to (for a ``@contextmanager`` of this file,
        what it yields)."""
        if isinstance(value, Stream):
            if value.role == "manager":
                return Stream(value.start, "response" if value.start.http else "stream")
            return value
        if isinstance(value, GenObj) and depth <= _MAX_DEPTH:
            fn = value.fn
            if any(
                isinstance(d := self.value(decorator, depth + 1), Sym)
                and d.path in ("contextlib.contextmanager", "contextlib.asynccontextmanager")
                for decorator in fn.decorators
            ):
                for node in _walk_function(fn.node):
                    if isinstance(node, ast.Yield) and node.value is not None:
                        yielded = self.value(node.value, depth + 1)
                        if isinstance(yielded, Stream):
                            return yielded
                return None
        return value

    def _attribute_value(self, expr: ast.Attribute, depth: int) -> Value | None:
        base = expr.value
        # Only a name some method takes as ``self`` can be one (most attributes are not).
        if isinstance(base, ast.Name) and base.id in self.self_names:
            scope = self.scope(expr)
            method_scope = scope.method
            if (
                method_scope is not None
                and method_scope.cls is not None
                and base.id == method_scope.self_name
            ):
                return self._self_attribute(method_scope.cls, expr.attr, depth)
        value = self.value(base, depth + 1)
        if isinstance(value, Sym):
            if value.path.startswith("@local:"):
                cls = self.classes.get(value.path[len("@local:") :].rstrip("()"))
                if cls is None:
                    return None
                return self._self_attribute(cls, expr.attr, depth)
            if expr.attr in _PASS_THROUGH_ATTRIBUTES and value.path.startswith("@"):
                return value  # ``client.chat.completions.with_raw_response.create``
            return Sym(f"{value.path}.{expr.attr}", value.ctor)
        if isinstance(value, Stream):
            start = value.start
            if expr.attr == "parse" and value.role == "stream" and not start.http:
                return Stream(start, "method")  # a raw response's ``.parse()``: the stream
            if expr.attr in K.HTTP_ITER_METHODS and value.role in ("response", "stream"):
                return Stream(start, "method")
            if expr.attr == "events" and start.http and value.role == "response":
                return Stream(start, "method")  # an SSE wrapper's ``events()``
            if expr.attr == "content" and start.http == "aiohttp" and value.role == "response":
                return Stream(start, "stream")
            if expr.attr in ("text_stream",) and value.role == "stream":
                return Stream(start, "stream")
            if expr.attr == "response_gen" and start.client is K.LLAMAINDEX:
                return Stream(start, "stream")
            if expr.attr == "async_response_gen" and start.client is K.LLAMAINDEX:
                return Stream(start, "method")
        elif value is None and expr.attr == "response_gen" and self.imports_llama_index:
            return self._llama_index_response(expr)
        return None

    @property
    def imports_llama_index(self) -> bool:
        """The file imports LlamaIndex: its engines are made by calls this file cannot follow
        (``index.as_query_engine(streaming=True)``), so their streams are known by shape."""
        cached = self._imports_llama_index
        if cached is None:
            cached = any(
                kind == "import" and str(payload).split(".", 1)[0] in LLAMA_INDEX_ROOTS
                for scope in self.functions
                for entries in scope.bindings.values()
                for _offset, kind, payload in entries
            )
            self._imports_llama_index = cached
        return cached

    @property
    def imports_streamlit(self) -> bool:
        """The file imports Streamlit (whose ``write_stream`` iterates what it is given)."""
        cached = self._imports_streamlit
        if cached is None:
            cached = any(
                kind == "import" and str(payload).split(".", 1)[0] == "streamlit"
                for scope in self.functions
                for entries in scope.bindings.values()
                for _offset, kind, payload in entries
            )
            self._imports_streamlit = cached
        return cached

    def _llama_index_response(self, expr: ast.Attribute) -> Value | None:
        """``response.response_gen`` in a LlamaIndex file: the streamed answer of the engine
        call that made ``response`` (only a streaming response has ``response_gen``)."""
        origin = self._origin(expr.value)
        if not isinstance(origin, ast.Call):
            return None
        text = " ".join(self.document.text_of(origin.func).split())
        start = StreamStart(origin, K.LLAMAINDEX, f"{text}().response_gen", True, None, None)
        return Stream(start, "stream")

    def _self_attribute(self, cls: ClassInfo, attr: str, depth: int) -> Value | None:
        """A method or ``self.x`` of the class, or of its base classes in this file (the
        class itself first, then its bases in order)."""
        for owner in self._lineage(cls):
            if attr in owner.methods:
                return FuncRef(owner.methods[attr])
            bindings = owner.self_attrs.get(attr, ())
            if len(bindings) > 1:
                # What every instance starts with first (``__init__``'s), then the others,
                # last in the file first (as they were indexed).
                bindings = sorted(bindings, key=lambda b: b[1].name != "__init__")
            for value_expr, _ in bindings:
                value = self.value(value_expr, depth + 1)
                if value is not None:
                    return value
        return None

    def _lineage(self, cls: ClassInfo) -> list[ClassInfo]:
        """The class and its base classes defined in this file, nearest first."""
        found = [cls]
        index = 0
        while index < len(found) and len(found) < 8:
            for base in found[index].node.bases:
                name = base.id if isinstance(base, ast.Name) else None
                parent = self.classes.get(name) if name else None
                if parent is not None and parent not in found:
                    found.append(parent)
            index += 1
        return found

    def _call_value(self, call: ast.Call, depth: int) -> Value | None:
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "get"
            and call.args
            and _stream_key(call.args[0])
        ):
            held = self.value(call.func.value, depth + 1)
            if isinstance(held, Stream) and held.role == "envelope":
                return Stream(held.start, "stream")  # ``response.get("stream")``
        func_path = self._boto3_client(call, depth)
        if func_path:
            return Sym("@bedrock", call)
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in ("enter_context", "enter_async_context")
            and len(call.args) == 1
        ):
            # ``ExitStack().enter_context(cm)`` returns what ``with cm as x`` would bind.
            return self.entered(self.value(call.args[0], depth + 1))
        if (
            isinstance(call.func, ast.Name)
            and call.func.id in ("iter", "aiter")
            and len(call.args) == 1
            and self.lookup(call.func.id, self.scope(call), self.document.start(call)) is None
        ):
            # ``it = iter(stream)`` (then ``next(it)``): the same stream.
            inner = self.value(call.args[0], depth + 1)
            return inner if isinstance(inner, (Stream, GenObj)) else None
        if (
            isinstance(call.func, ast.Attribute)
            and call.func.attr in ("__iter__", "__aiter__")
            and not call.args
        ):
            # ``it = stream.__aiter__()`` (then ``await it.__anext__()``): the same stream.
            inner = self.value(call.func.value, depth + 1)
            if isinstance(inner, (Stream, GenObj)):
                return inner
        func = self.value(call.func, depth + 1)
        if isinstance(func, FuncRef):
            fn = func.fn
            if fn.is_generator:
                return GenObj(fn, call)
            for returned in fn.returns:
                value = self.value(returned, depth + 1)
                if isinstance(value, (Stream, Sym, Keyed)):
                    return value
            return None
        if isinstance(func, Stream):
            if func.role == "method":
                return Stream(func.start, "stream")
            return None
        # (A module client's own function, ``openai.ChatCompletion.create``, is known.)
        unknown = func is None or (
            isinstance(func, Sym)
            and not func.path.startswith("@")
            and func.path.split(".", 1)[0] not in K.MODULE_CLIENTS
        )
        if unknown and isinstance(call.func, ast.Attribute) and call.func.attr in INFERRED_METHODS:
            inferred = inferred_start(self, call, depth)
            if inferred is not None:
                return inferred
        if (
            func is None
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in LLAMA_INDEX_STREAMS
            and self.imports_llama_index
        ):
            # An engine or model this file cannot follow (``index.as_chat_engine()``):
            # ``stream_chat`` and its kin are LlamaIndex's own names.
            guessed = StreamStart(call, K.LLAMAINDEX, f".{call.func.attr}()", True, None, None)
            return Stream(guessed, "stream")
        if func is None and isinstance(call.func, ast.Attribute):
            by_class = class_method_stream(self, call)  # an instance of a class of the tree
            if by_class is not None:
                return by_class
            by_name = method_stream(self, call)  # a generator method of the tree, by name
            if by_name is not None:
                return by_name
        if func is None and isinstance(call.func, ast.Name):
            by_call = class_method_stream(self, call)  # an instance of a class of the tree
            if by_call is not None:
                return by_call
        if func is None:
            for choice in self.choices(call.func):
                # ``fn = deep if thorough else quick``, ``fn(...)``: either function runs,
                # so a stream either one hands out is what the call may give.
                chosen = self.value(choice, depth + 1)
                if isinstance(chosen, Sym) and not chosen.path.startswith("@"):
                    remote = self._remote_stream(call, chosen)
                    if remote is not None:
                        return remote
        if not isinstance(func, Sym):
            return None
        if func.path in _SSE_WRAPPERS and call.args:
            # ``sseclient.SSEClient(response)``: server-sent events parsed from a streamed
            # response (its ``events()`` iterate the body).
            wrapped = self.value(call.args[0], depth + 1)
            if isinstance(wrapped, Stream) and wrapped.role == "response":
                return wrapped
        if (func.path in INSTRUCTOR_WRAPPERS or func.path in TRACING_WRAPPERS) and call.args:
            wrapped = self.value(call.args[0], depth + 1)  # the client it patches, as it is
            return wrapped if isinstance(wrapped, Sym) and wrapped.path.startswith("@") else None
        if func.path in INSTRUCTOR_LITELLM and call.args:
            wrapped = self.value(call.args[0], depth + 1)
            if isinstance(wrapped, Sym) and wrapped.path in (
                "litellm.completion",
                "litellm.acompletion",
            ):
                return Sym("@instructor_litellm", call)
            return None
        head, _, last = func.path.rpartition(".")
        if last in _PASS_THROUGH_CALLS and head.startswith("@"):
            return Sym(head, func.ctor)  # ``client.with_options(timeout=...)``: the same client
        start = self.stream_start(call, func)
        if start is not None:
            return start
        if func.path == "asyncio.to_thread":
            return self.threaded_start(call, depth)
        if not func.path.startswith("@"):
            remote = self._remote_stream(call, func)
            if remote is not None:
                return remote
            aliased = self._aliased_start(call, func)
            if aliased is not None:
                return aliased
        if func.path.startswith("@lc"):
            method = func.path.rsplit(".", 1)[-1]
            if method in ("with_retry",):
                return Sym("@lc-retry")
            if method in (
                "bind",
                "bind_tools",
                "with_config",
                "with_structured_output",
                "with_fallbacks",
            ):
                return Sym("@lc")
            return None
        return self._construct(func, call)

    def imported_roots(self) -> frozenset[str]:
        """The top-level modules the file imports (anywhere in it)."""
        if self._imported_roots is None:
            self._imported_roots = frozenset(
                str(entry[2]).lstrip(".").split(".", 1)[0]
                for info in self.functions
                for entries in info.bindings.values()
                for entry in entries
                if entry[1] == "import"
            )
        return self._imported_roots

    def _origin(self, expr: ast.expr) -> ast.expr | None:
        """Where ``expr`` comes from, through the names it is bound to: the call that made
        it, a parameter's annotation, or None when that cannot be told."""
        for _ in range(_MAX_DEPTH):
            if isinstance(expr, ast.Await):
                expr = expr.value
            elif isinstance(expr, ast.Name):
                found = self.lookup(expr.id, self.scope(expr), self.document.start(expr))
                if found is None or found[0] not in ("expr", "with", "param"):
                    return None
                if found[0] == "param":
                    return found[1] if isinstance(found[1], ast.expr) else None
                expr = found[1]  # type: ignore[assignment]
            elif isinstance(expr, ast.Call):
                return expr
            else:
                return None
        return None


# Attributes and methods of a client that give the same client, or its calls' raw responses:
# ``client.with_options(timeout=...)``, ``client.chat.completions.with_raw_response.create``.
_PASS_THROUGH_ATTRIBUTES = frozenset({"with_raw_response", "with_streaming_response"})
_PASS_THROUGH_CALLS = frozenset({"with_options", "copy", "start_chat"})
# Classes that parse server-sent events out of a streamed response given to them.
_SSE_WRAPPERS = frozenset({"sseclient.SSEClient", "httpx_sse.EventSource"})


def _stream_key(node: ast.AST) -> bool:
    """The key a Bedrock response holds its event stream under."""
    return isinstance(node, ast.Constant) and node.value in ("stream", "body")
