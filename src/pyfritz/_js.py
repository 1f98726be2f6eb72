"""The one private shim between pyfritz and the browser's JavaScript runtime.

Only this module touches ``js`` and ``pyodide.ffi``; both are imported when a
function runs, not at import time, so CPython (tests, the sync server) can
import ``pyfritz`` without a browser. Unit tests put a fake ``js`` module in
``sys.modules`` and a fake ``create_proxy`` on ``pyodide.ffi``.

Why ``pyodide.ffi`` and not ``pyscript.ffi``: PyScript's ``create_proxy`` and
``to_js`` are portable wrappers that also run on MicroPython, but hide the
lifetime of what they create. Pyodide's ``create_proxy`` returns a
``JsDoubleProxy`` whose ``destroy()`` frees it exactly when we say, which is
what "every proxy of a session is destroyed when it closes" needs. We need no
``to_js`` at all: strings cross implicitly, and bytes are copied into a
``Uint8Array`` explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "DIRECT_MESSAGES",
    "binary_kind",
    "create_proxy",
    "destroy_proxy",
    "hold_messages",
    "items",
    "live_proxies",
    "new_blob",
    "new_websocket",
    "queue_microtask",
    "to_array_buffer",
    "to_bytes",
    "to_uint8array",
]

_live = 0


def _js() -> Any:
    import js  # type: ignore[import-not-found]  # only exists inside Pyodide (or a test fake)

    return js


def new_websocket(url: str, protocols: Sequence[str]) -> Any:
    """Open ``new WebSocket(url, protocols)``; the browser's error if it refuses."""
    js = _js()
    if protocols:
        return js.WebSocket.new(url, js.Array.of(*protocols))
    return js.WebSocket.new(url)


_ffi: Any = None  # pyodide.ffi, once a proxy was made


def create_proxy(fn: Callable[..., Any]) -> Any:
    """Wrap ``fn`` for JS to call until :func:`destroy_proxy`; counted."""
    global _live, _ffi
    ffi = _ffi
    if ffi is None:  # (an import statement per call costs a page a call each at start)
        from pyodide import ffi

        _ffi = ffi
    proxy = ffi.create_proxy(fn)
    _live += 1
    return proxy


def destroy_proxy(proxy: Any) -> None:
    """Free a proxy made by :func:`create_proxy`."""
    global _live
    proxy.destroy()
    _live -= 1


def live_proxies() -> int:
    """How many proxies made by :func:`create_proxy` are not destroyed yet."""
    return _live


def binary_kind(value: Any) -> str | None:
    """``"Blob"``, ``"ArrayBuffer"`` or ``"ArrayBufferView"`` for JS binary data, else ``None``."""
    if isinstance(value, str | bytes | bytearray | memoryview | int | float | bool) or (
        value is None
    ):
        return None
    js = _js()
    if js.ArrayBuffer.isView(value):
        return "ArrayBufferView"
    # Object.prototype.toString works across realms, unlike instanceof.
    tag = str(js.Object.prototype.toString.call(value))
    if tag == "[object ArrayBuffer]":
        return "ArrayBuffer"
    if tag in ("[object Blob]", "[object File]"):
        return "Blob"
    return None


def to_uint8array(data: bytes | bytearray | memoryview) -> Any:
    """Copy Python bytes into a new JS ``Uint8Array``."""
    view = memoryview(data).cast("B")
    array = _js().Uint8Array.new(view.nbytes)
    array.assign(view)
    return array


def to_array_buffer(data: bytes | bytearray | memoryview) -> Any:
    """Copy Python bytes into a new JS ``ArrayBuffer``."""
    return to_uint8array(data).buffer


def to_bytes(buffer: Any) -> bytes:
    """Copy a JS ``ArrayBuffer`` (or typed array) into Python ``bytes``."""
    return bytes(buffer.to_bytes())


def new_blob(part: Any) -> Any:
    """A JS ``Blob`` holding one part (a string, ``ArrayBuffer`` or typed array)."""
    js = _js()
    return js.Blob.new(js.Array.of(part))


# The JS side of a session's message path (see :func:`hold_messages`).
_HOLD_MESSAGES = """
return (ws, message, close, error, every) => {
  // Non-null while a drain task is posted: the messages that arrive meanwhile wait here.
  let held = null;
  // How many messages went to Python directly since the last drain, and how
  // many may before the next one posts a drain: `every`, or 1 while a burst is
  // under way (the last drain carried two or more messages), so a burst pays
  // one direct crossing per batch, not `every`.
  let direct = 0;
  let budget = every;
  const drain = () => {
    const items = held;
    held = null;
    direct = 0;
    budget = items !== null && items.length > 1 ? 1 : every;
    if (items !== null && items.length > 0) message(items, true);
  };
  // scheduler.postTask is a task in the page's own queue; a MessageChannel
  // message (where postTask is missing) costs more to post and to receive.
  // No abort signal: a drain that runs after `stop` finds nothing held, and
  // a signal (with the catch its rejection needs) made each post cost 3x.
  let post, stop;
  if (globalThis.scheduler && typeof scheduler.postTask === "function") {
    post = () => { scheduler.postTask(drain); };
    stop = () => {};
  } else {
    const channel = new MessageChannel();
    channel.port1.onmessage = drain;
    post = () => channel.port2.postMessage(null);
    stop = () => { channel.port1.onmessage = null; channel.port1.close(); };
  }
  ws.onmessage = (event) => {
    if (held !== null) {
      held.push(event.data);
    } else if (++direct < budget) {
      message(event.data);
    } else {
      // The budget's last message since the last drain: a burst may be under way.
      held = [];
      // Posted after the call: a reply sent from Python goes out first.
      try { message(event.data); } finally { post(); }
    }
  };
  ws.onerror = (event) => { drain(); error(event); };
  ws.onclose = (event) => { drain(); close(event); };
  return () => {
    ws.onmessage = ws.onerror = ws.onclose = null;
    stop();
    held = null;
  };
};
"""
_hold_messages: tuple[Any, Any] | None = None


#: How many messages go to Python one by one between two drains while no
#: burst is under way (see hold_messages): the last of them posts the next
#: drain task.
DIRECT_MESSAGES = 8


def hold_messages(ws: Any, message: Any, close: Any, error: Any) -> Any:
    """Set ``ws``'s message, error and close handlers; return a JS function that unsets them.

    Why: entering Python from a browser event costs far more than the
    Python code a message needs, so a burst must cross in batches. A message
    goes to ``message(data)`` at once, with no added hop, unless a drain task
    is posted. The :data:`DIRECT_MESSAGES`-th message since the last drain
    also posts one (``scheduler.postTask``, or a ``MessageChannel`` message
    where that is missing), after its own call, and the messages that arrive
    before that task runs are handed over together as ``message(array_of_data,
    True)``. A drain that carried two or more messages means a burst is
    under way: then the very next message (still delivered at once) posts
    the next drain, so a burst pays one direct crossing per batch, not
    :data:`DIRECT_MESSAGES`; a drain that carried one or none ends that. So
    sequential round trips post a task once every ``DIRECT_MESSAGES``
    messages (a post costs more than the Python code of a message; their
    drains carry nothing), and a burst crosses in batches from its
    ``DIRECT_MESSAGES + 1``-th message on, without guessing from the time
    between messages. (Two or more, not one: a drain of one message, then a
    post at once, would cost a post per two messages and save no crossing.)
    Order is kept: nothing is delivered directly while
    messages are held, and ``error``/``close`` hand over what is held before
    they are called. Only ``event.data`` crosses (DESIGN.md section 5).
    """
    global _hold_messages
    js = _js()
    if _hold_messages is None or _hold_messages[0] is not js:  # (tests swap `js`)
        _hold_messages = (js, js.Function.new(_HOLD_MESSAGES)())
    return _hold_messages[1](ws, message, close, error, DIRECT_MESSAGES)


def items(array: Any) -> list[Any]:
    """A JS array as a list in one crossing; strings and numbers converted, objects proxied."""
    to_py = getattr(array, "to_py", None)
    return list(array) if to_py is None else to_py(depth=1)


_microtask_proxies: dict[int, Any] = {}


def queue_microtask(fn: Callable[[], object]) -> None:
    """Run ``fn()`` in a microtask (``queueMicrotask``), after the current JS task's code.

    ``fn`` gets one proxy for the life of the page, made on first use and
    not counted by :func:`live_proxies` (it is no per-session resource).
    """
    proxy = _microtask_proxies.get(id(fn))
    if proxy is None:
        from pyodide import ffi

        proxy = _microtask_proxies[id(fn)] = ffi.create_proxy(fn)
    _js().queueMicrotask(proxy)


# --- dom --- (helpers for pyfritz.dom and pyfritz.events)

__all__ += ["document", "page_url", "window"]


def document() -> Any:
    """The page's ``document``."""
    return _js().document


def page_url() -> str:
    """The page's URL (``location.href``), which relative WebSocket URLs resolve against."""
    return str(_js().location.href)


def window() -> Any:
    """The page's ``window`` (for its ``online`` event)."""
    return _js().window


# One element in one crossing: pyfritz.dom builds every element through it.
_ELEMENT = """
return (parent, tag, text, ...attributes) => {
  const node = document.createElement(tag);
  for (let i = 0; i < attributes.length; i += 2) {
    node.setAttribute(attributes[i], attributes[i + 1]);
  }
  if (text != null) node.textContent = text;
  if (parent != null) parent.appendChild(node);
  return node;
};
"""

__all__ += ["element_maker"]


def element_maker() -> Any:
    """A JS function ``(parent, tag, text, name, value, ...)`` that makes one element.

    It creates the element, sets the attributes (name/value pairs), its text
    (unless ``text`` is ``None``) and appends it to ``parent`` (unless
    ``None``), and returns it. Why: each call from Python into JS costs far
    more than the DOM work of a small element, so a row of a keyed list is
    made in one crossing instead of one per attribute (issue 13).
    """
    return _js().Function.new(_ELEMENT)()


# Many elements in one crossing: render_each records the static elements of
# its new rows and makes them here (pyfritz._batch).
_ELEMENTS = """
return (spec, roots, outside, ref) => {
  const fields = spec === "" ? [] : spec[0] === "[" ? JSON.parse(spec) : spec.split("\\x1f");
  const nodes = [];
  const fragment = document.createDocumentFragment();
  const rows = ref != null && roots == null;  // Python's None arrives as undefined
  for (let i = 0; i < fields.length; ) {
    const parent = +fields[i];
    const end = i + 4 + 2 * fields[i + 1];
    const node = document.createElement(fields[i + 2]);
    for (let j = i + 4; j < end; j += 2) node.setAttribute(fields[j], fields[j + 1]);
    if (fields[i + 3] !== "") node.textContent = fields[i + 3];
    if (parent >= 0) nodes[parent].appendChild(node);
    else if (rows) fragment.appendChild(node);  // every row element, in order
    nodes.push(node);
    i = end;
  }
  if (ref != null) {
    if (!rows) {
      for (const root of JSON.parse(roots)) {
        fragment.appendChild(root >= 0 ? nodes[root] : outside[-1 - root]);
      }
    }
    ref.parentNode.insertBefore(fragment, ref);
  }
  return nodes;
};
"""

__all__ += ["elements_builder"]


def elements_builder() -> Callable[[str, str | None, list[Any], Any], Any]:
    """A function ``(spec, roots, outside, ref)`` that makes many elements in one JS call.

    ``spec`` holds the records one after the other, each ``parent, pairs,
    tag, text`` and then ``pairs`` name/value pairs (all strings): the
    element is created, its attributes set, its text set as text (unless
    empty), and it is appended to the ``parent``-th record's element
    (unless ``parent`` is negative). ``spec`` is either all the fields
    joined by ``\\x1f``, or (when a string holds that) the JSON text of
    the list of fields. If ``ref`` is not ``None``, rows are then inserted
    right before it, in order: every record whose parent is negative when
    ``roots`` is ``None``, else the JSON list ``roots``, where ``i >= 0`` is
    the ``i``-th record's element and ``-1 - i`` the ``i``-th node of the
    list ``outside``. Returns the JS array of the records' elements
    (:func:`items` makes it a list). Why strings: one string crosses, and is
    split, faster than any structure of many small values.
    """
    js = _js()
    build = js.Function.new(_ELEMENTS)()
    array_of = js.Array.of

    def elements(spec: str, roots: str | None, outside: list[Any], ref: Any) -> Any:
        return build(spec, roots, array_of(*outside) if outside else None, ref)

    return elements


# A reorder of a keyed list in one crossing (pyfritz._each).
_MOVES = """
return (parent, nodes, refs, keep) => {
  for (let i = 0; i < nodes.length; i++) {
    if (keep) parent.moveBefore(nodes[i], refs[i]);
    else parent.insertBefore(nodes[i], refs[i]);
  }
};
"""

__all__ += ["nodes_mover"]


def nodes_mover() -> Callable[[Any, list[Any], list[Any], bool], None]:
    """A function ``(parent, nodes, refs, keep)`` that moves nodes in one JS call.

    In order, each of ``nodes`` goes right before the same place of
    ``refs``, with ``parent.moveBefore`` when ``keep`` (it keeps focus and
    selection), else ``parent.insertBefore``. Why: a reorder of a keyed
    list moves hundreds of rows, and one call per move costs more than the
    move itself.
    """
    js = _js()
    move = js.Function.new(_MOVES)()
    array_of = js.Array.of

    def moves(parent: Any, nodes: list[Any], refs: list[Any], keep: bool) -> None:
        move(parent, array_of(*nodes), array_of(*refs), keep)

    return moves
