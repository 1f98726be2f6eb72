"""Record the static elements of new ``render_each`` rows; make them in one JS call.

A first render of a keyed list builds a thousand rows, and each call from
Python into JS costs more than the DOM work of a small element (issue 13).
So while :mod:`pyfritz._each` builds a run of new rows, an element with only
static attributes and text, whose parent is the row's slot or another
recorded element, is not made at once but *recorded* (a tuple in a list),
and :func:`pyfritz._js.elements_builder` makes all of them, and inserts the
rows, in one call at the end of the run.

Python holds the element (a :class:`_Pending`) of each recorded one; its
node is taken on first use. Whatever needs a recorded element's node
before the end of the run (an event listener, a bound or dynamic child, a
nested ``render_each``, the user reading ``.node``) first makes everything
recorded so far (a *flush*), so every element is still appended to its
parent in the order the row function made it. Rows are inserted at the end
of the run, as before batching: a row function never sees earlier rows of
its run in the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


def _spec(fields: list[str]) -> str:
    """The recorded fields as one string (see :func:`pyfritz._js.elements_builder`)."""
    spec = "\x1f".join(fields)  # one C loop: no step per record
    # Text from the network may hold the separator: then JSON, which carries anything.
    if spec.count("\x1f") != len(fields) - 1:
        return _dumps(fields)
    return spec


# The count of name/value pairs of a record, as its field: a string per count
# made once (a record is made once per element of every new keyed row).
_PAIRS = tuple(map(str, range(32)))


class _Chunk:
    """Elements recorded since the last flush; then the JS array (or list) of their nodes.

    ``fields`` holds the records one after the other, each ``parent index,
    count of pairs, tag, text, name, value, ...``, all strings (parent
    ``"-1"``: a row's element; text ``""``: none), in one flat list: one
    join makes the spec. ``count`` is the number of records; the tag
    functions of :mod:`pyfritz.dom` append them (:meth:`add` or inline).
    """

    __slots__ = ("batch", "count", "fields", "nodes", "uses")

    def __init__(self, batch: _Batch) -> None:
        self.batch = batch
        self.fields: list[str] = []
        self.count = 0
        self.nodes: Any = None
        self.uses = 0  # nodes taken one by one from the JS array so far

    def add(self, record: list[str]) -> int:
        """Append ``[parent, "", tag, text, name, value, ...]`` (pairs counted here); its index."""
        pairs = (len(record) - 4) // 2
        record[1] = _PAIRS[pairs] if pairs < len(_PAIRS) else str(pairs)
        self.fields += record
        index = self.count
        self.count = index + 1
        return index

    def take(self, index: int) -> Any:
        """The node of the ``index``-th record; makes what is recorded first if need be."""
        if self.nodes is None:
            self.batch.flush()
        nodes = self.nodes
        if type(nodes) is not list:
            self.uses += 1
            if self.uses > _ONE_BY_ONE:
                nodes = self.nodes = _js.items(nodes)
        return nodes[index]

    def all(self) -> list[Any]:
        """Every record's node, as a list (one crossing)."""
        if self.nodes is None:
            self.batch.flush()
        if type(self.nodes) is not list:
            self.nodes = _js.items(self.nodes)
        nodes: list[Any] = self.nodes
        return nodes


# How many nodes one ``before(...)`` call takes: engines cap a call's arguments.
_ARGUMENTS = 4096

# After this many nodes taken one by one, the rest of a chunk's array is
# converted in one crossing: a reverse or a re-sort wants every row's node,
# a change of a few rows only a few.
_ONE_BY_ONE = 16


def take_nodes(handles: Iterable[_Pending]) -> None:
    """Take the node of each handle whose element is recorded, one crossing per chunk.

    What :attr:`_Pending.node` does for one, in fewer steps: a reorder of a
    keyed list takes the node of most of its rows.
    """
    for handle in handles:
        chunk = handle._node
        if type(chunk) is _Chunk:
            handle._node = chunk.all()[handle._index]


class _Pending:
    """Something with a node that may be a recorded element, made on first use.

    :class:`pyfritz.dom.Element` is one (so a recorded element is one object,
    not an element and a handle), and so is a ``render_each`` row, which
    takes over its element's ``_node`` and ``_index`` (the element itself
    need not outlive the row's build). ``_node`` is the node, or the
    :class:`_Chunk` the element is recorded in, at ``_index``. The
    subclasses declare the two slots: a row is a scope too, and only one
    base of a class may have slots.
    """

    __slots__ = ()

    _node: Any
    _index: int

    @property
    def node(self) -> Any:
        """The DOM node; makes what is recorded so far if it is not made yet."""
        node = self._node
        if type(node) is _Chunk:
            node = self._node = node.take(self._index)
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
        chunk.nodes = _elements()(_spec(chunk.fields), "", [], None)

    def insert(self, roots: list[Any], ref: Any) -> None:
        """Make what is recorded, then insert ``roots`` (nodes or pending) before ``ref``."""
        chunk = self.chunk
        self.chunk = _Chunk(self)
        if not chunk.count:
            # Nothing recorded (rows bound to flows are made at once, an add is
            # often one such row): one DOM call, no builder call around it.
            nodes = [root.node if isinstance(root, _Pending) else root for root in roots]
            for start in range(0, len(nodes), _ARGUMENTS):
                ref.before(*nodes[start : start + _ARGUMENTS])
            return
        outside: list[Any] = []
        at: str | None = None  # every recorded row element, in order
        if self.mixed:
            indexes = []
            for root in roots:
                if isinstance(root, _Pending):
                    if root._node is chunk:
                        indexes.append(root._index)
                        continue
                    root = root.node
                outside.append(root)
                indexes.append(-len(outside))
            at = _dumps(indexes)
        chunk.nodes = _elements()(_spec(chunk.fields), at, outside, ref)
