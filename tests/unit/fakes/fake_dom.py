"""A fake of the slice of the DOM that ``pyfritz._mount`` and ``pyfritz.dom`` use.

Enough to run ``render`` / ``render_each`` on CPython and check what they do
to the tree: children in order, which nodes were kept, how many DOM calls
inserted nodes. :func:`install` puts a :class:`FakeDocument` and fakes of
``_js.element_maker`` and ``_js.elements_builder`` in place for one test.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from pyfritz import _batch, _each, _element, _mount

__all__ = ["FakeDocument", "FakeNode", "install"]


class FakeNode:
    """An element, text node or comment; children in a list."""

    def __init__(self, document: FakeDocument, tag: str, text: str | None = None) -> None:
        self.document = document
        self.tagName = tag.upper()
        self.children: list[FakeNode] = []
        self.parentNode: FakeNode | None = None
        self.attributes: dict[str, str] = {}
        self.listeners: dict[str, list[Any]] = {}
        self.textContent = text
        self.data = text

    def __repr__(self) -> str:
        return f"<{self.tagName.lower()} {self.attributes.get('data-key', self.textContent)!r}>"

    @property
    def isConnected(self) -> bool:
        return self.parentNode is not None and (
            self.parentNode is self.document.body or self.parentNode.isConnected
        )

    def setAttribute(self, name: str, value: str) -> None:
        if not name or any(c in name for c in " \"'>/="):
            raise ValueError(f"InvalidCharacterError: {name!r} is not a valid attribute name")
        self.attributes[name] = value

    def addEventListener(self, event_type: str, listener: Any) -> None:
        self.listeners.setdefault(event_type, []).append(listener)

    def removeEventListener(self, event_type: str, listener: Any) -> None:
        self.listeners[event_type].remove(listener)

    def dispatch(self, event_type: str) -> None:
        """Fire an event of ``event_type`` at this node's listeners, as the browser would."""
        for listener in list(self.listeners.get(event_type, ())):
            listener(SimpleNamespace(type=event_type, target=self))

    def appendChild(self, node: FakeNode) -> None:
        self._take(node)
        self.children.append(node)
        node.parentNode = self

    def insertBefore(self, node: FakeNode, ref: FakeNode | None) -> None:
        self.document.insert_calls += 1
        self._take(node)
        at = len(self.children) if ref is None else self.children.index(ref)
        self.children.insert(at, node)
        node.parentNode = self

    def before(self, *nodes: FakeNode) -> None:
        self.document.insert_calls += 1
        parent = self.parentNode
        assert parent is not None
        for node in nodes:
            parent._take(node)
        at = parent.children.index(self)
        parent.children[at:at] = nodes
        for node in nodes:
            node.parentNode = parent

    def remove(self) -> None:
        if self.parentNode is not None:
            self.parentNode.children.remove(self)
            self.parentNode = None

    def replaceWith(self, node: FakeNode) -> None:
        parent = self.parentNode
        assert parent is not None
        parent.children[parent.children.index(self)] = node
        node.parentNode, self.parentNode = parent, None

    def replaceChildren(self) -> None:
        for child in self.children:
            child.parentNode = None
        self.children = []

    def contains(self, node: FakeNode) -> bool:
        while node is not None:
            if node is self:
                return True
            node = node.parentNode  # type: ignore[assignment]
        return False

    def _take(self, node: FakeNode) -> None:
        if node.parentNode is not None:
            node.parentNode.children.remove(node)
            node.parentNode = None


class FakeDocument:
    """``document``: makes nodes; ``#app`` is the only element ``querySelector`` finds."""

    def __init__(self) -> None:
        self.body = FakeNode(self, "body")
        self.app = FakeNode(self, "div")
        self.body.appendChild(self.app)
        self.activeElement: FakeNode | None = None
        self.insert_calls = 0
        self.build_calls = 0  # calls of the batch builder (one JS call each in a browser)
        self.move_calls = 0  # calls of the reorder mover (likewise)

    def querySelector(self, selector: str) -> FakeNode | None:
        return self.app if selector == "#app" else None

    def createElement(self, tag: str) -> FakeNode:
        return FakeNode(self, tag)

    def createTextNode(self, text: str) -> FakeNode:
        return FakeNode(self, "#text", text)

    def createComment(self, text: str) -> FakeNode:
        return FakeNode(self, "#comment", text)

    def make_element(
        self, parent: FakeNode | None, tag: str, text: str | None, *attributes: str
    ) -> FakeNode:
        """What ``_js.element_maker()`` returns, in Python."""
        node = self.createElement(tag)
        for i in range(0, len(attributes), 2):
            node.setAttribute(attributes[i], attributes[i + 1])
        if text is not None:
            node.textContent = text
        if parent is not None:
            parent.appendChild(node)
        return node

    def build_elements(
        self, spec: str, roots: str | None, outside: list[FakeNode], ref: FakeNode | None
    ) -> list[FakeNode]:
        """What ``_js.elements_builder()`` returns, in Python (the same steps as its JS)."""
        self.build_calls += 1
        if not spec:
            fields: list[str] = []
        elif spec.startswith("["):
            fields = json.loads(spec)
        else:
            fields = spec.split("\x1f")
        nodes: list[FakeNode] = []
        parents: list[int] = []
        i = 0
        while i < len(fields):
            at, end = int(fields[i]), i + 4 + 2 * int(fields[i + 1])
            tag, text, attributes = fields[i + 2], fields[i + 3], fields[i + 4 : end]
            node = self.make_element(None if at < 0 else nodes[at], tag, text or None, *attributes)
            nodes.append(node)
            parents.append(at)
            i = end
        if ref is not None:
            if roots is None:
                rows = [n for n, at in zip(nodes, parents, strict=True) if at < 0]
            else:
                rows = [nodes[i] if i >= 0 else outside[-1 - i] for i in json.loads(roots)]
            ref.before(*rows)
        return nodes

    def move_nodes(
        self, parent: FakeNode, nodes: list[FakeNode], refs: list[FakeNode], keep: bool
    ) -> None:
        """What ``_js.nodes_mover()`` returns, in Python (insertBefore counts its calls)."""
        self.move_calls += 1
        for node, ref in zip(nodes, refs, strict=True):
            parent._take(node)
            parent.children.insert(parent.children.index(ref), node)
            node.parentNode = parent


def install(monkeypatch: pytest.MonkeyPatch) -> FakeDocument:
    """Make ``pyfritz.dom`` build into a fresh :class:`FakeDocument` for one test."""
    document = FakeDocument()
    monkeypatch.setattr(_mount, "_document", document)
    monkeypatch.setattr(_element, "_element_maker", document.make_element)
    monkeypatch.setattr(_batch, "_builder", document.build_elements)
    monkeypatch.setattr(_each, "_mover", document.move_nodes)
    return document
