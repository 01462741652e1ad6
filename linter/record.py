"""``@record``: a frozen value class made from its annotated fields, as
``@dataclass(frozen=True)`` makes one, without generating code when the module is imported.

Creating a dataclass compiles its ``__init__``, ``__eq__``, ``__hash__``, ``__repr__`` (and, when
frozen, ``__setattr__``) with ``exec``: 1 to 2 ms per class. The Python kind has about twenty
value classes, all imported by every check of a Python file, so they were a large part of a
pre-commit call's start-up (issue 6); so were the stack's facts (linter/stack/model.py) for
an NGINX file. ``@record`` reads the field names once and shares one generic ``__init__``;
type checkers see a frozen dataclass (``dataclass_transform``). (Kept out of any kind's
package: a run over one kind imports no other kind's modules.)

``eq=False`` keeps identity equality and hashing (for values that stand for one place in a
file). A class may define its own ``__eq__``/``__hash__``; they are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorated: decorated


T = TypeVar("T")


def _frozen(self: object, name: str, value: object) -> None:
    raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")


def _frozen_delete(self: object, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")


def _make(cls: type[T], eq: bool) -> type[T]:
    # The class's own annotations (``inspect.get_annotations`` would import inspect: 2 ms).
    names: tuple[str, ...] = tuple(cls.__annotations__)
    defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}
    title = cls.__name__

    # Called after the fields are set, as a dataclass calls it (to normalise a field through
    # ``object.__setattr__``).
    post_init = getattr(cls, "__post_init__", None)

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        if len(args) > len(names):
            raise TypeError(f"{title}() takes {len(names)} arguments, {len(args)} given")
        # Into the instance's dict, as object.__setattr__ would put them (the class defines
        # no descriptor for a field): a call per field cost a finding's fix 1 microsecond.
        values = self.__dict__
        for name, value in zip(names, args, strict=False):
            values[name] = value
        for name in names[len(args) :]:
            if name in kwargs:
                values[name] = kwargs.pop(name)
            elif name in defaults:
                values[name] = defaults[name]
            else:
                raise TypeError(f"{title}() missing argument {name!r}")
        if kwargs:
            raise TypeError(f"{title}() got unexpected arguments {sorted(kwargs)}")
        if post_init is not None:
            post_init(self)

    def __repr__(self: object) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{title}({fields})"

    def __eq__(self: object, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in names)

    def __hash__(self: object) -> int:
        return hash(tuple(getattr(self, name) for name in names))

    methods: dict[str, Any] = {
        "__init__": __init__,
        "__repr__": __repr__,
        "__setattr__": _frozen,
        "__delattr__": _frozen_delete,
    }
    if eq:
        methods["__eq__"] = __eq__
        methods["__hash__"] = __hash__
    for name, method in methods.items():
        if name not in cls.__dict__ or name in ("__init__", "__setattr__", "__delattr__"):
            setattr(cls, name, method)
    return cls


@dataclass_transform(frozen_default=True)
def record(cls: type[T] | None = None, *, eq: bool = True) -> Any:
    if cls is None:
        return lambda decorated: _make(decorated, eq)
    return _make(cls, eq)
