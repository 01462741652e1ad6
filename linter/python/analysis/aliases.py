"""A module global of another module of the tree that is an SDK function under another name:
``create = openai.ChatCompletion.create``, or the SDK function handed through a wrapper of
that module which forwards every argument (``chat = retry_on_limit(openai.ChatCompletion.
create)``, where ``retry_on_limit(func)`` returns an inner function calling ``func(*args,
**kwargs)``). A call of the name is then a call of the SDK function, with its arguments."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from linter.python.analysis.model import FuncRef, FunctionInfo, Sym

if TYPE_CHECKING:
    from linter.python.analysis.values import Values


def remote_alias(analysis: Values, func: Sym) -> tuple[str, str] | None:
    """(the SDK function's path, how the name is bound to it, for the message), or None."""
    project = analysis.document.project
    if project is None or func.path.startswith("@"):
        return None
    found = project.resolve(analysis.document.path, func.path)
    if found is None or len(found[1]) != 1:
        return None
    path, (name,) = found
    if not project._names_client(path):
        return None  # a module naming no SDK binds none of its functions (nothing parsed)
    with project._analysis(path) as other:
        if other is None:
            return None
        bindings = other.module.bindings.get(name, ())
        if len(bindings) != 1 or bindings[0][1] != "expr":
            return None
        bound = bindings[0][2]
        target: object = bound
        through = ""
        if isinstance(bound, ast.Call):
            wrapper = other.value(bound.func)
            if not (
                isinstance(wrapper, FuncRef)
                and bound.args
                and not any(isinstance(a, ast.Starred) for a in bound.args)
                and _forwards(wrapper.fn)
            ):
                return None
            target = bound.args[0]
            through = f" through {wrapper.fn.name}(), which forwards every argument"
        if not isinstance(target, (ast.Attribute, ast.Name)):
            return None
        sdk = other.value(target)
        if not isinstance(sdk, Sym) or sdk.path.startswith("@"):
            return None
        module = project.module_name(path)
        line = bound.lineno if isinstance(bound, ast.expr) else 0
        how = f"`{name}` of {module} (line {line}) is {sdk.path}{through}"
        return sdk.path, how


def _forwards(fn: FunctionInfo) -> bool:
    """``def wrap(func, ...)`` returning an inner function that calls ``func(*args,
    **kwargs)`` with its own ``*args``/``**kwargs`` (a decorator applied by hand)."""
    node = fn.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(fn.returns) != 1:
        return False
    params = [*node.args.posonlyargs, *node.args.args]
    if not params:
        return False
    wrapped = params[0].arg
    returned = fn.returns[0]
    if not isinstance(returned, ast.Name):
        return False
    inner = next(
        (
            s
            for s in node.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == returned.id
        ),
        None,
    )
    if inner is None or inner.args.vararg is None or inner.args.kwarg is None:
        return False
    star, stars = inner.args.vararg.arg, inner.args.kwarg.arg
    forwarding = 0
    for sub in ast.walk(inner):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id == wrapped
            and len(sub.args) == 1
            and isinstance(sub.args[0], ast.Starred)
            and isinstance(sub.args[0].value, ast.Name)
            and sub.args[0].value.id == star
            and len(sub.keywords) == 1
            and sub.keywords[0].arg is None
            and isinstance(sub.keywords[0].value, ast.Name)
            and sub.keywords[0].value.id == stars
        ):
            forwarding += 1
    # ``*args``/``**kwargs`` used nowhere else: nothing adds, drops or changes an argument.
    uses = sum(
        1 for sub in ast.walk(inner) if isinstance(sub, ast.Name) and sub.id in (star, stars)
    )
    return forwarding > 0 and uses == 2 * forwarding
