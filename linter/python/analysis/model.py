"""The values the analysis gives an expression (a symbol, a stream, a function of the file,
a generator object), the scopes and classes of a file, and what it finds: where a stream is
consumed and how that place is guarded."""

from __future__ import annotations

import ast
import weakref

from linter.python import clients as K
from linter.python.cap_keywords import Cap
from linter.record import record

# --- values -------------------------------------------------------------------------------------


@record
class Sym:
    """A static thing: a module, class or function by dotted path (``openai.OpenAI``), or an
    instance (``@openai`` is a constructed OpenAI client, ``@local:Name`` a local class's)."""

    path: str
    ctor: ast.Call | None = None  # the constructor call, for instances; not compared

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sym) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)


@record(eq=False)
class StreamStart:
    """A call that starts a generation (streamed or not) or a streamed HTTP request."""

    call: ast.Call
    client: K.Client
    api: str  # how the message names it, e.g. "chat.completions.create(stream=True)"
    streaming: bool
    cap: Cap | None
    ctor: ast.Call | None  # the client's constructor call, when seen
    http: str = ""  # "requests", "httpx", "aiohttp" for raw HTTP
    # A stream handed out by a function of another module (``module.function``): ``call``
    # is the call of that function here; the generation call is there.
    origin: str = ""
    # ``streaming`` because the flag may be true (``stream=stream``, a parameter): "maybe".
    maybe: bool = False
    # Called through a name of another module bound to the SDK function (the evidence).
    alias: str = ""
    # Handed out by a generator (``origin``) whose handler raises this class instead of the
    # cut (``raise LLMError(...)``): what a consumer's handler must catch.
    translated: tuple[str, ...] = ()


@record
class Stream:
    """A value made from a StreamStart. ``role``: "stream" (iterate it), "manager" (``with
    ... as s`` gives the stream), "response" (an HTTP response; its ``iter_*`` methods
    stream), "method" (a bound ``iter_*`` method: call it to get the stream)."""

    start: StreamStart
    role: str


@record
class FuncRef:
    fn: FunctionInfo


@record
class GenObj:
    """What calling a generator function of this file returns."""

    fn: FunctionInfo
    call: ast.Call


@record(eq=False)
class Keyed:
    """A dict literal with a stream among its values (``{"answer": stream, "sources": s}``):
    ``reply["answer"]`` is that stream again. Items by their literal string keys."""

    # An item is the expression written there, or (a dict another module's function
    # returns) the stream it is known to hold.
    items: tuple[tuple[str, ast.expr | Stream], ...]


Value = Sym | Stream | FuncRef | GenObj | Keyed


class ClassInfo:
    """A class of the file: its methods and the ``self.x = value`` assignments in them."""

    __slots__ = ("__weakref__", "methods", "name", "node", "self_attrs")

    def __init__(self, node: ast.ClassDef, name: str) -> None:
        self.node = node
        self.name = name
        # ``self.x = value`` in any method: x -> [(value, scope)]
        self.self_attrs: dict[str, list[tuple[ast.expr, FunctionInfo]]] = {}
        self.methods: dict[str, FunctionInfo] = {}


class FunctionInfo:
    """A scope of the file (a function, a lambda, or the module) and the names bound in it.

    ``parent`` and ``cls`` point back up (a scope binds its functions, a class holds its
    methods) through weak references: an analysis makes no reference cycle, so a file's tree
    is freed as soon as the run is done with it, not by the cyclic garbage collector walking
    every node of it (a third of a millisecond per file). The Analysis holds them all."""

    __slots__ = (
        "__weakref__",
        "_cls",
        "_parent",
        "bindings",
        "decorators",
        "is_generator",
        "is_test",
        "name",
        "node",
        "returns",
        "self_name",
    )

    def __init__(
        self,
        node: ast.AST,  # FunctionDef, AsyncFunctionDef, Lambda, or the Module
        name: str,
        parent: FunctionInfo | None,
        cls: ClassInfo | None = None,
    ) -> None:
        self.node = node
        self.name = name
        self._parent = None if parent is None else weakref.ref(parent)
        self._cls = None if cls is None else weakref.ref(cls)
        self.is_generator = False
        # Test code (a pytest test, fixture or test class method in a test module, or code
        # nested in one): streams there run against mocks, and no user reads them.
        self.is_test: bool = parent.is_test if parent is not None else False
        # name -> [(offset, kind, payload)]
        self.bindings: dict[str, list[tuple[int, str, object]]] = {}
        self.self_name: str | None = None
        self.decorators: list[ast.expr] = []
        self.returns: list[ast.expr] = []

    @property
    def parent(self) -> FunctionInfo | None:
        return None if self._parent is None else self._parent()

    @property
    def cls(self) -> ClassInfo | None:
        return None if self._cls is None else self._cls()

    @property
    def is_module(self) -> bool:
        return isinstance(self.node, ast.Module)

    @property
    def method(self) -> FunctionInfo | None:
        """The method this scope is, or is nested in (None at module level)."""
        current: FunctionInfo | None = self
        while current is not None and not current.is_module:
            if current.cls is not None:
                return current
            current = current.parent
        return None

    def bind(self, name: str, offset: int, kind: str, payload: object) -> None:
        # The walk is not in source order: the index sorts every list once when it is done
        # (sorting here, on each bind, made 100,000 assignments to one name take minutes).
        self.bindings.setdefault(name, []).append((offset, kind, payload))


_UNSET = object()  # not resolved yet (None is a value: nothing known)
_ACTIVE = object()  # being resolved


def _offset_of(entry: tuple[int, str, object]) -> int:
    return entry[0]


@record
class Iteration:
    """A place where a stream is consumed: a ``for``/``async for`` loop, a comprehension,
    ``next()``/``anext()``, or ``yield from``."""

    node: ast.AST  # the For/AsyncFor, the comprehension's iter expression, the call, the YieldFrom
    what: str  # "for", "async for", "comprehension", "next()", "yield from"
    stream: StreamStart
    function: FunctionInfo
    start: int  # the span to report (the loop header)
    end: int


# A consumer loop of a generator: (the loop node, the relays between, innermost first, why).
Consumer = tuple[ast.AST, tuple[str, ...], str]


@record
class Verdict:
    """How an iteration is guarded: ``guarded`` by something that catches a cut stream;
    otherwise ``missed`` holds the handlers around it that cannot, and ``why`` says where
    the search ended (for the message)."""

    guarded: bool
    missed: tuple[ast.ExceptHandler, ...] = ()
    why: str = ""
    guard: str = ""  # what guards it, in words (for the audit)
    line: int = 0  # where the guard (or, unguarded, the search's end) is
    # Unguarded, and reported elsewhere: the file of another module whose loop consumes
    # the stream unguarded (that loop gets the finding).
    elsewhere: str = ""
    # Not known: the callers up the chain could not be followed (a method name too common
    # to find its calls by, callers of a method several classes define that disagree).
    # Nothing unguarded was found, so nothing is reported.
    unknown: bool = False
    # Unguarded, and consumed in this file: the outermost loops (or ``yield from``, draining
    # calls) of this file that really iterate the generator unguarded, past the relays that
    # only hand its chunks on; each with those relays' names and why it is unguarded.
    consumers: tuple[Consumer, ...] = ()
    # Unguarded because it is handed (maybe through returns) to a framework's call, which
    # iterates it: no loop of the tree consumes it.
    handed: bool = False
    # Guarded where another module's function iterates it (``to_sse(gen())``): the call
    # here is its consumer, though no loop of this file runs it.
    read_there: bool = False
    # Unguarded in a generator whose handler raises another exception instead of the cut
    # (``except Exception: raise LLMError(...)``): that class, for its callers' handlers.
    translated: tuple[str, ...] = ()


# --- the analysis ---------------------------------------------------------------------------------
