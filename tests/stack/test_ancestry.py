"""linter.stack.ancestry: the descent by spans finds the same ancestors a parent map gives,
for every node of modules with the shapes whose spans mislead (decorators, f-strings,
defaults, comprehensions, a class in a function, a lambda in a keyword)."""

from __future__ import annotations

import ast

import pytest

from linter.stack.ancestry import Ancestry

SOURCES = [
    """
import httpx

@decorate(httpx.Client(base_url=f"{BASE}/v1"))
def make(client=httpx.Client(timeout=30), *, other=[x for x in range(3) if x]):
    class Inner:
        url = f"http://{host}:{port:>{width}}/chat"

        def method(self, value=lambda v: v.post(url)):
            return [await y async for y in value.stream()]
    with httpx.Client() as c, open(p) as f:
        return c.post(url, json={"a": [b for b in f]})
""",
    """
async def relay(s):
    async for chunk in (await s).aiter_text():
        yield f"data: {chunk!r}\\n\\n"
x = {k: v for k, v in zip(a, b)}
match command:
    case {"url": url} if url.startswith(f"{root}"):
        request(url)
""",
]


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


@pytest.mark.parametrize("source", SOURCES)
def test_descent_gives_the_parent_chain_of_every_node(source: str) -> None:
    tree = ast.parse(source)
    parents = _parents(tree)
    ancestry = Ancestry(tree)
    for node in ast.walk(tree):
        expected = []
        current = parents.get(node)
        while current is not None:
            expected.append(current)
            current = parents.get(current)
        assert ancestry.of(node) == expected[::-1], ast.dump(node)[:80]


def test_a_node_of_another_tree_has_no_ancestors() -> None:
    tree = ast.parse("x = 1\n")
    stranger = ast.parse("x = 1\n").body[0]
    assert Ancestry(tree).of(stranger) == []
