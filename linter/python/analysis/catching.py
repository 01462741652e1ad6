"""What catches a cut stream in the code around the place it is consumed: which classes an
``except`` clause names and whether they catch what the client raises, which context managers
catch, which retry decorators retry, and which retry loop handlers give up (re-raise once the
attempts are spent, so they guard nothing). ``guards`` asks these on its way up the callers."""

from __future__ import annotations

import ast
import builtins
import re

from linter.python import clients as K
from linter.python.analysis.consumers import Consumers
from linter.python.analysis.model import FuncRef, FunctionInfo, Sym
from linter.python.analysis.nodes import _TRIES, _called_name, _reraises, _walk_function
from linter.python.cut_errors import (
    CATCH_ALL,
    NEVER_CATCH,
    TRANSPORT_LOOKALIKES,
    VERIFIED_NAMESPACES,
    Raised,
)

# What ``handler_class`` names an exception class of the project that no library raises.
PROJECT_ONLY = "@project-exception"


def _plain_builtin_exception(name: str) -> bool:
    """A builtin exception class that a transport error is not an instance of (so a class
    deriving only from such ones never catches one): Exception, ValueError, RuntimeError...,
    not OSError and its kin."""
    found = getattr(builtins, name, None)
    return (
        isinstance(found, type)
        and issubclass(found, BaseException)
        and not issubclass(found, OSError)
        and name not in TRANSPORT_LOOKALIKES
    )


class Catching(Consumers):
    def version(
        self, client: K.Client, settings_pins: dict[str, tuple[int, ...]]
    ) -> tuple[tuple[int, ...] | None, str]:
        """The client's package version and where it comes from ("" when unknown)."""
        if client.package in settings_pins:
            return settings_pins[client.package], "python-target setting"
        pin = self.document.pins.get(client.package)
        if pin is not None:
            return pin.version, pin.source
        return None, ""

    def handler_class(self, expr: ast.expr | None) -> list[str]:
        """Dotted names an ``except`` clause names ("" for something unresolvable)."""
        if expr is None:
            return ["BaseException"]
        items = expr.elts if isinstance(expr, ast.Tuple) else [expr]
        names = []
        for item in items:
            value = self.value(item)
            if isinstance(value, Sym) and not value.path.startswith("@"):
                names.append(self._tree_exception(value.path))
            elif isinstance(value, Sym) and value.path.startswith("@local:"):
                names.append(self._project_exception(value.path[len("@local:") :]))
            elif (
                isinstance(item, ast.Name)
                and self.lookup(item.id, self.scope(item), self.document.start(item)) is None
            ):
                names.append(item.id)  # a builtin
            else:
                names.append("")
        return names

    def _tree_exception(self, path: str) -> str:
        """A class named through an import: one of another module of the tree
        (``errors.AppError`` with ``from . import errors``) is resolved through its bases
        there (``_project_exception``); any other keeps its dotted name.

        Only in the file being checked: a loop guarded by such a handler is reported at that
        loop, by its own file. Judged from another module (a provider's generator asking how
        its consumers guard it), the class keeps the benefit of the doubt, so the provider's
        loop is never blamed for a handler its consumer got wrong."""
        project = self.document.project
        if project is None or project.unit_path != self.document.path:
            return path
        found = project.exception_kind(self.document.path, path)
        return path if found is None else found

    def _project_exception(self, name: str) -> str:
        """An exception class of this file, resolved through its bases: one whose every base
        (its own classes' too) is a builtin exception outside the transport family
        (``class QuotaError(Exception)``) is the project's own, which a library never raises:
        ``PROJECT_ONLY``. Any other base (``httpx.HTTPError``, ``OSError``, one this file
        cannot resolve) may make it a class the project raises for a transport error: ""."""
        cls = self.classes.get(name)
        if cls is None:
            return ""
        seen = {name}
        pending = [cls]
        while pending:
            current = pending.pop()
            if current.node.keywords:
                return ""  # a metaclass or other class keywords: not followed
            for base in current.node.bases:
                value = self.value(base)
                if isinstance(value, Sym) and value.path.startswith("@local:"):
                    local = value.path[len("@local:") :]
                    inner = self.classes.get(local)
                    if inner is None or len(seen) > 8:
                        return ""
                    if local not in seen:
                        seen.add(local)
                        pending.append(inner)
                    continue
                if not (
                    isinstance(base, ast.Name)
                    and value is None
                    and self.lookup(base.id, self.scope(base), self.document.start(base)) is None
                    and _plain_builtin_exception(base.id)
                ):
                    return ""
        return PROJECT_ONLY

    def catches(self, names: list[str], client: K.Client, raised: tuple[Raised, ...]) -> str:
        """ "yes" when one of the classes catches what ``raised`` lists, "no" when none can,
        "maybe" when one is unknown (unresolvable, local, or an unverified client's own)."""
        verdict = "no"
        for name in names:
            if not name:
                verdict = "maybe"
                continue
            if name == PROJECT_ONLY:
                if any(r.translated for r in raised):
                    return "yes"  # may be (a base of) the class the stream's error became
                continue  # the project's own class: no library raises it
            if name in CATCH_ALL or any(name in r.catchable_as for r in raised):
                return "yes"
            if any(r.translated and name.rsplit(".", 1)[-1] in r.catchable_as for r in raised):
                return "yes"
            if name in NEVER_CATCH or name in TRANSPORT_LOOKALIKES:
                continue
            root = name.split(".", 1)[0]
            if not client.verified and any(
                name == ns or name.startswith(ns + ".") for ns in client.namespaces
            ):
                verdict = "maybe"
                continue
            if root in VERIFIED_NAMESPACES:
                continue
            verdict = "maybe"
        return verdict

    def _except_text(self, handler: ast.ExceptHandler) -> str:
        if handler.type is None:
            return "except:"
        return "except " + " ".join(self.document.text_of(handler.type).split())

    def _retried(self, function: FunctionInfo) -> ast.expr | None:
        """A retry decorator on a plain function retries what the function does; on a
        generator it retries nothing (PY004)."""
        if function.is_generator:
            return None
        return next((d for d in function.decorators if self.retry_decorator(d)), None)

    def retry_decorator(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        value = self.value(target)
        return isinstance(value, Sym) and value.path in K.RETRY_DECORATORS

    def _catching_context(
        self, expr: ast.expr, client: K.Client, raised: tuple[Raised, ...]
    ) -> bool:
        """``with contextlib.suppress(...)`` naming a catching class, a ``@contextmanager``
        of this file whose ``yield`` sits in a ``try`` that catches and does not re-raise, or
        a context manager from elsewhere whose name says it handles errors."""
        if not isinstance(expr, ast.Call):
            return False
        func = self.value(expr.func)
        if isinstance(func, Sym) and func.path in ("contextlib.suppress",):
            names = [n for arg in expr.args for n in self.handler_class(arg)]
            return self.catches(names, client, raised) == "yes"
        if (
            not isinstance(func, FuncRef)
            and _GUARD_NAME.search(_called_name(expr.func))
            and not (isinstance(func, Sym) and func.path in _NOT_GUARDS)
        ):
            # A context manager this file does not define, named for what it does with
            # errors (``with stream_guard(...)``, ``with handle_errors()``): it may well
            # catch, and this file cannot tell, so it gets the benefit of the doubt.
            return True
        if isinstance(func, FuncRef):
            fn = func.fn
            if not any(
                isinstance(v := self.value(d), Sym)
                and v.path in ("contextlib.contextmanager", "contextlib.asynccontextmanager")
                for d in fn.decorators
            ):
                return False
            for node in _walk_function(fn.node):
                if isinstance(node, (ast.Yield,)):
                    for ancestor, child in self.ancestors(node):
                        if ancestor is fn.node:
                            break
                        if isinstance(ancestor, ast.Try) and child in ancestor.body:
                            for handler in ancestor.handlers:
                                names = self.handler_class(handler.type)
                                if self.catches(names, client, raised) == "yes" and not _reraises(
                                    handler
                                ):
                                    return True
        return False

    def gives_up_around(
        self, node: ast.AST, client: K.Client, raised: tuple[Raised, ...]
    ) -> ast.ExceptHandler | None:
        """The handler of a ``try`` around ``node`` in its function that retries and then
        re-raises once the attempts are spent (see ``_gives_up``), if there is one."""
        for ancestor, child in self.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                break
            if isinstance(ancestor, _TRIES) and child in ancestor.body:
                for handler in ancestor.handlers:
                    caught = self.catches(self.handler_class(handler.type), client, raised)
                    if caught != "no" and self._gives_up(ancestor, handler):
                        return handler
        return None

    def _gives_up(self, try_node: ast.AST, handler: ast.ExceptHandler) -> bool:
        """A retry loop's handler that re-raises once the attempts are spent (``if attempt
        >= retries: raise e``): the caller still gets the error, so it guards nothing. Only
        inside a loop of the function, when the condition compares the attempt counter (the
        loop's target, or a name the handler increments) and is not about the error itself
        (``if isinstance(e, KeyboardInterrupt): raise`` lets a cut through)."""
        caught = handler.name
        for statement in handler.body:
            if not (isinstance(statement, ast.If) and statement.body):
                continue
            last = statement.body[-1]
            if not isinstance(last, ast.Raise):
                continue
            if not (
                last.exc is None
                or (isinstance(last.exc, ast.Name) and caught is not None and last.exc.id == caught)
            ):
                continue
            if caught is not None and any(
                isinstance(n, ast.Name) and n.id == caught for n in ast.walk(statement.test)
            ):
                continue
            if not isinstance(statement.test, ast.Compare):
                continue  # ``if has_yielded: raise``: not about the attempts
            tested = {n.id for n in ast.walk(statement.test) if isinstance(n, ast.Name)}
            counters = {
                n.target.id
                for n in ast.walk(handler)
                if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
            }
            for ancestor, _child in self.ancestors(try_node):
                if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    break
                if isinstance(ancestor, (ast.For, ast.AsyncFor)) and isinstance(
                    ancestor.target, ast.Name
                ):
                    counters.add(ancestor.target.id)  # ``for attempt in range(n)``
                if isinstance(ancestor, (ast.While, ast.For, ast.AsyncFor)) and tested & counters:
                    return True
        return False


# Context managers whose names sound like guards but that catch nothing.
_NOT_GUARDS = frozenset({"warnings.catch_warnings"})
# Names of context managers that say they deal with errors (see ``_catching_context``).
_GUARD_NAME = re.compile(
    r"guard|suppress|catch|handl|error|except|ignore|rescue|recover", re.IGNORECASE
)
