"""Record the static elements of new ``render_each`` rows; make them in one JS call.

A first render of a keyed list builds a thousand rows, and each call from
Python into JS costs more than the DOM work of a small element (issue 13).
So while :mod:`pyfritz._each` builds a run of new rows, an element with only
static attributes and text, whose parent is the row's slot or another
recorded element, is not made at once but *recorded* (a tuple in a list),
and :func:`pyfritz._js.elements_builder` makes all of them, and inserts the
rows, in one call at the end of the run.

Python holds a :class:`_Pending` for each recorded element; it becomes the
element's node on first use. Whatever needs a recorded element's node
before the end of the run (an event listener, a bound or dynamic child, a
nested ``render_each``, the user reading ``.node``) first makes everything
recorded so far (a *flush*), so every element is still appended to its
parent in the order the row function made it. Rows are inserted at the end
of the run, as before batching: a row function never sees earlier rows of
its run in the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import _js

__all__: list[str] = []  # package-internal: pyfritz.dom and pyfritz._each use it

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_builder: Callable[[str, str | None, list[Any], Any], Any] | None = None


def _elements() -> Callable[[str, str | None, list[Any], Any], Any]:
    global _builder
    if _builder is None:
        _builder = _js.elements_builder()
    return _builder


def _spec(records: list[list[str]]) -> str:
    """The records as one string (see :func:`pyfritz._js.elements_builder`)."""
    spec = "\x1e".join(map("\x1f".join, records))  # C loops: no Python step per record
    # Text from the network may hold a separator: then JSON, which carries anything.
    if spec.count("\x1f") + spec.count("\x1e") + 1 != sum(map(len, records)):
        return _dumps(records) if records else ""
    return spec


class _Chunk:
    """Elements recorded since the last flush; then the JS array (or list) of their nodes.

    A record is ``[parent index, tag, text, name, value, ...]``, all strings
    (parent ``"-1"``: a row's element; text ``""``: none); :func:`pyfritz.dom._make`
    appends them.
    """

    __slots__ = ("batch", "nodes", "records", "uses")

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch
        self.records: list[list[str]] = []
        self.nodes: Any = None
        self.uses = 0  # nodes taken one by one from the JS array so far


# After this many nodes taken one by one, the rest of a chunk's array is
# converted in one crossing: a reverse or a re-sort wants every row's node,
# a change of a few rows only a few.
_ONE_BY_ONE = 16


class _Pending:
    """A recorded element: stands in for its node until that is made."""

    __slots__ = ("_chunk", "_index", "_node")

    def __init__(self, chunk: _Chunk, index: int) -> None:
        self._chunk = chunk
        self._index = index
        self._node: Any = None

    @property
    def node(self) -> Any:
        """The element's node; makes what is recorded so far if it is not made yet."""
        node = self._node
        if node is None:
            chunk = self._chunk
            if chunk.nodes is None:
                chunk.batch.flush()
            nodes = chunk.nodes
            if type(nodes) is not list:
                chunk.uses += 1
                if chunk.uses > _ONE_BY_ONE:
                    nodes = chunk.nodes = _js.items(nodes)
            node = self._node = nodes[self._index]
        return node

    def appendChild(self, node: Any) -> None:  # the DOM's name: stands in for a parent node
        self.node.appendChild(node)


class _Batch:
    """The recorded elements of one run of new rows."""

    __slots__ = ("chunk", "mixed")

    def __init__(self) -> None:
        self.chunk = _Chunk(self)
        # Some rows are not recorded elements of the current chunk: a row
        # made at once (a bound row element, a failed row's comment), or a
        # flush happened.
        self.mixed = False

    def flush(self) -> None:
        """Make every element recorded so far (they are not inserted yet)."""
        chunk = self.chunk
        self.chunk = _Chunk(self)
        self.mixed = True
        chunk.nodes = _elements()(_spec(chunk.records), "", [], None)

    def insert(self, roots: list[Any], ref: Any) -> None:
        """Make what is recorded, then insert ``roots`` (nodes or pending) before ``ref``."""
        chunk = self.chunk
        self.chunk = _Chunk(self)
        outside: list[Any] = []
        at: str | None = None  # every recorded row element, in order
        if self.mixed:
            indexes = []
            for root in roots:
                if type(root) is _Pending:
                    if root._chunk is chunk:
                        indexes.append(root._index)
                        continue
                    root = root.node
                outside.append(root)
                indexes.append(-len(outside))
            at = _dumps(indexes)
        chunk.nodes = _elements()(_spec(chunk.records), at, outside, ref)
