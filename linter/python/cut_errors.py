"""What a cut stream raises (KNOWLEDGE.md section 3), by library and version, and which
handler classes catch it or never do: the exception side of the client tables (``clients``).

Exception classes are written as the dotted names a program imports them by
(``httpx.RemoteProtocolError``); each "raises" entry lists the classes an ``except`` clause
can name to catch it (the exception's own class and its bases), verified against the pinned
SDKs of the test extra with a loopback server that drops a stream (tests/python).
"""

from __future__ import annotations

from linter.record import record

# Handler classes that catch anything a cut stream raises.
CATCH_ALL = frozenset(
    {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
)

# Handler classes that never catch a cut stream, whatever the client: they look like guards
# (PY003) but a dropped connection raises none of them.
NEVER_CATCH = frozenset(
    {
        "KeyboardInterrupt",
        "SystemExit",
        "GeneratorExit",
        "StopIteration",
        "StopAsyncIteration",
        "KeyError",
        "IndexError",
        "LookupError",
        "AttributeError",
        "TypeError",
        "NameError",
        "ZeroDivisionError",
        "ArithmeticError",
        "AssertionError",
        "NotImplementedError",
        "UnicodeDecodeError",
        "UnicodeError",
        "RecursionError",
        "ImportError",
        "ModuleNotFoundError",
        "ValueError",
        "json.JSONDecodeError",
        "json.decoder.JSONDecodeError",
        "simplejson.JSONDecodeError",
        "requests.JSONDecodeError",
        "requests.exceptions.JSONDecodeError",
        "asyncio.CancelledError",
        "asyncio.exceptions.CancelledError",
        "pydantic.ValidationError",
    }
)

# Transport-looking classes that catch a cut stream only where a client's ``catchable_as``
# names them (OSError does for requests; none of them does for httpx or aiohttp).
TRANSPORT_LOOKALIKES = frozenset(
    {
        "OSError",
        "IOError",
        "EnvironmentError",
        "ConnectionError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "BrokenPipeError",
        "TimeoutError",
        "socket.timeout",
        "socket.error",
        "asyncio.TimeoutError",
        "asyncio.exceptions.TimeoutError",
        "concurrent.futures.TimeoutError",
        "urllib3.exceptions.ProtocolError",
    }
)
# Libraries whose exception classes were checked: a class of theirs that is not in a cut
# stream's ``catchable_as`` does not catch it.
VERIFIED_NAMESPACES = (
    "openai",
    "anthropic",
    "litellm",
    "httpx",
    "httpx2",
    "requests",
    "aiohttp",
    "ollama",
)


@record
class Raised:
    """What a cut stream raises for one range of a package's versions."""

    exception: str  # as a program names it
    catchable_as: frozenset[str]  # the class and its bases, as importable names
    since: tuple[int, ...] = ()  # first version (inclusive) of the range; () = any
    until: tuple[int, ...] = ()  # first version no longer in the range; () = open
    note: str = ""  # why, for the message
    catch: str = "Exception"  # the class a message suggests catching
    # The SDK turns transport errors into its own classes in this range: with no version
    # known, such a range does not count (its classes would catch nothing on older versions).
    mapped: bool = False
    # A stand-in for what a generator's handler raises instead of the cut (``except
    # Exception: raise LLMError(...)``): its callers catch it by that class's name, or by any
    # class of the project (which may be a base of it).
    translated: bool = False

    def label(self, package: str) -> str:
        """The version range in words, e.g. "openai 3.0 to 3.13"."""
        if self.since and self.until:
            return f"{package} {_v(self.since)} up to {_v(self.until)}"
        if self.until:
            return f"{package} before {_v(self.until)}"
        if self.since:
            return f"{package} {_v(self.since)} and later"
        return package or self.exception.split(".", 1)[0]

    def applies(self, version: tuple[int, ...] | None) -> bool:
        if version is None:
            return True
        return (not self.since or version >= self.since) and (
            not self.until or version < self.until
        )


def _v(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def _httpx(module: str) -> frozenset[str]:
    names = ("RemoteProtocolError", "ProtocolError", "TransportError", "RequestError", "HTTPError")
    return frozenset(f"{module}.{name}" for name in names)


HTTPX_CUT = Raised("httpx.RemoteProtocolError", _httpx("httpx"), catch="httpx.HTTPError")
HTTPX2_CUT = Raised("httpx2.RemoteProtocolError", _httpx("httpx2"), catch="httpx2.HTTPError")
REQUESTS_CUT = Raised(
    "requests.exceptions.ChunkedEncodingError",
    frozenset(
        {
            "requests.exceptions.ChunkedEncodingError",
            "requests.ChunkedEncodingError",
            "requests.exceptions.RequestException",
            "requests.RequestException",
            "OSError",
            "IOError",
            "EnvironmentError",
            "builtins.OSError",
        }
    ),
    catch="requests.RequestException",
)
AIOHTTP_CUT = Raised(
    "aiohttp.ClientPayloadError",
    frozenset(
        {
            "aiohttp.ClientPayloadError",
            "aiohttp.client_exceptions.ClientPayloadError",
            "aiohttp.ClientError",
            "aiohttp.client_exceptions.ClientError",
        }
    ),
    catch="aiohttp.ClientError",
)
OPENAI_MAPPED = frozenset({"openai.APIConnectionError", "openai.APIError", "openai.OpenAIError"})
LITELLM_CUT = frozenset(
    {
        "litellm.MidStreamFallbackError",
        "litellm.exceptions.MidStreamFallbackError",
        "litellm.ServiceUnavailableError",
        "litellm.exceptions.ServiceUnavailableError",
        "openai.APIStatusError",
        "openai.APIError",
        "openai.OpenAIError",
    }
)


# Last in a generator's ``translated`` classes: its handler surely catches the cut, so its
# callers see only those classes (without it, the cut itself may still get through).
REPLACED = "*"


def consumer_raised(raised: tuple[Raised, ...], translated: tuple[str, ...]) -> tuple[Raised, ...]:
    """What a consumer of a stream sees: ``raised``, and the classes a generator on the way
    raises instead (``StreamStart.translated``); only those when they replace the cut."""
    if not translated:
        return raised
    if translated[-1] == REPLACED:
        return (stand_in(translated),)
    return (*raised, stand_in(translated))


def stand_in(names: tuple[str, ...] | list[str]) -> Raised:
    """What a generator's handler raises instead of the cut (``raise LLMError(...)``), for
    its callers' handlers to catch."""
    kept = [name for name in names if name != REPLACED]
    return Raised(kept[0], frozenset(kept), note=f" (re-raised as {kept[0]})", translated=True)
