"""A launch's port read through a settings object (linter/server/pysettings.py), and the
`a or b` fallback of a setting's expression (linter/server/pyread.py)."""

from __future__ import annotations

import ast
import textwrap

from linter.server.pyread import constant
from linter.server.pysettings import attribute_value
from linter.source import SourceText


def _value(expression: str, env: dict[str, str]) -> str | None:
    return constant(ast.parse(expression, mode="eval").body, env)


def test_or_takes_the_first_operand_with_a_value() -> None:
    written = 'int(os.getenv("PORT") or "8000")'
    assert _value(written, {}) == "8000"
    assert _value(written, {"PORT": "9000"}) == "9000"
    assert _value(written, {"PORT": ""}) == "8000"  # set empty: falsy, the next operand
    assert _value('os.getenv("PORT") or 0 or "7000"', {}) == "7000"
    assert _value('os.getenv("PORT") or port', {}) is None  # a name of the file: unknown


def _port(module: str, env: dict[str, str], other: str | None = None) -> str | None:
    """The value of `settings.PORT` in ``module``; ``other`` is the module `config`."""
    tree = ast.parse(textwrap.dedent(module))
    node = ast.parse("settings.PORT", mode="eval").body

    def read_module(name: str) -> SourceText | None:
        if name != "config" or other is None:
            return None
        return SourceText.from_text("/repo/config.py", textwrap.dedent(other))

    found = attribute_value(node, tree, env, read_module, lambda p: p.rsplit("/", 1)[-1])
    return found.value if found is not None else None


PLAIN = """
    import os
    class Settings:
        PORT = int(os.getenv("PORT", "8100"))
    settings = Settings()
"""


def test_a_plain_class_attribute_in_the_same_file() -> None:
    assert _port(PLAIN, {}) == "8100"
    assert _port(PLAIN, {"PORT": "8200"}) == "8200"


def test_a_settings_object_imported_from_another_module() -> None:
    launching = "from config import settings\n"
    assert _port(launching, {}, PLAIN) == "8100"
    assert _port(launching, {}, None) is None  # the module is not in the tree


PYDANTIC = """
    from pydantic_settings import BaseSettings
    class Settings(BaseSettings):
        port: int = 8300
        PORT: int = 8300
    settings = Settings()
"""


def test_a_pydantic_field_is_overridden_by_its_environment_variable() -> None:
    assert _port(PYDANTIC, {}) == "8300"
    assert _port(PYDANTIC, {"port": "8400"}) == "8400"  # any case: pydantic's default


def test_what_may_change_the_value_leaves_it_unknown() -> None:
    prefixed = PYDANTIC.replace("port: int = 8300", 'model_config = {"env_prefix": "APP_"}')
    assert _port(prefixed, {}) is None  # the field reads APP_PORT, which may be set anywhere
    other_base = PLAIN.replace("class Settings:", "class Settings(Base):")
    assert _port(other_base, {}) is None
    in_init = """
        class Settings:
            PORT = 8100
            def __init__(self):
                self.PORT = 9
        settings = Settings()
    """
    assert _port(in_init, {}) is None
    twice = PLAIN + "    settings = Settings()\n"
    assert _port(twice, {}) is None  # bound twice at module level
    with_arguments = PLAIN.replace("settings = Settings()", "settings = Settings(PORT=1)")
    assert _port(with_arguments, {}) is None
