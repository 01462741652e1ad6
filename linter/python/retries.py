"""Retry loops around LLM calls: a ``for``/``while`` loop holding a ``try`` whose success path
leaves the loop (``break``/``return``) and whose handler lets the loop go round again; and
where a node stands against a retry's attempt (inside it, in its ``try`` part, on every pass).

What the attempt's streams show is ``chunks_shown`` (and ``remote_shown`` across modules);
what it hands out unread is ``read_later``."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from linter.python.analysis import Analysis, Sym, children, walk_function
from linter.record import record

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@record
class RetryLoop:
    loop: ast.For | ast.AsyncFor | ast.While
    attempt: ast.Try
    handlers: tuple[ast.ExceptHandler, ...]  # the ones that go round again


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Statements and expressions of ``body`` that belong to this loop level: nested loops
    and functions are not looked into (their ``break`` is theirs)."""
    stack: list[ast.AST] = list(body)
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (*_LOOPS, *_SCOPES)):
            continue
        stack.extend(children(current))


def _goes_round(handler: ast.ExceptHandler) -> bool:
    """The handler does not end the loop: its last statement is not raise/return/break, or
    it goes round with a ``continue`` of its own (``if attempt < tries: sleep(); continue``
    before a final ``break``)."""
    last = handler.body[-1] if handler.body else None
    if not isinstance(last, (ast.Raise, ast.Return, ast.Break)):
        return True
    return any(isinstance(node, ast.Continue) for node in _own_statements(handler.body))


# What a user or the runtime raises to stop the work, never an error a retry answers: a loop
# that goes round after one (a REPL's Ctrl+C back to the prompt) does not retry.
_INTERRUPTS = frozenset(
    {"KeyboardInterrupt", "SystemExit", "GeneratorExit", "CancelledError", "EOFError"}
)


def _interrupt_only(handler: ast.ExceptHandler) -> bool:
    """The handler catches only interrupts (``except KeyboardInterrupt:``)."""
    kind = handler.type
    if kind is None:
        return False
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return all(
        (n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")) in _INTERRUPTS
        for n in names
    )


def retry_loops(analysis: Analysis) -> list[RetryLoop]:
    """The file's retry loops, computed once."""
    cached = getattr(analysis, "_retry_loops", None)
    if cached is not None:
        return cached
    found: list[RetryLoop] = []
    # Not only files with a generation call of their own: a raw-HTTP request or a method
    # defined elsewhere may be what a loop retries (PY007 tells which).
    if analysis.tries:
        owners = _loops_with_attempts(analysis)
        for node in analysis.statement_loops:
            if node in owners:  # the others hold no ``try`` of their own: nothing to walk
                found.extend(_attempts(analysis, node))
    analysis._retry_loops = found  # type: ignore[attr-defined]
    return found


def _loops_with_attempts(analysis: Analysis) -> set[ast.AST]:
    """The loops that hold a ``try`` with handlers at their own level (``_own_statements``:
    in their body, not in a nested loop, function or class), found from each ``try`` up."""
    owners: set[ast.AST] = set()
    for attempt in analysis.tries:
        if not attempt.handlers:
            continue
        for ancestor, child in analysis.ancestors(attempt):
            if isinstance(ancestor, (*_LOOPS, *_SCOPES)):
                if isinstance(ancestor, _LOOPS) and any(child is s for s in ancestor.body):
                    owners.add(ancestor)
                break
    return owners


def _attempts(analysis: Analysis, loop: ast.For | ast.AsyncFor | ast.While) -> Iterator[RetryLoop]:
    own = list(_own_statements(loop.body))
    if any(_reads_user_input(analysis, loop, node) for node in own):
        # A conversation loop (a REPL): each pass asks the user for a new message, so going
        # round after a failure sends a new request, not the failed one again.
        return
    exits = [n for n in own if isinstance(n, (ast.Break, ast.Return))]
    for child in own:
        if not isinstance(child, ast.Try) or not child.handlers:
            continue
        # The loop ends on success: a break/return in the try's body or else, or one of the
        # loop's own outside this try (not in its handlers or finally).
        if not any(
            _success_exit(analysis, child, exit_node) for exit_node in exits
        ) and not _test_ends_on_success(loop, child):
            continue
        going = tuple(h for h in child.handlers if _goes_round(h) and not _interrupt_only(h))
        if going:
            yield RetryLoop(loop, child, going)


# What reads the user's next message: the ``input()`` builtin, and the prompt functions of
# the usual CLI libraries (``click.prompt``, ``typer.prompt``, rich's ``Prompt.ask``,
# prompt_toolkit's ``prompt`` and a ``PromptSession``'s ``.prompt()``), ``sys.stdin.readline``.
_INPUT_READERS = frozenset(
    {
        "click.prompt",
        "typer.prompt",
        "rich.prompt.Prompt.ask",
        "rich.prompt.Confirm.ask",
        "prompt_toolkit.prompt",
        "prompt_toolkit.shortcuts.prompt",
        "sys.stdin.readline",
    }
)


def _reads_user_input(analysis: Analysis, loop: ast.AST, node: ast.AST) -> bool:
    """``node`` is a call reading the user's input on the loop's way to its attempt (not in
    a handler: ``except ...: input("press enter to retry")`` re-sends the same request)."""
    if not isinstance(node, ast.Call) or not _input_call(analysis, node):
        return False
    for ancestor, _child in analysis.ancestors(node):
        if ancestor is loop:
            return True
        if isinstance(ancestor, ast.ExceptHandler):
            return False
    return False


def _input_call(analysis: Analysis, call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name) and func.id == "input":
        return analysis.lookup("input", analysis.scope(func), analysis.document.start(func)) is None
    value = analysis.value(func)
    if isinstance(value, Sym):
        return value.path in _INPUT_READERS
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    if func.attr == "prompt":
        # ``session = PromptSession(...)``, then ``session.prompt(">>> ")``.
        return _made_by(analysis, func.value, "prompt_toolkit.")
    if func.attr in _SPOKEN_INPUT:
        # A voice assistant: ``r = sr.Recognizer()``, then ``r.listen(microphone)`` each pass.
        return _made_by(analysis, func.value, "speech_recognition.")
    return False


# speech_recognition's Recognizer methods that wait for the user to speak.
_SPOKEN_INPUT = frozenset({"listen", "record"})


def _made_by(analysis: Analysis, receiver: ast.Name, prefix: str) -> bool:
    """``receiver`` is bound to an instance of a class whose dotted path starts with
    ``prefix`` (``session = PromptSession(...)``)."""
    found = analysis.lookup(
        receiver.id, analysis.scope(receiver), analysis.document.start(receiver)
    )
    if found is not None and found[0] == "expr" and isinstance(found[1], ast.Call):
        made = analysis.value(found[1].func)
        return isinstance(made, Sym) and made.path.startswith(prefix)
    return False


def _test_ends_on_success(loop: ast.AST, attempt: ast.Try) -> bool:
    """``while reply is None:`` around ``try: reply = client.create(...)``: the loop runs
    until a name is set (``is None``, ``== None``, ``not reply``, maybe ``and``-ed with a
    count), and the ``try`` part sets it, so success ends the loop without a ``break``. (A
    test against a value, ``while status == "running"``, polls: not a retry.)"""
    if not isinstance(loop, ast.While):
        return False
    tested = _unset_names(loop.test)
    if not tested or _changes_request(attempt):
        return False
    for statement in attempt.body:
        for node in _own_statements([statement]):
            # Set to a call's result (``done = job.status == "ended"`` is a poll's answer).
            if (
                isinstance(node, ast.Assign)
                and isinstance(
                    node.value.value if isinstance(node.value, ast.Await) else node.value, ast.Call
                )
                and any(isinstance(t, ast.Name) and t.id in tested for t in node.targets)
            ):
                return True
    return False


def _changes_request(attempt: ast.Try) -> bool:
    """A handler binds anew a name the ``try`` part reads (``dialog = dialog[1:]`` after a
    context-length error): the next pass sends another request, adapted to the error, not
    the failed one again (a count, ``tries += 1``, changes nothing sent)."""
    read = {
        n.id
        for statement in attempt.body
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    for handler in attempt.handlers:
        for node in _own_statements(handler.body):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in read for t in node.targets
            ):
                return True
    return False


def _unset_names(test: ast.expr) -> set[str]:
    """The names a loop test waits to be set: ``x is None``, ``x == None``, ``not x``,
    each alone or as a term of an ``and``."""
    terms = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    names: set[str] = set()
    for term in terms:
        if isinstance(term, ast.UnaryOp) and isinstance(term.op, ast.Not):
            if isinstance(term.operand, ast.Name):
                names.add(term.operand.id)
        elif (
            isinstance(term, ast.Compare)
            and isinstance(term.left, ast.Name)
            and len(term.ops) == 1
            and isinstance(term.ops[0], (ast.Is, ast.Eq))
            and isinstance(term.comparators[0], ast.Constant)
            and term.comparators[0].value is None
        ):
            names.add(term.left.id)
    return names


def _success_exit(analysis: Analysis, attempt: ast.Try, exit_node: ast.AST) -> bool:
    for ancestor, child in analysis.ancestors(exit_node):
        if ancestor is attempt:
            return any(child is s for s in attempt.body) or any(child is s for s in attempt.orelse)
        if isinstance(ancestor, (*_LOOPS, *_SCOPES)):
            return True  # reached the retry loop (or beyond) without meeting the try
    return True


_CONDITIONAL = (
    ast.If,
    ast.IfExp,
    ast.ExceptHandler,
    *([ast.match_case] if hasattr(ast, "match_case") else []),
)


def unconditional(analysis: Analysis, attempt: ast.Try, node: ast.AST) -> bool:
    """``node`` runs on every pass through the attempt's ``try`` body: no ``if``, conditional
    expression, ``match`` case or handler lies between them (loops may)."""
    for ancestor, _child in analysis.ancestors(node):
        if ancestor is attempt:
            return True
        if isinstance(ancestor, _CONDITIONAL):
            return False
    return False


def _changed_names(loop: ast.AST) -> set[str]:
    """Names a stream loop's body changes: assigned, augmented, or appended to."""
    names: set[str] = set()
    for node in walk_function(loop):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.attr in ("append", "extend", "write", "add")
        ):
            names.add(node.func.value.id)
    return names


def retries_only_before_output(retry: RetryLoop, stream_loop: ast.AST) -> bool:
    """Every handler that goes round first checks something the stream loop changes (a
    ``yielded_any`` flag, the chunks received) and leaves the loop when it is set: the
    retry happens only while nothing was shown yet."""
    changed = _changed_names(stream_loop)
    if not changed:
        return False
    for handler in retry.handlers:
        checked = False
        for node in walk_function(handler):
            if (
                isinstance(node, ast.If)
                and node.body
                and isinstance(node.body[-1], (ast.Raise, ast.Return, ast.Break))
                and any(isinstance(n, ast.Name) and n.id in changed for n in ast.walk(node.test))
            ):
                checked = True
                break
        if not checked:
            return False
    return True


def contains(analysis: Analysis, outer: ast.AST, inner: ast.AST) -> bool:
    """``inner`` is inside ``outer`` in the same function (not in a nested def or class).
    Walks up from ``inner``: its depth, not the size of ``outer``."""
    for ancestor, _child in analysis.ancestors(inner):
        if ancestor is outer:
            return True
        if isinstance(ancestor, _SCOPES):
            return False
    return False


def in_try_body(analysis: Analysis, attempt: ast.Try, node: ast.AST) -> bool:
    """``node`` is in the ``try`` part of ``attempt`` (not its handlers, ``else`` or
    ``finally``), in the same function."""
    for ancestor, child in analysis.ancestors(node):
        if ancestor is attempt:
            return any(child is statement for statement in attempt.body)
        if isinstance(ancestor, _SCOPES):
            return False
    return False
